"""Data quality: the checks of the Data-quality page and the trust notes beside the KPIs.

Owns every check (one SQL each, registered in `CHECKS` with a label, a one-sentence description
and the unit it counts), their counts, the drill-down rows behind each count (paginated in SQL)
and `trust_counts`, the issues that affect a KPI in the selected period (which
`present.sentences.trust_notes` writes as one sentence per KPI: "MQL → SQL: 3 % of this cohort
have stage dates out of order").

Checks read the model views (`lead_facts`, `opp_facts`, `activity_facts`, `touchpoint_facts`)
and the tables; counts are aggregated in DuckDB. A check's SQL returns its drill-down rows (one
row per record or value at fault); its count is the number of those rows. The page's first view
asks for every count, so counts are taken the cheap way: checks that are one condition over one
table are counted together in one pass over it (`count(*) FILTER (WHERE ...)`), and the checks
that group or join have a count query of their own (tests/test_quality.py plants faults and
checks every count against the drill-down it describes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from alignment import clock
from alignment.db import schema, store
from alignment.db.store import Connection, quote_identifier
from alignment.metrics.compile import compile_periods
from alignment.metrics.registry import Measure
from alignment.model import maps
from alignment.model.facts import NOT_SET
from alignment.periods import Period
from alignment.selection import Selection, period_and_filters

EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)
"""Dates before this are reported as implausible (typos, `1900-01-01` placeholders)."""

PAGE_SIZE = 50
"""Drill-down rows per page."""

DOWNLOAD_LIMIT = 100_000
"""Most drill-down rows a CSV download holds."""


@dataclass(frozen=True)
class Check:
    """One data-quality check: `sql` selects the rows at fault (`$now` is bound to the
    current time where used); its count is the number of those rows, in `unit`, out of the
    rows of `denominator` (a table), when given.

    How the count is taken: `scan` (FROM clause, condition) when the check is the rows of one
    table meeting one condition (`sql` is built from it, see `_filter_check`), counted in one
    pass with the other checks over that table; else `count_sql`, a cheaper query than
    counting `sql`'s rows, whose one row holds the count in a column named after the check
    (checks may share one: it runs once); else the rows of `sql` are counted."""

    name: str
    label: str
    description: str
    unit: str
    sql: str
    denominator: str | None = None
    scan: tuple[str, str] | None = None
    count_sql: str | None = None


def _filter_check(
    name: str,
    label: str,
    description: str,
    table: str,
    *,
    source: str,
    columns: str,
    where: str,
    order: str,
) -> Check:
    """A check whose drill-down is `columns` of the rows of `source` (a table or model and its
    alias) meeting `where`, in `order`; counted in rows of `table`, out of all of them."""
    return Check(
        name,
        label,
        description,
        table,
        f"SELECT {columns} FROM {source} WHERE {where} ORDER BY {order}",
        table,
        scan=(source, where),
    )


_LEAD_COLUMNS = "l.lead_id, l.source_system, l.external_id, l.name, l.email, l.created_at"

_FUNNEL_DATES = [schema.STAGE_TIMESTAMP[s] for s in schema.LEAD_STAGES]


def _out_of_order(alias: str) -> str:
    """TRUE when a funnel stage date is earlier than an earlier stage's date (created, MQL,
    SAL, SQL, opportunity, won; missing dates are skipped)."""
    terms = []
    for i in range(1, len(_FUNNEL_DATES)):
        earlier = ", ".join(f"{alias}.{c}" for c in _FUNNEL_DATES[:i])
        terms.append(f"{alias}.{_FUNNEL_DATES[i]} < greatest({earlier})")
    return "coalesce(" + " OR ".join(terms) + ", FALSE)"


_UNLINKED_COUNT_SQL = """SELECT
  (SELECT count(*) FROM activity_facts WHERE linked_lead_id IS NULL) AS activity_unlinked,
  (SELECT count(*) FROM touchpoint_facts WHERE linked_lead_id IS NULL) AS touchpoint_unlinked"""
"""Both "matches no lead" counts, from the link stored on each record (`linked_lead_id`, kept
by `model.facts.link_records`): a filter, not a `FILTER` count, so DuckDB skips the blocks
whose statistics say every record is linked."""

_DUPLICATE_EMAIL_COUNT_SQL = """
SELECT coalesce(sum(leads) FILTER (WHERE email IS NOT NULL AND leads > 1), 0)::BIGINT
  AS duplicate_email
FROM (SELECT l.email_key AS email, count(*) AS leads FROM lead_facts l GROUP BY 1)"""
"""Leads sharing their e-mail address with another lead: the leads of every address held by
more than one (one grouping, where the drill-down needs a window over every lead), by the
address key stored on each lead (`lead_facts.email_key`: computing it again for a million
addresses was a third of this count)."""


def _dates_sql() -> str:
    """One row per date value in the future or before 2000, over every dated column."""
    parts: list[str] = []
    dated = {
        "leads": ("lead_id", [*_FUNNEL_DATES, "lost_at", "rejected_at"]),
        "opportunities": ("opp_id", ["created_at", "closed_at"]),
        "activities": ("activity_id", ["occurred_at"]),
        "touchpoints": ("touchpoint_id", ["touched_at"]),
    }
    for table, (key, columns) in dated.items():
        for column in columns:
            col = quote_identifier(column)
            parts.append(
                f"SELECT '{table}' AS \"table\", {quote_identifier(key)} AS record_id, "
                f"'{column}' AS \"column\", {col} AS value FROM {quote_identifier(table)} "
                f"WHERE {col} > $now OR {col} < '{EARLIEST_PLAUSIBLE.isoformat()}'"
            )
    return " UNION ALL ".join(parts)


def _unmapped_sql() -> str:
    """One row per (map, raw value) that no map row covers, with its record count."""
    parts = [
        f"SELECT '{name}' AS map, value, records, found_in FROM ({maps.unmapped_sql(name)})"
        for name in maps.MAP_NAMES
    ]
    return " UNION ALL ".join(parts)


CHECKS: dict[str, Check] = {
    check.name: check
    for check in (
        _filter_check(
            "lead_no_channel",
            "Leads with no channel",
            "Leads whose export gave no source or channel at all; they show as "
            f"'{NOT_SET}' in every channel breakdown.",
            "leads",
            source="lead_facts l",
            columns=_LEAD_COLUMNS,
            where=f"l.channel = '{NOT_SET}'",
            order="l.lead_id",
        ),
        _filter_check(
            "stage_order",
            "Stage dates out of order",
            "Leads with a stage date earlier than the date of an earlier stage (for example SQL "
            "before MQL, or MQL before creation); conversion times for them are wrong.",
            "leads",
            source="leads l",
            columns=f"{_LEAD_COLUMNS}, {', '.join('l.' + c for c in _FUNNEL_DATES[1:])}",
            where=_out_of_order("l"),
            order="l.lead_id",
        ),
        _filter_check(
            "sql_without_mql",
            "SQL without MQL",
            "Leads with an SQL date but no MQL date; they count as MQLs dated by their SQL date "
            "(a skipped stage counts as reached), which can hide a hand-over outside the process.",
            "leads",
            source="leads l",
            columns=f"{_LEAD_COLUMNS}, l.sql_at",
            where="l.sql_at IS NOT NULL AND l.mql_at IS NULL",
            order="l.lead_id",
        ),
        _filter_check(
            "rejected_without_reason",
            "Rejected without a reason",
            "Leads rejected by sales with an empty rejection reason (the SLA asks for a "
            "documented reason on every rejection).",
            "leads",
            source="lead_facts l",
            columns=f"{_LEAD_COLUMNS}, l.rejected_at, l.status_raw",
            where="l.is_rejected AND nullif(trim(coalesce(l.rejection_reason_raw, "
            "l.rejection_reason)), '') IS NULL",
            order="l.lead_id",
        ),
        Check(
            "duplicate_email",
            "Duplicate leads by e-mail",
            "Leads that share an e-mail address (compared case-insensitively) with another "
            "lead; each person may be counted more than once.",
            "leads",
            f"""SELECT {_LEAD_COLUMNS} FROM lead_facts l
            WHERE l.email_key IS NOT NULL
            QUALIFY count(*) OVER (PARTITION BY l.email_key) > 1
            ORDER BY l.email_key, l.created_at NULLS LAST, l.lead_id""",
            "leads",
            count_sql=_DUPLICATE_EMAIL_COUNT_SQL,
        ),
        Check(
            "activity_unlinked",
            "Activities that match no lead",
            "Sales activities whose lead id and e-mail match no imported lead; they cannot count "
            "toward any lead's response time.",
            "activities",
            "SELECT a.activity_id, a.source_system, a.lead_id, a.email, a.owner, "
            "a.activity_type, a.occurred_at FROM activity_facts a "
            "WHERE a.linked_lead_id IS NULL ORDER BY a.activity_id",
            "activities",
            count_sql=_UNLINKED_COUNT_SQL,
        ),
        Check(
            "touchpoint_unlinked",
            "Touchpoints that match no lead",
            "Marketing touchpoints whose lead id and e-mail match no imported lead; they are "
            "left out of attribution.",
            "touchpoints",
            "SELECT t.touchpoint_id, t.source_system, t.lead_id, t.email, t.channel, "
            "t.touched_at FROM touchpoint_facts t WHERE t.linked_lead_id IS NULL "
            "ORDER BY t.touchpoint_id",
            "touchpoints",
            count_sql=_UNLINKED_COUNT_SQL,
        ),
        _filter_check(
            "opp_amount",
            "Opportunities without amount or with a negative amount",
            "Opportunities with no amount (they add nothing to pipeline and revenue) or a "
            "negative one (they reduce it).",
            "opportunities",
            source="opportunities o",
            columns="o.opp_id, o.source_system, o.name, o.account, o.stage_raw, o.amount, "
            "o.created_at, o.closed_at",
            where="o.amount IS NULL OR o.amount < 0",
            order="o.opp_id",
        ),
        Check(
            "implausible_dates",
            "Dates in the future or before 2000",
            "Date values later than now or earlier than 1 January 2000 (typos, placeholders "
            "such as 1900-01-01, or a wrong day/month order).",
            "dates",
            f'SELECT * FROM ({_dates_sql()}) ORDER BY "table", record_id, "column"',
        ),
        Check(
            "unmapped_values",
            "Values that no map covers",
            "Raw channel, stage and reason values that no row of the channel, stage or reason "
            "map covers; they show as themselves. Map them on the Settings page.",
            "values",
            f"SELECT * FROM ({_unmapped_sql()}) ORDER BY records DESC, map, value",
        ),
    )
}
"""Every data-quality check by name, in display order."""


def _check(name: str) -> Check:
    if name not in CHECKS:
        raise KeyError(f"unknown check {name!r}; known: {', '.join(CHECKS)}")
    return CHECKS[name]


def _params(sql: str, now: datetime | None) -> dict[str, Any]:
    current = now or clock.now()
    return (
        {"now": current if current.tzinfo else current.replace(tzinfo=UTC)}
        if ("$now" in sql)
        else {}
    )


def _counts(con: Connection, now: datetime | None) -> dict[str, int]:
    """Every check's count by name: the checks over one table in one pass over it, the others
    by their count query (a query several checks share runs once), else by counting rows."""
    scans: dict[str, list[str]] = {}  # FROM clause -> count expressions of its checks
    queries: dict[str, None] = {}  # count queries in first-use order, each once
    counts: dict[str, int] = {}
    for check in CHECKS.values():
        if check.scan:
            source, where = check.scan
            scans.setdefault(source, []).append(
                f"count(*) FILTER (WHERE {where}) AS {quote_identifier(check.name)}"
            )
        elif check.count_sql:
            queries[check.count_sql] = None
        else:
            counts[check.name] = store.scalar(
                con, f"SELECT count(*) FROM ({check.sql})", _params(check.sql, now) or None
            )
    for source, filters in scans.items():
        queries[f"SELECT {', '.join(filters)} FROM {source}"] = None
    for sql in queries:
        counts.update(store.query(con, sql, _params(sql, now) or None).row(0, named=True))
    return counts


def check_counts(con: Connection, now: datetime | None = None) -> pl.DataFrame:
    """One row per check (`CHECKS` order): name, label, description, unit, count, total (rows
    of the check's denominator table, null when it has none) and share (count / total)."""
    counts = _counts(con, now)
    tables = sorted({check.denominator for check in CHECKS.values() if check.denominator})
    totals = store.query(
        con,
        "SELECT "
        + ", ".join(
            f"(SELECT count(*) FROM {quote_identifier(t)}) AS {quote_identifier(t)}" for t in tables
        ),
    ).row(0, named=True)
    rows = []
    for check in CHECKS.values():
        count = counts[check.name]
        total = totals[check.denominator] if check.denominator else None
        rows.append(
            {
                "name": check.name,
                "label": check.label,
                "description": check.description,
                "unit": check.unit,
                "count": int(count),
                "total": None if total is None else int(total),
                "share": (count / total) if total else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "name": pl.String,
            "label": pl.String,
            "description": pl.String,
            "unit": pl.String,
            "count": pl.Int64,
            "total": pl.Int64,
            "share": pl.Float64,
        },
    )


def check_rows(
    con: Connection,
    name: str,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> pl.DataFrame:
    """The drill-down rows of one check (one row per record or value at fault), page `page`
    (from 1) of `page_size` rows, in the check's order."""
    check = _check(name)
    params = _params(check.sql, now)
    params.update({"limit": int(page_size), "offset": (max(int(page), 1) - 1) * int(page_size)})
    return store.query(con, f"SELECT * FROM ({check.sql}) LIMIT $limit OFFSET $offset", params)


def check_download(con: Connection, name: str, now: datetime | None = None) -> pl.DataFrame:
    """All drill-down rows of one check (up to `DOWNLOAD_LIMIT`), for a CSV download."""
    return check_rows(con, name, page=1, page_size=DOWNLOAD_LIMIT, now=now)


# ---- trust notes ----------------------------------------------------------------------------
_BAD_AMOUNT = "(o.amount IS NULL OR o.amount < 0)"
_WON = "o.outcome = 'won'"


def _reached_by_flag_only(stage: str) -> str:
    """Counted as having reached `stage` only because of a flag: no date for it or later."""
    return f"l.reached_{stage} AND l.reached_{stage}_at IS NULL"


TRUST_MEASURES: tuple[Measure, ...] = (
    Measure("cohort", "mql_cohort"),
    Measure("out_of_order", "mql_cohort", where=_out_of_order("l")),
    Measure("sql_without_mql", "mql_cohort", where="l.sql_at IS NOT NULL AND l.mql_at IS NULL"),
    *(
        Measure(f"{s}_by_flag", "mql_cohort", where=_reached_by_flag_only(s))
        for s in ("mql", "sql", "won")
    ),
    Measure("created", "lead_created"),
    Measure("no_channel", "lead_created", where=f"l.channel = '{NOT_SET}'"),
    Measure("opps_created", "opp_created"),
    Measure("opps_bad_amount", "opp_created", where=_BAD_AMOUNT),
    Measure("won", "opp_closed", where=_WON),
    Measure("won_bad_amount", "opp_closed", where=f"{_WON} AND {_BAD_AMOUNT}"),
    Measure("closed_undated", "opp_state", where="o.outcome <> 'open' AND o.closed_at IS NULL"),
)
"""The counts behind the trust notes, over the period's MQL cohort, created leads, created
and won opportunities (and closed ones without a close date, whatever the period)."""


def trust_counts(con: Connection, selection: Selection | Period) -> dict[str, int]:
    """The counts behind the trust notes (`TRUST_MEASURES`: the period's MQL cohort and its
    members with dates out of order, without an MQL date or reached only by a flag; created
    leads and those without a channel; created and won opportunities and those without a valid
    amount; closed opportunities without a close date), for this period and these filters: one
    value per measure name. `present.sentences.trust_notes` writes them as sentences."""
    period, filters = period_and_filters(selection)
    row = compile_periods(TRUST_MEASURES, [period], filters).run(con).row(0, named=True)
    return {name: int(row[name] or 0) for name in (m.name for m in TRUST_MEASURES)}
