"""Presenter mode on a shared screen: no e-mail address or owner name from the data appears
on any review page, including breakdowns by owner and a filter on one owner (AppTest, reading
every element the pages draw); outside presenter mode the same names are there, so the check
can fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.db import store
from alignment.present import privacy

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
PAGES: tuple[tuple[str, dict[str, str]], ...] = (
    ("pages/overview.py", {}),
    ("pages/funnel.py", {"funnel_by": "Owner"}),
    ("pages/sla.py", {"sla_within": "true", "sla_by": "Owner"}),
    ("pages/rejections.py", {"rejections_by": "Owner"}),
    ("pages/channels.py", {"channels_by": "Owner"}),
    ("pages/attribution.py", {}),
    ("pages/explore.py", {"explore_by": "Owner", "explore_records": "true"}),
)


def _people(path: Path) -> tuple[list[str], list[str]]:
    """Owner names and e-mail addresses in the database (what must not be shown)."""
    con = model.connect(path, read_only=True)
    try:
        owners = store.query(con, "SELECT DISTINCT owner FROM leads WHERE owner IS NOT NULL")[
            "owner"
        ].to_list()
        emails = store.query(
            con, "SELECT DISTINCT email FROM leads WHERE email IS NOT NULL LIMIT 200"
        )["email"].to_list()
    finally:
        con.close()
    return owners, emails


def _shown_text(node: Any) -> str:
    """Every element's message under `node`, as text (labels, values, options, chart specs,
    table cells)."""
    parts = [str(node.proto)] if getattr(node, "proto", None) is not None else []
    for child in getattr(node, "children", {}).values():
        parts.append(_shown_text(child))
    return "\n".join(parts)


def _page_text(path: str, query: dict[str, str]) -> str:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    at.query_params.update(query)
    at.run()
    at = at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return _shown_text(at.main)


@pytest.mark.parametrize(("path", "query"), PAGES, ids=[p for p, _ in PAGES])
def test_no_owner_name_or_email_in_presenter_mode(
    demo_db: Path, path: str, query: dict[str, str]
) -> None:
    owners, emails = _people(demo_db)
    base = {"period": "September 2026", **query}
    shown = _page_text(path, {**base, "present": "1", "owner": owners[0]})
    leaked = [o for o in owners if o in shown] + [e for e in emails if e in shown]
    assert not leaked, leaked[:5]
    if query:  # the same breakdown outside presenter mode names the owners
        plain = _page_text(path, base)
        assert any(o in plain for o in owners)


def test_masked_labels_stay_distinct() -> None:
    result = privacy.masked_labels(["Ada Lovelace", "Alan Turing", None, "Ada Lovelace", " "])
    expected = {"Ada Lovelace": "A•••", "Alan Turing": "A••• 2", " ": "•••"}
    assert result == expected


def test_no_owner_is_not_a_name_to_mask() -> None:
    result = privacy.masked_labels(["(not set)", "Ada Lovelace"])
    assert result == {"(not set)": "(not set)", "Ada Lovelace": "A•••"}
    frame = pl.DataFrame({"owner": ["(not set)", "Ada Lovelace", None]})
    masked = privacy.mask_personal_data(frame)["owner"].to_list()
    assert masked == ["(not set)", "A•••", None]


def test_masking_a_masked_breakdown_again_keeps_its_labels_apart() -> None:
    frame = pl.DataFrame({"owner": ["Ada Lovelace", "Alan Turing"]})
    once = privacy.mask_dimension(frame, "owner")
    twice = privacy.mask_personal_data(once)  # what a table on a shared screen does too
    assert twice["owner"].to_list() == ["A•••", "A••• 2"]
