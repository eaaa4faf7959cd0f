"""Event logs (ingest.events): one file of events, recognised from its header and imported
through the real pipeline as touchpoints and won opportunities in one import, then credited by
attribution; worked out by hand on the log below.

    row  person  time         event      source      campaign  value
    2    u1      03-01 09:00  page_view  google      brand
    3    u1      03-08 09:00  webinar    linkedin    launch
    4    u1      03-10 09:00  purchase   google      brand     1000   C1
    5    u1      03-15 09:00  page_view  newsletter  march
    6    u1      03-20 09:00  purchase   newsletter  march     500    C2 (u1's second)
    7    u2      03-02 09:00  page_view  newsletter  march
    8    u2      03-05 09:00  signup     google      brand            (no value: a touch)
    9    u2      03-12 09:00  purchase   google      brand     600    C3
    10   u2      03-25 09:00  page_view  google      brand            (after C3: no credit)

Six touches (rows 2, 3, 5, 7, 8, 10) and three conversions (rows 4, 6, 9). A touch counts for
every conversion of its person at or after it, so u1's first two touches count for C1 and C2:
- C1 (1,000): google 03-01, linkedin 03-08;
- C2 (500): google 03-01, linkedin 03-08, newsletter 03-15;
- C3 (600): newsletter 03-02, google 03-05 (the signup).
Attribution shows the touches' channels through the default channel map: google is Paid Search,
linkedin Paid Social; newsletter (no medium in this log) no row covers, so it stays itself.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from alignment import ingest, model
from alignment.db import store
from alignment.ingest import IngestError, propose_mapping
from alignment.metrics import attribution
from alignment.periods import Period

REPO = Path(__file__).resolve().parents[1]
MARCH = Period.month(2026, 3)

EVENT_LOG = b"""user_id,timestamp,event,utm_source,utm_campaign,value
u1,2026-03-01 09:00,page_view,google,brand,
u1,2026-03-08 09:00,webinar,linkedin,launch,
u1,2026-03-10 09:00,purchase,google,brand,1000
u1,2026-03-15 09:00,page_view,newsletter,march,
u1,2026-03-20 09:00,purchase,newsletter,march,500
u2,2026-03-02 09:00,page_view,newsletter,march,
u2,2026-03-05 09:00,signup,google,brand,
u2,2026-03-12 09:00,purchase,google,brand,600
u2,2026-03-25 09:00,page_view,google,brand,
"""

COUNTS_SQL = "SELECT (SELECT count(*) FROM touchpoints), (SELECT count(*) FROM opportunities)"


@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    return model.connect(tmp_path / "events.duckdb")


def _import(con: store.Connection, data: bytes = EVENT_LOG) -> ingest.ImportResult:
    return ingest.import_file(con, data, "events.csv")


def test_an_event_log_is_recognised_from_its_header() -> None:
    columns = ["user_id", "timestamp", "event", "utm_source", "utm_campaign", "value"]
    result = propose_mapping(columns)
    assert (result.preset, result.object_type, result.needs_choice) == (
        "event_log",
        "events",
        False,
    )
    assert result.mapping == {
        "lead_id": "user_id",
        "occurred_at": "timestamp",
        "event": "event",
        "channel": "utm_source",
        "campaign": "utm_campaign",
        "value": "value",
    }


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        # GA4's BigQuery export, flattened
        (
            ["event_timestamp", "event_name", "user_pseudo_id", "traffic_source.source",
             "traffic_source.medium", "traffic_source.name", "event_value_in_usd"],
            {"lead_id": "user_pseudo_id", "occurred_at": "event_timestamp", "event": "event_name",
             "channel": "traffic_source.source", "medium": "traffic_source.medium",
             "campaign": "traffic_source.name", "value": "event_value_in_usd"},
        ),
        # Segment tracks, flattened
        (
            ["messageId", "timestamp", "event", "userId", "context.campaign.source",
             "context.campaign.name", "properties.revenue"],
            {"external_id": "messageId", "occurred_at": "timestamp", "event": "event",
             "lead_id": "userId", "channel": "context.campaign.source",
             "campaign": "context.campaign.name", "value": "properties.revenue"},
        ),
        # Amplitude
        (
            ["event_id", "event_type", "event_time", "user_id", "revenue"],
            {"external_id": "event_id", "event": "event_type", "occurred_at": "event_time",
             "lead_id": "user_id", "value": "revenue"},
        ),
    ],
)  # fmt: skip
def test_analytics_exports_are_event_logs(columns: list[str], expected: dict[str, str]) -> None:
    result = propose_mapping(columns)
    assert (result.object_type, result.needs_choice) == ("events", False)
    assert result.mapping == expected


def test_one_import_writes_touchpoints_and_conversions(con: store.Connection) -> None:
    result = _import(con)
    assert (result.object_type, result.status, result.rows_read, result.rows_loaded) == (
        "events",
        "loaded",
        9,
        9,
    )
    assert result.split == {"touchpoints": 6, "opportunities": 3}
    assert any("1 conversion event row(s) ('signup')" in w for w in result.warnings)
    touches = store.query(
        con,
        "SELECT lead_id, strftime(touched_at, '%m-%d') AS day, channel, campaign, import_id "
        "FROM touchpoints ORDER BY lead_id, touched_at",
    )
    expected = pl.DataFrame(
        {
            "lead_id": ["events:u1"] * 3 + ["events:u2"] * 3,
            "day": ["03-01", "03-08", "03-15", "03-02", "03-05", "03-25"],
            "channel": ["google", "linkedin", "newsletter", "newsletter", "google", "google"],
            "campaign": ["brand", "launch", "march", "march", "brand", "brand"],
            "import_id": [result.import_id] * 6,
        }
    )
    assert_frame_equal(touches, expected, check_dtypes=False)
    conversions = store.query(
        con,
        "SELECT lead_id, name, channel_raw, strftime(created_at, '%m-%d') AS created, "
        "created_at = closed_at AS closed_then, stage_raw, is_closed, is_won, amount, import_id "
        "FROM opportunities ORDER BY lead_id, created_at",
    )
    expected = pl.DataFrame(
        {
            "lead_id": ["events:u1", "events:u1", "events:u2"],
            "name": ["purchase"] * 3,
            "channel_raw": ["google", "newsletter", "google"],
            "created": ["03-10", "03-20", "03-12"],
            "closed_then": [True] * 3,
            "stage_raw": ["Won"] * 3,
            "is_closed": [True] * 3,
            "is_won": [True] * 3,
            "amount": [1000.0, 500.0, 600.0],
            "import_id": [result.import_id] * 3,
        }
    )
    assert_frame_equal(conversions, expected, check_dtypes=False)
    outcomes = store.query(con, "SELECT DISTINCT outcome FROM opp_facts")
    assert outcomes["outcome"].to_list() == ["won"]


def test_keys_are_stable_and_a_corrected_value_updates_in_place(con: store.Connection) -> None:
    _import(con)
    before = store.query(con, "SELECT opp_id, amount FROM opportunities ORDER BY opp_id")
    corrected = EVENT_LOG.replace(
        b"purchase,newsletter,march,500", b"purchase,newsletter,march,550"
    )
    result = _import(con, corrected)
    after = store.query(con, "SELECT opp_id, amount FROM opportunities ORDER BY opp_id")
    assert after["opp_id"].to_list() == before["opp_id"].to_list()
    assert sorted(after["amount"].to_list()) == [550.0, 600.0, 1000.0]
    assert (result.rows_inserted, result.rows_updated) == (0, 1)
    assert con.execute(COUNTS_SQL).fetchone() == (6, 3)


def test_attribution_credits_each_conversion_to_its_persons_earlier_touches(
    con: store.Connection,
) -> None:
    _import(con)
    ledger = attribution.ledger(con, MARCH, limit=50)
    result = (
        ledger.select("amount", "channel", "position", "touches", "first_touch", "linear")
        .sort("amount", "position")
        .with_columns(pl.col("linear").round(2))
    )
    expected = pl.DataFrame(
        {
            # C2 (500): three touches, 500 / 3 = 166.67 each under linear
            # C3 (600): two touches, 300 each; the 03-25 touch is after it
            # C1 (1,000): two touches, 500 each
            "amount": [500.0] * 3 + [600.0] * 2 + [1000.0] * 2,
            "channel": ["Paid Search", "Paid Social", "newsletter", "newsletter",
                        "Paid Search", "Paid Search", "Paid Social"],
            "position": [1, 2, 3, 1, 2, 1, 2],
            "touches": [3, 3, 3, 2, 2, 2, 2],
            "first_touch": [500.0, 0, 0, 600.0, 0, 1000.0, 0],
            "linear": [166.67, 166.67, 166.67, 300.0, 300.0, 500.0, 500.0],
        }
    )  # fmt: skip
    assert_frame_equal(result, expected, check_dtypes=False)


def test_channel_credit_equals_the_hand_computed_credit(con: store.Connection) -> None:
    _import(con)
    result = (
        attribution.channel_credit(con, MARCH)
        .select("channel", "opportunities", "first_touch", "last_touch", "linear")
        .with_columns(pl.col("linear").round(2))
    )
    expected = pl.DataFrame(
        {
            "channel": ["Paid Search", "Paid Social", "newsletter"],  # google, linkedin, ...
            # google: C1 and C2 (u1's 03-01) and C3 (u2's signup)
            "opportunities": [3, 2, 2],
            # first touch: C1 and C2 go to google (1,000 + 500), C3 to newsletter (600)
            "first_touch": [1500.0, 0.0, 600.0],
            # last touch: C1 linkedin (1,000), C2 newsletter (500), C3 google (600)
            "last_touch": [600.0, 1000.0, 500.0],
            # linear: google 500 + 166.67 + 300, linkedin 500 + 166.67, newsletter 166.67 + 300
            "linear": [966.67, 666.67, 466.67],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)
    # every conversion is attributed in full: 1,000 + 500 + 600
    assert result["linear"].sum() == pytest.approx(2100.0, abs=0.02)


def test_undo_removes_both_sides(con: store.Connection) -> None:
    result = _import(con)
    assert result.import_id is not None
    counts = ingest.delete_import(con, result.import_id)
    assert counts == {"rows_removed": 9, "rows_restored": 0}
    assert con.execute(COUNTS_SQL).fetchone() == (0, 0)
    assert store.scalar(con, "SELECT count(*) FROM opp_facts") == 0
    assert store.scalar(con, "SELECT count(*) FROM imports") == 0


def test_a_value_that_is_not_a_number_refuses_the_file(con: store.Connection) -> None:
    _import(con)
    # spreadsheet row 8 (the header is row 1) holds the bad value
    bad = EVENT_LOG.replace(b"signup,google,brand,", b"signup,google,brand,abc")
    before = con.execute(COUNTS_SQL).fetchone()
    with pytest.raises(IngestError) as raised:
        ingest.import_file(con, bad, "bad_events.csv")
    assert raised.value.file_name == "bad_events.csv"
    assert (raised.value.row, raised.value.column) == (8, "value")
    assert str(raised.value).startswith("bad_events.csv, row 8, column 'value': value 'abc'")
    assert con.execute(COUNTS_SQL).fetchone() == before
    # only the first import is recorded, with none of the bad file's rejects
    assert con.execute("SELECT count(*) FROM imports").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM import_rejects").fetchone() == (0,)


def test_a_row_without_a_person_is_rejected_and_the_rest_loads(con: store.Connection) -> None:
    result = _import(con, EVENT_LOG.replace(b"u2,2026-03-25", b",2026-03-25"))
    assert (result.rows_rejected, result.split) == (1, {"touchpoints": 5, "opportunities": 3})
    rejects = ingest.import_rejects(con, result.import_id or 0)
    assert rejects.select("row", "column").rows() == [(10, "user_id")]


def test_valued_events_that_are_not_conversions_are_touches(con: store.Connection) -> None:
    # GA4's add_to_cart carries a value; the file's conversions are its purchases
    data = EVENT_LOG + b"u2,2026-03-11 09:00,add_to_cart,google,brand,600\n"
    result = _import(con, data)
    assert result.split == {"touchpoints": 7, "opportunities": 3}
    assert any("1 row(s) with a value are not conversion events" in w for w in result.warnings)


def test_without_conversion_names_every_valued_row_converts(con: store.Connection) -> None:
    data = b"email,event_time,source,revenue\na@x.com,2026-03-01,ads,\na@x.com,2026-03-04,ads,90\n"
    result = _import(con, data)
    assert result.split == {"touchpoints": 1, "opportunities": 1}
    row = con.execute("SELECT lead_id, name, amount FROM opportunities").fetchone()
    # no event column: a generic reading (the page asks to confirm it), source `generic`
    assert row == ("generic:a@x.com", "Conversion", 90.0)


pytestmark_pages = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


@pytestmark_pages
def test_import_page_recognises_and_imports_an_event_log(empty_db: Path) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/import_data.py").run()
    at.file_uploader(key="uploads").set_value(("events.csv", EVENT_LOG, "text/csv")).run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [
        "Detected **Event log** (touchpoints and won opportunities, from one row per event), "
        "confidence 100%."
    ]
    at.button(key=next(b.key for b in at.button if b.key.startswith("go_"))).click().run()
    assert not at.exception and not at.error
    headline = at.success[-1].value
    assert headline.startswith("Imported events.csv as an event log (source events, import #1)")
    assert "6 touchpoints, 3 conversions as won opportunities" in headline
    con = model.connect(empty_db, read_only=True)
    assert con.execute(COUNTS_SQL).fetchone() == (6, 3)
    con.close()


def test_a_segment_export_imports_with_its_event_ids(con: store.Connection) -> None:
    # tests/fixtures/exports/event_log_segment.csv: u1 touches 03-01 (google) and 03-08
    # (linkedin), converts 03-10 (1,000); u2 touches 03-02 (newsletter) and signs up 03-05
    # (google, no value: a touch), converts 03-12 (600). Mapped with their mediums: google /
    # cpc is Paid Search (the source), linkedin / social Paid Social (the source), newsletter /
    # email Email (no row for the source: `* / email`)
    path = REPO / "tests" / "fixtures" / "exports" / "event_log_segment.csv"
    result = ingest.import_file(con, path, path.name)
    assert (result.preset, result.split) == ("event_log", {"touchpoints": 4, "opportunities": 2})
    keys = store.query(con, "SELECT opp_id, currency FROM opportunities ORDER BY opp_id")
    assert keys.rows() == [("events:ajs-1c", "USD"), ("events:ajs-2c", "USD")]
    result = attribution.channel_credit(con, MARCH).select("channel", "first_touch").sort("channel")
    # first touch: 1,000 to u1's google, 600 to u2's newsletter
    expected = pl.DataFrame(
        {"channel": ["Email", "Paid Search", "Paid Social"], "first_touch": [600.0, 1000.0, 0.0]}
    )
    assert_frame_equal(result, expected, check_dtypes=False)
