"""Pivoting history exports (one row per field change: Field / Event, Old Value, New Value, Edit
Date) into the wide stage timestamps of leads and opportunities (DESIGN section 3).

Lead history: changes of the lead status give the time each stage was entered (the earliest
change into it: `mql_at`, `sal_at`, `sql_at`, `opp_at`), `rejected_at` (the latest change into
a rejected / disqualified status), the latest status (`status_raw`) and the latest rejection
reason; "Lead Converted" events give `opp_at`, "Created." events `created_at`.
Opportunity history: the latest stage (`stage_raw`, with `is_closed` / `is_won` from the stage
map when it knows the stage), `closed_at` when that stage is closed (the time of the change
into it) and `created_at` from "Created." events.

The result is a temp table keyed like the target table; the loader applies it as a partial
update of existing records (an empty value never overwrites one), undoable like any import.
"""

from __future__ import annotations

from dataclasses import dataclass

from alignment.db import schema
from alignment.db.store import Connection, quote_identifier, quote_literal

PIVOT = "__alignment_history"

FIELD_KEY = "regexp_replace(lower(h.field), '[^a-z]', '', 'g')"
"""SQL: the changed field's comparison key (`Lead Status` -> `leadstatus`)."""

STATUS_FIELDS = ("leadstatus", "status", "hsleadstatus", "lifecyclestage", "leadstatusc")
REASON_FIELDS = (
    "unqualifiedreason",
    "unqualifiedreasonc",
    "disqualificationreason",
    "disqualificationreasonc",
    "rejectionreason",
    "rejectionreasonc",
    "hsleaddisqualificationreason",
)
CREATED_EVENTS = ("created", "leadcreated", "opportunitycreated", "opportunitycreatedfromlead")
CONVERTED_EVENTS = ("leadconverted", "converted")
STAGE_FIELDS = ("stage", "stagename", "dealstage")

STATUS_STAGE: tuple[tuple[str, str], ...] = (
    # (pattern over the lower-case new status, stage); the first match wins
    (r"unqualified|disqualified|reject|not converted|junk|bad timing|recycl", "rejected"),
    (r"\bmql\b|marketing ?qualified", "mql"),
    (r"\bsal\b|sales ?accepted|accepted|working", "sal"),
    (r"\bsql\b|sales ?qualified|^qualified", "sql"),
    (r"converted|opportunity|open deal|open_deal", "opportunity"),
    (r"customer|closed won", "won"),
)
"""Lead status values -> canonical stage (Salesforce defaults such as `Working - Contacted`,
`Closed - Not Converted`, common custom statuses MQL / SAL / SQL, HubSpot lead statuses)."""

LEAD_STAGE_COLUMN = {
    "mql": "mql_at",
    "sal": "sal_at",
    "sql": "sql_at",
    "opportunity": "opp_at",
    "won": "won_at",
}


def _in(expression: str, values: tuple[str, ...]) -> str:
    return f"{expression} IN ({', '.join(quote_literal(v) for v in values)})"


def _status_stage_sql(value: str) -> str:
    cases = " ".join(
        f"WHEN regexp_matches({value}, {quote_literal(pattern)}) THEN {quote_literal(stage)}"
        for pattern, stage in STATUS_STAGE
    )
    return f"CASE {cases} END"


@dataclass(frozen=True)
class Pivot:
    """A pivoted history: the temp table of new values (one row per record), the fields it
    sets, and counts for the import's warnings."""

    object_type: str
    table: str
    fields: list[str]
    records: int  # records named in the history
    unmatched: int  # of those, not in the database

    def warnings(self, updated: int) -> list[str]:
        noun = "leads" if self.object_type == "lead_history" else "opportunities"
        set_fields = ", ".join(self.fields) or "nothing"
        lines = [
            f"History of {self.records:,} {noun} pivoted into {set_fields}; {updated:,} "
            f"{noun} changed."
        ]
        if self.unmatched:
            lines.append(
                f"{self.unmatched:,} of {self.records:,} {noun} in the history are not in the "
                f"database: import the {noun} first, then import this history again."
            )
        if not self.fields:
            lines.append(
                "No status, stage, created or converted change was found in the history, so "
                "nothing was updated."
            )
        return lines


def _lead_pivot_sql(key: str, rows: str) -> str:
    value = "lower(trim(h.new_value))"
    status = _in(FIELD_KEY, STATUS_FIELDS)
    stage_of = _status_stage_sql(value)

    def entered(stage: str) -> str:
        return f"min(h.edited_at) FILTER (WHERE {status} AND {stage_of} = {quote_literal(stage)})"

    converted = f"min(h.edited_at) FILTER (WHERE {_in(FIELD_KEY, CONVERTED_EVENTS)})"
    return f"""
SELECT {key},
  min(h.edited_at) FILTER (WHERE {_in(FIELD_KEY, CREATED_EVENTS)}) AS created_at,
  {entered("mql")} AS mql_at,
  {entered("sal")} AS sal_at,
  {entered("sql")} AS sql_at,
  least({entered("opportunity")}, {converted}) AS opp_at,
  {entered("won")} AS won_at,
  max(h.edited_at) FILTER (WHERE {status} AND {stage_of} = 'rejected') AS rejected_at,
  arg_max(h.new_value, h.edited_at) FILTER (WHERE {status} AND h.new_value IS NOT NULL)
    AS status_raw,
  arg_max(h.new_value, h.edited_at) FILTER (WHERE {_in(FIELD_KEY, REASON_FIELDS)})
    AS rejection_reason_raw
FROM ({rows}) h
GROUP BY 1
"""


def _opportunity_pivot_sql(key: str, rows: str, source_system: str) -> str:
    stage = _in(FIELD_KEY, STAGE_FIELDS)
    return f"""
WITH latest AS (
  SELECT {key},
    min(h.edited_at) FILTER (WHERE {_in(FIELD_KEY, CREATED_EVENTS)}) AS created_at,
    arg_max(h.new_value, h.edited_at) FILTER (WHERE {stage} AND h.new_value IS NOT NULL)
      AS stage_raw,
    max(h.edited_at) FILTER (WHERE {stage} AND h.new_value IS NOT NULL) AS stage_changed_at
  FROM ({rows}) h
  GROUP BY 1
)
SELECT l.* EXCLUDE (stage_changed_at),
  coalesce(sm.is_closed, sm_any.is_closed,
    CASE WHEN regexp_matches(lower(l.stage_raw), 'closed|^won$|^lost$') THEN TRUE END)
    AS is_closed,
  CASE WHEN coalesce(sm.is_closed, sm_any.is_closed,
    regexp_matches(lower(l.stage_raw), 'closed|^won$|^lost$')) THEN l.stage_changed_at END
    AS closed_at,
  coalesce(sm.is_won, sm_any.is_won,
    CASE WHEN regexp_matches(lower(l.stage_raw), 'closed ?won|^won$') THEN TRUE
         WHEN regexp_matches(lower(l.stage_raw), 'closed|^lost$') THEN FALSE END)
    AS is_won
FROM latest l
LEFT JOIN stage_map sm
  ON sm.source_system = {quote_literal(source_system)}
  AND lower(sm.stage_raw) = lower(trim(l.stage_raw))
LEFT JOIN stage_map sm_any
  ON sm_any.source_system = '*' AND lower(sm_any.stage_raw) = lower(trim(l.stage_raw))
"""


def pivot(con: Connection, object_type: str, source_system: str, rows: str) -> Pivot:
    """Pivot the usable history rows (SQL `rows` with external_id, field, new_value,
    edited_at) into temp table PIVOT, one row per record of the target table that exists."""
    target = schema.HISTORY_OBJECTS[object_type]
    pk = schema.PRIMARY_KEY[target]
    assert pk is not None
    key = f"{quote_literal(source_system)} || ':' || h.external_id AS {quote_identifier(pk)}"
    if object_type == "lead_history":
        sql = _lead_pivot_sql(key, rows)
    else:
        sql = _opportunity_pivot_sql(key, rows, source_system)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PIVOT}_all AS {sql}")
    records = int(con.execute(f"SELECT count(*) FROM {PIVOT}_all").fetchall()[0][0])
    table = quote_identifier(target)
    key_column = quote_identifier(pk)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {PIVOT} AS SELECT {quote_literal(source_system)} AS "
        f"source_system, p.* FROM {PIVOT}_all p "
        f"SEMI JOIN {table} t ON t.{key_column} = p.{key_column}"
    )
    con.execute(f"DROP TABLE IF EXISTS {PIVOT}_all")
    matched = int(con.execute(f"SELECT count(*) FROM {PIVOT}").fetchall()[0][0])
    columns = [d[0] for d in con.execute(f"SELECT * FROM {PIVOT} LIMIT 0").description]
    counts = con.execute(
        "SELECT " + ", ".join(f"count({quote_identifier(c)})" for c in columns) + f" FROM {PIVOT}"
    ).fetchall()[0]
    fields = [
        c for c, n in zip(columns, counts, strict=True) if n and c not in (pk, "source_system")
    ]
    return Pivot(object_type, PIVOT, fields, records, records - matched)
