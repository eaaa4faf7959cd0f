"""The metric registry: every KPI's name, label, unit and one-sentence definition, and how its
values and changes are written for people.

DESIGN section 5 defines the metrics; this module is the single place their wording lives. The
Overview tiles, the Glossary page, the CLI and the review pack all read it, so a definition is
changed once. `metrics.overview.kpis` returns one column per KPI name (plus `_low` / `_high`
interval columns for rates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import polars as pl

Unit = Literal["count", "rate", "currency", "days"]

MISSING = "–"
"""How a missing value (no data, rate over zero) is written."""


@dataclass(frozen=True)
class Kpi:
    """One KPI: its column name, display label, unit and definition.

    `numerator` / `denominator` name the KPIs a rate is computed from (a denominator may be a
    sum, written `a + b`), so pages can show n next to every rate."""

    name: str
    label: str
    unit: Unit
    definition: str
    higher_is_better: bool = True
    numerator: str | None = None
    denominator: str | None = None


_COHORT = "the leads that became MQLs in the period (the MQL cohort)"

_KPI_LIST: tuple[Kpi, ...] = (
    Kpi("leads", "Leads created", "count", "Leads created in the period (by creation date)."),
    Kpi(
        "mqls",
        "MQLs",
        "count",
        "Leads that became MQLs in the period (the MQL cohort), dated by their MQL date or, "
        "when they skipped MQL, by their earliest later stage date.",
    ),
    Kpi(
        "sals",
        "SALs",
        "count",
        f"Members of {_COHORT} that sales has accepted so far; a lead that skipped SAL but "
        "reached a later stage counts as accepted.",
    ),
    Kpi(
        "sqls",
        "SQLs",
        "count",
        f"Members of {_COHORT} that have reached SQL so far; a lead that skipped a stage counts "
        "as having reached it.",
    ),
    Kpi(
        "opps",
        "Opportunities (MQL cohort)",
        "count",
        f"Members of {_COHORT} that have become opportunities so far (or reached a later stage).",
    ),
    Kpi(
        "wins",
        "Customers (MQL cohort)",
        "count",
        f"Members of {_COHORT} that have become customers (won) so far.",
    ),
    Kpi(
        "mql_to_sql",
        "MQL → SQL",
        "rate",
        f"Share of {_COHORT} that have reached SQL so far; a lead that skipped a stage counts as "
        "having reached it.",
        numerator="sqls",
        denominator="mqls",
    ),
    Kpi(
        "mql_to_won",
        "MQL → Won",
        "rate",
        f"Share of {_COHORT} that have become customers (won) so far.",
        numerator="wins",
        denominator="mqls",
    ),
    Kpi(
        "opps_created",
        "Opportunities created",
        "count",
        "Opportunities created in the period (by opportunity creation date).",
    ),
    Kpi(
        "opps_won", "Deals won", "count", "Opportunities closed won in the period (by close date)."
    ),
    Kpi(
        "opps_lost",
        "Deals lost",
        "count",
        "Opportunities closed lost in the period (by close date).",
        higher_is_better=False,
    ),
    Kpi(
        "win_rate",
        "Win rate",
        "rate",
        "Won / (won + lost) among opportunities closed in the period; open deals are excluded.",
        numerator="opps_won",
        denominator="opps_won + opps_lost",
    ),
    Kpi(
        "pipeline_created",
        "Pipeline created",
        "currency",
        "Sum of the amount of the opportunities created in the period.",
    ),
    Kpi(
        "won_revenue",
        "Won revenue",
        "currency",
        "Sum of the amount of the opportunities closed won in the period.",
    ),
    Kpi(
        "avg_deal_size",
        "Average deal size",
        "currency",
        "Mean amount of the opportunities closed won in the period (deals without an amount "
        "are left out).",
    ),
    Kpi(
        "median_deal_size",
        "Median deal size",
        "currency",
        "Median amount of the opportunities closed won in the period (deals without an amount "
        "are left out).",
    ),
)

KPIS: dict[str, Kpi] = {kpi.name: kpi for kpi in _KPI_LIST}
"""Every KPI by name, in display order (the order of the `kpis` columns)."""

PAGE_METRICS: dict[str, tuple[Kpi, ...]] = {
    "Funnel": (
        Kpi(
            "step_conversion",
            "Step conversion (cohort)",
            "rate",
            "Of the leads that entered the previous stage in the period (the cohort), the share "
            "that has reached this stage so far, or within the conversion window when one is set.",
        ),
        Kpi(
            "cumulative_conversion",
            "Cumulative conversion (cohort)",
            "rate",
            "Of the leads that entered the first stage in the period, the share that has reached "
            "this stage so far (or within the window).",
        ),
        Kpi(
            "flow_ratio",
            "Flow ratio",
            "rate",
            "Leads entering this stage in the period / leads entering the previous stage in the "
            "same period: a ratio of flows, not a conversion rate, and it can exceed 100 %.",
        ),
        Kpi(
            "time_to_convert",
            "Time to convert",
            "days",
            "Days from entering one stage to reaching a later one, over the leads that reached "
            "both (shown as median, p75 and p90).",
            higher_is_better=False,
        ),
        Kpi(
            "lead_acceptance",
            "Lead acceptance rate",
            "rate",
            "SAL / (SAL + rejected) among the MQLs handed over in the period (the MQL cohort): a "
            "lead that skipped SAL but reached a later stage counts as accepted; a lead with a "
            "rejection date or reason that was never accepted counts as rejected; the rest are "
            "still pending.",
        ),
    ),
    "Rejections": (
        Kpi(
            "rejected",
            "Rejected leads",
            "count",
            "Leads rejected in the period (by rejection date) that were not converted.",
            higher_is_better=False,
        ),
        Kpi(
            "lost",
            "Lost deals",
            "count",
            "Opportunities closed lost in the period (by close date).",
            higher_is_better=False,
        ),
        Kpi(
            "reason_share",
            "Reason share",
            "rate",
            "Records with this reason / all rejected (or lost) records in the period.",
        ),
        Kpi(
            "documentation_rate",
            "Documented",
            "rate",
            "Share of the rejected (or lost) records in the period that carry a reason; the "
            "SLA target is 100 %.",
        ),
        Kpi(
            "undocumented_share",
            "Not documented",
            "rate",
            "Share of the rejected (or lost) records in the period without any reason.",
            higher_is_better=False,
        ),
    ),
}
"""Metrics of the other pages, by page: same wording rules as `KPIS`, listed in the Glossary."""


def page_metric(name: str) -> Kpi:
    """A page metric by name; KeyError when no page registers it."""
    for metrics in PAGE_METRICS.values():
        for kpi in metrics:
            if kpi.name == name:
                return kpi
    raise KeyError(f"no page metric named {name!r}")


def _kpi(kpi: Kpi | str) -> Kpi:
    if isinstance(kpi, Kpi):
        return kpi
    try:
        return KPIS[kpi]
    except KeyError:
        raise KeyError(f"unknown KPI {kpi!r}; known: {', '.join(KPIS)}") from None


def _is_missing(value: object) -> bool:
    """None, NaN and infinity (which no figure can show) are missing."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _one_decimal_below_ten(number: float) -> str:
    """`3.4` below 10 (in absolute value), `34` from 10 up; a trailing `.0` is dropped."""
    if abs(round(number, 1)) < 10:
        return f"{number:.1f}".removesuffix(".0")
    return f"{number:.0f}"


def _compact_money(amount: float) -> str:
    """`$950`, `$1.5k`, `$345k`, `$1.2M`, `$12M`, `$3.4B` (one decimal below 10 of a unit,
    trailing `.0` dropped); negative amounts get a leading minus."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if round(amount) < 1000:
        return f"{sign}${amount:.0f}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
        scaled = amount / scale
        text = _one_decimal_below_ten(scaled)
        if float(text) < 1000 or suffix == "B":
            return f"{sign}${text}{suffix}"
    raise AssertionError("unreachable")


def format_value(kpi: Kpi | str, value: object) -> str:
    """A KPI value as people read it: counts `1,234`, rates `34 %` (`3.4 %` below 10 %),
    currency `$950` / `$1.5k` / `$345k` / `$1.2M`, days `12 days` (`3.5 days` below 10);
    a trailing `.0` is dropped (`5 %`, `$1M`); missing `–`."""
    unit = _kpi(kpi).unit
    if _is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if unit == "count":
        return f"{round(number):,}"
    if unit == "rate":
        return f"{_one_decimal_below_ten(number * 100)} %"
    if unit == "currency":
        return _compact_money(number)
    text = _one_decimal_below_ten(number)
    return f"{text} day" if text == "1" else f"{text} days"


def format_rate_interval(low: object, high: object) -> str:
    """A 95 % interval of a rate as people read it: `29–47 %` (one decimal below 10 %)."""
    if _is_missing(low) or _is_missing(high):
        return MISSING
    low_text = _one_decimal_below_ten(float(low) * 100)  # type: ignore[arg-type]
    high_text = _one_decimal_below_ten(float(high) * 100)  # type: ignore[arg-type]
    return f"{low_text}–{high_text} %"


def _signed(text: str, number: float) -> str:
    """`text` (an absolute value) with `+` or an ASCII `-` in front."""
    return ("-" if number < 0 else "+") + text


def format_delta(kpi: Kpi | str, current: object, previous: object) -> str:
    """The change from `previous` to `current`, always signed.

    Rates: percentage points, one decimal (`+3.1 pts`, `-0.4 pts`). Counts, currency and days:
    relative change (`+12 %`; `-3.5 %` below 10 %, `-3 %` rather than `-3.0 %`); `new` when
    previous is 0 and current is not, `+0 %` when both are 0. `–` when either value is
    missing. The sign is an ASCII `-` so Streamlit's `st.metric` draws the arrow the right way."""
    unit = _kpi(kpi).unit
    if _is_missing(current) or _is_missing(previous):
        return MISSING
    now, before = float(current), float(previous)  # type: ignore[arg-type]
    if unit == "rate":
        points = round((now - before) * 100, 1)
        return _signed(f"{abs(points):.1f} pts", points)
    if before == 0:
        return "+0 %" if now == 0 else "new"
    change = (now - before) / abs(before) * 100
    text = _one_decimal_below_ten(abs(change))
    return _signed(f"{text} %", 0.0 if text == "0" else change)


def glossary() -> pl.DataFrame:
    """One row per metric: the Overview KPIs in registry order, then each page's metrics;
    columns page, name, label, definition, unit."""
    entries = [("Overview", k) for k in KPIS.values()] + [
        (page, k) for page, metrics in PAGE_METRICS.items() for k in metrics
    ]
    return pl.DataFrame(
        {
            "page": [page for page, _ in entries],
            "name": [k.name for _, k in entries],
            "label": [k.label for _, k in entries],
            "definition": [k.definition for _, k in entries],
            "unit": [k.unit for _, k in entries],
        },
        schema={
            "page": pl.String,
            "name": pl.String,
            "label": pl.String,
            "definition": pl.String,
            "unit": pl.String,
        },
    )
