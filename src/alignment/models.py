"""Models: the views every metric reads (joins live here, not in reports).

`lead_facts` (one row per lead) applies the channel map and the owner / account lookups and adds
the "reached stage" timestamps of DESIGN section 5: a lead reached stage S at the earliest
timestamp it has for S or any later stage, so funnels are monotone even when a stage was skipped.
`opp_facts` (one row per opportunity) applies the channel and stage maps and adds `outcome`
(open / won / lost). Views are recreated on every read-write connect, so changing a map changes
every page without re-importing.
"""

from __future__ import annotations

from alignment import schema
from alignment.store import Connection

NOT_SET = "(not set)"
"""Dimension value shown for records with no value (kept visible, never dropped)."""

DIMENSIONS: tuple[str, ...] = ("channel", "segment", "region", "team", "owner")
"""Dimensions of the global filters and of `kpis --by`, present on both fact views."""


def _reached(stage: str) -> str:
    later = schema.LEAD_STAGES[schema.LEAD_STAGES.index(stage) :]
    cols = ", ".join(f"l.{schema.STAGE_TIMESTAMP[s]}" for s in later)
    return f"least({cols})" if len(later) > 1 else cols


LEAD_FACTS_SQL = f"""
CREATE OR REPLACE VIEW lead_facts AS
SELECT
  l.lead_id, l.source_system, l.external_id, l.created_at, l.email, l.name,
  coalesce(l.channel, cm.channel, nullif(trim(l.channel_raw), ''), '{NOT_SET}') AS channel,
  l.channel_raw,
  coalesce(cm.marketing_sourced, FALSE) AS marketing_sourced,
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
  l.rejection_reason, l.rejection_reason_raw, l.opp_id, l.is_converted, l.import_id,
  {_reached("lead")} AS reached_lead_at,
  {_reached("mql")} AS reached_mql_at,
  {_reached("sal")} AS reached_sal_at,
  {_reached("sql")} AS reached_sql_at,
  {_reached("opportunity")} AS reached_opportunity_at,
  {_reached("won")} AS reached_won_at
FROM leads l
LEFT JOIN channel_map cm ON lower(trim(cm.channel_raw)) = lower(trim(l.channel_raw))
LEFT JOIN owners o ON o.owner = l.owner
LEFT JOIN accounts a ON lower(a.account) = lower(l.company)
"""

OPP_FACTS_SQL = f"""
CREATE OR REPLACE VIEW opp_facts AS
WITH mapped AS (
  SELECT
    o.*,
    coalesce(o.is_won, sm.is_won, sm_any.is_won, FALSE) AS won_flag,
    coalesce(o.is_closed, sm.is_closed, sm_any.is_closed, o.is_won) AS closed_flag,
    coalesce(o.stage, sm.stage, sm_any.stage) AS mapped_stage
  FROM opportunities o
  LEFT JOIN stage_map sm
    ON sm.source_system = o.source_system AND lower(sm.stage_raw) = lower(trim(o.stage_raw))
  LEFT JOIN stage_map sm_any
    ON sm_any.source_system = '*' AND lower(sm_any.stage_raw) = lower(trim(o.stage_raw))
)
SELECT
  m.opp_id, m.source_system, m.external_id, m.lead_id, m.account, m.name,
  coalesce(m.owner, '{NOT_SET}') AS owner,
  coalesce(m.team, ow.team, '{NOT_SET}') AS team,
  coalesce(m.region, ow.region, a.region, '{NOT_SET}') AS region,
  coalesce(m.segment, a.segment, lf.segment, '{NOT_SET}') AS segment,
  coalesce(m.channel, cm.channel, nullif(trim(m.channel_raw), ''), lf.channel, '{NOT_SET}')
    AS channel,
  m.channel_raw,
  coalesce(cm.marketing_sourced, lf.marketing_sourced, FALSE) AS marketing_sourced,
  m.product, m.type, m.created_at, m.closed_at,
  coalesce(m.closed_flag, FALSE) AS is_closed,
  m.won_flag AS is_won,
  CASE WHEN m.won_flag THEN 'won' WHEN coalesce(m.closed_flag, FALSE) THEN 'lost' ELSE 'open' END
    AS outcome,
  coalesce(m.mapped_stage, m.stage_raw) AS stage,
  m.stage_raw, m.amount, m.currency, m.lost_reason, m.lost_reason_raw, m.import_id
FROM mapped m
LEFT JOIN channel_map cm ON lower(trim(cm.channel_raw)) = lower(trim(m.channel_raw))
LEFT JOIN owners ow ON ow.owner = m.owner
LEFT JOIN accounts a ON lower(a.account) = lower(m.account)
LEFT JOIN lead_facts lf ON lf.lead_id = m.lead_id
"""

DEFAULT_STAGE_MAP: tuple[tuple[str, str, bool, bool], ...] = (
    # (raw stage, canonical stage, is_closed, is_won), matched case-insensitively, any source
    ("won", "won", True, True),
    ("closed won", "won", True, True),
    ("closedwon", "won", True, True),
    ("lost", "lost", True, False),
    ("closed lost", "lost", True, False),
    ("closedlost", "lost", True, False),
)


def create_views(con: Connection) -> None:
    """(Re)create the model views."""
    con.execute(LEAD_FACTS_SQL)
    con.execute(OPP_FACTS_SQL)


def seed_default_maps(con: Connection) -> None:
    """Fill the stage map with defaults the first time (never overwrites a user's edits)."""
    if con.execute("SELECT count(*) FROM stage_map").fetchone()[0]:  # type: ignore[index]
        return
    con.executemany(
        "INSERT INTO stage_map VALUES ('*', ?, ?, ?, ?)",
        [list(row) for row in DEFAULT_STAGE_MAP],
    )
