"""AppTest, from the entrypoint, of the Settings page (the SLA contract and the map editors) and
the Data-quality page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.app import edits
from alignment.model import maps
from alignment.model import sla_contract_io as contract_io
from alignment.model.sla_contract import Calendar, Commitment, Contract
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
    assert [t.label for t in at.tabs] == [
        "SLA contract",
        *(maps.spec(n).label for n in maps.MAP_NAMES),
    ]
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
    at.button(key="save_pending_channel_map_yes").click().run()  # a removal asks first
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


# ---- saves that remove or change rows, and resets, ask first ----------------------------------
def _map(path: Path, name: str) -> pl.DataFrame:
    con = model.connect(path, read_only=True)
    try:
        return maps.read_map(con, name)
    finally:
        con.close()


def _remove_channels(at: AppTest, stored: pl.DataFrame, raws: list[str]) -> None:
    """Delete the rows of `raws` in the channel map's editor and click Save."""
    positions = stored["channel_raw"].to_list()
    at.session_state["editor_channel_map"] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [positions.index(r) for r in raws],
    }
    at.button(key="save_channel_map").click().run()


def test_a_map_save_that_removes_rows_asks_first_and_cancel_keeps_the_map(demo_db: Path) -> None:
    before = _map(demo_db, "channel_map")
    at = _page("pages/settings.py")
    _remove_channels(at, before, ["Paid Search", "Google Ads"])
    _no_errors(at)
    # stored order is case-insensitive by raw value: Google Ads before Paid Search; the records
    # holding either value, counted in plain SQL (no touchpoint source / medium pair or medium
    # is spelt like these channel names)
    con = model.connect(demo_db, read_only=True)
    records = con.execute(
        """SELECT (SELECT count(*) FROM leads
                   WHERE lower(trim(coalesce(channel_raw, channel))) IN $names)
                + (SELECT count(*) FROM opportunities
                   WHERE lower(trim(coalesce(channel_raw, channel))) IN $names)
                + (SELECT count(*) FROM touchpoints WHERE lower(trim(channel)) IN $names)""",
        {"names": ["google ads", "paid search"]},
    ).fetchone()[0]
    con.close()
    assert records > 0
    assert [w.value for w in at.warning] == [
        "Save the channels map? This removes 2 rows (Google Ads, Paid Search). "
        f"{records:,} records with those values may be mapped anew on every page."
    ]
    assert _map(demo_db, "channel_map").equals(before)
    at.button(key="save_pending_channel_map_cancel").click().run()
    _no_errors(at)
    assert not at.warning and not at.success
    assert _map(demo_db, "channel_map").equals(before)


def test_a_map_save_that_removes_rows_saves_once_confirmed_and_names_the_counts(
    demo_db: Path,
) -> None:
    before = _map(demo_db, "channel_map")
    at = _page("pages/settings.py")
    _remove_channels(at, before, ["Paid Search", "Google Ads"])
    at.button(key="save_pending_channel_map_yes").click().run()
    _no_errors(at)
    assert [s.value for s in at.success] == [
        "Channels map saved: 2 removed. Every page now uses it."
    ]
    after = _map(demo_db, "channel_map")
    # 2 of the stored rows gone, the rest as they were
    assert after.height == before.height - 2
    assert after.equals(before.filter(~pl.col("channel_raw").is_in(["Paid Search", "Google Ads"])))


def test_a_map_save_that_only_adds_rows_does_not_ask(demo_db: Path) -> None:
    before = _map(demo_db, "reason_map")
    at = _page("pages/settings.py")
    at.session_state["editor_reason_map"] = {
        "edited_rows": {},
        "added_rows": [{"reason_raw": "Too slow", "reason": "Timeline too long"}],
        "deleted_rows": [],
    }
    at.button(key="save_reason_map").click().run()
    _no_errors(at)
    assert not at.warning
    assert [s.value for s in at.success] == [
        "Rejection and lost reasons map saved: 1 added. Every page now uses it."
    ]
    assert _map(demo_db, "reason_map").height == before.height + 1


def test_the_save_question_lists_at_most_five_names_then_how_many_more() -> None:
    changes = maps.MapChanges(
        added=("N",), changed=("X", "Y"), removed=("A", "B", "C", "D", "E", "F", "G")
    )
    # 7 removed: 5 named, then "and 2 more"
    assert edits.map_question_text("stage_map", changes, 1234) == (
        "Save the stages map? This removes 7 rows (A, B, C, D, E and 2 more), changes 2 (X, Y) "
        "and adds 1. 1,234 records with those values may be mapped anew on every page."
    )
    assert edits.map_question_text("reason_map", maps.MapChanges(changed=("X",)), 0) == (
        "Save the rejection and lost reasons map? This changes 1 (X). No record has those values."
    )


def test_reset_a_map_to_the_defaults_asks_then_restores_them(demo_db: Path) -> None:
    before = _map(demo_db, "channel_map")
    at = _page("pages/settings.py")
    _remove_channels(at, before, ["Paid Search", "Google Ads", "Web"])
    at.button(key="save_pending_channel_map_yes").click().run()
    edited = _map(demo_db, "channel_map")
    defaults = maps.default_map("channel_map").height
    assert edited.height == before.height - 3
    at.button(key="reset_channel_map").click().run()
    _no_errors(at)
    assert [w.value for w in at.warning] == [
        f"Replace your {edited.height:,} rows of the channels map with the {defaults:,} default "
        "rows (3 added)? Your own rows are lost."
    ]
    assert _map(demo_db, "channel_map").equals(edited)
    at.button(key="reset_pending_channel_map_cancel").click().run()
    assert _map(demo_db, "channel_map").equals(edited)
    at.button(key="reset_channel_map").click().run()
    at.button(key="reset_pending_channel_map_yes").click().run()
    _no_errors(at)
    # the demo's map was the defaults: the three removed rows come back, nothing else moves
    assert [s.value for s in at.success] == [
        f"Channels map reset to the defaults ({defaults:,} rows): 3 added. Every page now uses it."
    ]
    assert _map(demo_db, "channel_map").height == defaults
    # now the map is the defaults: a reset says it would change nothing
    at.button(key="reset_channel_map").click().run()
    assert [w.value for w in at.warning] == [
        f"The channels map already holds its {defaults:,} default rows: resetting it changes "
        "nothing."
    ]


# ---- the SLA contract tab ---------------------------------------------------------------------
TODAY = "2026-11-23"


def _versions(path: Path) -> tuple[Contract, ...]:
    con = model.connect(path, read_only=True)
    try:
        return contract_io.load_versions(con)
    finally:
        con.close()


def _contract_page(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ALIGNMENT_NOW", TODAY)
    return _page("pages/settings.py")


def _edit_rows(rows: dict[str, dict[str, object]], added: list[dict[str, object]] | None = None):
    return {"edited_rows": rows, "added_rows": added or [], "deleted_rows": []}


def test_contract_change_a_target_and_save_stores_a_version(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _contract_page(monkeypatch)
    _no_errors(at)
    assert any("No version saved yet" in i.value for i in at.info)
    assert at.selectbox(key="sla_version").value == "new"
    at.date_input(key="sla_edit_new_effective_from").set_value(date(2026, 1, 1))
    # row 1 is mql_to_sql, shown in percent: 30 % is stored as the share 0.3
    at.session_state["sla_edit_new_commitments"] = _edit_rows({"1": {"target": 30}})
    at.button(key="sla_save").click().run()
    _no_errors(at)
    assert [s.value for s in at.success] == [
        "SLA contract effective from 2026-01-01 saved (it is a new version)."
    ]
    expected = replace(
        Contract(),
        effective_from=date(2026, 1, 1),
        mql_to_sql=Commitment("marketing", 0.3, 0.22),
    )
    assert _versions(empty_db) == (expected,)
    # the versions table lists it as in effect today, and the editor opens on it
    table = at.dataframe[0].value
    assert table["status"].tolist() == ["in effect today"]
    assert at.selectbox(key="sla_version").value == "2026-01-01"


def test_contract_a_window_of_0_days_is_refused_and_nothing_stored(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _contract_page(monkeypatch)
    at.number_input(key="sla_edit_new_attempt_days").set_value(0)
    at.button(key="sla_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The SLA contract was not saved: attempt_days must be at least 1 (got 0: a window of 0 "
        "days holds no attempt)"
    ]
    assert _versions(empty_db) == ()


def test_contract_a_calendar_added_in_the_editor_is_stored(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _contract_page(monkeypatch)
    at.date_input(key="sla_edit_new_effective_from").set_value(date(2026, 2, 1))
    london = {
        "name": "London",
        "time_zone": "Europe/London",
        "working_days": "Mon-Thu",
        "opens": "08:30",
        "closes": "16:00",
        "country": "GB",
        "subdivision": "ENG",
        "closed_dates": "2026-12-24, 2026-12-31",
        "regions": "UK, Ireland",
        "always_open": False,
    }
    at.session_state["sla_edit_new_calendars"] = _edit_rows({}, [london])
    at.button(key="sla_save").click().run()
    _no_errors(at)
    (saved,) = _versions(empty_db)
    assert saved.calendars == (
        Calendar("default"),
        Calendar(
            "London",
            time_zone="Europe/London",
            working_days=(0, 1, 2, 3),
            opens=time(8, 30),
            closes=time(16, 0),
            country="GB",
            subdivision="ENG",
            closed_dates=(date(2026, 12, 24), date(2026, 12, 31)),
            regions=("UK", "Ireland"),
        ),
    )


def test_contract_a_calendar_closing_before_opening_is_refused(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _contract_page(monkeypatch)
    at.session_state["sla_edit_new_calendars"] = _edit_rows({"0": {"opens": "18:00"}})
    at.button(key="sla_save").click().run()
    assert not at.exception
    assert any("closing before opening" in e.value for e in at.error)
    assert _versions(empty_db) == ()


def test_contract_upload_a_toml_file_saves_it(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _contract_page(monkeypatch)
    uploaded = replace(Contract(), effective_from=date(2026, 4, 1), attempt_days=10)
    data = contract_io.to_toml(uploaded).encode()
    at.file_uploader(key="sla_upload_0").set_value(("sla.toml", data, "application/toml")).run()
    at.button(key="sla_upload_save").click().run()
    _no_errors(at)
    assert any("saved" in s.value for s in at.success)
    assert _versions(empty_db) == (uploaded,)
    # the download offers the version in effect as a file
    assert at.get("download_button")


def test_contract_a_bad_upload_names_the_line_and_saves_nothing(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _contract_page(monkeypatch)
    text = "effective_from = 2026-04-01\nattempt_days = 14\nattempt_count = -2\n"
    at.file_uploader(key="sla_upload_0").set_value(
        ("sla.toml", text.encode(), "application/toml")
    ).run()
    at.button(key="sla_upload_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "sla.toml, line 3: attempt_count must be at least 1 (got -2)"
    ]
    assert _versions(empty_db) == ()


def test_contract_delete_a_version_after_confirming(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = model.connect(empty_db)
    january = replace(Contract(), effective_from=date(2026, 1, 1))
    july = replace(Contract(), effective_from=date(2026, 7, 1), attempt_count=4)
    contract_io.save_version(con, january)
    contract_io.save_version(con, july)
    con.close()
    at = _contract_page(monkeypatch)
    _no_errors(at)
    assert at.dataframe[0].value["status"].tolist() == ["earlier", "in effect today"]
    assert at.selectbox(key="sla_version").value == "2026-07-01"  # the one in effect
    at.button(key="sla_delete").click().run()
    assert any("version effective from 2026-07-01?" in w.value for w in at.warning)
    assert _versions(empty_db) == (january, july)  # nothing yet: it asks first
    at.button(key="sla_delete_pending_yes").click().run()
    _no_errors(at)
    assert any("deleted" in s.value for s in at.success)
    assert _versions(empty_db) == (january,)


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
