"""AppTest of the Funnel page from the entrypoint, and `alignment funnel` against the function."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from alignment import cli, model
from alignment.db import store
from alignment.metrics import funnel
from alignment.periods import Period
from alignment.present import format
from alignment.screens import quality as quality_screen

REPO = Path(__file__).resolve().parents[1]
SEPTEMBER = Period.month(2026, 9)


def _funnel_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update(query or {"period": "September 2026"})
    at.run()
    return at.switch_page("pages/funnel.py").run()


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with this column (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _expected(demo_db: Path, **options: object) -> pl.DataFrame:
    con = model.connect(demo_db, read_only=True)
    try:
        return funnel.conversion_by_dimension(con, SEPTEMBER, **options)  # type: ignore[arg-type]
    finally:
        con.close()


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_funnel_page_shows_both_views_and_follows_dimension_and_view(demo_db: Path) -> None:
    at = _funnel_page()
    _no_errors(at)
    assert at.title[0].value == "Funnel · September 2026"
    titles = [chart.proto.spec for chart in at.get("plotly_chart")]
    assert any("Cohort conversion: MQLs of September 2026" in t for t in titles)
    assert any("Flow ratios: stage entries in September 2026" in t for t in titles)
    assert any("flow ratio is not a conversion rate" in c.value for c in at.caption)

    # the by-dimension table shows what conversion_by_dimension computes (MQL -> SQL step)
    table = _table_with(at, "Converted")
    expected = _expected(demo_db, dimension="channel").filter(pl.col("step") == "MQL → SQL")
    assert table["Channel"].tolist() == expected["channel"].to_list()
    assert table["n"].tolist() == expected["n"].to_list()

    at.selectbox(key="funnel_by").set_value("segment").run()
    _no_errors(at)
    table = _table_with(at, "Converted")
    expected = _expected(demo_db, dimension="segment").filter(pl.col("step") == "MQL → SQL")
    assert table["Segment"].tolist() == expected["segment"].to_list()
    assert table["Converted"].tolist() == expected["converted"].to_list()

    at.segmented_control(key="funnel_view").set_value("flow").run()
    _no_errors(at)
    table = _table_with(at, "Converted")
    expected = _expected(demo_db, dimension="segment", view="flow").filter(
        pl.col("step") == "MQL → SQL"
    )
    assert "Flow ratio" in table.columns
    assert table["Converted"].tolist() == expected["converted"].to_list()
    assert any(s.value == "Flow ratios by dimension" for s in at.subheader)


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_funnel_drill_down_lists_the_leads_and_masks_them_when_presenting(demo_db: Path) -> None:
    # the section opened by the link, as a copied link with it open does
    at = _funnel_page({"period": "September 2026", "present": "1", "funnel_drill": "true"})
    _no_errors(at)
    at.selectbox(key="funnel_drill_value").set_value("Email").run()
    at.selectbox(key="funnel_drill_stage").set_value("sql").run()
    _no_errors(at)
    rows = _table_with(at, "lead_id")
    expected = _expected(demo_db, dimension="channel").filter(
        (pl.col("channel") == "Email") & (pl.col("step") == "SAL → SQL")
    )
    assert len(rows) == expected["converted"][0]
    assert set(rows["channel"]) == {"Email"}
    assert all(name.endswith("•••") for name in rows["name"] if name)  # presenter mode masks
    assert all(email.startswith("•••@") for email in rows["email"] if email)


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_funnel_page_on_an_empty_database_explains_what_is_missing(empty_db: Path) -> None:
    at = _funnel_page({})
    _no_errors(at)
    assert any("import leads with stage dates" in i.value for i in at.info)


# ---- CLI ------------------------------------------------------------------------------------
def test_cli_funnel_json_equals_the_functions(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["funnel", "--db", str(demo_db), "--period", "2026-Q3", "--by", "channel", "--json"]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    con = model.connect(demo_db, read_only=True)
    quarter = Period.parse("2026-Q3")
    stages = funnel.stage_funnel(con, quarter)
    by_channel = funnel.conversion_by_dimension(con, quarter, dimension="channel")
    con.close()
    assert (result["period"], result["view"], result["first_stage"]) == ("2026-Q3", "cohort", "mql")
    assert [s["n"] for s in result["stages"]] == stages["n"].to_list()
    assert [s["step_rate"] for s in result["stages"]] == pytest.approx(
        stages["step_rate"].to_list(), nan_ok=True
    )
    assert [r["channel"] for r in result["rows"]] == by_channel["channel"].to_list()
    assert [r["converted"] for r in result["rows"]] == by_channel["converted"].to_list()


def test_cli_funnel_flow_with_a_window_and_text_output(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["funnel", "--db", str(demo_db), "--period", "2026-09", "--window", "30"]) == 0
    out = capsys.readouterr().out
    assert "Cohort conversion, MQLs of September 2026, within 30 days" in out
    assert cli.main(["funnel", "--db", str(demo_db), "--view", "flow", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["view"] == "flow" and result["window_days"] is None
    assert cli.main(["funnel", "--db", str(demo_db), "--window", "0"]) == 1
    assert "window" in capsys.readouterr().err


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_the_cohort_funnel_carries_the_mql_to_sql_trust_note(demo_db: Path) -> None:
    con = model.connect(demo_db)
    with store.transaction(con):  # written like an import: the fact tables follow
        # two September MQLs get an SAL date before their MQL date (out of order)
        con.execute(
            "UPDATE leads SET sal_at = mql_at - INTERVAL 2 DAY WHERE lead_id IN ("
            "SELECT lead_id FROM leads WHERE mql_at >= TIMESTAMPTZ '2026-09-10' "
            "AND mql_at < TIMESTAMPTZ '2026-09-20' AND sal_at IS NOT NULL "
            "ORDER BY lead_id LIMIT 2)"
        )
    note = quality_screen.trust_notes(con, SEPTEMBER)["mql_to_sql"]
    con.close()
    assert "out of order" in note
    at = _funnel_page()
    _no_errors(at)
    assert any(note in c.value for c in at.caption)


SECTIONS = {
    "funnel_drill": "Leads behind a number",
    "funnel_trend": "MQL → SQL by MQL cohort",
    "funnel_ttc": "Time to convert",
    "funnel_acceptance": "Lead acceptance vs SLA",
    "funnel_score": "Lead score",
}
"""The Funnel's sections below the fold, computed when opened: URL / session key -> label."""


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_funnel_sections_below_the_fold_are_computed_when_opened(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[str] = []
    for name in ("step_trend", "time_to_convert", "lead_acceptance", "score_range"):
        real = getattr(funnel, name)

        def spy(*args: object, _real=real, _name=name, **kwargs: object) -> object:
            called.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(funnel, name, spy)
    at = _funnel_page()
    _no_errors(at)
    assert [e.label for e in at.expander] == list(SECTIONS.values())
    assert called == []  # closed: nothing computed
    assert not any(m.label == "Median" for m in at.metric)

    at.session_state["funnel_ttc"] = True  # what opening "Time to convert" does
    at.run()
    _no_errors(at)
    assert called == ["time_to_convert", "time_to_convert"]  # overall and by channel
    assert any(m.label == "Median" for m in at.metric)


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_funnel_sections_open_from_a_link_show_what_they_computed(demo_db: Path) -> None:
    at = _funnel_page({"period": "September 2026", **dict.fromkeys(SECTIONS, "true")})
    _no_errors(at)
    con = model.connect(demo_db, read_only=True)
    try:
        acceptance = funnel.lead_acceptance(con, SEPTEMBER).row(0, named=True)
        target = funnel.acceptance_target(con)
    finally:
        con.close()
    tile = next(m for m in at.metric if m.label == "Lead acceptance rate")
    assert tile.value == format.rate(acceptance["acceptance_rate"])
    # the change against the target, in points: (rate - target) x 100, one decimal, signed
    points = round((acceptance["acceptance_rate"] - target) * 100, 1)
    sign = "-" if points < 0 else "+"
    assert tile.proto.delta == f"{sign}{abs(points):.1f} pts vs target {format.rate(target)}"
    assert at.number_input(key="funnel_acceptance_target").value == target * 100
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any("MQL → SQL by MQL month" in t for t in titles)  # the cohort trend
    assert any("Conversion by lead score band" in t for t in titles)
    assert any("Days from MQL to SQL" in t for t in titles)
    assert _table_with(at, "lead_id") is not None  # the leads behind a number
