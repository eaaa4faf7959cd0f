from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from alignment.export import neutralise, safe_csv


def test_formula_cells_are_neutralised_and_numbers_kept() -> None:
    frame = pl.DataFrame(
        {"text": ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "plain", None], "n": [-1, 2, 3, 4, 5, 6]}
    )
    expected = pl.DataFrame(
        {
            "text": ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM(A1)", "plain", None],
            "n": [-1, 2, 3, 4, 5, 6],
        }
    )
    assert_frame_equal(neutralise(frame), expected)


def test_safe_csv_has_a_bom_for_excel() -> None:
    result = safe_csv(pl.DataFrame({"a": ["=1"]}))
    assert result == b"\xef\xbb\xbfa\n'=1\n"
