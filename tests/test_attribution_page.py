"""AppTest of the Attribution page from the entrypoint: the figures shown are the metric
functions' (computed independently here on the same database), every model is explained, and
the reconciliation line is there."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.metrics import attribution
from alignment.periods import Period
from alignment.present import attribution_tables, format
from alignment.selection import Selection

REPO = Path(__file__).resolve().parents[1]
SEPTEMBER = Period.month(2026, 9)

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


def _page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    at.query_params.update(query)
    at.run()
    return at.switch_page("pages/attribution.py").run()


def test_attribution_page_shows_the_computed_figures(demo_db: Path) -> None:
    at = _page({"period": "September 2026"})
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Attribution · September 2026"
    con = model.connect(demo_db, read_only=True)
    try:
        selection = Selection(SEPTEMBER, "none")
        reconciliation = attribution.reconciliation(con, selection)
        influenced = attribution.influenced_revenue(con, selection)
        channels = attribution.channel_credit(con, selection)
    finally:
        con.close()
    assert not channels.is_empty()  # the demo has touches before September's opportunities
    shown = {m.label: m.value for m in at.metric}
    assert shown["Attributed credit"] == format.currency(reconciliation["attributed_amount"][0])
    assert shown["Marketing-influenced revenue"] == format.currency(
        influenced["influenced_revenue"]
    )
    captions = " ".join(c.value for c in at.caption)
    assert attribution_tables.reconciliation_line(reconciliation) in captions
    table = at.dataframe[0].value
    assert list(table["Channel"]) == channels["channel"].to_list()
    assert list(table.columns) == ["Channel", *attribution.MODELS.values(), "Rank shift"]
    explained = " ".join(m.value for m in at.markdown)
    for text in attribution.EXPLANATIONS.values():
        assert text in explained


def test_rank_shift_text() -> None:
    assert attribution_tables.rank_shift_text([1, 1, 1]) == "steady at #1"
    assert attribution_tables.rank_shift_text([2, 1, 2]) == "moves 1 place (#1 to #2)"
    assert attribution_tables.rank_shift_text([1, 3, 2]) == "▲▼ moves 2 places (#1 to #3)"
