"""SLA adherence (DESIGN sections 1 and 5): did each side keep each commitment of the contract?

Owns the SQL behind the SLA page, the Overview's SLA row and `alignment sla`:

- **Response time**: business time from the clock start (MQL time by default) to the first
  qualifying sales touch at or after it, in the business calendar of the lead's region
  (`model.business_time`); within SLA when at most the target (tighter for high-intent leads).
  A lead not touched yet is *pending* while within its target and *breached (open)* past it,
  at a fixed "now" (`clock.now`).
- **Follow-up attempts**: qualifying touches within D calendar days of the clock start;
  compliant with at least K, or when the lead was resolved (SQL, or rejected with a documented
  reason) before the window ended; *pending* while the window is still open.
- **MQL volume** against the monthly target, paced by business days for the current month;
  **MQL -> SQL** against its target; **documentation** of rejections (the rejected MQLs of the
  lead acceptance rate, through the registry).

A period is judged by the contract version in effect on its first day (the current version for
all time). Touches come from `activity_facts` (linked to their lead at import); when no
activities are imported at all, from the leads' own `first_engagement_at` and `times_contacted`
(HubSpot exports have both); `touch_source` says which. Every statement aggregates in DuckDB;
only the breach list returns lead rows, one page at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import polars as pl

from alignment import clock, stats
from alignment.db import store
from alignment.db.store import Connection
from alignment.filters import Filters
from alignment.metrics import registry
from alignment.metrics.compile import compile_periods, compile_series
from alignment.metrics.dimensions import DIMENSION_LABELS
from alignment.model import business_time, sla_contract_io
from alignment.model.sla_contract import COMMITMENT_LABEL, COMMITMENTS, Contract, calendar_key
from alignment.periods import Period, between_sql
from alignment.selection import Selection, period_and_filters, selection_of
from alignment.sql import Params, quote_identifier, quote_literal

TouchSource = Literal["activities", "lead fields", "none"]

RESPONSE_STATUSES: tuple[str, ...] = ("within", "late", "open breach", "pending")
"""A lead's response status: touched within its target, touched after it, not touched and past
it, not touched and still within it."""

ATTEMPT_STATUSES: tuple[str, ...] = ("compliant", "resolved", "short", "pending")
"""A lead's attempt status: K touches within the window, resolved before the window ended, the
window is over with fewer than K touches, the window is still open."""

BREACH_KINDS: dict[str, str] = {
    "response_time": "Response",
    "attempts": "Follow-up attempts",
    "documentation": "Undocumented rejection",
}
"""Commitments whose breaches are individual leads, and how the breach list names them."""

BY_CHOICES: tuple[str, ...] = ("week", "team", "owner", "channel", "segment", "region", "tier")
"""What within-SLA shares can be broken down by."""

BY_LABELS: dict[str, str] = {**DIMENSION_LABELS, "week": "Week", "tier": "Tier"}

HOUR = 3600.0


# ---- which contract, which touches ------------------------------------------------------------
def versions(con: Connection) -> tuple[Contract, ...]:
    """The stored contract versions (none saved: the default contract)."""
    return sla_contract_io.load_versions(con) or (Contract(),)


def contract_for_period(con: Connection, period: Period, today: date | None = None) -> Contract:
    """The version that judges `period`: in effect on its first day (today for all time)."""
    return sla_contract_io.current(con, period.first_day or today or clock.today())


def touch_source(con: Connection) -> TouchSource:
    """Where touches come from: `activities` when any are imported; else `lead fields` when
    leads carry a first-engagement date or a times-contacted count; else `none`."""
    if store.scalar(con, "SELECT EXISTS (SELECT 1 FROM activities)"):
        return "activities"
    if store.scalar(
        con,
        "SELECT EXISTS (SELECT 1 FROM leads "
        "WHERE first_engagement_at IS NOT NULL OR times_contacted IS NOT NULL)",
    ):
        return "lead fields"
    return "none"


# ---- the per-lead relation ----------------------------------------------------------------------
def _list(params: Params, values: Sequence[str]) -> str:
    return params.bind([v.strip().lower() for v in values]) + "::VARCHAR[]"


def _high_intent_sql(contract: Contract, params: Params) -> str:
    rule = contract.high_intent
    parts = []
    if rule.score_at_least is not None:
        parts.append(f"coalesce(l.score >= {params.bind(float(rule.score_at_least))}, FALSE)")
    if rule.channels:
        parts.append(f"list_contains({_list(params, rule.channels)}, lower(l.channel))")
    if rule.campaigns:
        parts.append(f"list_contains({_list(params, rule.campaigns)}, lower(l.campaign))")
    if rule.use_flag:
        parts.append("coalesce(l.high_intent, FALSE)")
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _calendar_sql(contract: Contract, params: Params) -> str:
    """The calendar key of a lead: the calendar listing its region, else the default one."""
    default = params.bind(calendar_key(contract, contract.default_calendar))
    cases = [
        f"WHEN list_contains({_list(params, c.regions)}, lower(l.region)) "
        f"THEN {params.bind(calendar_key(contract, c.name))}"
        for c in contract.calendars
        if c.regions
    ]
    return f"CASE {' '.join(cases)} ELSE {default} END" if cases else default


def _clock_sql(contract: Contract) -> str:
    if contract.clock_start == "created":
        return "l.created_at"
    if contract.clock_start == "assigned":
        return "coalesce(l.assigned_at, l.reached_mql_at)"
    return "l.reached_mql_at"


def type_counts(contract: Contract, activity_type: str | None) -> bool:
    """Whether an activity type counts as a touch: it contains one of the contract's types as a
    word, case-insensitively (`Outbound call` is a call); every type when the contract lists
    none."""
    if not contract.touch_types:
        return True
    words = set(re.split(r"[^a-z0-9]+", (activity_type or "").lower()))
    return bool(words & {t.strip().lower() for t in contract.touch_types})


def direction_counts(contract: Contract, direction: str | None) -> bool:
    """Whether an activity's direction counts: one of the contract's, case-insensitively, or
    none at all when unknown directions count."""
    if not (direction or "").strip():
        return contract.count_unknown_direction
    return direction.strip().lower() in {d.strip().lower() for d in contract.touch_directions}


def counts_as_touch(contract: Contract, activity_type: str | None, direction: str | None) -> bool:
    """Whether an activity of this type and direction counts toward the SLA (both tests)."""
    return type_counts(contract, activity_type) and direction_counts(contract, direction)


def _touch_condition(con: Connection, contract: Contract, params: Params) -> str:
    """A qualifying activity `a` (see `counts_as_touch`), as a condition on the exact types and
    directions in the data that count: each test runs once per distinct value, not once per
    activity, and the condition is a plain IN over the values (empty for a missing one)."""
    pairs = store.query(con, "SELECT activity_type, direction FROM activity_kinds").rows()
    types = sorted({t or "" for t, _ in pairs if type_counts(contract, t)})
    directions = sorted({d or "" for _, d in pairs if direction_counts(contract, d)})
    if not types or not directions:
        return "FALSE"
    type_values = ", ".join(params.bind(t) for t in types)
    direction_values = ", ".join(params.bind(d) for d in directions)
    return (
        f"coalesce(a.activity_type, '') IN ({type_values}) "
        f"AND coalesce(a.direction, '') IN ({direction_values})"
    )


@dataclass(frozen=True)
class _Relation:
    """The per-lead SLA relation of one period: CTEs ending in `judged` (one row per MQL of the
    period), its parameters and the contract it applied."""

    ctes: str
    params: dict[str, Any]
    contract: Contract


def _relation(
    con: Connection,
    periods: Sequence[Period],
    filters: Filters,
    contract: Contract,
    now: datetime,
    source: TouchSource,
) -> _Relation:
    """`judged`: one row per lead of the MQL cohort of each of `periods` with a dated clock
    start: slot (the index of its period), lead_id, owner, team, region, channel, segment, tier
    (`high-intent` / `standard`), start_at, week, first_touch_at, response_seconds (business
    seconds to the first touch, or to now when not touched yet), target_seconds,
    response_status, attempts, window_end, attempt_status. Periods must not overlap."""
    params = Params()
    slots = [between_sql("l.reached_mql_at", p, params) for p in periods]
    slot = "CASE " + " ".join(f"WHEN {c} THEN {i}" for i, c in enumerate(slots)) + " END"
    in_period = "(" + " OR ".join(slots) + ")"
    filter_sql = filters.where(params, "l")
    target = params.bind(contract.response_hours * HOUR)
    high_target = params.bind(contract.high_intent_response_hours * HOUR)
    now_value = params.bind(now)
    window = params.bind(contract.attempt_days)
    resolved = (
        "least(l.reached_sql_at, CASE WHEN coalesce(l.rejection_documented, FALSE) "
        "THEN l.rejected_at END)"
    )
    cohort = f"""cohort AS (
  SELECT {slot} AS slot, l.lead_id, l.owner, l.team, l.region, l.channel, l.segment,
    l.name, l.email, l.company, l.rejected_at,
    (NOT l.reached_sal AND {registry.REJECTED}
      AND NOT coalesce(l.rejection_documented, FALSE)) AS undocumented_rejection,
    {_high_intent_sql(contract, params)} AS high_intent,
    {_clock_sql(contract)} AS start_at,
    {_calendar_sql(contract, params)} AS calendar,
    {resolved} AS resolved_at,
    {_clock_sql(contract)} + to_days({window}) AS window_end,
    {"l.first_engagement_at" if source == "lead fields" else "NULL::TIMESTAMPTZ"}
      AS engaged_at,
    {"l.times_contacted" if source == "lead fields" else "NULL::BIGINT"} AS contacted
  FROM lead_facts l
  WHERE {in_period} AND {filter_sql} AND l.reached_mql_at IS NOT NULL
)"""
    # with the clock at MQL time, no touch before the period counts: skip those activities
    # early (their dates are in order on disk, so whole blocks are skipped)
    if source == "activities":
        starts = [p.start for p in periods]
        earliest = (
            f"a.occurred_at >= {params.bind(min(starts))}"  # type: ignore[type-var]
            if contract.clock_start == "mql" and None not in starts
            else "TRUE"
        )
        touches = f"""touches AS (
  SELECT c.lead_id, min(a.occurred_at) AS first_touch_at,
    count(*) FILTER (WHERE a.occurred_at < c.window_end) AS attempts
  FROM cohort c JOIN activity_facts a ON a.linked_lead_id = c.lead_id
  WHERE a.occurred_at >= c.start_at AND {earliest}
    AND {_touch_condition(con, contract, params)}
  GROUP BY c.lead_id
)"""
    else:
        touches = """touches AS (
  SELECT lead_id,
    CASE WHEN engaged_at >= start_at THEN engaged_at END AS first_touch_at,
    contacted AS attempts
  FROM cohort
)"""
    timed = f"""timed AS (
  SELECT c.*, t.first_touch_at, coalesce(t.attempts, 0) AS attempts,
    coalesce(t.first_touch_at, greatest({now_value}, c.start_at)) AS end_at
  FROM cohort c LEFT JOIN touches t USING (lead_id)
  WHERE c.start_at IS NOT NULL
)"""
    measured = (
        "measured AS (\n"
        + business_time.business_seconds_sql(
            "timed", start="start_at", end="end_at", name="response_seconds"
        )
        + "\n)"
    )
    count = params.bind(contract.attempt_count)
    judged = f"""judged AS (
  SELECT slot, lead_id, owner, team, region, channel, segment, name, email, company,
    rejected_at, undocumented_rejection,
    CASE WHEN high_intent THEN 'high-intent' ELSE 'standard' END AS tier,
    start_at, date_trunc('week', make_timestamp(epoch_us(start_at)))::DATE AS week,
    first_touch_at, response_seconds,
    CASE WHEN high_intent THEN {high_target} ELSE {target} END AS target_seconds,
    CASE
      WHEN first_touch_at IS NOT NULL AND response_seconds <= target_seconds THEN 'within'
      WHEN first_touch_at IS NOT NULL THEN 'late'
      WHEN response_seconds > target_seconds THEN 'open breach'
      ELSE 'pending'
    END AS response_status,
    attempts, window_end,
    CASE
      WHEN attempts >= {count} THEN 'compliant'
      WHEN resolved_at < window_end THEN 'resolved'
      WHEN {now_value} < window_end THEN 'pending'
      ELSE 'short'
    END AS attempt_status
  FROM measured
)"""
    ctes = ",\n".join([cohort, touches, timed, measured, judged])
    return _Relation(ctes, params.values, contract)


def _judged(
    con: Connection,
    selection: Selection | Period,
    now: datetime | None,
    contract: Contract | None,
) -> _Relation:
    period, filters = period_and_filters(selection)
    moment = now or clock.now()
    terms = contract or contract_for_period(con, period, moment.date())
    return _relation(con, [period], filters, terms, moment, touch_source(con))


_RESPONSE_AGGREGATES = """
  count(lead_id) AS mqls,
  count(lead_id) FILTER (WHERE response_status = 'within') AS within,
  count(lead_id) FILTER (WHERE response_status = 'late') AS late,
  count(lead_id) FILTER (WHERE response_status = 'open breach') AS open_breaches,
  count(lead_id) FILTER (WHERE response_status = 'pending') AS pending,
  quantile_cont(response_seconds / 3600.0, 0.5) FILTER (WHERE first_touch_at IS NOT NULL)
    AS median_hours,
  quantile_cont(response_seconds / 3600.0, 0.9) FILTER (WHERE first_touch_at IS NOT NULL)
    AS p90_hours,
  count(lead_id) FILTER (WHERE attempt_status IN ('compliant', 'resolved')) AS attempts_compliant,
  count(lead_id) FILTER (WHERE attempt_status = 'short') AS attempts_short,
  count(lead_id) FILTER (WHERE attempt_status = 'pending') AS attempts_pending"""


def _shares_sql() -> str:
    low, high = stats.wilson_sql("within", "(within + late + open_breaches)")
    a_low, a_high = stats.wilson_sql("attempts_compliant", "(attempts_compliant + attempts_short)")
    return f"""*,
  within::DOUBLE / nullif(within + late + open_breaches, 0) AS within_share,
  (within + late + open_breaches)::BIGINT AS within_n,
  {low} AS within_share_low, {high} AS within_share_high,
  attempts_compliant::DOUBLE / nullif(attempts_compliant + attempts_short, 0)
    AS attempt_compliance,
  (attempts_compliant + attempts_short)::BIGINT AS attempt_n,
  {a_low} AS attempt_compliance_low, {a_high} AS attempt_compliance_high"""


def _summaries(
    con: Connection,
    periods: Sequence[Period],
    filters: Filters,
    contract: Contract,
    now: datetime,
    *,
    histogram: bool = True,
) -> list[dict[str, Any]]:
    """`response_summary` of each of `periods` (judged by the same contract) in one
    statement, in the order of `periods`, each with its `histogram` too: the response times of
    its touched leads counted per tier and bin of `histogram_edges` (a list of {tier, bin,
    leads}; see `histogram_frame`)."""
    relation = _relation(con, periods, filters, contract, now, touch_source(con))
    if not histogram:
        sql = (
            f"WITH {relation.ctes},\nslots AS (SELECT unnest(range({len(periods)})) AS slot),\n"
            f"agg AS (SELECT slots.slot, {_RESPONSE_AGGREGATES}"
            "\nFROM slots LEFT JOIN judged j USING (slot) GROUP BY slots.slot)\n"
            f"SELECT {_shares_sql()}, [] AS histogram FROM agg ORDER BY slot"
        )
        return store.query(con, sql, relation.params).to_dicts()
    edges = histogram_edges(contract)
    cases = " ".join(
        f"WHEN response_seconds < {edge * HOUR!r} THEN {i}" for i, edge in enumerate(edges[1:])
    )
    sql = (
        f"WITH {relation.ctes},\nslots AS (SELECT unnest(range({len(periods)})) AS slot),\n"
        f"agg AS (SELECT slots.slot, {_RESPONSE_AGGREGATES}"
        "\nFROM slots LEFT JOIN judged j USING (slot) GROUP BY slots.slot),\n"
        f"bins AS (SELECT slot, tier, CASE {cases} ELSE {len(edges) - 1} END AS bin, "
        "count(*) AS leads FROM judged WHERE first_touch_at IS NOT NULL GROUP BY ALL),\n"
        "histograms AS (SELECT slot, list({'tier': tier, 'bin': bin, 'leads': leads}) "
        "AS counted FROM bins GROUP BY slot)\n"
        f"SELECT * EXCLUDE (counted), coalesce(counted, []) AS histogram\n"
        f"FROM (SELECT {_shares_sql()} FROM agg) LEFT JOIN histograms USING (slot) ORDER BY slot"
    )
    return store.query(con, sql, relation.params).to_dicts()


def response_summary(
    con: Connection,
    selection: Selection | Period,
    *,
    now: datetime | None = None,
    contract: Contract | None = None,
) -> dict[str, Any]:
    """The response and attempt commitments over the period's MQLs: one dict with mqls, within,
    late, open_breaches, pending, within_share (within / decided), within_n, its Wilson
    interval, median_hours and p90_hours (business hours, touched leads only),
    attempts_compliant (compliant or resolved), attempts_short, attempts_pending,
    attempt_compliance, attempt_n and its interval."""
    period, filters = period_and_filters(selection)
    moment = now or clock.now()
    terms = contract or contract_for_period(con, period, moment.date())
    return _summaries(con, [period], filters, terms, moment)[0]


def response_by(
    con: Connection,
    selection: Selection | Period,
    by: str,
    *,
    now: datetime | None = None,
    contract: Contract | None = None,
) -> pl.DataFrame:
    """Within-SLA and attempt shares per group: one row per value of `by` (week of the clock
    start, tier, or a lead dimension) that has MQLs, with the columns of `response_summary`;
    weeks in order, other groups by MQLs descending."""
    if by not in BY_CHOICES:
        raise ValueError(f"unknown breakdown {by!r}: use one of {', '.join(BY_CHOICES)}")
    relation = _judged(con, selection, now, contract)
    key = quote_identifier(by)
    order = key if by == "week" else f"mqls DESC, {key}"
    sql = (
        f"WITH {relation.ctes},\nagg AS (SELECT {key}, {_RESPONSE_AGGREGATES}\nFROM judged "
        f"GROUP BY {key})\nSELECT {_shares_sql()} FROM agg ORDER BY {order}"
    )
    return store.query(con, sql, relation.params)


def response_histogram(
    con: Connection,
    selection: Selection | Period,
    *,
    now: datetime | None = None,
    contract: Contract | None = None,
) -> tuple[pl.DataFrame, list[float]]:
    """Response times of touched leads in business hours, binned: (one row per tier and bin
    with leads, bin (its index) and label, in bin order; the bin edges in hours). The edges
    include both response targets, so a target falls on a bin boundary. (`response_summary`
    carries the same counts: the page reads them from there.)"""
    period, _ = period_and_filters(selection)
    moment = now or clock.now()
    terms = contract or contract_for_period(con, period, moment.date())
    summary = response_summary(con, selection, now=moment, contract=terms)
    return histogram_frame(summary["histogram"], histogram_edges(terms)), histogram_edges(terms)


def histogram_frame(histogram: Sequence[dict[str, Any]], edges: Sequence[float]) -> pl.DataFrame:
    """A summary's `histogram` as one row per tier and bin (every bin, zero when empty): tier,
    bin, label, leads; ordered by tier then bin."""
    labels = bin_labels(edges)
    grid = pl.DataFrame(
        {
            "tier": [t for t in ("high-intent", "standard") for _ in labels],
            "bin": [i for _ in range(2) for i in range(len(labels))],
            "label": labels * 2,
        },
        schema={"tier": pl.String, "bin": pl.Int64, "label": pl.String},
    )
    counts = pl.DataFrame(
        list(histogram), schema={"tier": pl.String, "bin": pl.Int64, "leads": pl.Int64}
    )
    return (
        grid.join(counts, on=["tier", "bin"], how="left")
        .with_columns(pl.col("leads").fill_null(0))
        .sort("tier", "bin")
    )


def histogram_edges(contract: Contract) -> list[float]:
    """Bin edges in business hours: fine below the targets, coarser after, both targets on an
    edge; the last bin is open-ended."""
    base = {0.0, 0.25, 0.5, 1.0, 2.0, 8.0, 16.0, 24.0, 40.0}
    base |= {contract.response_hours, contract.high_intent_response_hours}
    return sorted(e for e in base if e >= 0)


def bin_labels(edges: Sequence[float]) -> list[str]:
    """`<15 min`-style labels of the bins between `edges`, then `40 h+`."""

    def text(hours: float) -> str:
        return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:g} h"

    labels = [f"{text(a)}–{text(b)}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return [*labels, f"{text(edges[-1])}+"]


# ---- the breach list ---------------------------------------------------------------------
BREACH_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "name",
    "email",
    "company",
    "owner",
    "team",
    "channel",
    "tier",
    "breach",
    "state",
    "start_at",
    "business_hours",
    "target_hours",
    "first_touch_at",
    "attempts",
)


def _breach_sql(relation: _Relation, commitment: str) -> tuple[str, str]:
    """(condition over `judged j` joined to `lead_facts l`, ordering): the breaches of one
    commitment, open ones first."""
    if commitment == "response_time":
        return (
            "j.response_status IN ('late', 'open breach')",
            "CASE WHEN j.response_status = 'open breach' THEN 0 ELSE 1 END, "
            "j.response_seconds DESC, j.lead_id",
        )
    if commitment == "attempts":
        return ("j.attempt_status = 'short'", "j.attempts, j.start_at, j.lead_id")
    if commitment == "documentation":
        return ("j.undocumented_rejection", "j.rejected_at DESC NULLS LAST, j.lead_id")
    raise ValueError(f"no breach list for {commitment!r}: use one of {', '.join(BREACH_KINDS)}")


def _breach_select(relation: _Relation, commitment: str) -> tuple[str, str]:
    condition, order = _breach_sql(relation, commitment)
    state = (
        "CASE WHEN j.response_status = 'open breach' THEN 'open' ELSE 'closed' END"
        if commitment == "response_time"
        else "'closed'"
    )
    select = f"""WITH {relation.ctes}
SELECT j.lead_id, j.name, j.email, j.company, j.owner, j.team, j.channel, j.tier,
  {quote_literal(BREACH_KINDS[commitment])} AS breach, {state} AS state,
  j.start_at, round(j.response_seconds / 3600.0, 2) AS business_hours,
  j.target_seconds / 3600.0 AS target_hours, j.first_touch_at, j.attempts
FROM judged j
WHERE {condition}"""
    return select, order


def breaches(
    con: Connection,
    selection: Selection | Period,
    commitment: str = "response_time",
    *,
    page: int = 1,
    page_size: int = 50,
    now: datetime | None = None,
    contract: Contract | None = None,
) -> tuple[pl.DataFrame, int]:
    """The leads breaching one commitment in the period, open breaches first: (one page of rows
    with BREACH_COLUMNS, how many in all). `page_size` 0 returns every row (downloads)."""
    relation = _judged(con, selection, now, contract)
    select, order = _breach_select(relation, commitment)
    limit = ""
    if page_size:
        limit = f" LIMIT {int(page_size)} OFFSET {max(int(page) - 1, 0) * int(page_size)}"
    # the total rides along as a window count, so one statement gives the page and the total
    rows = store.query(
        con,
        f"{select.replace('SELECT j.lead_id,', 'SELECT count(*) OVER () AS total, j.lead_id,', 1)}"
        f"\nORDER BY {order}{limit}",
        relation.params,
    )
    total = int(rows["total"][0]) if rows.height else 0
    if not rows.height and page > 1:
        total = breaches(con, selection, commitment, now=now, contract=contract)[1]
    rows = rows.drop("total")
    return rows, total


# ---- MQL volume, MQL -> SQL, documentation ---------------------------------------------
def _months_of(period: Period, today: date) -> list[date]:
    """First days of the months a period touches (today's and the eleven before for all time)."""
    if period.first_day is None or period.end_day is None:
        index = today.year * 12 + today.month - 1
        return [date((index - i) // 12, (index - i) % 12 + 1, 1) for i in range(11, -1, -1)]
    months, day = [], period.first_day.replace(day=1)
    while day < period.end_day:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def monthly_targets(
    con: Connection, metric: str, months: Sequence[date], contract_value: float | None
) -> dict[date, tuple[Any, str]]:
    """Per month: (target, where it comes from: `imported` when the `targets` table has the
    month's value for `metric`, else `contract` with `contract_value`)."""
    rows = store.query(
        con,
        "SELECT month, max(value) AS value FROM targets "
        "WHERE metric = $metric AND month = ANY($months::DATE[]) GROUP BY month",
        {"metric": metric, "months": list(months)},
    )
    imported = {row["month"]: float(row["value"]) for row in rows.to_dicts()}
    return {
        m: (imported[m], "imported") if m in imported else (contract_value, "contract")
        for m in months
    }


def _default_calendar_key(contract: Contract) -> str:
    return calendar_key(contract, contract.default_calendar)


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _business_day_counts(
    con: Connection, key: str, months: Sequence[date], period: Period, today: date
) -> dict[date, tuple[int, int, int]]:
    """Per month of `months`: (its business days, those inside the period, those inside the
    period before today) in the calendar `key`; one statement."""
    rows = store.query(
        con,
        f"""SELECT date_trunc('month', day)::DATE AS month,
          count(*) AS in_month,
          count(*) FILTER (WHERE day >= $first AND day < $end) AS inside,
          count(*) FILTER (WHERE day >= $first AND day < $end AND day < $today) AS done
        FROM {quote_identifier(business_time.CALENDAR_TABLE)}
        WHERE calendar = $key AND open_seconds > 0 AND day >= $start AND day < $stop
        GROUP BY 1""",
        {
            "key": key,
            "first": period.first_day or months[0],
            "end": period.end_day or _month_end(months[-1]) + timedelta(days=1),
            "today": today,
            "start": months[0],
            "stop": _month_end(months[-1]) + timedelta(days=1),
        },
    )
    counts = {r["month"]: (r["in_month"], r["inside"], r["done"]) for r in rows.to_dicts()}
    return {m: counts.get(m, (0, 0, 0)) for m in months}


def _paced(
    targets: dict[date, tuple[float, str]],
    counts: dict[date, tuple[int, int, int]],
) -> tuple[float, float]:
    """(target of the period, target expected by today): each month's target times the share
    of its business days inside the period (elapsed before today)."""
    total = expected = 0.0
    for month, (value, _) in targets.items():
        in_month, inside, done = counts[month]
        if in_month:
            total += value * inside / in_month
            expected += value * done / in_month
    return total, expected


def volume_target(
    con: Connection, period: Period, contract: Contract, today: date
) -> dict[str, Any]:
    """The MQL target of a period: `target` (each month's target times the share of its
    business days inside the period), `source` (contract / imported / mixed) and, when the
    period contains today, `expected_to_date` (the same over the business days before today:
    the pace). Business days are the contract's default calendar's."""
    months = _months_of(period, today)
    targets = monthly_targets(con, "mqls", months, contract.mql_volume.target)
    counts = _business_day_counts(con, _default_calendar_key(contract), months, period, today)
    total, expected = _paced(targets, counts)
    sources = {source for _, source in targets.values()}
    current = period.contains(today) and not period.is_all
    return {
        "target": total,
        "source": sources.pop() if len(sources) == 1 else "mixed",
        "expected_to_date": expected if current else None,
    }


def _rate_target(con: Connection, period: Period, contract: Contract, today: date) -> float:
    """The MQL -> SQL target of a period: the mean of its months' targets (imported or the
    contract's)."""
    months = _months_of(period, today)
    targets = monthly_targets(con, "mql_to_sql", months, contract.mql_to_sql.target)
    values = [value for value, _ in targets.values()]
    return sum(values) / len(values) if values else contract.mql_to_sql.target


def _scaled_at_risk(commitment_target: float, at_risk: float, target: float) -> float:
    """The at-risk threshold for a target other than the contract's, in the same proportion."""
    return target * at_risk / commitment_target if commitment_target else at_risk


@dataclass(frozen=True)
class CommitmentResult:
    """One commitment in one period: actual, n, target, at-risk threshold, status, and for the
    rates their Wilson 95 % interval (`low`, `high`). No target (None) and no status for MQL
    volume over all time: a monthly commitment has no total."""

    key: str
    actual: float | None
    n: int
    target: float | None
    at_risk: float | None
    status: str | None
    note: str = ""
    low: float | None = None
    high: float | None = None


def _status(actual: float | None, target: float, at_risk: float) -> str | None:
    if actual is None:
        return None
    if actual >= target:
        return "met"
    return "at risk" if actual >= at_risk else "missed"


def _results(
    con: Connection,
    period: Period,
    terms: Contract,
    counts: dict[str, Any],
    summary: dict[str, Any],
    today: date,
) -> dict[str, CommitmentResult]:
    """Every commitment of one period from its registry counts and response summary."""
    results: dict[str, CommitmentResult] = {}
    mqls = float(counts["mqls"])
    if period.is_all:
        results["mql_volume"] = CommitmentResult(
            "mql_volume", mqls, int(mqls), None, None, None, "a monthly target: pick a period"
        )
    else:
        volume = volume_target(con, period, terms, today)
        c = terms.mql_volume
        paced = volume["expected_to_date"]
        goal = paced if paced is not None else volume["target"]
        risk = _scaled_at_risk(c.target, c.at_risk, goal)
        note = f"paced: {paced:.0f} expected by today of {volume['target']:.0f}" if paced else ""
        results["mql_volume"] = CommitmentResult(
            "mql_volume", mqls, int(mqls), goal, risk, _status(mqls, goal, risk), note
        )
    c = terms.mql_to_sql
    goal = _rate_target(con, period, terms, today)
    risk = _scaled_at_risk(c.target, c.at_risk, goal)
    actual = counts["mql_to_sql"]
    implied, sqls = int(counts.get("sqls_by_flag") or 0), int(counts["sqls"] or 0)
    # most SQLs known only from a converted / won flag: the rate follows from the flags (a
    # flag implies every earlier stage), so judging it against a target would be a fiction
    unmeasured = sqls > 0 and 2 * implied > sqls
    results["mql_to_sql"] = CommitmentResult(
        "mql_to_sql",
        actual,
        int(counts["mql_to_sql_n"] or 0),
        goal,
        risk,
        None if unmeasured else _status(actual, goal, risk),
        (f"{implied:,} of {sqls:,} SQLs come from a converted or won flag, not an SQL date")
        if unmeasured
        else "",
        low=counts["mql_to_sql_low"],
        high=counts["mql_to_sql_high"],
    )
    c = terms.response_time
    actual = summary["within_share"]
    pending = summary["pending"]
    undated = int(counts["mqls"]) - int(summary["mqls"])
    notes = [f"{pending:,} pending"] if pending else []
    if undated > 0:
        notes.append(f"{undated:,} MQLs without an MQL date left out")
    results["response_time"] = CommitmentResult(
        "response_time",
        actual,
        int(summary["within_n"] or 0),
        c.target,
        c.at_risk,
        _status(actual, c.target, c.at_risk),
        "; ".join(notes),
        low=summary["within_share_low"],
        high=summary["within_share_high"],
    )
    c = terms.attempts
    actual = summary["attempt_compliance"]
    waiting = summary["attempts_pending"]
    results["attempts"] = CommitmentResult(
        "attempts",
        actual,
        int(summary["attempt_n"] or 0),
        c.target,
        c.at_risk,
        _status(actual, c.target, c.at_risk),
        f"{waiting:,} still in their window" if waiting else "",
        low=summary["attempt_compliance_low"],
        high=summary["attempt_compliance_high"],
    )
    c = terms.documentation
    actual = counts["sla_documentation"]
    results["documentation"] = CommitmentResult(
        "documentation",
        actual,
        int(counts["sla_documentation_n"] or 0),
        c.target,
        c.at_risk,
        _status(actual, c.target, c.at_risk),
        low=counts["sla_documentation_low"],
        high=counts["sla_documentation_high"],
    )
    return results


COUNT_ITEMS: tuple[str, ...] = (
    "mqls",
    "sqls",
    "mql_to_sql",
    "sla_documentation",
    "sqls_by_flag",
)
"""The registry metrics the scorecard reads (a caller that compiles them anyway, such as the
Overview's KPI statement, hands its rows to `review` instead of compiling them twice)."""


def _commitments(
    con: Connection,
    periods: Sequence[Period],
    filters: Filters,
    now: datetime,
    contract: Contract | None,
    counts: Sequence[dict[str, Any]] | None = None,
    *,
    histogram: bool = True,
) -> list[tuple[dict[str, CommitmentResult], dict[str, Any]]]:
    """`commitments` of each of `periods`: the registry counts in one statement (or `counts`,
    one row of `COUNT_ITEMS` per period, compiled by the caller), the response summaries in one
    statement when the same contract judges every period (with their histograms unless
    `histogram` is False: no commitment reads them)."""
    today = now.date()
    terms = [contract or contract_for_period(con, p, today) for p in periods]
    if counts is None:
        counts = compile_periods(COUNT_ITEMS, periods, filters).run(con).to_dicts()
    if all(t == terms[0] for t in terms):
        summaries = _summaries(con, periods, filters, terms[0], now, histogram=histogram)
    else:
        summaries = [
            _summaries(con, [p], filters, t, now, histogram=histogram)[0]
            for p, t in zip(periods, terms, strict=True)
        ]
    return [
        (_results(con, p, t, c, s, today), s)
        for p, t, c, s in zip(periods, terms, counts, summaries, strict=True)
    ]


def commitments(
    con: Connection,
    selection: Selection | Period,
    *,
    now: datetime | None = None,
    contract: Contract | None = None,
) -> tuple[dict[str, CommitmentResult], dict[str, Any]]:
    """Every commitment of the contract for the period: ({key: result}, the response summary).
    The MQL volume of a period containing today is judged against the pace (expected to date)."""
    period, filters = period_and_filters(selection)
    return _commitments(con, [period], filters, now or clock.now(), contract)[0]


SCORECARD_COLUMNS: tuple[str, ...] = (
    "commitment",
    "label",
    "owner",
    "unit",
    "target",
    "at_risk",
    "actual",
    "n",
    "low",
    "high",
    "status",
    "note",
    "comparison_actual",
    "comparison_status",
)


def review(
    con: Connection,
    selection: Selection | Period,
    *,
    now: datetime | None = None,
    contract: Contract | None = None,
    counts: Sequence[dict[str, Any]] | None = None,
    histogram: bool = True,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """(`scorecard`, the period's response summary, see `response_summary`): both from the
    same statements. `counts`: the `COUNT_ITEMS` of the period and of its comparison period
    (in that order), when the caller compiled them already. `histogram=False` leaves the
    summary's response-time histogram empty (`[]`) for a caller that shows only the scorecard:
    the scorecard is the same."""
    view = selection_of(selection)
    moment = now or clock.now()
    periods = [view.period]
    if view.comparison_period is not None:
        periods.append(view.comparison_period)
    results = _commitments(
        con, periods, view.filters, moment, contract, counts, histogram=histogram
    )
    terms = contract or contract_for_period(con, view.period, moment.date())
    return _scorecard_frame(results, terms), results[0][1]


def scorecard(
    con: Connection,
    selection: Selection | Period,
    *,
    now: datetime | None = None,
    contract: Contract | None = None,
) -> pl.DataFrame:
    """The SLA scorecard: one row per commitment (COMMITMENTS order) with SCORECARD_COLUMNS:
    its owner, unit (count / rate), target and at-risk threshold for the period, actual, n,
    the Wilson 95 % interval of a rate (low, high), status (met / at risk / missed, null
    without data) and a note, and the same actual and status in the comparison period (null
    without one). Each period is judged by its own
    contract version (or both by `contract`)."""
    return review(con, selection, now=now, contract=contract)[0]


def _scorecard_frame(
    results: list[tuple[dict[str, CommitmentResult], dict[str, Any]]], terms: Contract
) -> pl.DataFrame:
    """The scorecard frame of `_commitments` results (the period's, then the comparison's)."""
    current = results[0][0]
    previous = results[1][0] if len(results) > 1 else {}
    rows = []
    for key in COMMITMENTS:
        result = current[key]
        before = previous.get(key)
        rows.append(
            {
                "commitment": key,
                "label": COMMITMENT_LABEL[key],
                "owner": terms.commitment(key).owner,
                "unit": "count" if key == "mql_volume" else "rate",
                "target": result.target,
                "at_risk": result.at_risk,
                "actual": result.actual,
                "n": result.n,
                "low": result.low,
                "high": result.high,
                "status": result.status,
                "note": result.note,
                "comparison_actual": before.actual if before else None,
                "comparison_status": before.status if before else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "commitment": pl.String,
            "label": pl.String,
            "owner": pl.String,
            "unit": pl.String,
            "target": pl.Float64,
            "at_risk": pl.Float64,
            "actual": pl.Float64,
            "n": pl.Int64,
            "low": pl.Float64,
            "high": pl.Float64,
            "status": pl.String,
            "note": pl.String,
            "comparison_actual": pl.Float64,
            "comparison_status": pl.String,
        },
    )


def monthly(
    con: Connection,
    selection: Selection | Period,
    months: Sequence[date],
    *,
    now: datetime | None = None,
) -> pl.DataFrame:
    """MQL volume, MQL -> SQL and documentation by MQL month against their targets: one row per
    month of `months` (consecutive, oldest first): bucket, mqls, mql_target, mql_target_source,
    expected_to_date (today's month only), mql_to_sql (+ n, interval), mql_to_sql_target,
    sla_documentation (+ n, interval), documentation_target. Each month is judged by the
    contract version in effect on its first day."""
    _, filters = period_and_filters(selection)
    moment = now or clock.now()
    today = moment.date()
    series = compile_series(
        ("mqls", "mql_to_sql", "sla_documentation"), "month", list(months), filters
    ).run(con)
    terms = {m: contract_for_period(con, Period.month(m.year, m.month), today) for m in months}
    volumes = monthly_targets(con, "mqls", months, None)
    rates = monthly_targets(con, "mql_to_sql", months, None)
    span = Period("month", months[0], _month_end(months[-1]) + timedelta(days=1))
    counts: dict[date, tuple[int, int, int]] = {}
    for key in {_default_calendar_key(t) for t in terms.values()}:
        by_key = _business_day_counts(con, key, months, span, today)
        counts.update({m: by_key[m] for m in months if _default_calendar_key(terms[m]) == key})
    rows = []
    for month in months:
        contract = terms[month]
        value, source = volumes[month]
        volume = contract.mql_volume.target if value is None else value
        in_month, _, done = counts[month]
        current = month <= today <= _month_end(month)
        rate = rates[month][0]
        rows.append(
            {
                "bucket": month,
                "mql_target": volume,
                "mql_target_source": source,
                "expected_to_date": volume * done / in_month if current and in_month else None,
                "mql_to_sql_target": contract.mql_to_sql.target if rate is None else rate,
                "documentation_target": contract.documentation.target,
            }
        )
    targets = pl.DataFrame(
        rows,
        schema={
            "bucket": pl.Date,
            "mql_target": pl.Float64,
            "mql_target_source": pl.String,
            "expected_to_date": pl.Float64,
            "mql_to_sql_target": pl.Float64,
            "documentation_target": pl.Float64,
        },
    )
    return series.join(targets, on="bucket", how="left").sort("bucket")
