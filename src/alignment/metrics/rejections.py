"""Rejection metrics: why MQLs are rejected and why opportunities are lost (DESIGN section 5,
"Rejections"): the reason Pareto with its comparison period, the documentation rate, the
reason share trend by month, reason x dimension matrices, the patterns finder, and the
drill-down to the records behind a reason.

Owns the SQL behind the Rejections page and `alignment rejections`. Counts are aggregated in
DuckDB over `lead_facts` / `opp_facts`; the pattern finder then works on the small table of
counts per channel x segment x reason (never on records).

Definitions (also in the README):
- a *rejected lead* has a rejection date or a rejection reason and is not flagged converted
  or won (`is_converted`, `is_won`); it belongs to the period of its rejection date (undated:
  all time only);
- a *lost opportunity* is closed lost (`opp_facts.outcome = 'lost'`), in the period of its close
  date;
- the *reason* is the model view's `rejection_reason` / `lost_reason`: the standard reason of the
  reason map, else the reason as exported (unmapped values stay visible as themselves); NULL
  when the map says the exported value is a status, not a rejection (such a lead is then not
  rejected unless it has a rejection date). With `level="raw"` it is the exported value
  (`*_raw`) as it is. Empty reasons, and the value "Not documented", are `NOT_DOCUMENTED`;
- *undocumented* (DESIGN section 5: an empty or unmapped reason): `NOT_DOCUMENTED`, and at the
  standard level also every reason that is not one of `maps.STANDARD_REASONS` (shown by name in
  the Pareto, after the documented ones, so it can be mapped on the Settings page).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import polars as pl

from alignment import clock, stats
from alignment.db import store
from alignment.db.store import Connection, quote_identifier, quote_literal
from alignment.filters import DIMENSIONS, Filters
from alignment.metrics import registry
from alignment.metrics.compile import Bucket, bucket_end, bucket_sql, trend_starts
from alignment.metrics.registry import Kpi
from alignment.model.facts import NOT_SET
from alignment.model.maps import STANDARD_REASONS
from alignment.periods import Period, between_sql, hull
from alignment.selection import Selection, period_and_filters, selection_of
from alignment.sql import Params
from alignment.stats import MIN_N

Kind = Literal["leads", "opportunities"]
Level = Literal["standard", "raw"]

KINDS: dict[str, str] = {
    "leads": "Lead rejection reasons",
    "opportunities": "Closed-lost reasons",
}
"""What the reasons are about, with the label of the page switch."""

LEVELS: dict[str, str] = {"standard": "Standard reasons", "raw": "As exported"}

NOUNS: dict[str, str] = {"leads": "rejections", "opportunities": "lost deals"}
"""How one kind's records are called in sentences ("... of Paid Social SMB rejections")."""

NOT_DOCUMENTED = "Not documented"
"""The reason shown for records without a (documented) reason."""

DOCUMENTATION_TARGET = 1.0
"""SLA target (DESIGN section 1): every rejected MQL has a documented reason."""


ALPHA = 0.05
"""Family-wise significance level of the pattern finder (Bonferroni over every test)."""


MIN_EXCESS_POINTS = 0.05
"""Minimum effect size of a pattern, with `MIN_SHARE_RATIO`: the reason's share in the cell is
at least 5 percentage points above its share in the rest. With thousands of rejections a
difference of a point or two is significant yet changes nothing anyone would act on ("21 % of
Mid-Market rejections vs 20 % overall"), so significance alone does not make a pattern."""

MIN_SHARE_RATIO = 1.25
"""Minimum effect size of a pattern, with `MIN_EXCESS_POINTS`: the reason's share in the cell is
at least 1.25 times its share in the rest (so a common reason needs more than 5 points)."""

PATTERN_DIMENSIONS: tuple[str, str] = ("channel", "segment")

METRICS: dict[str, Kpi] = {kpi.name: kpi for kpi in registry.PAGE_METRICS["Rejections"]}
"""The rejection metrics' labels, units and one-sentence definitions."""


def _check_dimension(dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}: use one of {', '.join(DIMENSIONS)}")
    return dimension


def _check(kind: str, level: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: use {' or '.join(KINDS)}")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: use {' or '.join(LEVELS)}")


# ---- the rejected records ---------------------------------------------------------------------
def _reason_sql(kind: Kind, level: Level, alias: str) -> str:
    """The reason of a record (NULL when there is none, or it says "Not documented")."""
    column = "rejection_reason" if kind == "leads" else "lost_reason"
    # the view's column already applies the reason map and falls back to the exported value;
    # it is NULL for values the map marks as "not a rejection"
    value = f"nullif(trim({alias}.{column}{'_raw' if level == 'raw' else ''}), '')"
    return f"(CASE WHEN lower({value}) = lower('{NOT_DOCUMENTED}') THEN NULL ELSE {value} END)"


def _rejected_sql(
    params: Params,
    kind: Kind,
    level: Level,
    filters: Filters,
    period: Period,
    extra: Sequence[str] = (),
) -> str:
    """SELECT of the rejected (or lost) records in `period`: one row per record with
    `reason` (NULL = not documented), `event_at` (rejection / close time) and the `extra`
    columns of the view (dimensions only when asked for: each one costs the view a lookup
    join, about 2.5x slower with all five)."""
    _check(kind, level)
    alias = "l" if kind == "leads" else "o"
    view = "lead_facts" if kind == "leads" else "opp_facts"
    reason = _reason_sql(kind, level, alias)
    at = f"{alias}.rejected_at" if kind == "leads" else f"{alias}.closed_at"
    condition = filters.where(params, alias)
    in_period = between_sql(at, period, params)
    if kind == "leads":
        rejected = (
            f"({alias}.rejected_at IS NOT NULL OR {reason} IS NOT NULL) "
            f"AND NOT coalesce({alias}.is_converted, FALSE) AND NOT coalesce({alias}.is_won, FALSE)"
        )
    else:
        rejected = f"{alias}.outcome = 'lost'"
    more = "".join(f", {alias}.{quote_identifier(c)}" for c in extra)
    return (
        f"SELECT {reason} AS reason, {at} AS event_at{more} FROM {view} {alias} "
        f"WHERE {rejected} AND {condition} AND {in_period}"
    )


def _reason_order() -> str:
    """ORDER BY terms over (reason, total): documented reasons by count, then name, then
    "Not documented" last."""
    return f"reason = '{NOT_DOCUMENTED}', total DESC, reason"


# ---- the Pareto -----------------------------------------------------------------------------
PARETO_COLUMNS: tuple[str, ...] = (
    "reason",
    "n",
    "share",
    "cumulative_share",
    "previous_n",
    "previous_share",
    "undocumented",
)


def pareto(
    con: Connection,
    selection: Selection | Period,
    *,
    kind: Kind = "leads",
    level: Level = "standard",
) -> pl.DataFrame:
    """One row per reason seen in the period or the comparison period: `PARETO_COLUMNS`.

    Rows are documented reasons by n descending (then previous_n, then name), then the
    undocumented ones (standard level: reasons the reason map does not cover, then
    `NOT_DOCUMENTED`; they stay visible by name but count as undocumented, DESIGN section 5);
    share = n / all records in the period, cumulative_share the running sum of share in that
    order (so it ends at 1); previous_n / previous_share the same for the selection's
    comparison period (null without one). Shares are null when their total is 0. One
    statement."""
    chosen = selection_of(selection)
    period, comparison, filters = chosen.period, chosen.comparison_period, chosen.filters
    periods = [period] if comparison is None else [period, comparison]
    params = Params()
    base = _rejected_sql(params, kind, level, filters, hull(periods))
    flags = [f"{between_sql('event_at', p, params)} AS p{i}" for i, p in enumerate(periods)]
    previous = "count(*) FILTER (WHERE p1)" if comparison is not None else "NULL::BIGINT"
    undocumented = f"(reason = '{NOT_DOCUMENTED}')"
    if level == "standard":  # DESIGN 5: an empty or unmapped reason is not documented
        standard = ", ".join(quote_literal(r) for r in STANDARD_REASONS)
        undocumented = f"(reason = '{NOT_DOCUMENTED}' OR reason NOT IN ({standard}))"
    sql = f"""
    WITH rejected AS ({base}),
    flagged AS (
      SELECT coalesce(reason, '{NOT_DOCUMENTED}') AS reason, {", ".join(flags)} FROM rejected
    ),
    counts AS (
      SELECT reason, count(*) FILTER (WHERE p0) AS n, {previous} AS previous_n
      FROM flagged GROUP BY reason
    )
    SELECT reason, n,
      n / nullif(sum(n) OVER (), 0) AS share,
      sum(n) OVER (ORDER BY {undocumented}, reason = '{NOT_DOCUMENTED}', n DESC, previous_n DESC,
                   reason ROWS UNBOUNDED PRECEDING) / nullif(sum(n) OVER (), 0)
        AS cumulative_share,
      previous_n,
      previous_n / nullif(sum(previous_n) OVER (), 0) AS previous_share,
      {undocumented} AS undocumented
    FROM counts
    WHERE n > 0 OR previous_n > 0
    ORDER BY {undocumented}, reason = '{NOT_DOCUMENTED}', n DESC, previous_n DESC, reason
    """
    frame = store.query(con, sql, params.values)
    return frame.with_columns(
        pl.col("n").cast(pl.Int64),
        pl.col("previous_n").cast(pl.Int64),
        pl.col("share", "cumulative_share", "previous_share").cast(pl.Float64),
    ).select(PARETO_COLUMNS)


@dataclass(frozen=True)
class Documentation:
    """Rejected (or lost) records of a period and how many carry a reason."""

    total: int
    undocumented: int

    @property
    def documented(self) -> int:
        return self.total - self.undocumented

    @property
    def undocumented_share(self) -> float | None:
        return self.undocumented / self.total if self.total else None

    @property
    def documentation_rate(self) -> float | None:
        return self.documented / self.total if self.total else None

    @property
    def target(self) -> float:
        return DOCUMENTATION_TARGET

    @property
    def meets_target(self) -> bool | None:
        rate = self.documentation_rate
        return None if rate is None else rate >= DOCUMENTATION_TARGET


def documentation(pareto_frame: pl.DataFrame, *, previous: bool = False) -> Documentation:
    """The documentation counts read from a `pareto` frame (its current or previous period)."""
    column = "previous_n" if previous else "n"
    counts = pareto_frame[column].fill_null(0)
    undocumented = pareto_frame.filter(pl.col("undocumented"))[column].fill_null(0).sum()
    return Documentation(total=int(counts.sum()), undocumented=int(undocumented))


# ---- reason x dimension --------------------------------------------------------------------
MATRIX_COLUMNS: tuple[str, ...] = ("reason", "n", "total", "share")


def reason_matrix(
    con: Connection,
    selection: Selection | Period,
    dimension: str,
    *,
    kind: Kind = "leads",
    level: Level = "standard",
) -> pl.DataFrame:
    """One row per value of `dimension` x reason (every combination, zeros included) over the
    period's rejected records: `<dimension>`, reason, n, total (records of that value), share
    (n / total). Values by total descending then name; reasons in Pareto order."""
    period, filters = period_and_filters(selection)
    _check_dimension(dimension)
    params = Params()
    base = _rejected_sql(params, kind, level, filters, period, (dimension,))
    column = quote_identifier(dimension)
    sql = f"""
    WITH rejected AS ({base}),
    cells AS (
      SELECT {column} AS k, coalesce(reason, '{NOT_DOCUMENTED}') AS reason, count(*) AS n
      FROM rejected GROUP BY ALL
    ),
    keys AS (SELECT k, sum(n) AS key_total FROM cells GROUP BY k),
    reasons AS (SELECT reason, sum(n) AS total FROM cells GROUP BY reason),
    ordered AS (
      SELECT reason, row_number() OVER (ORDER BY {_reason_order()}) AS reason_rank FROM reasons
    )
    SELECT keys.k AS {column}, ordered.reason,
      coalesce(cells.n, 0)::BIGINT AS n,
      keys.key_total::BIGINT AS total,
      coalesce(cells.n, 0) / keys.key_total AS share
    FROM keys CROSS JOIN ordered
    LEFT JOIN cells ON cells.k = keys.k AND cells.reason = ordered.reason
    ORDER BY keys.key_total DESC, keys.k, ordered.reason_rank
    """
    return store.query(con, sql, params.values).with_columns(pl.col("share").cast(pl.Float64))


# ---- trend by month -------------------------------------------------------------------------
TREND_COLUMNS: tuple[str, ...] = ("month", "label", "reason", "n", "total", "share")


def share_trend(
    con: Connection,
    selection: Selection | Period,
    months: int = 12,
    *,
    kind: Kind = "leads",
    level: Level = "standard",
    now: datetime | None = None,
    bucket: Bucket = "month",
) -> pl.DataFrame:
    """One row per calendar month (with `bucket="quarter"`, quarter) x reason (reasons seen in
    the range), oldest first, for the `months` months (quarters) ending at the selected
    period's (a quarter's last month; the current one for all time): month (Date, the bucket's
    first day), label (`Mar 2026`, `Q1 2026`), reason, n, total (records of the bucket), share
    (null for a bucket without records). Buckets by UTC rejection / close date."""
    if months < 1:
        raise ValueError("months must be at least 1")
    end, filters = period_and_filters(selection)
    current = now or clock.now()
    starts = trend_starts(end, months, bucket, current.date())
    range_period = Period("month", starts[0], bucket_end(starts[-1], bucket))
    label = (
        "'Q' || quarter(m.month) || ' ' || year(m.month)"
        if bucket == "quarter"
        else "strftime(m.month, '%b %Y')"
    )
    params = Params()
    base = _rejected_sql(params, kind, level, filters, range_period)
    sql = f"""
    WITH months AS (SELECT unnest({params.bind(starts)}::DATE[]) AS month),
    rejected AS ({base}),
    cells AS (
      SELECT {bucket_sql("event_at", bucket)} AS month,
        coalesce(reason, '{NOT_DOCUMENTED}') AS reason,
        count(*) AS n
      FROM rejected GROUP BY ALL
    ),
    reasons AS (SELECT reason, sum(n) AS total FROM cells GROUP BY reason),
    ordered AS (
      SELECT reason, row_number() OVER (ORDER BY {_reason_order()}) AS reason_rank FROM reasons
    ),
    month_totals AS (SELECT month, sum(n) AS total FROM cells GROUP BY month)
    SELECT m.month, {label} AS label, o.reason,
      coalesce(c.n, 0)::BIGINT AS n,
      coalesce(t.total, 0)::BIGINT AS total,
      coalesce(c.n, 0) / nullif(t.total, 0) AS share
    FROM months m CROSS JOIN ordered o
    LEFT JOIN cells c ON c.month = m.month AND c.reason = o.reason
    LEFT JOIN month_totals t ON t.month = m.month
    ORDER BY m.month, o.reason_rank
    """
    frame = store.query(con, sql, params.values)
    return frame.with_columns(pl.col("share").cast(pl.Float64)).select(TREND_COLUMNS)


# ---- patterns -------------------------------------------------------------------------------
def pattern_counts(
    con: Connection,
    selection: Selection | Period,
    *,
    kind: Kind = "leads",
    level: Level = "standard",
    dimensions: tuple[str, str] = PATTERN_DIMENSIONS,
) -> pl.DataFrame:
    """One row per (first dimension, second dimension, reason) present in the period's rejected
    records: the two dimension columns, reason, n. The pattern finder's only input."""
    period, filters = period_and_filters(selection)
    first, second = (quote_identifier(_check_dimension(d)) for d in dimensions)
    params = Params()
    base = _rejected_sql(params, kind, level, filters, period, dimensions)
    sql = f"""
    SELECT {first}, {second}, coalesce(reason, '{NOT_DOCUMENTED}') AS reason,
      count(*)::BIGINT AS n
    FROM ({base}) GROUP BY ALL ORDER BY ALL
    """
    return store.query(con, sql, params.values)


PATTERN_COLUMNS: tuple[str, ...] = (
    "reason",
    "cell",
    "n",
    "count",
    "share",
    "overall_share",
    "rest_share",
    "z",
    "p_value",
    "excess",
)


@dataclass(frozen=True)
class _Test:
    key: tuple[str | None, str | None]
    reason: str
    count: int
    n: int
    z: float
    p_value: float


def _counts(
    cells: dict[tuple[str, str], dict[str, int]],
) -> dict[tuple[str | None, str | None], dict[str, int]]:
    """Counts per reason for every cell: (a, b), (a, None), (None, b) and (None, None)."""
    result: dict[tuple[str | None, str | None], dict[str, int]] = {}
    for (a, b), reasons in cells.items():
        for key in ((a, b), (a, None), (None, b), (None, None)):
            target = result.setdefault(key, {})
            for reason, n in reasons.items():
                target[reason] = target.get(reason, 0) + n
    return result


def _above(x1: int, n1: int, x2: int, n2: int, threshold: float) -> tuple[bool, float, float]:
    """Whether x1/n1 is significantly above x2/n2 (two-sided p below `threshold` and z > 0)."""
    z, p = stats.two_proportion_z_test(x1, n1, x2, n2)
    if math.isnan(z):
        return False, z, p
    return (z > 0 and p < threshold), z, p


def _large_enough(x1: int, n1: int, x2: int, n2: int) -> bool:
    """Whether x1/n1 exceeds x2/n2 by the minimum effect size (`MIN_EXCESS_POINTS` and
    `MIN_SHARE_RATIO`)."""
    share, rest = x1 / n1, x2 / n2
    return share - rest >= MIN_EXCESS_POINTS and share >= MIN_SHARE_RATIO * rest


def _cell_label(key: tuple[str | None, str | None]) -> str:
    return " ".join(v for v in key if v is not None)


def find_patterns(
    counts: pl.DataFrame,
    *,
    dimensions: tuple[str, str] = PATTERN_DIMENSIONS,
    min_n: int = MIN_N,
    alpha: float = ALPHA,
) -> pl.DataFrame:
    """Reasons over-represented in a cell: one row per pattern (`PATTERN_COLUMNS` plus the two
    dimension columns, null where the cell does not restrict that dimension), by excess
    descending (excess = count - n x overall share: the records the pattern accounts for).

    `counts` is `pattern_counts` output. Cells are each value of the first dimension, each of
    the second, and each pair; a cell with a `(not set)` value is not one (a missing channel or
    segment is a data-quality matter, not a group to act on; its records still count in the
    overall and the rest). A (cell, reason) is tested when the cell and the rest each have
    at least `min_n` records: two-proportion z-test of the reason's share in the cell against
    its share in the rest; significant when z > 0 and the two-sided p-value is below
    alpha / (number of tests) (Bonferroni). It is a finding when it is significant and large
    enough: its share is at least `MIN_EXCESS_POINTS` above the rest's and at least
    `MIN_SHARE_RATIO` times it. Then redundant findings are dropped: a pair cell
    whose share is not significantly above the rest of a significant parent (its channel or
    its segment) is explained by that parent; a single-value cell whose records outside its
    significant pair cells are not significantly above the records outside it is explained by
    those pairs. (`present.sentences.pattern` writes each as a sentence.)"""
    first, second = dimensions
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for a, b, reason, n in counts.select(first, second, "reason", "n").iter_rows():
        cells.setdefault((a, b), {})[reason] = cells.get((a, b), {}).get(reason, 0) + int(n)
    by_cell = _counts(cells)
    overall = by_cell.get((None, None), {})
    total = sum(overall.values())
    totals = {key: sum(reasons.values()) for key, reasons in by_cell.items()}

    candidates = [
        key
        for key in by_cell
        if key != (None, None)
        and NOT_SET not in key
        and totals[key] >= min_n
        and total - totals[key] >= min_n
    ]
    tests: list[tuple[tuple[str | None, str | None], str]] = [
        (key, reason) for key in candidates for reason in overall if 0 < overall[reason] < total
    ]
    threshold = alpha / len(tests) if tests else 0.0
    significant: dict[tuple[tuple[str | None, str | None], str], _Test] = {}
    for key, reason in tests:
        x = by_cell[key].get(reason, 0)
        n = totals[key]
        ok, z, p = _above(x, n, overall[reason] - x, total - n, threshold)
        if ok and _large_enough(x, n, overall[reason] - x, total - n):
            significant[(key, reason)] = _Test(key, reason, x, n, z, p)

    def count(key: tuple[str | None, str | None], reason: str) -> tuple[int, int]:
        return by_cell.get(key, {}).get(reason, 0), totals.get(key, 0)

    kept: dict[tuple[tuple[str | None, str | None], str], _Test] = {}
    # pair cells: explained by a significant parent when not above the parent's other records
    for (key, reason), test in significant.items():
        a, b = key
        if a is None or b is None:
            continue
        explained = False
        for parent in ((a, None), (None, b)):
            if (parent, reason) not in significant:
                continue
            xp, np_ = count(parent, reason)
            rest_n = np_ - test.n
            # too few other records to tell them apart: the pair is the sharper statement
            if (
                rest_n >= min_n
                and not _above(test.count, test.n, xp - test.count, rest_n, threshold)[0]
            ):
                explained = True
        if not explained:
            kept[(key, reason)] = test
    # single-value cells: explained by their kept pair cells when the remainder is unremarkable
    for (key, reason), test in significant.items():
        a, b = key
        if a is not None and b is not None:
            continue
        children = [
            k
            for (k, r) in kept
            if r == reason
            and k[0] is not None
            and k[1] is not None
            and (k[0] == a if a is not None else k[1] == b)
        ]
        if children:
            x_rem = test.count - sum(count(k, reason)[0] for k in children)
            n_rem = test.n - sum(count(k, reason)[1] for k in children)
            outside_x = overall[reason] - test.count
            outside_n = total - test.n
            if n_rem < min_n or not _above(x_rem, n_rem, outside_x, outside_n, threshold)[0]:
                continue
        kept[(key, reason)] = test

    rows = []
    for (key, reason), test in kept.items():
        share = test.count / test.n
        overall_share = overall[reason] / total
        rows.append(
            {
                first: key[0],
                second: key[1],
                "reason": reason,
                "cell": _cell_label(key),
                "n": test.n,
                "count": test.count,
                "share": share,
                "overall_share": overall_share,
                "rest_share": (overall[reason] - test.count) / (total - test.n),
                "z": test.z,
                "p_value": test.p_value,
                "excess": test.count - test.n * overall_share,
            }
        )
    schema = {
        first: pl.String,
        second: pl.String,
        "reason": pl.String,
        "cell": pl.String,
        "n": pl.Int64,
        "count": pl.Int64,
        "share": pl.Float64,
        "overall_share": pl.Float64,
        "rest_share": pl.Float64,
        "z": pl.Float64,
        "p_value": pl.Float64,
        "excess": pl.Float64,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return frame.sort(["excess", "cell", "reason"], descending=[True, False, False])


def patterns(
    con: Connection,
    selection: Selection | Period,
    *,
    kind: Kind = "leads",
    level: Level = "standard",
    min_n: int = MIN_N,
    alpha: float = ALPHA,
) -> pl.DataFrame:
    """The period's rejection patterns by channel, segment and channel x segment (see
    `find_patterns`): one row per pattern."""
    period, filters = period_and_filters(selection)
    counts = pattern_counts(con, selection, kind=kind, level=level)
    return find_patterns(counts, min_n=min_n, alpha=alpha)


# ---- drill-down -----------------------------------------------------------------------------
RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "leads": (
        "lead_id",
        "name",
        "email",
        "company",
        "channel",
        "segment",
        "region",
        "team",
        "owner",
        "reason",
        "reason_raw",
        "mql_at",
        "rejected_at",
    ),
    "opportunities": (
        "opp_id",
        "opportunity",
        "account",
        "channel",
        "segment",
        "region",
        "team",
        "owner",
        "reason",
        "reason_raw",
        "amount",
        "created_at",
        "closed_at",
    ),
}
"""Columns of `records`, per kind."""


_RECORD_SOURCES: dict[str, dict[str, str]] = {
    "leads": {"reason_raw": "rejection_reason_raw"},
    "opportunities": {"opportunity": "name", "reason_raw": "lost_reason_raw"},
}
"""Output column -> view column where they differ (dimensions come with every record)."""


def _records_sql(
    params: Params,
    kind: Kind,
    level: Level,
    period: Period,
    filters: Filters,
    reason: str | None,
    where: dict[str, str] | None,
) -> str:
    sources = _RECORD_SOURCES[kind]
    extra = [sources.get(c, c) for c in RECORD_COLUMNS[kind] if c != "reason"]
    base = _rejected_sql(params, kind, level, filters, period, extra)
    conditions = ["TRUE"]
    if reason is not None:
        conditions.append(f"coalesce(reason, '{NOT_DOCUMENTED}') = {params.bind(reason)}")
    for dimension, value in (where or {}).items():
        column = quote_identifier(_check_dimension(dimension))
        conditions.append(f"{column} = {params.bind(value)}")
    select = ", ".join(
        f"coalesce(reason, '{NOT_DOCUMENTED}') AS reason"
        if c == "reason"
        else f"{quote_identifier(sources.get(c, c))} AS {quote_identifier(c)}"
        for c in RECORD_COLUMNS[kind]
    )
    at = "rejected_at" if kind == "leads" else "closed_at"
    key = "lead_id" if kind == "leads" else "opp_id"
    return (
        f"SELECT {select} FROM ({base}) WHERE {' AND '.join(conditions)} "
        f"ORDER BY {at} DESC NULLS LAST, {key}"
    )


def record_count(
    con: Connection,
    selection: Selection | Period,
    *,
    kind: Kind = "leads",
    level: Level = "standard",
    reason: str | None = None,
    where: dict[str, str] | None = None,
) -> int:
    """How many records `records` would list without paging."""
    period, filters = period_and_filters(selection)
    params = Params()
    sql = _records_sql(params, kind, level, period, filters, reason, where)
    return int(store.scalar(con, f"SELECT count(*) FROM ({sql})", params.values))


def records(
    con: Connection,
    selection: Selection | Period,
    *,
    kind: Kind = "leads",
    level: Level = "standard",
    reason: str | None = None,
    where: dict[str, str] | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> pl.DataFrame:
    """The rejected leads (or lost opportunities) of the period behind a number: one row per
    record, `RECORD_COLUMNS[kind]`, newest rejection / close first. `reason` restricts to one
    reason (`NOT_DOCUMENTED` for those without), `where` to dimension values; `limit` /
    `offset` page (limit None: every row, for the download)."""
    period, filters = period_and_filters(selection)
    params = Params()
    sql = _records_sql(params, kind, level, period, filters, reason, where)
    if limit is not None:
        sql += f" LIMIT {params.bind(int(limit))} OFFSET {params.bind(int(offset))}"
    return store.query(con, sql, params.values)
