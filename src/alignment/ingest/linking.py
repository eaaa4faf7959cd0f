"""Linking records across files: which lead an activity or touchpoint belongs to (by canonical
lead id, else by e-mail: `linked_lead_id`, stored on the row and kept in step by
`model.facts.link_records`, read through the `activity_facts` / `touchpoint_facts` models), and
which references point at records that are not imported.

Leads link to opportunities through `leads.opp_id` (Salesforce ConvertedOpportunityId, HubSpot
`Associated Deal IDs`) and opportunities to leads through `opportunities.lead_id` (HubSpot
`Associated Contact IDs`); both hold canonical keys (`source:id`).
"""

from __future__ import annotations

import polars as pl

from alignment.db.store import Connection, query

UNLINKED_SQL: dict[str, str] = {
    "leads": (
        "SELECT count(*) AS records, count(*) FILTER (WHERE l.opp_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM opportunities o WHERE o.opp_id = l.opp_id)) AS unlinked "
        "FROM leads l {where}"
    ),
    "opportunities": (
        "SELECT count(*) AS records, count(*) FILTER (WHERE o.lead_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM leads l WHERE l.lead_id = o.lead_id)) AS unlinked "
        "FROM opportunities o {where}"
    ),
    "activities": (
        "SELECT count(*) AS records, count(*) FILTER (WHERE linked_lead_id IS NULL) AS unlinked "
        "FROM activity_facts {where}"
    ),
    "touchpoints": (
        "SELECT count(*) AS records, count(*) FILTER (WHERE linked_lead_id IS NULL) AS unlinked "
        "FROM touchpoint_facts {where}"
    ),
}
"""Per object type: its records and how many are unlinked. Leads / opportunities: naming an
opportunity / lead that is not in the database; activities / touchpoints: matching no lead by
id or e-mail."""

WHAT_IS_MISSING: dict[str, str] = {
    "leads": "name an opportunity that is not imported",
    "opportunities": "name a lead / contact that is not imported",
    "activities": "match no lead (by lead id or e-mail)",
    "touchpoints": "match no lead (by lead id or e-mail)",
}


def unlinked_counts(con: Connection) -> pl.DataFrame:
    """One row per object type (leads, opportunities, activities, touchpoints): `records` and
    `unlinked` (see UNLINKED_SQL for what unlinked means for each)."""
    parts = [
        f"SELECT '{object_type}' AS object_type, * FROM ({sql.format(where='')})"
        for object_type, sql in UNLINKED_SQL.items()
    ]
    return query(con, " UNION ALL ".join(parts) + " ORDER BY 1").select(
        "object_type", "records", "unlinked"
    )


def link_warnings(con: Connection, object_type: str, import_id: int) -> list[str]:
    """A sentence for an import's result when some of the records it wrote are unlinked, e.g.
    "312 of 4,000 activities match no lead (by lead id or e-mail)"."""
    sql = UNLINKED_SQL.get(object_type)
    if sql is None:
        return []
    records, unlinked = con.execute(
        sql.format(where="WHERE import_id = ?"), [import_id]
    ).fetchall()[0]
    if not unlinked:
        return []
    return [f"{unlinked:,} of {records:,} {object_type} {WHAT_IS_MISSING[object_type]}."]
