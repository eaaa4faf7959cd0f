"""Models: the views every metric reads (joins live here, not in reports).

`lead_facts` (one row per lead) applies the channel, reason and stage maps (`maps.py`) and the
owner / account lookups and adds the "reached stage" timestamps of DESIGN section 5: a lead
reached stage S at the earliest timestamp it has for S or any later stage, so funnels are
monotone even when a stage was skipped. `opp_facts` (one row per opportunity) applies the
channel, stage and reason maps and adds `outcome` (open / won / lost).

Map precedence: a map row matching the raw value (case- and whitespace-insensitively) wins; else
the record's own canonical value; else the raw value as itself (unmapped values stay visible).
For opportunities, won / closed flags exported on the record win over the stage map. Maps are
matched once per distinct raw value (the `*_lookup` CTEs), not once per row. Views are
recreated on every read-write connect, so changing a map changes every page without re-importing.
"""

from __future__ import annotations

import hashlib

from alignment import maps, schema, store
from alignment.store import Connection, quote_identifier

NOT_SET = "(not set)"
"""Dimension value shown for records with no value (kept visible, never dropped)."""

DIMENSIONS: tuple[str, ...] = ("channel", "segment", "region", "team", "owner")
"""Dimensions of the global filters and of `kpis --by`, present on both fact views."""


def _reached(stage: str) -> str:
    later = schema.LEAD_STAGES[schema.LEAD_STAGES.index(stage) :]
    cols = ", ".join(f"l.{schema.STAGE_TIMESTAMP[s]}" for s in later)
    return f"least({cols})" if len(later) > 1 else cols


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


_DOCUMENTED = f"coalesce(rl.reason <> {_NOT_A_REJECTION_SQL}, FALSE)"
"""The reason map covers the raw reason with a standard reason (its targets are validated), so
an empty or unmapped reason is "not documented" (DESIGN section 5, Rejections)."""

LEAD_FACTS_SQL = f"""
CREATE OR REPLACE VIEW lead_facts_live AS
WITH {_lookup("channel", "leads", "channel_raw", "channel")},
{_lookup("reason", "leads", "rejection_reason_raw", "rejection_reason")}
SELECT
  l.lead_id, l.source_system, l.external_id, l.created_at, l.email, l.name,
  coalesce(cl.channel, l.channel, nullif(trim(l.channel_raw), ''), '{NOT_SET}') AS channel,
  l.channel_raw,
  coalesce(cl.marketing_sourced, FALSE) AS marketing_sourced,
  coalesce(l.campaign, '{NOT_SET}') AS campaign,
  coalesce(l.segment, a.segment, '{NOT_SET}') AS segment,
  coalesce(l.region, o.region, a.region, '{NOT_SET}') AS region,
  coalesce(l.country, a.country) AS country,
  coalesce(l.industry, a.industry) AS industry,
  coalesce(l.employees, a.employees) AS employees,
  l.company,
  coalesce(l.owner, '{NOT_SET}') AS owner,
  coalesce(l.team, o.team, '{NOT_SET}') AS team,
  l.score, l.high_intent, l.status_raw,
  l.mql_at, l.sal_at, l.sql_at, l.opp_at, l.won_at, l.lost_at, l.rejected_at,
  CASE WHEN rl.reason = {_NOT_A_REJECTION_SQL} THEN NULL
       ELSE coalesce(rl.reason, l.rejection_reason, nullif(trim(l.rejection_reason_raw), ''))
  END AS rejection_reason,
  l.rejection_reason_raw,
  {_DOCUMENTED} AS rejection_documented,
  (l.rejected_at IS NOT NULL OR {_DOCUMENTED}) AS is_rejected,
  l.opp_id, l.is_converted, l.import_id,
  {_reached("lead")} AS reached_lead_at,
  {_reached("mql")} AS reached_mql_at,
  {_reached("sal")} AS reached_sal_at,
  {_reached("sql")} AS reached_sql_at,
  {_reached("opportunity")} AS reached_opportunity_at,
  {_reached("won")} AS reached_won_at
FROM (SELECT *, coalesce(rejection_reason_raw, rejection_reason) AS reason_key FROM leads) l
LEFT JOIN channel_lookup cl ON cl.raw = coalesce(l.channel_raw, l.channel)
LEFT JOIN owners o ON o.owner = l.owner
LEFT JOIN account_names an ON an.k = lower(l.company)
LEFT JOIN account_domains ad ON ad.k = split_part(lower(l.email), '@', 2)
LEFT JOIN accounts a ON a.account = coalesce(an.account, ad.account)
LEFT JOIN reason_lookup rl ON rl.raw = l.reason_key
"""

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


def _linked_facts_sql(view: str, table: str) -> str:
    """One row per activity / touchpoint: all its columns plus `linked_lead_id`, the lead it
    belongs to: matched by canonical lead id, else by e-mail; NULL when nothing matches."""
    return f"""
CREATE OR REPLACE VIEW {view} AS
SELECT t.*, coalesce(l.lead_id, le.lead_id) AS linked_lead_id
FROM {table} t
LEFT JOIN leads l ON l.lead_id = t.lead_id
LEFT JOIN lead_emails le ON le.email = lower(trim(t.email))
"""


ACTIVITY_FACTS_SQL = _linked_facts_sql("activity_facts", "activities")
TOUCHPOINT_FACTS_SQL = _linked_facts_sql("touchpoint_facts", "touchpoints")


FACT_MODELS: dict[str, str] = {"lead_facts": LEAD_FACTS_SQL, "opp_facts": OPP_FACTS_SQL}
"""Materialised models, in refresh order (`opp_facts` reads `lead_facts`): each is a table
filled from its `<name>_live` view."""

MODELS_FINGERPRINT_SETTING = "models_fingerprint"


def _fingerprint() -> str:
    return hashlib.sha256("\n".join(FACT_MODELS.values()).encode()).hexdigest()[:16]


def _relation_kind(con: Connection, name: str) -> str | None:
    """'table', 'view' or None for a relation in the main schema."""
    row = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = ?",
        [name],
    ).fetchall()
    if not row:
        return None
    return "view" if row[0][0] == "VIEW" else "table"


def refresh(con: Connection) -> None:
    """Rebuild the materialised fact tables from their live views (one row per lead, one row per
    opportunity). Runs inside every data-changing transaction (`store.after_every_write`), so
    pages read plain tables (several times faster than the views at 1M leads) that always match
    the data and the maps."""
    for name in FACT_MODELS:
        if _relation_kind(con, name + "_live") is None:
            return  # a migration, before the models exist
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_identifier(name)} AS "
            f"SELECT * FROM {quote_identifier(name + '_live')}"
        )
    store.set_setting(con, MODELS_FINGERPRINT_SETTING, _fingerprint())


def create_views(con: Connection) -> None:
    """(Re)create the model views, and the fact tables when they are missing or were built by
    a different version of the model SQL."""
    for sql in ACCOUNT_KEYS_SQL:
        con.execute(sql)
    con.execute(OPP_LEADS_SQL)
    stale = store.get_setting(con, MODELS_FINGERPRINT_SETTING) != _fingerprint()
    for name, sql in FACT_MODELS.items():
        if _relation_kind(con, name) == "view":  # databases from before materialisation
            con.execute(f"DROP VIEW {quote_identifier(name)}")
            stale = True
        con.execute(sql)
        if _relation_kind(con, name) is None:
            con.execute(
                f"CREATE TABLE {quote_identifier(name)} AS "
                f"SELECT * FROM {quote_identifier(name + '_live')}"
            )
    if stale:
        with store.transaction(con):
            pass  # the after-write hook rebuilds the fact tables and records the fingerprint
    con.execute(LEAD_EMAILS_SQL)
    con.execute(ACTIVITY_FACTS_SQL)
    con.execute(TOUCHPOINT_FACTS_SQL)


store.after_every_write(refresh)


def seed_default_maps(con: Connection) -> None:
    """Fill the channel, stage and reason maps with their defaults the first time (never
    overwrites a user's edits; see `maps.seed_defaults`)."""
    maps.seed_defaults(con)
