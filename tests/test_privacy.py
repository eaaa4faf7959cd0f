"""Masking of personal data for presenter mode and the review pack."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from alignment.present.privacy import mask_personal_data


def test_names_keep_an_initial_and_emails_keep_the_domain() -> None:
    frame = pl.DataFrame(
        {
            "lead_id": ["h:1", "h:2", "h:3", "h:4"],
            "name": ["Ada Lovelace", " grace hopper", None, ""],
            "email": ["ada@example.com", "not-an-email", None, "  "],
            "channel": ["Email", "Events", "Email", "Webinar"],
        }
    )
    expected = pl.DataFrame(
        {
            "lead_id": ["h:1", "h:2", "h:3", "h:4"],
            "name": ["A•••", "g•••", None, None],
            "email": ["•••@example.com", "•••", None, None],
            "channel": ["Email", "Events", "Email", "Webinar"],
        }
    )
    assert_frame_equal(mask_personal_data(frame), expected)


def test_frames_without_personal_columns_are_returned_unchanged() -> None:
    frame = pl.DataFrame({"channel": ["Email"], "n": [3]})
    assert_frame_equal(mask_personal_data(frame), frame)
