"""Models: the views every metric reads (joins live here, not in reports).

How they are kept: the values of `lead_facts` that need joins or maps are computed once per lead
and stored on the lead row (`leads.fact_*`; an import computes them as it writes new leads, the
`refresh` hook for the rest), and `lead_facts` is a plain view over `leads`. `opp_facts` is a
table rebuilt from its live view when opportunities, leads, maps or lookups change.
`activity_facts` / `touchpoint_facts` are views over their tables, which store the lead
each record belongs to (`linked_lead_id`: by lead id, else by e-mail), relinked by the hook
only where a write can change it (`link_records`); `touchpoint_facts` maps each touch's channel
(source and medium, `maps.channel_rules_sql`) through `touch_channels`, a lookup of its
distinct values rebuilt when touchpoints or the maps change. Each model has a `<name>_live`
view that computes it from scratch; tests hold the two equal.

`lead_facts` (one row per lead) applies the channel, reason and stage maps (`maps.py`) and the
owner / account lookups and adds the "reached stage" columns of DESIGN section 5: a lead
reached stage S at the earliest timestamp it has for S or any later stage (`reached_<S>_at`), so
funnels are monotone even when a stage was skipped; `reached_<S>` (boolean) says whether it
reached S at all: by such a date, or by a flag meaning S or a later stage (`is_converted`: an
opportunity, `is_won`: a customer; exports with flags but no dates), and every lead reached the
lead stage. Period metrics date stage entries by `reached_<S>_at`; "all time" counts
`reached_<S>` (`entered_sql`), so undated leads and flags count there. `opp_facts` (one row
per opportunity) applies the channel, stage and reason maps and adds `outcome` (open / won /
lost).

Map precedence: a map row matching the raw value (case- and whitespace-insensitively) wins; else
the record's own canonical value; else the raw value as itself (unmapped values stay visible).
For opportunities, won / closed flags exported on the record win over the stage map. Maps are
matched once per distinct raw value (the `*_lookup` CTEs), not once per row. Saving a map
recomputes every fact in the same transaction, so every page changes without re-importing.
"""

from __future__ import annotations

import hashlib

from alignment.db import schema, store
from alignment.db.store import Connection, quote_identifier
from alignment.model import maps
from alignment.periods import Period, between_sql
from alignment.sql import Params

NOT_SET = "(not set)"
"""Dimension value shown for records with no value (kept visible, never dropped)."""


def _reached(stage: str) -> str:
    later = schema.LEAD_STAGES[schema.LEAD_STAGES.index(stage) :]
    cols = ", ".join(f"l.{schema.STAGE_TIMESTAMP[s]}" for s in later)
    return f"least({cols})" if len(later) > 1 else cols


def _reached_flag(stage: str) -> str:
    """Whether a lead reached `stage` at all: every lead reached the lead stage; a later stage
    by a date for it or a later stage, or by a flag meaning it or a later stage."""
    if stage == schema.LEAD_STAGES[0]:
        return "TRUE"
    position = schema.LEAD_STAGES.index(stage)
    later = schema.LEAD_STAGES[position:]
    dated = " OR ".join(f"l.{schema.STAGE_TIMESTAMP[s]} IS NOT NULL" for s in later)
    flags = " OR ".join(
        f"coalesce(l.{flag}, FALSE)"
        for flag, flag_stage in schema.STAGE_FLAG.items()
        if schema.LEAD_STAGES.index(flag_stage) >= position
    )
    return f"({dated}{' OR ' + flags if flags else ''})"


def entered_sql(
    stage: str, period: Period, params: Params, alias: str = "l", *, dated: bool = False
) -> str:
    """SQL condition over `lead_facts <alias>`: the lead entered `stage` in the period (its
    `reached_<stage>_at` falls in it; the bounds bound in `params`). For all time: it reached the
    stage at all (`reached_<stage>`: a date or a flag, so undated leads count), or with `dated`
    only by a date (for what needs one: time to convert, conversion windows)."""
    if stage not in schema.LEAD_STAGES:
        raise ValueError(f"unknown stage {stage!r}: use one of {', '.join(schema.LEAD_STAGES)}")
    column = f"{alias}.reached_{stage}_at"
    if period.is_all and not dated:
        return f"{alias}.reached_{stage}"
    return f"({column} IS NOT NULL AND {between_sql(column, period, params)})"


_NOT_A_REJECTION_SQL = "'" + maps.NOT_A_REJECTION + "'"


def _lookup(name: str, table: str, raw: str, canonical: str | None = None) -> str:
    """CTE `<name>_lookup`: one row per distinct raw value of `table` (`raw`, else `canonical`)
    that the map covers, with what the map says (for stages, a row for the record's source
    wins over a `*` row). Values are matched case- and whitespace-insensitively once per
    distinct value (a regular expression per row would cost ~3x more at 1M leads), so a view
    pays one plain equality join per row per map."""
    key = maps.map_key_sql
    value = f"coalesce({raw}, {canonical})" if canonical else raw
    if name == "stage":
        return f"""stage_lookup AS (
  SELECT d.source_system, d.raw,
    arg_min(m.stage, (m.source_system = '{maps.ANY_SOURCE}', m.stage_raw)) AS stage,
    arg_min(m.is_closed, (m.source_system = '{maps.ANY_SOURCE}', m.stage_raw)) AS is_closed,
    arg_min(m.is_won, (m.source_system = '{maps.ANY_SOURCE}', m.stage_raw)) AS is_won
  FROM (SELECT DISTINCT source_system, {value} AS raw FROM {table}) d
  JOIN stage_map m
    ON lower(m.source_system) IN (lower(d.source_system), '{maps.ANY_SOURCE}')
   AND {key("m.stage_raw")} = {key("d.raw")}
  GROUP BY d.source_system, d.raw
)"""
    targets = {"channel": ("channel", "marketing_sourced"), "reason": ("reason",)}[name]
    columns = ", ".join(f"arg_min(m.{c}, m.{name}_raw) AS {c}" for c in targets)
    return f"""{name}_lookup AS (
  SELECT d.raw, {columns}
  FROM (SELECT DISTINCT {value} AS raw FROM {table}) d
  JOIN {name}_map m ON {key(f"m.{name}_raw")} = {key("d.raw")}
  GROUP BY d.raw
)"""


def email_key(column: str) -> str:
    """SQL: the e-mail address in `column` as addresses are compared (lower case, without
    surrounding spaces; NULL when empty): the value of `nullif(lower(trim(column)), '')`.

    DuckDB's `trim` decodes every character looking for Unicode spaces and is the costliest
    part of comparing a million addresses, so it is skipped where it changes nothing: an ASCII
    value (as many bytes as characters) that neither starts nor ends with a space (how imports
    store addresses; among ASCII characters `trim` removes only the space)."""
    return (
        f"nullif(CASE WHEN strlen({column}) = length({column}) AND NOT starts_with({column}, ' ') "
        f"AND NOT ends_with({column}, ' ') THEN lower({column}) ELSE lower(trim({column})) END, '')"
    )


_DOCUMENTED = f"coalesce(rl.reason <> {_NOT_A_REJECTION_SQL}, FALSE)"
"""The reason map covers the raw reason with a standard reason (its targets are validated), so
an empty or unmapped reason is "not documented" (DESIGN section 5, Rejections)."""

_LEAD_FACT_SQL: dict[str, str] = {
    "fact_channel": (
        f"coalesce(cl.channel, l.channel, nullif(trim(l.channel_raw), ''), '{NOT_SET}')"
    ),
    "fact_marketing_sourced": "coalesce(cl.marketing_sourced, FALSE)",
    "fact_rejection_reason": f"""CASE WHEN rl.reason = {_NOT_A_REJECTION_SQL} THEN NULL
       ELSE coalesce(rl.reason, l.rejection_reason, nullif(trim(l.rejection_reason_raw), ''))
  END""",
    "fact_rejection_documented": _DOCUMENTED,
    "fact_owner_team": "o.team",
    "fact_owner_region": "o.region",
    "fact_account_segment": "a.segment",
    "fact_account_region": "a.region",
    "fact_account_country": "a.country",
    "fact_account_industry": "a.industry",
    "fact_account_employees": "a.employees",
    "fact_email_key": email_key("l.email"),
}
"""SQL of each stored lead fact (`schema.STORED_LEAD_FACTS`) over a lead row `l` and the map /
lookup joins of `lead_facts_select`."""
assert list(_LEAD_FACT_SQL) == list(schema.STORED_LEAD_FACTS)

LEAD_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.table_columns("leads"))
"""The canonical columns of `leads` (what imports write), in table order."""


def lead_facts_select(
    rows_sql: str,
    keep: str = "l.*",
    *,
    values_sql: str | None = None,
    with_owners: bool = True,
    with_accounts: bool = True,
) -> str:
    """SELECT over `rows_sql` (rows with the canonical lead columns): `keep` (its columns, or
    just `l.lead_id`) plus every stored fact column (`fact_*`), one row per input row.

    The channel and reason maps are matched once per distinct value (see `_lookup`) of
    `values_sql` (default: the rows themselves; an import passes its whole cast table, which
    is cheaper to read than its filtered rows a second time). `with_owners=False` /
    `with_accounts=False` leave out a lookup's joins when the lookup table is empty (an import
    checks): its facts are then empty, and a million leads are not joined (or their e-mail
    domains computed) for nothing."""
    lookup_off = (
        "fact_owner_" if not with_owners else "-",
        "fact_account_" if not with_accounts else "-",
    )
    facts = ",\n  ".join(
        (
            f"CAST(NULL AS {schema.DUCKDB_TYPE[schema.STORED_LEAD_FACTS[name]]})"
            if name.startswith(lookup_off)
            else sql
        )
        + f" AS {name}"
        for name, sql in _LEAD_FACT_SQL.items()
    )
    values = f"lead_values AS NOT MATERIALIZED ({values_sql})," if values_sql else ""
    values_name = "lead_values" if values_sql else "lead_rows"
    owners = "LEFT JOIN owners o ON o.owner = l.owner" if with_owners else ""
    accounts = (
        """LEFT JOIN account_names an ON an.k = lower(l.company)
LEFT JOIN account_domains ad ON ad.k = split_part(lower(l.email), '@', 2)
LEFT JOIN accounts a ON a.account = coalesce(an.account, ad.account)"""
        if with_accounts
        else ""
    )
    return f"""WITH lead_rows AS NOT MATERIALIZED ({rows_sql}), {values}
{_lookup("channel", values_name, "channel_raw", "channel")},
{_lookup("reason", values_name, "rejection_reason_raw", "rejection_reason")}
SELECT {keep},
  {facts}
FROM lead_rows l
LEFT JOIN channel_lookup cl ON cl.raw = coalesce(l.channel_raw, l.channel)
{owners}
{accounts}
LEFT JOIN reason_lookup rl ON rl.raw = coalesce(l.rejection_reason_raw, l.rejection_reason)"""


def _lead_facts_projection(relation: str) -> str:
    """SELECT: the `lead_facts` columns (one row per lead) from a relation `l` holding the lead
    columns and the stored facts. A lead's own segment, region, team, ... win over its owner's
    and its account's; the reached-stage timestamps are computed here (cheap per row)."""
    reached = ",\n  ".join(
        f"{_reached(stage)} AS reached_{stage}_at" for stage in schema.LEAD_STAGES
    )
    reached_flags = ",\n  ".join(
        f"{_reached_flag(stage)} AS reached_{stage}" for stage in schema.LEAD_STAGES
    )
    return f"""SELECT
  l.lead_id, l.source_system, l.external_id, l.created_at, l.email,
  l.fact_email_key AS email_key, l.name,
  l.fact_channel AS channel, l.channel_raw, l.fact_marketing_sourced AS marketing_sourced,
  coalesce(l.campaign, '{NOT_SET}') AS campaign,
  coalesce(l.segment, l.fact_account_segment, '{NOT_SET}') AS segment,
  coalesce(l.region, l.fact_owner_region, l.fact_account_region, '{NOT_SET}') AS region,
  coalesce(l.country, l.fact_account_country) AS country,
  coalesce(l.industry, l.fact_account_industry) AS industry,
  coalesce(l.employees, l.fact_account_employees) AS employees,
  l.company,
  coalesce(l.owner, '{NOT_SET}') AS owner,
  coalesce(l.team, l.fact_owner_team, '{NOT_SET}') AS team,
  l.score, l.high_intent, l.status_raw,
  l.mql_at, l.sal_at, l.sql_at, l.opp_at, l.won_at, l.lost_at, l.rejected_at,
  l.fact_rejection_reason AS rejection_reason, l.rejection_reason_raw,
  l.fact_rejection_documented AS rejection_documented,
  (l.rejected_at IS NOT NULL OR l.fact_rejection_documented) AS is_rejected,
  l.opp_id, l.is_converted, l.is_won, l.first_engagement_at, l.times_contacted, l.assigned_at,
  l.import_id,
  {reached},
  {reached_flags}
FROM {relation} l"""


_CANONICAL_LEADS = f"SELECT {', '.join(quote_identifier(c) for c in LEAD_COLUMNS)} FROM leads"

LEAD_FACTS_SQL = f"CREATE OR REPLACE VIEW lead_facts AS\n{_lead_facts_projection('leads')}"
"""`lead_facts`: one row per lead, read from the fact columns stored on `leads`."""

LEAD_FACTS_LIVE_SQL = (
    "CREATE OR REPLACE VIEW lead_facts_live AS\n"
    f"{_lead_facts_projection('(' + lead_facts_select(_CANONICAL_LEADS) + ')')}"
)
"""The same rows computed from scratch (what the stored facts must always equal; tests compare
the two)."""

OPP_FACTS_SQL = f"""
CREATE OR REPLACE VIEW opp_facts_live AS
WITH {_lookup("channel", "opportunities", "channel_raw", "channel")},
{_lookup("reason", "opportunities", "lost_reason_raw", "lost_reason")},
{_lookup("stage", "opportunities", "stage_raw")},
mapped AS (
  SELECT
    o.*,
    coalesce(o.is_won, sl.is_won, FALSE) AS won_flag,
    coalesce(o.is_closed, sl.is_closed, o.is_won) AS closed_flag,
    coalesce(o.stage, sl.stage) AS mapped_stage,
    coalesce(o.lost_reason_raw, o.lost_reason) AS reason_key
  FROM opportunities o
  LEFT JOIN stage_lookup sl ON sl.source_system = o.source_system AND sl.raw = o.stage_raw
)
SELECT
  m.opp_id, m.source_system, m.external_id, coalesce(m.lead_id, lo.lead_id) AS lead_id,
  m.account, m.name,
  coalesce(m.owner, '{NOT_SET}') AS owner,
  coalesce(m.team, ow.team, '{NOT_SET}') AS team,
  coalesce(m.region, ow.region, a.region, '{NOT_SET}') AS region,
  coalesce(m.segment, a.segment, lf.segment, '{NOT_SET}') AS segment,
  coalesce(a.industry, lf.industry) AS industry,
  coalesce(a.employees, lf.employees) AS employees,
  coalesce(cl.channel, m.channel, nullif(trim(m.channel_raw), ''), lf.channel, '{NOT_SET}')
    AS channel,
  m.channel_raw,
  coalesce(cl.marketing_sourced, lf.marketing_sourced, FALSE) AS marketing_sourced,
  m.product, m.type, m.created_at, m.closed_at,
  coalesce(m.closed_flag, FALSE) AS is_closed,
  m.won_flag AS is_won,
  CASE WHEN m.won_flag THEN 'won' WHEN coalesce(m.closed_flag, FALSE) THEN 'lost' ELSE 'open' END
    AS outcome,
  coalesce(m.mapped_stage, m.stage_raw) AS stage,
  m.stage_raw, m.amount, m.currency,
  CASE WHEN rl.reason = {_NOT_A_REJECTION_SQL} THEN NULL
       ELSE coalesce(rl.reason, m.lost_reason, nullif(trim(m.lost_reason_raw), ''))
  END AS lost_reason,
  m.lost_reason_raw, m.import_id
FROM mapped m
LEFT JOIN channel_lookup cl ON cl.raw = coalesce(m.channel_raw, m.channel)
LEFT JOIN owners ow ON ow.owner = m.owner
LEFT JOIN accounts a ON lower(a.account) = lower(m.account)
LEFT JOIN opp_leads lo ON lo.opp_id = m.opp_id
LEFT JOIN lead_facts lf ON lf.lead_id = coalesce(m.lead_id, lo.lead_id)
LEFT JOIN reason_lookup rl ON rl.raw = m.reason_key
"""

ACCOUNT_KEYS_SQL = (
    """CREATE OR REPLACE VIEW account_names AS
SELECT lower(account) AS k, min(account) AS account FROM accounts GROUP BY 1""",
    """CREATE OR REPLACE VIEW account_domains AS
SELECT domain AS k, min(account) AS account FROM accounts WHERE domain IS NOT NULL GROUP BY 1""",
)
"""How a lead finds its account in the lookup: by company name (case-insensitive), else by
its e-mail's domain (accounts.domain, from a website column); one row per key."""

OPP_LEADS_SQL = """
CREATE OR REPLACE VIEW opp_leads AS
SELECT opp_id, min(lead_id) AS lead_id FROM leads WHERE opp_id IS NOT NULL GROUP BY 1
"""
"""One row per opportunity that a lead names (Salesforce ConvertedOpportunityId, HubSpot
Associated Deal IDs): links it to that lead when the opportunity names none itself."""


LEAD_EMAILS_SQL = """
CREATE OR REPLACE VIEW lead_emails AS
SELECT lower(trim(email)) AS email,
  first(lead_id ORDER BY created_at NULLS LAST, lead_id) AS lead_id
FROM leads
WHERE nullif(trim(email), '') IS NOT NULL
GROUP BY 1
"""
"""One row per lead e-mail address (lower case): the earliest-created lead that has it."""


TOUCH_CHANNEL_LOOKUP = f"""touch_channel_lookup AS (
  SELECT raw, medium, coalesce(channel, nullif(trim(raw), ''), '{NOT_SET}') AS channel
  FROM ({maps.channel_rules_sql("SELECT DISTINCT channel AS raw, medium FROM touchpoints")})
)"""
"""CTE `touch_channel_lookup`: one row per distinct (channel, medium) of the touchpoints, with
the touch's channel: the map's (by source and medium, `maps.channel_rules_sql`), else the raw
value as itself (a touch has no canonical channel column of its own, unlike a lead), else
`NOT_SET`. Computed once per distinct pair: `trim` per touchpoint would cost more than the
join (it decodes every character)."""

TOUCH_CHANNELS_SQL = f"""CREATE OR REPLACE TABLE touch_channels AS
WITH {TOUCH_CHANNEL_LOOKUP}
SELECT raw, medium, channel FROM touch_channel_lookup"""
"""`touch_channels`: the lookup stored (a few rows), rebuilt when touchpoints or a map change.
Computing it in the view instead (every touchpoint's pair read and the map's expressions run
on every read) cost attribution's channel credit about 40 ms of CPU more at 100k touches;
joining the stored lookup about 10."""


def refresh_touch_channels(con: Connection) -> None:
    """Rebuild `touch_channels` (after touchpoints or the channel map changed)."""
    con.execute(TOUCH_CHANNELS_SQL)


def _linked_facts_sql(view: str, table: str, *, map_channel: bool = False) -> tuple[str, str]:
    """The view `view` (one row per activity / touchpoint: all its columns, `linked_lead_id`
    last, the lead it belongs to as stored on the row) and `<view>_live`, the same computed
    from scratch: the lead matched by canonical lead id, else by e-mail (`lead_emails`); NULL
    when nothing matches. Tests hold the two equal. With `map_channel` (touchpoints),
    `channel` is the mapped channel (`TOUCH_CHANNEL_LOOKUP`, same fallbacks as leads; the view
    reads it from `touch_channels`, the live view computes it) and the value as imported
    follows as `channel_raw`: a touchpoint pays one hash join to a small lookup (which has a
    row for every touchpoint's pair) and no function."""
    if not map_channel:
        return (
            f"CREATE OR REPLACE VIEW {view} AS "
            f"SELECT * EXCLUDE (linked_lead_id), linked_lead_id FROM {table}",
            f"""CREATE OR REPLACE VIEW {view}_live AS
SELECT t.* EXCLUDE (linked_lead_id), coalesce(l.lead_id, le.lead_id) AS linked_lead_id
FROM {table} t
LEFT JOIN leads l ON l.lead_id = t.lead_id
LEFT JOIN lead_emails le ON le.email = lower(trim(t.email))""",
        )
    columns = (
        "t.* EXCLUDE (linked_lead_id) REPLACE (coalesce(tl.channel, t.channel) AS channel), "
        "t.channel AS channel_raw"
    )
    join = "ON tl.raw IS NOT DISTINCT FROM t.channel AND tl.medium IS NOT DISTINCT FROM t.medium"
    return (
        f"""CREATE OR REPLACE VIEW {view} AS
SELECT {columns}, t.linked_lead_id
FROM {table} t
LEFT JOIN touch_channels tl {join}""",
        f"""CREATE OR REPLACE VIEW {view}_live AS
WITH {TOUCH_CHANNEL_LOOKUP}
SELECT {columns}, coalesce(l.lead_id, le.lead_id) AS linked_lead_id
FROM {table} t
LEFT JOIN touch_channel_lookup tl {join}
LEFT JOIN leads l ON l.lead_id = t.lead_id
LEFT JOIN lead_emails le ON le.email = lower(trim(t.email))""",
    )


LINKED_FACTS_SQL: dict[str, tuple[str, str]] = {
    "activity_facts": _linked_facts_sql("activity_facts", "activities"),
    "touchpoint_facts": _linked_facts_sql("touchpoint_facts", "touchpoints", map_channel=True),
}
"""The activity and touchpoint models over the `linked_lead_id` stored on their tables (the
touchpoints' channel through the channel map)."""

LINKS_SETTING = "links_state"
"""Settings key: `<import id> <lead count>` as of the last time the links were brought in step:
the newest import whose leads they have seen (a lead import's new leads carry a later id) and
how many leads there were (fewer than that plus the new ones: some were deleted)."""

_WRITTEN_LEADS = "__alignment_written_leads"
"""Temp table, during a relink: the lead id and e-mail address of each lead written since."""
_CANDIDATES = "__alignment_link_candidates"
"""Temp table, during a relink: the records to relink (table number, row id, lead id, e-mail
address, current link)."""
_NEW_LINKS = "__alignment_new_links"
"""Temp table, during a relink: the records whose link changes, with their new link."""


def _candidates_sql(conditions: dict[str, str], *, by_address: bool = False) -> str:
    """SELECT: one row per record of each table (`schema.LINKED_TABLES` order) meeting its SQL
    condition over `t`: the table's number, the row id, its lead id and e-mail address, and the
    lead it is linked to now. With `by_address`, also the records with the address of a lead
    in `_WRITTEN_LEADS`, among those not linked by their own lead id (a record linked by its
    lead id keeps that link whatever the addresses, so its address is not even compared)."""
    parts = []
    for table, condition in conditions.items():
        number, name = schema.LINKED_TABLES.index(table), quote_identifier(table)
        columns = (
            f"{number} AS tbl, t.rowid AS row_id, t.lead_id, {email_key('t.email')} AS email, "
            "t.linked_lead_id AS was"
        )
        select = f"SELECT {columns} FROM {name} t WHERE {condition}"
        if by_address:
            select += (
                f" UNION SELECT * FROM (SELECT {columns} FROM {name} t "
                "WHERE t.linked_lead_id IS DISTINCT FROM t.lead_id AND t.email IS NOT NULL) "
                f"WHERE email IN (SELECT email FROM {_WRITTEN_LEADS})"
            )
        parts.append(f"({select})")
    return " UNION ALL ".join(parts)


_LEAD_EMAIL_KEY = (
    f"CASE WHEN l.fact_channel IS NULL THEN {email_key('l.email')} ELSE l.fact_email_key END"
)
"""SQL: the address key of lead `l`, stored (`fact_email_key`) unless the lead was written in
this transaction and its facts are not computed yet (links are relinked before the facts)."""


def _new_links_sql(by_email: bool) -> str:
    """SELECT over the candidates: one row per record whose link changes (table number, row id,
    new link): the lead with its lead id, else (`by_email`: some candidate has an address) the
    earliest-created lead with its e-mail address, grouped only for the addresses candidates
    have."""
    email_join = f"""LEFT JOIN (
  SELECT {_LEAD_EMAIL_KEY} AS email,
    first(l.lead_id ORDER BY l.created_at NULLS LAST, l.lead_id) AS lead_id
  FROM leads l
  WHERE {_LEAD_EMAIL_KEY} IN (SELECT email FROM {_CANDIDATES})
  GROUP BY 1
) e ON e.email = c.email"""
    linked = "coalesce(l.lead_id, e.lead_id)" if by_email else "l.lead_id"
    return f"""SELECT c.tbl, c.row_id, {linked} AS lead_id
FROM {_CANDIDATES} c
LEFT JOIN leads l ON l.lead_id = c.lead_id
{email_join if by_email else ""}
WHERE {linked} IS DISTINCT FROM c.was"""


def _relink(con: Connection, conditions: dict[str, str], *, by_address: bool = False) -> None:
    """Recompute `linked_lead_id` of the records of each table meeting its condition (table ->
    SQL condition over `t`; `by_address`: see `_candidates_sql`): by lead id, else by e-mail
    to the earliest-created lead with that address. The leads are read once for all the
    tables, and only records whose link changes are written."""
    if not conditions:
        return
    candidates = _candidates_sql(conditions, by_address=by_address)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_CANDIDATES} AS {candidates}")
    by_email = bool(store.scalar(con, f"SELECT count(email) FROM {_CANDIDATES}"))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_NEW_LINKS} AS {_new_links_sql(by_email)}")
    changes = dict(con.execute(f"SELECT tbl, count(*) FROM {_NEW_LINKS} GROUP BY 1").fetchall())
    for number, table in enumerate(schema.LINKED_TABLES):
        if changes.get(number):
            name = quote_identifier(table)
            con.execute(
                f"UPDATE {name} SET linked_lead_id = n.lead_id FROM {_NEW_LINKS} n "
                f"WHERE n.tbl = {number} AND {name}.rowid = n.row_id"
            )
    con.execute(f"DROP TABLE {_CANDIDATES}")
    con.execute(f"DROP TABLE {_NEW_LINKS}")


def _links_state(con: Connection) -> tuple[int, int] | None:
    """(newest import seen, lead count) as of the last relink; None before the first."""
    value = store.get_setting(con, LINKS_SETTING)
    if not value:
        return None
    newest, leads = value.split()
    return int(newest), int(leads)


def _record_links_state(con: Connection, newest: int) -> None:
    leads, latest = con.execute(
        "SELECT count(*), coalesce(max(import_id), 0) FROM leads"
    ).fetchall()[0]
    store.set_setting(con, LINKS_SETTING, f"{max(newest, int(latest))} {int(leads)}")


def _written_leads(con: Connection, state: tuple[int, int]) -> tuple[bool, bool] | None:
    """Fill `_WRITTEN_LEADS` (lead id, e-mail address) with the leads written since the last
    relink: those whose facts are not computed yet (updated or restored: `fact_channel` is
    NULL until `compute_lead_facts`) and those a newer import inserted (with their facts).
    Returns (any lead written, any with an address); None when leads may have been deleted
    (there are fewer than before plus those inserted): every record is relinked then, which
    costs less than finding the records linked to a lead that is gone (0.5 against 0.8 s at
    1M leads)."""
    newest, known = state
    params = {"newest": newest}
    leads, inserted = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE import_id > $newest AND fact_channel IS NOT NULL) "
        "FROM leads",
        params,
    ).fetchall()[0]
    if leads != known + inserted:  # (leads inserted without an import id count here too)
        return None
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_WRITTEN_LEADS} AS "
        f"SELECT lead_id, {email_key('email')} AS email FROM leads "
        "WHERE fact_channel IS NULL OR import_id > $newest",
        params,
    )
    written, with_email = con.execute(
        f"SELECT count(*), count(email) FROM {_WRITTEN_LEADS}"
    ).fetchall()[0]
    return bool(written), bool(with_email)


def link_records(con: Connection, changed: frozenset[str] | None = None) -> None:
    """Bring `linked_lead_id` of activities and touchpoints in step with the data (inside the
    transaction that changed it), relinking only the records a write can affect. `changed`
    names the tables written (None: any, and every record is relinked, as on the first run):
    - activities / touchpoints: their unlinked rows (new rows, and rows an import updated or
      an undo restored, which are written without a link);
    - leads: in both tables, the unlinked records and those the leads written since the last
      relink (`_written_leads`) can take or release: records that name one by id, are linked
      to one, or have one's address (a new or earlier-created lead takes an address over). A
      lead import tests each record against the few leads it wrote instead of joining every
      record to every lead again; after leads were deleted (an undo), every record is
      relinked."""
    if changed is not None and not changed & {"leads", *schema.LINKED_TABLES}:
        return
    state = _links_state(con)
    leads_written = "leads" in changed if changed is not None else False
    written = _written_leads(con, state) if state and leads_written else (False, False)
    if changed is None or state is None or written is None:
        _relink(con, dict.fromkeys(schema.LINKED_TABLES, "TRUE"))
    else:
        conditions = ["t.linked_lead_id IS NULL"]
        if written[0]:
            conditions += [
                f"t.lead_id IN (SELECT lead_id FROM {_WRITTEN_LEADS})",
                f"t.linked_lead_id IN (SELECT lead_id FROM {_WRITTEN_LEADS})",
            ]
        _relink(
            con,
            {
                table: " OR ".join(conditions)
                for table in schema.LINKED_TABLES
                if table in changed or written[0]
            },
            by_address=written[1],
        )
    con.execute(f"DROP TABLE IF EXISTS {_WRITTEN_LEADS}")
    if changed is None or state is None or leads_written:
        _record_links_state(con, state[0] if state else 0)


FACT_MODELS: tuple[str, ...] = ("lead_facts", "opp_facts", *LINKED_FACTS_SQL)
"""The fact models, each with a `<name>_live` view computing it from scratch: `lead_facts` is a
view over the fact columns stored on `leads`; `opp_facts` a table rebuilt from its live view;
`activity_facts` / `touchpoint_facts` views over the links stored on their tables."""

MODELS_FINGERPRINT_SETTING = "models_fingerprint"

RECOMPUTE_ALL_WHEN: frozenset[str] = frozenset(
    {"owners", "accounts", "channel_map", "stage_map", "reason_map"}
)
"""Tables every fact depends on: writing one recomputes the facts of every lead."""


def _fingerprint() -> str:
    links = (_candidates_sql(dict.fromkeys(schema.LINKED_TABLES, "TRUE")), _new_links_sql(True))
    model_sql = (LEAD_FACTS_SQL, LEAD_FACTS_LIVE_SQL, OPP_FACTS_SQL, TOUCH_CHANNELS_SQL, *links)
    return hashlib.sha256("\n".join(model_sql).encode()).hexdigest()[:16]


def _relation_kind(con: Connection, name: str) -> str | None:
    """'table', 'view' or None for a relation in the main schema."""
    row = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = $name",
        {"name": name},
    ).fetchall()
    if not row:
        return None
    return "view" if row[0][0] == "VIEW" else "table"


def compute_lead_facts(con: Connection, *, only_missing: bool) -> None:
    """Compute the stored fact columns of leads: of every lead, or `only_missing` those of
    leads written since (their `fact_channel` is NULL: inserted by the demo or a test, or
    updated by an import)."""
    where = " WHERE fact_channel IS NULL" if only_missing else ""
    if only_missing and not store.scalar(con, f"SELECT count(*) FROM leads{where}"):
        return
    assignments = ", ".join(f"{name} = f.{name}" for name in schema.STORED_LEAD_FACTS)
    con.execute(
        f"UPDATE leads SET {assignments} "
        f"FROM ({lead_facts_select(_CANONICAL_LEADS + where, keep='l.lead_id')}) f "
        "WHERE leads.lead_id = f.lead_id"
    )


ACTIVITY_KINDS_SQL = """
CREATE OR REPLACE TABLE activity_kinds AS
SELECT activity_type, direction, count(*) AS activities FROM activities GROUP BY ALL
"""
"""`activity_kinds`: one row per (activity type, direction) in the activities, with how many:
what the SLA's touch rules are tested on (a handful of rows instead of every activity)."""


def refresh_activity_kinds(con: Connection) -> None:
    """Rebuild `activity_kinds` (after activities changed)."""
    con.execute(ACTIVITY_KINDS_SQL)


def refresh(con: Connection, changed: frozenset[str] | None = None) -> None:
    """Bring the facts in step with the data, inside the transaction that changed it (the
    `store.after_every_write` hook): the links of activities and touchpoints (`link_records`,
    first: it reads which leads were written before their facts are computed), the fact
    columns of leads (all of them when a map or a lookup changed, else those of leads written
    since), the `opp_facts` table and the touchpoints' channel lookup (`touch_channels`, when
    touchpoints, a map or a lookup changed). `changed` names the tables written (None: any),
    so an import of spend or targets costs nothing here, and one of activities only their
    links."""
    if _relation_kind(con, "opp_facts_live") is None:
        return  # a migration, before the models exist
    link_records(con, changed)
    if changed is None or "activities" in changed:
        refresh_activity_kinds(con)
    everything = changed is None or bool(changed & RECOMPUTE_ALL_WHEN)
    if everything or "touchpoints" in changed:  # type: ignore[operator]
        refresh_touch_channels(con)
    if everything or "leads" in changed:  # type: ignore[operator]
        compute_lead_facts(con, only_missing=not everything)
    if everything or changed & {"leads", "opportunities"}:  # type: ignore[operator]
        con.execute("CREATE OR REPLACE TABLE opp_facts AS SELECT * FROM opp_facts_live")
    if everything:
        store.set_setting(con, MODELS_FINGERPRINT_SETTING, _fingerprint())


def create_views(con: Connection) -> None:
    """(Re)create the model views, and recompute every fact when the database was built by a
    different version of the model SQL (or before facts were stored on leads)."""
    for sql in ACCOUNT_KEYS_SQL:
        con.execute(sql)
    con.execute(OPP_LEADS_SQL)
    stale = store.get_setting(con, MODELS_FINGERPRINT_SETTING) != _fingerprint()
    if _relation_kind(con, "lead_facts") == "table":  # databases from before migration 4
        con.execute("DROP TABLE lead_facts")
        stale = True
    con.execute(LEAD_FACTS_SQL)
    con.execute(LEAD_FACTS_LIVE_SQL)
    if _relation_kind(con, "opp_facts") == "view":  # databases from before materialisation
        con.execute("DROP VIEW opp_facts")
        stale = True
    con.execute(OPP_FACTS_SQL)
    if _relation_kind(con, "opp_facts") is None:
        con.execute("CREATE TABLE opp_facts AS SELECT * FROM opp_facts_live")
    if stale:
        with store.transaction(con):
            pass  # the after-write hook recomputes every fact and records the fingerprint
    elif _links_state(con) is None:  # a new database, or links never computed by this code
        with store.transaction(con, changes_data=schema.LINKED_TABLES):
            pass  # the after-write hook links every activity and touchpoint
    con.execute(LEAD_EMAILS_SQL)
    if _relation_kind(con, "touch_channels") is None:
        refresh_touch_channels(con)
    for view, live in LINKED_FACTS_SQL.values():
        con.execute(view)
        con.execute(live)
    if _relation_kind(con, "activity_kinds") is None:
        refresh_activity_kinds(con)


def seed_default_maps(con: Connection) -> None:
    """Fill the channel, stage and reason maps with their defaults the first time (never
    overwrites a user's edits; see `maps.seed_defaults`)."""
    maps.seed_defaults(con)
