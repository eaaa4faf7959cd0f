"""AppTest, from the entrypoint, of the Settings page (map editors) and the Data-quality page."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.model import maps
from alignment.present import privacy

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


def _page(path: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    at.switch_page(path).run()
    return at


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_settings_edit_the_channel_map_save_and_see_the_number_change(demo_db: Path) -> None:
    at = _page("pages/settings.py")
    _no_errors(at)
    assert [t.label for t in at.tabs] == [maps.spec(n).label for n in maps.MAP_NAMES]
    # the demo's channels are all mapped
    assert _metric(at, "Records with a mapped value") == "100 %"
    con = model.connect(demo_db, read_only=True)
    rows = maps.read_map(con, "channel_map")["channel_raw"].to_list()
    con.close()
    at.session_state["editor_channel_map"] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [rows.index("Paid Search")],
    }
    at.button(key="save_channel_map").click().run()
    _no_errors(at)
    assert any("Channels map saved" in s.value for s in at.success)
    assert _metric(at, "Records with a mapped value") != "100 %"
    con = model.connect(demo_db, read_only=True)
    assert "Paid Search" not in maps.read_map(con, "channel_map")["channel_raw"].to_list()
    assert maps.unmapped_values(con, "channel_map")["value"].to_list() == ["Paid Search"]
    con.close()
    # the unmapped value is listed and added back in one step (prefilled with Other)
    at.button(key="add_channel_map").click().run()
    _no_errors(at)
    assert _metric(at, "Records with a mapped value") == "100 %"
    con = model.connect(demo_db, read_only=True)
    row = maps.read_map(con, "channel_map").filter(pl.col("channel_raw") == "Paid Search")
    assert row["channel"].to_list() == ["Other"]
    con.close()


def test_settings_reports_a_bad_row_without_saving(demo_db: Path) -> None:
    at = _page("pages/settings.py")
    con = model.connect(demo_db, read_only=True)
    before = maps.read_map(con, "reason_map")
    con.close()
    at.session_state["editor_reason_map"] = {
        "edited_rows": {"0": {"reason": None}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="save_reason_map").click().run()
    assert not at.exception
    assert any("row 1" in e.value and "not saved" in e.value for e in at.error)
    con = model.connect(demo_db, read_only=True)
    assert maps.read_map(con, "reason_map").equals(before)
    con.close()


def test_data_quality_page_lists_checks_and_drills_down(demo_db: Path) -> None:
    at = _page("pages/quality.py")
    _no_errors(at)
    table = at.dataframe[0].value
    assert "Rejected without a reason" in table["label"].tolist()
    options = at.selectbox(key="quality_check").options
    assert any(o.startswith("Rejected without a reason") for o in options)
    at.selectbox(key="quality_check").select_index(
        next(i for i, o in enumerate(options) if o.startswith("Rejected without a reason"))
    ).run()
    _no_errors(at)
    rows = at.dataframe[1].value
    assert {"lead_id", "email", "name"} <= set(rows.columns)
    assert not rows["name"].str.endswith(privacy.MASK).any()
    assert at.get("download_button")


def test_data_quality_drill_down_is_masked_in_presenter_mode(demo_db: Path) -> None:
    at = _page("pages/quality.py", {"present": "1"})
    _no_errors(at)
    options = at.selectbox(key="quality_check").options
    at.selectbox(key="quality_check").select_index(
        next(i for i, o in enumerate(options) if o.startswith("Rejected without a reason"))
    ).run()
    rows = at.dataframe[1].value
    assert rows["name"].str.endswith(privacy.MASK).all()
    assert rows["email"].str.startswith(privacy.MASK).all()


def test_data_quality_on_an_empty_database_explains_what_is_missing(empty_db: Path) -> None:
    at = _page("pages/quality.py")
    _no_errors(at)
    assert any("import" in i.value.lower() for i in at.info)
