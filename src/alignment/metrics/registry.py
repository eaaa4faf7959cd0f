"""The metric registry: every metric declared once, as data: its computation (a measure or a
ratio of measures), name, label, unit and one-sentence definition. How values of each unit are
written for people is `alignment.present.format`.

DESIGN section 5 defines the metrics. A *measure* aggregates one fact model (`lead_facts l` or
`opp_facts o`): a count, sum, mean or median of the rows that match a condition, placed in a
period by one of its dates (its `Time`). A *ratio* divides one measure by the sum of others,
which gives its n and a Wilson 95 % interval. `metrics.compile` turns any list of them, for one
or several periods, by month or quarter, and optionally by a dimension, into one SQL statement.
The Overview tiles, the monthly trend, `alignment kpis`, the trust notes, the Glossary and the
review pack all read the entries here, so a definition is changed once. Adding a ratio metric is
one `Kpi(..., computation=Ratio(...))` entry (and its test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

Unit = Literal["count", "rate", "currency", "days", "hours"]
Model = Literal["leads", "opportunities"]
Aggregate = Literal["count", "sum", "avg", "median"]

MATURITY_QUANTILE = 0.8
"""A cohort younger than this quantile of the historical time to convert is still maturing."""

MODEL_VIEWS: dict[str, tuple[str, str]] = {
    "leads": ("lead_facts", "l"),
    "opportunities": ("opp_facts", "o"),
}
"""The view each fact model is read from, and the alias its SQL conditions use."""


@dataclass(frozen=True)
class Time:
    """When a row of a fact model counts in a period: when `column` falls in it. For all time
    the row counts when `all_time` holds (TRUE: every row, dated or not); a Time without a
    column counts every row in every period (a state, not an event)."""

    name: str
    model: Model
    column: str | None
    all_time: str = "TRUE"


TIMES: dict[str, Time] = {
    t.name: t
    for t in (
        Time("lead_created", "leads", "l.created_at"),
        # the MQL cohort: leads that reached MQL in the period (by a date, also when they
        # skipped MQL); for all time every lead that reached it, by a date or a flag
        Time("mql_cohort", "leads", "l.reached_mql_at", all_time="l.reached_mql"),
        Time("lead_rejected", "leads", "l.rejected_at", all_time="l.is_rejected"),
        Time("lead_state", "leads", None),
        Time("opp_created", "opportunities", "o.created_at"),
        Time("opp_closed", "opportunities", "o.closed_at"),
        Time("opp_state", "opportunities", None),
    )
}
"""Every way a fact row is placed in a period, by name."""

FINITE_AMOUNT = "CASE WHEN isfinite(o.amount) THEN o.amount END"
"""An opportunity's amount for sums and averages: a NaN or infinite amount (which imports reject)
counts as no amount, so it cannot turn a whole period's pipeline into NaN."""


@dataclass(frozen=True)
class Measure:
    """An aggregate over one fact model: `aggregate` (count of rows, or sum / avg / median of
    `value`) of the rows matching `where` that its `time` places in the period. Counts and sums
    of nothing are 0; a mean or median of nothing is missing."""

    name: str
    time: str
    aggregate: Aggregate = "count"
    where: str = "TRUE"
    value: str | None = None

    @property
    def model(self) -> Model:
        return TIMES[self.time].model


@dataclass(frozen=True)
class Ratio:
    """`numerator` / the sum of the `denominator` measures, with n = that sum and a Wilson 95 %
    interval (`<name>_low`, `<name>_high`); `of` names what n counts (`MQLs`)."""

    numerator: str
    denominator: tuple[str, ...]
    of: str


@dataclass(frozen=True)
class Kpi:
    """One metric: its name (a column name), display label, unit, one-sentence definition and
    computation (a `Measure` or a `Ratio` of measures; None for a page metric that a page
    computes with more than a ratio, such as a conversion within a window)."""

    name: str
    label: str
    unit: Unit
    definition: str
    higher_is_better: bool = True
    computation: Measure | Ratio | None = None


def _count(name: str, time: str, where: str = "TRUE") -> Measure:
    return Measure(name, time, "count", where)


_COHORT = "the leads that became MQLs in the period (the MQL cohort)"

_KPI_LIST: tuple[Kpi, ...] = (
    Kpi(
        "leads",
        "Leads created",
        "count",
        "Leads created in the period (by creation date).",
        computation=_count("leads", "lead_created"),
    ),
    Kpi(
        "mqls",
        "MQLs",
        "count",
        "Leads that became MQLs in the period (the MQL cohort), dated by their MQL date or, "
        "when they skipped MQL, by their earliest later stage date.",
        computation=_count("mqls", "mql_cohort"),
    ),
    Kpi(
        "sals",
        "SALs",
        "count",
        f"Members of {_COHORT} that sales has accepted so far; a lead that skipped SAL but "
        "reached a later stage counts as accepted.",
        computation=_count("sals", "mql_cohort", "l.reached_sal"),
    ),
    Kpi(
        "sqls",
        "SQLs",
        "count",
        f"Members of {_COHORT} that have reached SQL so far; a lead that skipped a stage counts "
        "as having reached it.",
        computation=_count("sqls", "mql_cohort", "l.reached_sql"),
    ),
    Kpi(
        "opps",
        "Opportunities (MQL cohort)",
        "count",
        f"Members of {_COHORT} that have become opportunities so far (or reached a later stage).",
        computation=_count("opps", "mql_cohort", "l.reached_opportunity"),
    ),
    Kpi(
        "wins",
        "Customers (MQL cohort)",
        "count",
        f"Members of {_COHORT} that have become customers (won) so far.",
        computation=_count("wins", "mql_cohort", "l.reached_won"),
    ),
    Kpi(
        "mql_to_sql",
        "MQL → SQL",
        "rate",
        f"Share of {_COHORT} that have reached SQL so far; a lead that skipped a stage counts as "
        "having reached it.",
        computation=Ratio("sqls", ("mqls",), of="MQLs"),
    ),
    Kpi(
        "mql_to_won",
        "MQL → Won",
        "rate",
        f"Share of {_COHORT} that have become customers (won) so far.",
        computation=Ratio("wins", ("mqls",), of="MQLs"),
    ),
    Kpi(
        "opps_created",
        "Opportunities created",
        "count",
        "Opportunities created in the period (by opportunity creation date).",
        computation=_count("opps_created", "opp_created"),
    ),
    Kpi(
        "opps_won",
        "Deals won",
        "count",
        "Opportunities closed won in the period (by close date).",
        computation=_count("opps_won", "opp_closed", "o.outcome = 'won'"),
    ),
    Kpi(
        "opps_lost",
        "Deals lost",
        "count",
        "Opportunities closed lost in the period (by close date).",
        higher_is_better=False,
        computation=_count("opps_lost", "opp_closed", "o.outcome = 'lost'"),
    ),
    Kpi(
        "win_rate",
        "Win rate",
        "rate",
        "Won / (won + lost) among opportunities closed in the period; open deals are excluded.",
        computation=Ratio("opps_won", ("opps_won", "opps_lost"), of="closed opportunities"),
    ),
    Kpi(
        "pipeline_created",
        "Pipeline created",
        "currency",
        "Sum of the amount of the opportunities created in the period.",
        computation=Measure("pipeline_created", "opp_created", "sum", value=FINITE_AMOUNT),
    ),
    Kpi(
        "won_revenue",
        "Won revenue",
        "currency",
        "Sum of the amount of the opportunities closed won in the period.",
        computation=Measure(
            "won_revenue", "opp_closed", "sum", "o.outcome = 'won'", value=FINITE_AMOUNT
        ),
    ),
    Kpi(
        "avg_deal_size",
        "Average deal size",
        "currency",
        "Mean amount of the opportunities closed won in the period (deals without an amount "
        "are left out).",
        computation=Measure(
            "avg_deal_size", "opp_closed", "avg", "o.outcome = 'won'", value=FINITE_AMOUNT
        ),
    ),
    Kpi(
        "median_deal_size",
        "Median deal size",
        "currency",
        "Median amount of the opportunities closed won in the period (deals without an amount "
        "are left out).",
        computation=Measure(
            "median_deal_size", "opp_closed", "median", "o.outcome = 'won'", value=FINITE_AMOUNT
        ),
    ),
)

KPIS: dict[str, Kpi] = {kpi.name: kpi for kpi in _KPI_LIST}
"""Every KPI by name, in display order (the order of the `kpis` columns)."""

REJECTED = (
    "(l.rejected_at IS NOT NULL OR l.rejection_reason IS NOT NULL "
    "OR nullif(trim(l.rejection_reason_raw), '') IS NOT NULL)"
)
"""A lead was rejected by sales: it has a rejection date or a rejection reason."""

ACCEPTED = _count("accepted", "mql_cohort", "l.reached_sal")
"""Members of the MQL cohort that sales accepted (reached SAL, or skipped it to a later stage)."""

SQLS_BY_FLAG = _count("sqls_by_flag", "mql_cohort", "l.reached_sql AND l.reached_sql_at IS NULL")
"""Members of the MQL cohort counted as SQLs only because of a converted or won flag (no SQL
date or later date): for them MQL -> SQL is implied, not measured."""

REJECTED_MQLS = _count("rejected", "mql_cohort", f"NOT l.reached_sal AND {REJECTED}")
"""Members of the MQL cohort that sales rejected and never accepted."""

DOCUMENTED_REJECTED_MQLS = _count(
    "documented_rejected",
    "mql_cohort",
    f"NOT l.reached_sal AND {REJECTED} AND coalesce(l.rejection_documented, FALSE)",
)
"""Of those, the ones whose rejection carries a documented (standard or mapped) reason."""

OPEN_OPPS = _count("open_opps", "opp_state", "o.outcome = 'open'")
"""Opportunities open now: a state, not an event, so it has no monthly series (the `open_opps`
metric's computation, kept out of its `Kpi` because `compile_series` needs a date)."""

_CREATED = "the opportunities created in the period (the opportunity cohort)"
_WON_IN_COHORT = "o.outcome = 'won'"

CHANNEL_KPIS: tuple[Kpi, ...] = (
    Kpi(
        "cohort_won",
        "Won (cohort)",
        "count",
        f"Of {_CREATED}, those closed won so far.",
        computation=_count("cohort_won", "opp_created", _WON_IN_COHORT),
    ),
    Kpi(
        "cohort_lost",
        "Lost (cohort)",
        "count",
        f"Of {_CREATED}, those closed lost so far.",
        higher_is_better=False,
        computation=_count("cohort_lost", "opp_created", "o.outcome = 'lost'"),
    ),
    Kpi(
        "cohort_open",
        "Open (cohort)",
        "count",
        f"Of {_CREATED}, those still open (neither won nor lost yet).",
        computation=_count("cohort_open", "opp_created", "o.outcome = 'open'"),
    ),
    Kpi(
        "cohort_win_rate",
        "Win rate (cohort)",
        "rate",
        f"Won / (won + lost) among {_CREATED}; deals still open are shown separately, not "
        "counted as lost.",
        computation=Ratio("cohort_won", ("cohort_won", "cohort_lost"), of="closed opportunities"),
    ),
    Kpi(
        "cohort_avg_deal_size",
        "Average deal size (cohort)",
        "currency",
        f"Mean amount of the won deals among {_CREATED} (deals without an amount are left out).",
        computation=Measure(
            "cohort_avg_deal_size", "opp_created", "avg", _WON_IN_COHORT, value=FINITE_AMOUNT
        ),
    ),
    Kpi(
        "cohort_median_deal_size",
        "Median deal size (cohort)",
        "currency",
        f"Median amount of the won deals among {_CREATED} (deals without an amount are left out).",
        computation=Measure(
            "cohort_median_deal_size", "opp_created", "median", _WON_IN_COHORT, value=FINITE_AMOUNT
        ),
    ),
    Kpi(
        "cohort_won_revenue",
        "Won revenue (cohort)",
        "currency",
        f"Sum of the amount of the won deals among {_CREATED}.",
        computation=Measure(
            "cohort_won_revenue", "opp_created", "sum", _WON_IN_COHORT, value=FINITE_AMOUNT
        ),
    ),
    Kpi(
        "marketing_pipeline",
        "Marketing-sourced pipeline",
        "currency",
        "Sum of the amount of the opportunities created in the period whose channel is "
        "marketing-sourced (channel map).",
        computation=Measure(
            "marketing_pipeline", "opp_created", "sum", "o.marketing_sourced", value=FINITE_AMOUNT
        ),
    ),
    Kpi(
        "marketing_pipeline_share",
        "Marketing-sourced pipeline share",
        "rate",
        "Marketing-sourced pipeline / all pipeline created in the period (a share of amounts, "
        "so it has no n and no interval).",
    ),
    Kpi(
        "open_opps",
        "Open opportunities",
        "count",
        "Opportunities open now (neither won nor lost), whenever they were created.",
    ),
    Kpi(
        "sales_cycle",
        "Sales cycle (median)",
        "days",
        f"Kaplan-Meier median of the days from creation to closed won among {_CREATED}: a deal "
        "still open counts as censored at its age (at the period end), a lost deal is left out.",
        higher_is_better=False,
    ),
    Kpi(
        "pipeline_velocity",
        "Pipeline velocity",
        "currency",
        "Open opportunities x win rate x average won deal size / median sales cycle in days: "
        "the revenue the open pipeline is expected to close per day.",
    ),
    Kpi(
        "spend",
        "Spend",
        "currency",
        "Marketing spend imported for the months of the period (spend table).",
        higher_is_better=False,
    ),
    Kpi(
        "cost_per_mql",
        "Cost per MQL",
        "currency",
        "Spend in the period / MQLs in the period (missing without spend).",
        higher_is_better=False,
    ),
    Kpi(
        "cac",
        "CAC",
        "currency",
        "Spend in the period / deals won in the period (missing without spend).",
        higher_is_better=False,
    ),
    Kpi(
        "roi",
        "ROI",
        "rate",
        "(Won revenue - spend) / spend in the period (missing without spend).",
    ),
)
"""The Channels page's metrics beyond the Overview KPIs (DESIGN section 5)."""

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
            computation=Ratio("accepted", ("accepted", "rejected"), of="accepted or rejected MQLs"),
        ),
    ),
    "SLA": (
        Kpi(
            "response_within_sla",
            "Response within SLA",
            "rate",
            "Of the MQLs handed over in the period whose response is decided, the share that a "
            "sales owner first touched within the target (business hours from the clock start, "
            "tighter for high-intent leads); leads not touched yet count once past the target "
            "(breached, open) and are left out while still within it (pending).",
        ),
        Kpi(
            "response_hours",
            "Response time",
            "hours",
            "Business hours from the clock start (MQL time by default) to the first qualifying "
            "sales touch at or after it, in the calendar of the lead's region (median and p90).",
            higher_is_better=False,
        ),
        Kpi(
            "attempt_compliance",
            "Follow-up attempts",
            "rate",
            "Of the MQLs handed over in the period whose attempt window is over, the share that "
            "got at least K qualifying touches within D calendar days of the clock start, or "
            "were resolved (SQL, or rejected with a reason) before the window ended.",
        ),
        Kpi(
            "mql_volume",
            "MQLs vs target",
            "count",
            "MQLs handed over in the period against the monthly MQL target (the contract's, or "
            "the month's imported target); for the current month, against the target paced by "
            "business days elapsed.",
        ),
        Kpi(
            "sla_documentation",
            "Rejections documented",
            "rate",
            "Of the MQLs handed over in the period that sales rejected (and never accepted), the "
            "share whose rejection carries a documented reason; the same rejected MQLs as the "
            "lead acceptance rate.",
            computation=Ratio("documented_rejected", ("rejected",), of="rejected MQLs"),
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
    "Channels": CHANNEL_KPIS,
    "Attribution": (
        Kpi(
            "attributed_credit",
            "Attributed credit",
            "currency",
            "The amount of the opportunities created in the period credited to the touches at "
            "or before each opportunity's creation, under the chosen model; every model's credits "
            "for an opportunity add up to its amount.",
        ),
        Kpi(
            "unattributed_amount",
            "Unattributed amount",
            "currency",
            "The amount of the opportunities created in the period that have no touch at or "
            "before their creation, so no model can credit it.",
            higher_is_better=False,
        ),
        Kpi(
            "influenced_revenue",
            "Marketing-influenced revenue",
            "currency",
            "The won amount of the opportunities created in the period that had at least one "
            "marketing touch at or before their close.",
        ),
        Kpi(
            "campaign_won_share",
            "Share of won deals touched",
            "rate",
            "Of the won opportunities created in the period, the share that the campaign touched "
            "at or before their close.",
        ),
    ),
}
"""Metrics of the other pages, by page: same wording rules as `KPIS`, listed in the Glossary."""


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        *(k.computation for k in KPIS.values() if isinstance(k.computation, Measure)),
        *(k.computation for k in CHANNEL_KPIS if isinstance(k.computation, Measure)),
        OPEN_OPPS,
        ACCEPTED,
        SQLS_BY_FLAG,
        REJECTED_MQLS,
        DOCUMENTED_REJECTED_MQLS,
    )
}
"""Every named measure: those of the KPIs and those the page metrics' ratios are made of."""


def metric(name: str) -> Kpi:
    """A KPI or page metric by name; KeyError naming the known ones."""
    if name in KPIS:
        return KPIS[name]
    try:
        return page_metric(name)
    except KeyError:
        known = [*KPIS, *(k.name for ks in PAGE_METRICS.values() for k in ks)]
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(known)}") from None


def page_metric(name: str) -> Kpi:
    """A page metric by name; KeyError when no page registers it."""
    for metrics in PAGE_METRICS.values():
        for kpi in metrics:
            if kpi.name == name:
                return kpi
    raise KeyError(f"no page metric named {name!r}")


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
