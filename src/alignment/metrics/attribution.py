"""Multi-touch attribution (DESIGN section 5, "Attribution"): how the amount of each
opportunity is credited to the marketing touches before it, under six models, and what that
means per channel and campaign.

Owns the SQL behind the Attribution page and `alignment attribution`. Every function runs one
DuckDB statement over `opp_facts` and `touchpoint_facts`; the selection's period picks the
opportunities *created* in it, and its filters apply to the opportunities.

Rules (also in the README):
- a touchpoint belongs to an opportunity by its own `opp_id` when that names a known
  opportunity, else through its lead (`touchpoint_facts.linked_lead_id = opp_facts.lead_id`;
  for a touch linked to no lead, the lead id it names: an event log's people are not imported
  as leads, and its touches and conversions name the same person), so a touch of a lead with
  two opportunities counts once for each of them, never twice for one;
- a touch's channel is `touchpoint_facts.channel`, its source (and medium) through the channel
  map, as leads' and opportunities' channels are;
- only dated touches at or before the opportunity's creation count (an opportunity without a
  creation date keeps all its dated touches); they are ordered by time, then touchpoint id;
- the first touch is the earliest; the last touch the latest before creation; the
  lead-creation touch is the earliest flagged `is_lead_creation_touch`, else the first touch
  (the lead was created by its earliest known touch); the opportunity-creation touch is the
  latest flagged `is_opp_creation_touch`, else the last touch;
- position models give each anchor its share (U-shaped 40 % first, 40 % lead creation;
  W-shaped 30 % first, 30 % lead creation, 30 % opportunity creation) and spread the rest
  (20 %, 10 %) equally over the touches that are no anchor; a touch that is several anchors
  gets their shares added; the weights are then scaled to sum to 1, so with no touch left to
  spread over (one or two touches) the anchors share the whole amount in proportion (two
  touches under U-shaped: 50 % / 50 %);
- time decay weighs a touch by 2^(-days before creation / 7) (7-day half life);
- every model's credits for an opportunity sum to its amount (a missing or non-finite amount
  counts as 0); opportunities without a qualifying touch are *unattributed* (reconciliation).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from alignment.db import store
from alignment.db.store import Connection
from alignment.metrics import registry
from alignment.metrics.registry import Kpi
from alignment.periods import Period, between_sql
from alignment.selection import Selection, period_and_filters
from alignment.sql import Params

MODELS: dict[str, str] = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "time_decay": "Time decay",
}
"""Every attribution model (column name in the results), with its label."""

EXPLANATIONS: dict[str, str] = {
    "first_touch": "All the credit goes to the touch that first brought the person in.",
    "last_touch": "All the credit goes to the last touch before the opportunity was created.",
    "linear": "Every touch before the opportunity was created gets an equal share.",
    "u_shaped": (
        "The first touch and the touch that created the lead get 40 % each; the other touches "
        "share the remaining 20 %."
    ),
    "w_shaped": (
        "The first touch, the lead-creation touch and the opportunity-creation touch get 30 % "
        "each; the other touches share the remaining 10 %."
    ),
    "time_decay": (
        "Recent touches count more: a touch's weight halves for every 7 days between it and "
        "the opportunity's creation."
    ),
}
"""A plain-language explanation of each model, for the page and the CLI."""

HALF_LIFE_DAYS = 7.0
"""Time decay: a touch this many days before the opportunity's creation weighs half as much."""

NOT_SET = "(not set)"
"""The channel / campaign shown for touches without one."""

METRICS: dict[str, Kpi] = {kpi.name: kpi for kpi in registry.PAGE_METRICS["Attribution"]}
"""The attribution metrics' labels, units and one-sentence definitions."""


def check_model(model: str) -> str:
    """`model` when it names an attribution model; ValueError naming the known ones."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}: use one of {', '.join(MODELS)}")
    return model


def _amount(alias: str) -> str:
    """An opportunity's amount for credit: a missing or non-finite amount is 0."""
    return f"coalesce(CASE WHEN isfinite({alias}.amount) THEN {alias}.amount END, 0)"


def _opps_sql(params: Params, selection: Selection | Period) -> str:
    """SELECT of the selected opportunities: one row per opportunity created in the period
    that matches the filters (opp_id, lead_id, channel, created_at, closed_at, outcome,
    amount)."""
    period, filters = period_and_filters(selection)
    return (
        f"SELECT o.opp_id, o.lead_id, o.channel AS opp_channel, o.created_at, o.closed_at, "
        f"o.outcome, {_amount('o')} AS amount FROM opp_facts o "
        f"WHERE {between_sql('o.created_at', period, params)} AND {filters.where(params, 'o')}"
    )


_PAIR_COLUMNS = f"""o.*, t.touchpoint_id, t.touched_at,
    coalesce(nullif(trim(t.channel), ''), '{NOT_SET}') AS channel,
    coalesce(nullif(trim(t.campaign), ''), '{NOT_SET}') AS campaign,
    coalesce(t.is_lead_creation_touch, FALSE) AS lead_flag,
    coalesce(t.is_opp_creation_touch, FALSE) AS opp_flag"""

PAIRS_CTES = f"""pairs AS (
  SELECT {_PAIR_COLUMNS}
  FROM opps o JOIN touchpoint_facts t ON t.opp_id = o.opp_id
  WHERE t.touched_at IS NOT NULL
  UNION ALL
  SELECT {_PAIR_COLUMNS}
  FROM opps o JOIN touchpoint_facts t ON coalesce(t.linked_lead_id, t.lead_id) = o.lead_id
  LEFT JOIN opp_facts k ON k.opp_id = t.opp_id
  WHERE t.touched_at IS NOT NULL AND k.opp_id IS NULL
)"""
"""CTE after `opps` (the selected opportunities): `pairs`, one row per selected opportunity x
dated touchpoint that belongs to it (the opportunity's columns, then touchpoint_id,
touched_at, channel, campaign, lead_flag, opp_flag): by the touch's own opp_id (a selected
opportunity is a known one), else, when that names no known opportunity, through its lead (the
linked one, else the lead id it names). Two equi-joins, not one join on an OR (which DuckDB
runs as a nested loop), each from the selected opportunities, so the channel and campaign are
cleaned on the pairs only, not on every touchpoint (which made a period's attribution read and
clean all of them)."""


OPPS_TABLE = "attribution_opps"
PAIRS_TABLE = "attribution_pairs"
CREDITS_TABLE = "attribution_credits"
"""Temporary tables of one connection (`summary`): the selected opportunities, their pairs and
their credits, computed once and read by every table of the page."""

_STORED_BASE = f"WITH opps AS (SELECT * FROM {OPPS_TABLE}),\npairs AS (SELECT * FROM {PAIRS_TABLE})"


def _base_ctes(params: Params, selection: Selection | Period, *, stored: bool) -> str:
    """WITH ... of `opps` and `pairs`: computed, or read from `summary`'s tables."""
    if stored:
        return _STORED_BASE
    return f"WITH opps AS ({_opps_sql(params, selection)}),\n{PAIRS_CTES}"


def _credits_ctes(params: Params, selection: Selection | Period, *, stored: bool = False) -> str:
    """WITH ... of `opps` (the selected opportunities) and `credits` (one row per
    opportunity x qualifying touchpoint with each model's credit, the columns of `ledger`);
    `stored`: read from `summary`'s tables."""
    if stored:
        return f"{_STORED_BASE},\ncredits AS (SELECT * FROM {CREDITS_TABLE})"
    return f"{_base_ctes(params, selection, stored=False)},\n{CREDITS_CTES}"


_U_FIRST, _U_LEAD, _U_SPREAD = 0.4, 0.4, 0.2
_W_FIRST, _W_LEAD, _W_OPP, _W_SPREAD = 0.3, 0.3, 0.3, 0.1

CREDITS_CTES = f"""touches AS (
  SELECT opp_id, amount, created_at, touchpoint_id, touched_at, channel, campaign, lead_flag,
    opp_flag
  FROM pairs
  WHERE created_at IS NULL OR touched_at <= created_at
),
positioned AS (
  SELECT *,
    row_number() OVER (PARTITION BY opp_id ORDER BY touched_at, touchpoint_id) AS position
  FROM touches
),
per_opp AS (
  SELECT opp_id, count(*) AS touches,
    coalesce(min(position) FILTER (WHERE lead_flag), 1) AS lead_at,
    coalesce(max(position) FILTER (WHERE opp_flag), count(*)) AS opp_at,
    max(touched_at) AS last_touched_at
  FROM positioned GROUP BY opp_id
),
anchored AS (
  SELECT p.*, a.touches, a.lead_at, a.opp_at,
    power(0.5, epoch(coalesce(p.created_at, a.last_touched_at) - p.touched_at) / 86400.0
      / {HALF_LIFE_DAYS}) AS decay
  FROM positioned p JOIN per_opp a USING (opp_id)
),
weighted AS MATERIALIZED (
  SELECT *,
    (position = 1)::INT * {_U_FIRST} + (position = lead_at)::INT * {_U_LEAD}
      + (position <> 1 AND position <> lead_at)::INT * {_U_SPREAD}
        / greatest(touches - 1 - (lead_at <> 1)::INT, 1) AS u_weight,
    (position = 1)::INT * {_W_FIRST} + (position = lead_at)::INT * {_W_LEAD}
      + (position = opp_at)::INT * {_W_OPP}
      + (position <> 1 AND position <> lead_at AND position <> opp_at)::INT * {_W_SPREAD}
        / greatest(touches - 1 - (lead_at <> 1)::INT - (opp_at <> 1 AND opp_at <> lead_at)::INT,
                   1) AS w_weight
  FROM anchored
),
totals AS (
  -- (weighted is MATERIALIZED: read here and by credits, its weights and decay computed once)
  SELECT opp_id, sum(u_weight) AS u_total, sum(w_weight) AS w_total, sum(decay) AS decay_total
  FROM weighted GROUP BY opp_id
),
credits AS (
  SELECT opp_id, touchpoint_id, touched_at, channel, campaign, position, touches, amount,
    CASE WHEN position = 1 THEN amount ELSE 0 END AS first_touch,
    CASE WHEN position = touches THEN amount ELSE 0 END AS last_touch,
    amount / touches AS linear,
    amount * u_weight / u_total AS u_shaped,
    amount * w_weight / w_total AS w_shaped,
    amount * decay / decay_total AS time_decay
  FROM weighted JOIN totals USING (opp_id)
)"""
"""CTEs after `opps` and `pairs`: `credits`, one row per opportunity x qualifying touchpoint
with each model's credit (see the module docstring for the rules)."""


LEDGER_COLUMNS: tuple[str, ...] = (
    "opp_id",
    "touchpoint_id",
    "touched_at",
    "channel",
    "campaign",
    "position",
    "touches",
    "amount",
    *MODELS,
)


def ledger(
    con: Connection, selection: Selection | Period, *, page: int = 0, limit: int = 100
) -> pl.DataFrame:
    """The credit ledger: one row per opportunity x qualifying touchpoint (`LEDGER_COLUMNS`):
    the touch's position (1 = first) among the opportunity's `touches`, the opportunity's
    `amount`, and each model's credit. Rows by opportunity, then position; `page` (from 0) of
    `limit` rows. One statement."""
    if page < 0 or limit <= 0:
        raise ValueError(f"page must be >= 0 and limit > 0, got page={page}, limit={limit}")
    params = Params()
    sql = (
        f"{_credits_ctes(params, selection)}\n"
        f"SELECT {', '.join(LEDGER_COLUMNS)} FROM credits ORDER BY opp_id, position "
        f"LIMIT {params.bind(limit)} OFFSET {params.bind(page * limit)}"
    )
    return store.query(con, sql, params.values)


def channel_credit(
    con: Connection, selection: Selection | Period, *, stored: bool = False
) -> pl.DataFrame:
    """One row per touch channel: `touches` (opportunity x touch pairs), `opportunities`
    touched, the credit under every model (a column per model) and its rank among the channels
    per model (`rank_<model>`, 1 = most credit; ties share the better rank), and `rank_spread`
    (largest minus smallest rank: how far the channel moves between models). Rows by linear
    credit, descending, then channel. One statement."""
    params = Params()
    sums = ", ".join(f"sum({m}) AS {m}" for m in MODELS)
    ranks = ", ".join(f"rank() OVER (ORDER BY {m} DESC) AS rank_{m}" for m in MODELS)
    rank_list = ", ".join(f"rank_{m}" for m in MODELS)
    sql = f"""{_credits_ctes(params, selection, stored=stored)},
per_channel AS (
  SELECT channel, count(*) AS touches, count(DISTINCT opp_id) AS opportunities, {sums}
  FROM credits GROUP BY channel
),
ranked AS (SELECT *, {ranks} FROM per_channel)
SELECT *, greatest({rank_list}) - least({rank_list}) AS rank_spread
FROM ranked ORDER BY linear DESC, channel"""
    return store.query(con, sql, params.values)


def reconciliation(
    con: Connection, selection: Selection | Period, *, stored: bool = False
) -> pl.DataFrame:
    """One row per model (in `MODELS` order): `model`, `label`, `attributed` (its credit over
    every selected opportunity), `attributed_amount` (the amount of the opportunities with at
    least one qualifying touch, which `attributed` must equal), `unattributed_opportunities`
    and `unattributed_amount` (those without one), `amount` (every selected opportunity's
    amount: attributed_amount + unattributed_amount) and `difference` (attributed -
    attributed_amount, 0 up to rounding). One statement."""
    params = Params()
    totals = ", ".join(f"sum({m}) AS {m}" for m in MODELS)
    rows = ", ".join(
        f"({params.bind(m)}, {params.bind(label)}, c.{m})" for m, label in MODELS.items()
    )
    sql = f"""{_credits_ctes(params, selection, stored=stored)},
credit_totals AS (SELECT {totals} FROM credits),
opp_totals AS (
  SELECT sum(amount) AS amount,
    sum(amount) FILTER (WHERE opp_id IN (SELECT opp_id FROM credits)) AS attributed_amount,
    count(*) FILTER (WHERE opp_id NOT IN (SELECT opp_id FROM credits))
      AS unattributed_opportunities,
    sum(amount) FILTER (WHERE opp_id NOT IN (SELECT opp_id FROM credits)) AS unattributed_amount
  FROM opps
)
SELECT v.model, v.label, coalesce(v.attributed, 0) AS attributed,
  coalesce(t.attributed_amount, 0) AS attributed_amount,
  t.unattributed_opportunities, coalesce(t.unattributed_amount, 0) AS unattributed_amount,
  coalesce(t.amount, 0) AS amount,
  coalesce(v.attributed, 0) - coalesce(t.attributed_amount, 0) AS difference
FROM credit_totals c
CROSS JOIN LATERAL (VALUES {rows}) v(model, label, attributed)
CROSS JOIN opp_totals t"""
    result = store.query(con, sql, params.values)
    order = {m: i for i, m in enumerate(MODELS)}
    return result.sort(pl.col("model").replace_strict(order, return_dtype=pl.Int64))


def _won_touched_ctes(
    params: Params, selection: Selection | Period, *, stored: bool = False
) -> str:
    """WITH ... of `opps` (the selected opportunities) and `won_touches` (one row per won
    opportunity x touchpoint of it dated at or before the close, or any dated touch when the
    close date is missing)."""
    return f"""{_base_ctes(params, selection, stored=stored)},
won_touches AS (
  SELECT opp_id, amount, touchpoint_id, campaign
  FROM pairs
  WHERE outcome = 'won' AND (closed_at IS NULL OR touched_at <= closed_at)
)"""


def campaign_influence(
    con: Connection, selection: Selection | Period, *, stored: bool = False
) -> pl.DataFrame:
    """One row per campaign that touched a won opportunity before its close: `campaign`,
    `won_deals` touched, `share_of_won_deals` (of every won opportunity selected, touched or
    not), `revenue` (the won amount of those deals, each deal once) and `share_of_won_revenue`.
    Shares are null when nothing was won. A deal counts for every campaign that touched it,
    so the shares add up to more than 1. Rows by revenue descending, then campaign. One
    statement."""
    params = Params()
    sql = f"""{_won_touched_ctes(params, selection, stored=stored)},
won AS (SELECT count(*) AS deals, sum(amount) AS revenue FROM opps WHERE outcome = 'won'),
per_campaign AS (
  SELECT campaign, opp_id, any_value(amount) AS amount FROM won_touches GROUP BY campaign, opp_id
)
SELECT p.campaign, count(*) AS won_deals, count(*) / nullif(any_value(w.deals), 0)
    AS share_of_won_deals,
  sum(p.amount) AS revenue, sum(p.amount) / nullif(any_value(w.revenue), 0)
    AS share_of_won_revenue
FROM per_campaign p CROSS JOIN won w
GROUP BY p.campaign
ORDER BY revenue DESC, campaign"""
    return store.query(con, sql, params.values)


def influenced_revenue(
    con: Connection, selection: Selection | Period, *, stored: bool = False
) -> dict[str, Any]:
    """Marketing-influenced revenue over the won opportunities selected (created in the
    period): `won_deals`, `won_amount`, `influenced_deals` (won deals with at least one touch
    at or before the close), `influenced_revenue` (their amount) and `influenced_share`
    (influenced_revenue / won_amount; None when nothing was won). One statement."""
    params = Params()
    sql = f"""{_won_touched_ctes(params, selection, stored=stored)},
influenced AS (SELECT DISTINCT opp_id FROM won_touches)
SELECT count(*) AS won_deals, coalesce(sum(amount), 0) AS won_amount,
  count(*) FILTER (WHERE opp_id IN (SELECT opp_id FROM influenced)) AS influenced_deals,
  coalesce(sum(amount) FILTER (WHERE opp_id IN (SELECT opp_id FROM influenced)), 0)
    AS influenced_revenue
FROM opps WHERE outcome = 'won'"""
    row = store.query(con, sql, params.values).row(0, named=True)
    won = row["won_amount"]
    row["influenced_share"] = row["influenced_revenue"] / won if won else None
    return row


def summary(con: Connection, selection: Selection | Period) -> dict[str, Any]:
    """What the Attribution page shows by default, from one pass over the touchpoints:
    "channels" (`channel_credit`), "reconciliation", "campaigns" (`campaign_influence`) and
    "influenced" (`influenced_revenue`). The selected opportunities, their pairs and their
    credits are computed once into temporary tables of this connection (a cursor's own), read
    by each of the four, then dropped: each function alone joins the touchpoints again."""
    params = Params()
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {OPPS_TABLE} AS {_opps_sql(params, selection)}",
            params.values,
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {PAIRS_TABLE} AS "
            f"WITH opps AS (SELECT * FROM {OPPS_TABLE}),\n{PAIRS_CTES}\nSELECT * FROM pairs"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {CREDITS_TABLE} AS "
            f"{_STORED_BASE},\n{CREDITS_CTES}\nSELECT * FROM credits"
        )
        return {
            "channels": channel_credit(con, selection, stored=True),
            "reconciliation": reconciliation(con, selection, stored=True),
            "campaigns": campaign_influence(con, selection, stored=True),
            "influenced": influenced_revenue(con, selection, stored=True),
        }
    finally:
        for table in (CREDITS_TABLE, PAIRS_TABLE, OPPS_TABLE):
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
