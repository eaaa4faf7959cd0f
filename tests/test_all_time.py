"""All of the history: undated records and conversion flags in "All time", and period lists over
the data's whole range. A tiny hand-made fixture (every expected number worked out below), the
migration and the header aliases behind the flags, and both real datasets in
`../shared/realdata/` imported with no mapping, checked against plain DuckDB over the raw files.

The lead fixture (UTC; `-` = empty; conv = `is_converted`, won = `is_won`):

    lead  created     mql         sql         conv   won    rejection reason (raw)
    U1    -           -           -           -      TRUE   Chose a competitor  (won: no rejection)
    U2    -           -           -           TRUE   -      -
    U3    -           -           -           -      -      -
    U4    -           -           -           FALSE  FALSE  Budget
    D1    2026-03-02  2026-03-03  -           TRUE   -      -
    D2    2026-03-05  2026-03-06  2026-03-10  -      -      -

Reached (a date for the stage or a later one, or a flag meaning it or a later one; a converted
flag means an opportunity, a won flag a customer; every lead reached the lead stage):

    lead  lead  mql  sal  sql  opportunity  won
    U1    x     x    x    x    x            x      (won flag)
    U2    x     x    x    x    x                   (converted flag)
    U3    x
    U4    x
    D1    x     x    x    x    x                   (MQL date + converted flag)
    D2    x     x    x    x                        (skipped SAL: the SQL date counts for it)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from alignment import ingest, model
from alignment.app import sidebar
from alignment.db import schema, store
from alignment.metrics import funnel, overview, records, registry, rejections
from alignment.metrics.conversion import converted_share_by
from alignment.model import facts
from alignment.periods import ALL_TIME, Period
from alignment.present import format
from alignment.screens import quality as quality_screen

from .conftest import REALDATA

MARCH = Period.month(2026, 3)
REPO = Path(__file__).resolve().parents[1]
MAVEN = REALDATA / "maven" / "sales_pipeline.csv"
XEDUCATION = REALDATA / "xeducation" / "leads.csv"

LEADS = """
('U1', NULL,         NULL,         NULL,         NULL,  TRUE,  'Chose a competitor'),
('U2', NULL,         NULL,         NULL,         TRUE,  NULL,  NULL),
('U3', NULL,         NULL,         NULL,         NULL,  NULL,  NULL),
('U4', NULL,         NULL,         NULL,         FALSE, FALSE, 'Budget'),
('D1', '2026-03-02', '2026-03-03', NULL,         TRUE,  NULL,  NULL),
('D2', '2026-03-05', '2026-03-06', '2026-03-10', NULL,  NULL,  NULL)
"""


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "t.duckdb")
    connection.execute(
        f"""
        INSERT INTO leads (lead_id, source_system, external_id, created_at, mql_at, sql_at,
                           is_converted, is_won, rejection_reason_raw)
        SELECT 'test:' || id, 'test', id, created, mql, sql_, conv, won, reason
        FROM (VALUES {LEADS}) v(id, created, mql, sql_, conv, won, reason)
        """
    )
    facts.refresh(connection)
    yield connection
    connection.close()


def _ids(con: store.Connection, condition: str, params: list[object]) -> list[str]:
    frame, _ = records.lead_page(con, condition, params, page_size=100)
    return sorted(i.removeprefix("test:") for i in frame["lead_id"].to_list())


# ---- the model -----------------------------------------------------------------------------
def test_lead_facts_say_which_stages_each_lead_reached(con: store.Connection) -> None:
    columns = ", ".join(f"reached_{s}" for s in schema.LEAD_STAGES)
    result = store.query(
        con, f"SELECT external_id, {columns} FROM lead_facts ORDER BY external_id"
    ).rows()
    # the table in the module docstring
    assert result == [
        ("D1", True, True, True, True, True, False),
        ("D2", True, True, True, True, False, False),
        ("U1", True, True, True, True, True, True),
        ("U2", True, True, True, True, True, False),
        ("U3", True, False, False, False, False, False),
        ("U4", True, False, False, False, False, False),
    ]
    # the live view computes the same
    live = store.query(
        con, f"SELECT external_id, {columns} FROM lead_facts_live ORDER BY external_id"
    ).rows()
    assert live == result


# ---- Overview --------------------------------------------------------------------------------
def test_all_time_kpis_count_undated_leads_and_flags(con: store.Connection) -> None:
    result = overview.kpis(con, ALL_TIME).row(0, named=True)
    expected = {
        "leads": 6,  # every lead, dated or not
        "mqls": 4,  # U1, U2 (flags), D1, D2 (dates)
        "sals": 4,  # the same four: flags and D2's SQL date imply SAL
        "sqls": 4,  # U1, U2, D1 by flag, D2 by date
        "opps": 3,  # U1, U2, D1
        "wins": 1,  # U1
        "mql_to_sql": 1.0,  # 4 / 4
        "mql_to_won": 0.25,  # 1 / 4
    }
    assert {k: result[k] for k in expected} == expected


def test_a_flag_counts_in_a_dated_cohort_too(con: store.Connection) -> None:
    result = overview.kpis(con, MARCH).row(0, named=True)
    # March: D1 and D2 created and MQL; D1 reached SQL and opportunity by its converted flag
    # (no dates for them), D2 reached SQL by date; nobody won
    expected = {"leads": 2, "mqls": 2, "sals": 2, "sqls": 2, "opps": 1, "wins": 0}
    assert {k: result[k] for k in expected} == expected
    trend = overview.monthly_trend(con, MARCH, 1).row(0, named=True)
    assert (trend["mqls"], trend["sqls"]) == (2, 2)


# ---- Funnel ----------------------------------------------------------------------------------
def test_all_time_funnel_counts_undated_leads_in_both_views(con: store.Connection) -> None:
    for view in ("cohort", "flow"):
        result = funnel.stage_funnel(con, ALL_TIME, view=view, first_stage="lead")
        # lead 6, MQL 4, SAL 4, SQL 4, opportunity 3 (U1, U2, D1), won 1 (U1)
        assert result["n"].to_list() == [6, 4, 4, 4, 3, 1], view


def test_a_conversion_window_needs_dates_even_for_all_time(con: store.Connection) -> None:
    # a window counts days from the MQL date: only D1 and D2 have one; D2 reached SAL (through
    # its SQL date) and SQL 4 days after MQL, D1's flag has no date to measure
    result = funnel.stage_funnel(con, ALL_TIME, first_stage="mql", window_days=30)
    assert result["n"].to_list() == [2, 1, 1, 0, 0]
    # time to convert needs both dates: D2 only, 6 -> 10 March = 4 days
    time = funnel.time_to_convert(con, ALL_TIME).row(0, named=True)
    assert (time["n"], time["median_days"]) == (1, pytest.approx(4.0))


def test_the_drill_down_lists_the_undated_leads_it_counts(con: store.Connection) -> None:
    won = funnel.Cell(ALL_TIME, first_stage="lead", stage="won")
    assert _ids(con, *funnel.cell_condition(won)) == ["U1"]
    dropped = funnel.Cell(ALL_TIME, first_stage="lead", stage="mql", outcome="not_reached")
    assert _ids(con, *funnel.cell_condition(dropped)) == ["U3", "U4"]


def test_lead_acceptance_of_all_time_counts_flagged_mqls(con: store.Connection) -> None:
    result = funnel.lead_acceptance(con, ALL_TIME).row(0, named=True)
    # MQLs U1, U2, D1, D2, all accepted (a flag or a later stage implies SAL)
    assert (result["mqls"], result["accepted"], result["rejected"]) == (4, 4, 0)


# ---- Rejections and the conversion flag share ------------------------------------------------
def test_a_lead_flagged_won_is_not_a_rejection(con: store.Connection) -> None:
    # U1 has a reason but is flagged won; U4 (undated, flags FALSE) is the one rejection
    pareto = rejections.pareto(con, ALL_TIME, level="raw")
    assert pareto.select("reason", "n").rows() == [("Budget", 1)]
    assert rejections.record_count(con, ALL_TIME, level="raw") == 1


def test_converted_share_counts_won_flags_as_converted(con: store.Connection) -> None:
    result = converted_share_by(con, "channel").row(0, named=True)
    # 6 leads without a channel; converted: U1 (won), U2 and D1 (converted) = 3
    assert (result["channel"], result["leads"], result["converted"]) == ("(not set)", 6, 3)


# ---- trust notes --------------------------------------------------------------------------------
def test_trust_notes_say_which_stages_only_flags_imply(con: store.Connection) -> None:
    notes = quality_screen.trust_notes(con, ALL_TIME)
    # all-time MQL cohort: U1, U2, D1, D2 = 4. U1 and U2 have no date at all; SQL by a flag
    # only: U1, U2, D1 = 3; won by a flag only: U1 = 1
    assert notes["mqls"].startswith("MQLs: 2 of 4 have no stage date and count as MQLs only")
    assert notes["sqls"].startswith("SQLs: 3 of 4 MQLs count as SQL only because of a converted")
    assert "3 of 4 MQLs count as SQL" in notes["mql_to_sql"]
    assert "not a measured conversion" in notes["mql_to_sql"]
    assert "1 of 4 MQLs count as Won" in notes["mql_to_won"]
    assert "not a measured conversion" in notes["mql_to_won"]
    assert "not a measured" not in notes["sqls"]  # a count, not a rate
    # March: D1 and D2; D1 is SQL by its flag
    march = quality_screen.trust_notes(con, MARCH)
    assert "mqls" not in march
    assert "1 of 2 MQLs count as SQL" in march["mql_to_sql"]


# ---- schema, migration and header aliases -------------------------------------------------------
def test_a_version_4_database_gets_is_won(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = model.connect(path)
    con.execute("INSERT INTO leads (lead_id, source_system, external_id) VALUES ('a:1', 'a', '1')")
    for table in ("leads", "leads_replaced"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN is_won")
    con.execute("DELETE FROM schema_version WHERE version >= 5")
    con.close()

    con = model.connect(path)
    assert store.schema_version(con) >= 5
    for table in ("leads", "leads_replaced"):
        columns = store.query(con, f"DESCRIBE {table}")["column_name"].to_list()
        assert "is_won" in columns, table
    assert store.scalar(con, "SELECT count(*) FROM lead_facts WHERE is_won IS NULL") == 1
    con.close()


def test_a_generic_converted_flag_means_won_and_salesforce_s_an_opportunity() -> None:
    header = XEDUCATION.read_text(encoding="utf-8").splitlines()[0].split(",")
    generic = ingest.propose_mapping(header)
    assert generic.mapping.get("is_won") == "Converted"
    assert "is_converted" not in generic.mapping
    salesforce = ingest.propose_mapping(
        ["Lead ID", "Lead Owner", "Lead Source", "Lead Status", "Converted", "Converted Date"]
    )
    assert salesforce.preset == "salesforce_leads"
    assert salesforce.mapping.get("is_converted") == "Converted"
    assert "is_won" not in salesforce.mapping


# ---- periods over the data's whole range ------------------------------------------------------
def test_period_options_cover_the_whole_range_without_a_cap() -> None:
    today = date(2026, 12, 2)
    # five years of data: 60 months (the old list stopped at 36), newest first, then all time
    months = sidebar.period_options("month", date(2020, 1, 15), date(2024, 12, 3), today)
    assert len(months) == 61 and months[0] == "2024-12" and months[-2:] == ["2020-01", "all"]
    # 2020-W03 to 2024-W49: 2020 has 53 ISO weeks (53 - 3 + 1 = 51), 2021-2023 have 52 each
    # (156), then 49 of 2024: 256 weeks (the old list stopped at 26)
    weeks = sidebar.period_options("week", date(2020, 1, 15), date(2024, 12, 3), today)
    assert len(weeks) == 256 + 1 and weeks[0] == "2024-W49" and weeks[-2] == "2020-W03"
    # no data: the last complete period and all time
    assert sidebar.period_options("quarter", None, None, today) == ["2026-Q3", "all"]


def test_an_open_deal_s_expected_close_does_not_move_the_default_period(
    con: store.Connection,
) -> None:
    # an open deal created 10 March 2026 expected to close in December 2030
    con.execute(
        "INSERT INTO opportunities (opp_id, source_system, external_id, created_at, closed_at, "
        "stage_raw) VALUES ('test:O1', 'test', 'O1', '2026-03-10', '2030-12-31', 'Negotiation')"
    )
    facts.refresh(con)
    earliest, latest = overview.data_date_range(con)
    # the last event is D2's SQL date (10 March) and the deal's creation (10 March)
    assert (earliest, latest) == (date(2026, 3, 2), date(2026, 3, 10))
    today = date(2026, 12, 2)
    assert sidebar.default_period("month", earliest, latest, today).key == "2026-03"
    assert sidebar.period_options("month", earliest, latest, today) == ["2026-03", "all"]


# ---- both real datasets, imported with no mapping ---------------------------------------------
@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Maven's pipeline and X Education's leads in one database, imported as a user would:
    no mapping, no options."""
    path = tmp_path_factory.mktemp("realdata") / "real.duckdb"
    con = model.connect(path)
    for file in (MAVEN, XEDUCATION):
        result = ingest.import_file(con, file, file.name)
        assert result.rows_rejected == 0, result.warnings
    con.close()
    return path


def _raw(sql: str) -> list[tuple[object, ...]]:
    """Plain DuckDB over the raw files (`{maven}` and `{xeducation}` in `sql`)."""
    text = sql.format(
        maven=f"read_csv({store.quote_literal(str(MAVEN))})",
        xeducation=f"read_csv({store.quote_literal(str(XEDUCATION))})",
    )
    return duckdb.sql(text).fetchall()


def test_every_period_holding_real_events_is_selectable(real_db: Path) -> None:
    con = model.connect(real_db, read_only=True)
    earliest, latest = overview.data_date_range(con)
    con.close()
    today = datetime.now(UTC).date()
    # event dates: every engage date and the close date of every closed deal (X Education has
    # no dates at all)
    events = """
        SELECT engage_date AS d FROM {maven} WHERE engage_date IS NOT NULL
        UNION ALL
        SELECT close_date FROM {maven} WHERE deal_stage IN ('Won', 'Lost')
    """
    for grain, key in (
        ("month", "strftime(d, '%Y-%m')"),
        ("quarter", "year(d) || '-Q' || quarter(d)"),
        ("week", "strftime(d, '%G-W%V')"),
    ):
        expected = {k for (k,) in _raw(f"SELECT DISTINCT {key} FROM ({events})")}
        options = sidebar.period_options(grain, earliest, latest, today)  # type: ignore[arg-type]
        assert expected <= set(options), grain
        # newest first, from the last event's period to the first's (nothing after the data)
        dated = [k for k in options if k != "all"]
        assert (dated[0], dated[-1]) == (max(expected), min(expected)), grain
    # the default is the data's last month, which holds closed deals
    default = sidebar.default_period("month", earliest, latest, today)
    assert default.key == max(k for (k,) in _raw(f"SELECT strftime(d, '%Y-%m') FROM ({events})"))


def test_all_time_figures_include_the_undated_real_records(real_db: Path) -> None:
    con = model.connect(real_db, read_only=True)
    kpis = overview.kpis(con, ALL_TIME).row(0, named=True)
    stages = funnel.stage_funnel(con, ALL_TIME, first_stage="lead")
    acceptance = funnel.lead_acceptance(con, ALL_TIME).row(0, named=True)
    notes = quality_screen.trust_notes(con, ALL_TIME)
    con.close()
    [(leads, converted)] = _raw("SELECT count(*), sum(Converted) FROM {xeducation}")
    [(deals, undated, won, lost, won_value, value)] = _raw(
        """
        SELECT count(*), count(*) FILTER (WHERE engage_date IS NULL),
          count(*) FILTER (WHERE deal_stage = 'Won'), count(*) FILTER (WHERE deal_stage = 'Lost'),
          sum(close_value) FILTER (WHERE deal_stage = 'Won'), sum(close_value)
        FROM {maven}
        """
    )
    assert undated > 0  # deals without an engage date count in all time too
    # X Education: no dates; `Converted` = 1 means the lead became a customer
    assert (kpis["leads"], kpis["mqls"], kpis["wins"]) == (leads, converted, converted)
    assert stages["n"].to_list() == [leads] + [converted] * 5
    assert (acceptance["mqls"], acceptance["accepted"]) == (converted, converted)
    assert (kpis["opps_created"], kpis["opps_won"], kpis["opps_lost"]) == (deals, won, lost)
    assert kpis["won_revenue"] == pytest.approx(won_value)
    assert kpis["pipeline_created"] == pytest.approx(value)
    # the 100 % MQL -> SQL follows from the flag, and the note says so
    assert kpis["mql_to_sql"] == 1.0
    assert "not a measured conversion" in notes["mql_to_sql"]


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_the_app_opens_on_real_history_and_shows_all_of_it(
    real_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "real.duckdb"
    path.write_bytes(real_db.read_bytes())
    monkeypatch.setenv("ALIGNMENT_DB", str(path))
    monkeypatch.setenv("ALIGNMENT_NO_DEMO", "1")
    [(last_month, first_month)] = _raw(
        "SELECT strftime(max(close_date), '%b %Y'), strftime(min(engage_date), '%b %Y') "
        "FROM {maven}"
    )
    [(converted,)] = _raw("SELECT sum(Converted) FROM {xeducation}")

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    # the default period is the data's last month, not today's empty one
    assert at.title[0].value == f"Overview · {Period.parse(last_month).label}"
    assert "No leads or opportunities" not in " ".join(i.value for i in at.info)

    at.selectbox(key="period").set_value("all").run()
    assert not at.exception, [e.value for e in at.exception]
    mqls = next(m for m in at.metric if m.label == registry.KPIS["mqls"].label)
    assert mqls.value == format.metric_value("mqls", converted)
    assert any("only because of a converted or won flag" in c.value for c in at.caption)
    # the all-time trends run over the data's months, not to today (X Education has no MQL
    # dates, so only the revenue chart has bars)
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert len(figures) == 2
    for figure in figures:
        assert f"{first_month} – {last_month}" in figure["layout"]["title"]["text"]
    months = sorted({str(v)[:10] for trace in figures[1]["data"] for v in trace["x"]})
    assert (months[0], months[-1]) == (
        f"{Period.parse(first_month).first_day}",
        f"{Period.parse(last_month).first_day}",
    )


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_all_time_trends_end_at_the_data_s_last_month_on_every_page(demo_db: Path) -> None:
    con = model.connect(demo_db, read_only=True)
    earliest, latest = overview.data_date_range(con)
    con.close()
    assert earliest is not None and latest is not None
    span = f"{earliest:%b %Y} – {latest:%b %Y}"
    last_month = f"{latest.replace(day=1)}"

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["period"] = "All time"
    at.run()
    at.session_state["funnel_trend"] = True  # the Funnel's trend section is open
    charts: dict[str, list[dict[str, object]]] = {}
    for page in ("pages/overview.py", "pages/funnel.py", "pages/rejections.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        charts[page] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    # the two Overview trends, the Funnel's cohort trend and the Rejections' share trend
    trends = [f for figures in charts.values() for f in figures if "month, " in _title(f)]
    assert len(trends) == 4, [_title(f) for figures in charts.values() for f in figures]
    for figure in trends:
        assert span in _title(figure), _title(figure)
        months = {str(x)[:10] for trace in figure["data"] for x in trace.get("x", [])}  # type: ignore[union-attr]
        assert max(months) == last_month, _title(figure)


def _title(figure: dict[str, object]) -> str:
    return str(figure["layout"]["title"]["text"])  # type: ignore[index]
