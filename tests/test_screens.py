"""Each page's `default_view` (what the benchmark's "page total" rows time) makes exactly the
metric calls the page makes when it opens, no more and no fewer; and it returns what the metric
functions compute."""

from __future__ import annotations

import inspect
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.metrics import change, funnel, overview, quality, records, rejections, sla
from alignment.model import maps
from alignment.periods import Period
from alignment.screens import frame
from alignment.screens import funnel as funnel_screen
from alignment.screens import overview as overview_screen
from alignment.screens import quality as quality_screen
from alignment.screens import rejections as rejections_screen
from alignment.screens import settings as settings_screen
from alignment.screens import sla as sla_screen
from alignment.selection import Selection

REPO = Path(__file__).resolve().parents[1]
SEPTEMBER = Period.month(2026, 9)
SELECTED = Selection(SEPTEMBER)
"""What the pages open on in these tests: September 2026 vs August, no filters."""
COMPUTING: tuple[ModuleType, ...] = (
    overview,
    funnel,
    rejections,
    quality,
    records,
    maps,
    sla,
    change,
)
SIDEBAR = {"overview.data_date_range", "overview.dimension_values"}
"""What the sidebar reads on every page (once per data version, not the page's own)."""

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call of a public function of the metric modules (and the maps) that reads the
    database (its first parameter is the connection), by name."""
    seen: list[str] = []
    for module in COMPUTING:
        short = module.__name__.rsplit(".", 1)[1]
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function):
                continue
            if function.__module__ != module.__name__:
                continue
            if next(iter(inspect.signature(function).parameters), None) != "con":
                continue  # formatting and other plain helpers

            def spy(*args: Any, _function=function, _name=f"{short}.{name}", **kwargs: Any) -> Any:
                seen.append(_name)
                return _function(*args, **kwargs)

            monkeypatch.setattr(module, name, spy)
    return seen


def _page_calls(page: str, calls: list[str]) -> Counter[str]:
    """The calls a page makes when it opens (September 2026, no filters), caches empty."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["period"] = "September 2026"
    at.run()
    st.cache_data.clear()  # what the first page (the Overview) computed is not reused
    calls.clear()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return Counter(c for c in calls if c not in SIDEBAR)


def _span(demo_db: Path) -> dict[str, date | None]:
    con = model.connect(demo_db, read_only=True)
    try:
        choices = frame.choices(con)
    finally:
        con.close()
    return {"earliest": choices.earliest, "latest": choices.latest}


def _view_calls(demo_db: Path, calls: list[str], view: Any, **options: Any) -> Counter[str]:
    con = model.connect(demo_db, read_only=True)
    try:
        calls.clear()
        view(con, **options)
    finally:
        con.close()
    return Counter(calls)


def test_the_overview_default_view_is_what_the_page_computes(
    demo_db: Path, calls: list[str]
) -> None:
    span = _span(demo_db)
    page = _page_calls("pages/overview.py", calls)
    view = _view_calls(
        demo_db,
        calls,
        lambda con: overview_screen.default_view(con, SELECTED, **span, today=date(2026, 11, 23)),
    )
    assert page == view
    assert set(view) == {
        "overview.kpis_and_comparison",
        "overview.cohort_maturity",
        "overview.monthly_trend",
        "quality.trust_counts",
        "sla.review",
        "sla.contract_for_period",
        "sla.touch_source",
        "sla.volume_target",
        "sla.monthly_targets",
    }


def test_the_sla_default_view_is_what_the_page_computes(demo_db: Path, calls: list[str]) -> None:
    page = _page_calls("pages/sla.py", calls)
    view = _view_calls(demo_db, calls, lambda con: sla_screen.default_view(con, SELECTED))
    assert page == view
    assert view["sla.review"] == 1  # the scorecard and its comparison in one call
    assert "sla.breaches" not in view  # the sections below are computed when opened


def test_the_funnel_default_view_is_what_the_page_computes(demo_db: Path, calls: list[str]) -> None:
    page = _page_calls("pages/funnel.py", calls)
    view = _view_calls(demo_db, calls, lambda con: funnel_screen.default_view(con, SELECTED))
    assert page == view
    assert view["funnel.stage_funnel"] == 2  # the cohort and the flow
    assert "funnel.step_trend" not in view  # the sections below are computed when opened


def test_the_rejections_default_view_is_what_the_page_computes(
    demo_db: Path, calls: list[str]
) -> None:
    span = _span(demo_db)
    page = _page_calls("pages/rejections.py", calls)
    view = _view_calls(
        demo_db,
        calls,
        lambda con: rejections_screen.default_view(con, SELECTED, **span, today=date(2026, 11, 23)),
    )
    assert page == view
    assert view["rejections.reason_matrix"] == 2  # channel and segment


def test_the_quality_and_settings_default_views_are_what_the_pages_compute(
    demo_db: Path, calls: list[str]
) -> None:
    assert _page_calls("pages/quality.py", calls) == _view_calls(
        demo_db, calls, quality_screen.default_view
    )
    assert _page_calls("pages/settings.py", calls) == _view_calls(
        demo_db, calls, settings_screen.default_view
    )
    assert _page_calls("pages/glossary.py", calls) == Counter()


def test_the_funnel_default_view_returns_what_the_metrics_compute(demo_db: Path) -> None:
    con = model.connect(demo_db, read_only=True)
    try:
        shown = funnel_screen.default_view(con, SELECTED, dimension="segment")
        assert shown["cohort"]["stages"].equals(funnel.stage_funnel(con, SEPTEMBER))
        assert shown["flow"].equals(funnel.stage_funnel(con, SEPTEMBER, view="flow"))
        assert shown["by_dimension"].equals(
            funnel.conversion_by_dimension(con, SEPTEMBER, dimension="segment")
        )
        assert shown["trust"] == quality_screen.trust_notes(con, SEPTEMBER)
    finally:
        con.close()


def test_every_screen_binds_its_values_by_name(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every statement a page runs (default views and every Funnel section, with a filter so
    # filter values are bound too) takes its values by name: no positional `?` to keep in order
    from alignment.db import store
    from alignment.filters import Filters

    statements: list[tuple[str, Any]] = []
    for name in ("query", "scalar"):
        original = getattr(store, name)

        def spy(con: Any, sql: str, params: Any = None, _original=original) -> Any:
            statements.append((sql, params))
            return _original(con, sql, params)

        monkeypatch.setattr(store, name, spy)
    selected = Selection(SEPTEMBER, filters=Filters(channel=("Email", "Paid Search")))
    span = {**_span(demo_db), "today": date(2026, 11, 23)}
    con = model.connect(demo_db, read_only=True)
    try:
        overview_screen.default_view(con, selected, **span)
        rejections_screen.default_view(con, selected, **span)
        funnel_screen.default_view(con, selected)
        end, count = funnel_screen.trend_window(SEPTEMBER, "month", **span)
        funnel_screen.trend(con, selected.at(end), count, "month", "mql", 30)
        funnel_screen.time_to_convert(con, selected, "mql", "sql", "channel")
        funnel_screen.score(con, selected)
        funnel_screen.whatif(con, selected, 50.0)
        cell = funnel.Cell(SEPTEMBER, selected.filters, stage="sql", outcome="not_reached")
        funnel_screen.lead_records(con, cell, 2, 10)
        rejections_screen.records(con, selected, "leads", "standard", "Other", 2)
        sla_screen.default_view(con, selected)
        for by in ("week", "owner"):
            sla_screen.breakdown(con, selected, by)
        for commitment in ("response_time", "attempts", "documentation"):
            sla_screen.breaches(con, selected, commitment, 2, 10)
    finally:
        con.close()
    assert len(statements) > 20
    positional = [sql for sql, params in statements if "?" in sql or isinstance(params, list)]
    assert positional == []


def test_the_overview_default_view_equals_its_parts_computed_alone(demo_db: Path) -> None:
    # the page computes the p80 of MQL-to-SQL days once (the trend reuses the tiles') and its
    # SLA row without the response histogram: the numbers must equal those computed alone
    span = {**_span(demo_db), "today": date(2026, 11, 23)}
    con = model.connect(demo_db, read_only=True)
    try:
        shown = overview_screen.default_view(con, SELECTED, **span)
        end, count, bucket = overview_screen.trend_window(SEPTEMBER, **span)
        expected_trend = overview.monthly_trend(con, SELECTED.at(end), count, bucket=bucket)
        expected_maturity = overview.cohort_maturity(con, SELECTED)
        expected_card, _ = sla.review(con, SELECTED)
        assert shown["tiles"]["maturity"]["p80_days"] is not None  # the reuse is exercised
        assert shown["tiles"]["maturity"]["p80_days"] == expected_maturity["p80_days"]
        assert shown["trend"].equals(expected_trend)  # the maturing flags too
        assert shown["tiles"]["sla"]["scorecard"].equals(expected_card)
    finally:
        con.close()
