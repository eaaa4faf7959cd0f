"""The canonical data model: every table, its columns and their types (one source of truth).

DESIGN.md section 3. Migrations in `store.py` create tables from these definitions; the import
pipeline reads `MAPPABLE_FIELDS` to know which canonical fields a source column may fill and
how to cast it; `ingest` and `metrics` refer to column names from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["text", "timestamp", "number", "integer", "boolean", "date", "key"]

# DuckDB type for each kind of column.
DUCKDB_TYPE: dict[ColumnKind, str] = {
    "text": "VARCHAR",
    "key": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
}


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, kind and a one-line description for the mapping editor."""

    name: str
    kind: ColumnKind
    description: str = ""
    mappable: bool = True  # False for columns derived, not read: keys, import_id, mapped values

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPE[self.kind]


def _derived(name: str, kind: ColumnKind, description: str) -> Column:
    return Column(name, kind, description, mappable=False)


LEAD_STAGES: tuple[str, ...] = ("lead", "mql", "sal", "sql", "opportunity", "won")
"""Canonical lead stages in funnel order (DESIGN section 3)."""

STAGE_TIMESTAMP: dict[str, str] = {
    "lead": "created_at",
    "mql": "mql_at",
    "sal": "sal_at",
    "sql": "sql_at",
    "opportunity": "opp_at",
    "won": "won_at",
}
"""Lead column holding the time a lead entered each stage."""

STAGE_FLAG: dict[str, str] = {"is_converted": "opportunity", "is_won": "won"}
"""Lead flag columns and the stage each one means the lead reached (exports with a flag but no
dates): a flag also means every earlier stage, so funnels stay monotone."""

STAGE_LABEL: dict[str, str] = {
    "lead": "Lead",
    "mql": "MQL",
    "sal": "SAL",
    "sql": "SQL",
    "opportunity": "Opportunity",
    "won": "Won",
}

LEADS: tuple[Column, ...] = (
    _derived("lead_id", "key", "source_system:external_id"),
    _derived("source_system", "text", "system the record came from (hubspot, salesforce, ...)"),
    Column("external_id", "text", "the source's own record id"),
    Column("created_at", "timestamp", "when the lead / contact was created"),
    Column("email", "text", "e-mail address (personal data: masked in presenter mode)"),
    Column("name", "text", "person's full name (personal data: masked in presenter mode)"),
    _derived("channel", "text", "canonical channel, derived from channel_raw (channel map)"),
    Column("channel_raw", "text", "lead source / original source as exported"),
    Column("campaign", "text", "campaign"),
    Column("segment", "text", "segment (SMB, Mid-Market, Enterprise, ...)"),
    Column("region", "text", "sales region"),
    Column("country", "text", "country"),
    Column("industry", "text", "industry"),
    Column("employees", "integer", "company size in employees"),
    Column("company", "text", "company / account name"),
    Column("owner", "text", "lead owner (sales rep)"),
    Column("team", "text", "owner's team"),
    Column("score", "number", "lead score"),
    Column("high_intent", "boolean", "high-intent lead (tighter response SLA)"),
    Column("status_raw", "text", "lead status / lifecycle stage as exported"),
    Column("mql_at", "timestamp", "became a marketing qualified lead"),
    Column("sal_at", "timestamp", "accepted by sales"),
    Column("sql_at", "timestamp", "became a sales qualified lead"),
    Column("opp_at", "timestamp", "became an opportunity"),
    Column("won_at", "timestamp", "became a customer (won)"),
    Column("lost_at", "timestamp", "lost"),
    Column("rejected_at", "timestamp", "rejected / disqualified by sales"),
    _derived("rejection_reason", "text", "standard rejection reason (reason map)"),
    Column("rejection_reason_raw", "text", "rejection / disqualification reason as exported"),
    Column("opp_id", "text", "the opportunity this lead converted to (source id)"),
    Column(
        "is_converted",
        "boolean",
        "converted to an opportunity (Salesforce IsConverted), for exports with a flag but no "
        "stage dates",
    ),
    Column("is_won", "boolean", "became a customer, for exports with a flag but no dates"),
    Column(
        "first_engagement_at",
        "timestamp",
        "first sales touch after the hand-over (HubSpot Date of first engagement), for "
        "measuring the response SLA without activities",
    ),
    Column(
        "times_contacted",
        "integer",
        "sales touches so far (HubSpot Number of times contacted), for the attempts SLA "
        "without activities",
    ),
    Column("assigned_at", "timestamp", "when the current owner was assigned (HubSpot)"),
    _derived("import_id", "integer", "the import that last wrote this row"),
)

SLA_LEAD_FIELDS: tuple[str, ...] = ("first_engagement_at", "times_contacted", "assigned_at")
"""Lead columns for measuring the SLA when no activities are imported (contact exports carry
them), added to `leads` and its undo shadow by migration 7."""

OPPORTUNITIES: tuple[Column, ...] = (
    _derived("opp_id", "key", "source_system:external_id"),
    _derived("source_system", "text", "system the record came from"),
    Column("external_id", "text", "the source's own opportunity / deal id"),
    Column("lead_id", "text", "the lead / contact this opportunity came from (source id)"),
    Column("account", "text", "account / company"),
    Column("name", "text", "opportunity / deal name"),
    Column("owner", "text", "opportunity owner"),
    Column("team", "text", "owner's team"),
    Column("region", "text", "sales region"),
    Column("segment", "text", "segment"),
    _derived("channel", "text", "canonical channel, derived from channel_raw (channel map)"),
    Column("channel_raw", "text", "lead source / original traffic source as exported"),
    Column("product", "text", "product"),
    Column("type", "text", "deal type (new business, renewal, ...)"),
    Column("created_at", "timestamp", "when the opportunity was created"),
    Column("closed_at", "timestamp", "close date (empty for open deals)"),
    _derived("stage", "text", "canonical stage (open / won / lost), derived from stage_raw"),
    Column("stage_raw", "text", "stage as exported"),
    Column("is_closed", "boolean", "closed (won or lost)"),
    Column("is_won", "boolean", "closed won"),
    Column("amount", "number", "amount"),
    Column("currency", "text", "currency code"),
    _derived("lost_reason", "text", "standard closed-lost reason (reason map)"),
    Column("lost_reason_raw", "text", "closed-lost reason as exported"),
    _derived("import_id", "integer", "the import that last wrote this row"),
)

ACTIVITIES: tuple[Column, ...] = (
    _derived("activity_id", "key", "source_system:external_id"),
    _derived("source_system", "text", "system the record came from"),
    Column("external_id", "text", "the source's own activity id"),
    Column("lead_id", "text", "the lead / prospect touched (source id)"),
    Column("opp_id", "text", "the opportunity (source id)"),
    Column("owner", "text", "sales user who made the touch"),
    Column("activity_type", "text", "call, email, meeting, linkedin, task"),
    Column("direction", "text", "outbound / inbound"),
    Column("occurred_at", "timestamp", "when the touch happened"),
    Column("outcome", "text", "call result / disposition"),
    _derived("import_id", "integer", "the import that last wrote this row"),
)

TOUCHPOINTS: tuple[Column, ...] = (
    _derived("touchpoint_id", "key", "source_system:external_id"),
    _derived("source_system", "text", "system the record came from"),
    Column("external_id", "text", "the source's own touchpoint id"),
    Column("lead_id", "text", "the lead touched (source id)"),
    Column("opp_id", "text", "the opportunity (source id)"),
    Column("touched_at", "timestamp", "when the touch happened"),
    Column("channel", "text", "marketing channel"),
    Column("campaign", "text", "campaign"),
    Column("content_asset", "text", "content asset"),
    Column("medium", "text", "medium"),
    Column("is_first_touch", "boolean", "first touch"),
    Column("is_lead_creation_touch", "boolean", "lead creation touch"),
    Column("is_opp_creation_touch", "boolean", "opportunity creation touch"),
    _derived("import_id", "integer", "the import that last wrote this row"),
)

SPEND: tuple[Column, ...] = (
    Column("month", "date", "first day of the month"),
    Column("channel", "text", "channel"),
    Column("campaign", "text", "campaign"),
    Column("amount", "number", "spend"),
    Column("currency", "text", "currency code"),
    _derived("import_id", "integer", "the import that wrote this row"),
)

TARGETS: tuple[Column, ...] = (
    Column("month", "date", "first day of the month"),
    Column("metric", "text", "metric name from the registry (e.g. mqls)"),
    Column("value", "number", "target value"),
    _derived("import_id", "integer", "the import that wrote this row"),
)

FACT_TABLES: dict[str, tuple[Column, ...]] = {
    "leads": LEADS,
    "opportunities": OPPORTUNITIES,
    "activities": ACTIVITIES,
    "touchpoints": TOUCHPOINTS,
    "spend": SPEND,
    "targets": TARGETS,
}
"""Tables an import can write, keyed by object type."""

PRIMARY_KEY: dict[str, str | None] = {
    "leads": "lead_id",
    "opportunities": "opp_id",
    "activities": "activity_id",
    "touchpoints": "touchpoint_id",
    "spend": None,
    "targets": None,
}
"""Key column of each fact table; None where rows are keyed by their natural columns."""

NATURAL_KEY: dict[str, tuple[str, ...]] = {
    "spend": ("month", "channel", "campaign"),
    "targets": ("month", "metric"),
}
"""Columns identifying a row of tables without a source id (re-import updates in place)."""

ADDED_COLUMNS: dict[str, tuple[Column, ...]] = {
    "activities": (
        Column("email", "text", "e-mail of the person touched (links the touch to a lead)"),
    ),
    "touchpoints": (
        Column("email", "text", "e-mail of the person touched (links the touch to a lead)"),
    ),
}
"""Columns later migrations append to fact tables (and their undo shadows), in this order
(store.py migration 3). Kept apart from the tuples above, which also describe the demo frames."""

LINKED_TABLES: tuple[str, ...] = ("activities", "touchpoints")
"""Tables whose rows store `linked_lead_id`, the lead each belongs to: by canonical lead id,
else by e-mail (compared without case and surrounding spaces) to the earliest-created lead with
that address; NULL when nothing matches. Added by migration 7 (which fills it) and kept in step
by `model.facts` after every write. Never imported and not in the undo shadows: a restored row
gets it recomputed."""

LINKED_LEAD_COLUMN = _derived(
    "linked_lead_id", "key", "the lead this record belongs to (by lead id, else by e-mail)"
)

OWNERS: tuple[Column, ...] = (
    Column("owner", "text", "sales rep / owner name, as on leads and opportunities"),
    Column("team", "text", "the rep's team"),
    Column("manager", "text", "the rep's manager"),
    Column("region", "text", "the rep's region / regional office"),
    _derived("import_id", "integer", "the import that last wrote this row"),
)

ACCOUNTS: tuple[Column, ...] = (
    Column("account", "text", "account / company name, as on leads and opportunities"),
    Column("domain", "text", "website or e-mail domain (example.com)"),
    Column("industry", "text", "industry / sector"),
    Column("employees", "integer", "number of employees"),
    Column("revenue", "number", "annual revenue"),
    Column("country", "text", "country (headquarters)"),
    Column("region", "text", "sales region"),
    Column("segment", "text", "segment (SMB, Mid-Market, Enterprise, ...)"),
    _derived("import_id", "integer", "the import that last wrote this row"),
)

LOOKUP_TABLES: dict[str, tuple[Column, ...]] = {"owners": OWNERS, "accounts": ACCOUNTS}
"""Lookup tables an import can write (DESIGN section 3): they fill team / region by owner and
firmographics by account name or domain in the model views; keyed by their first column."""

HISTORY_COLUMNS: tuple[Column, ...] = (
    Column("external_id", "text", "the lead's / opportunity's own id"),
    Column("field", "text", "field / event that changed (Lead Status, Stage, Created)"),
    Column("old_value", "text", "value before the change"),
    Column("new_value", "text", "value after the change"),
    Column("edited_at", "timestamp", "when the change was made (Edit Date)"),
)

HISTORY_OBJECTS: dict[str, str] = {"lead_history": "leads", "opportunity_history": "opportunities"}
"""History exports (one row per field change) and the table their pivot updates: they have no
table of their own, the import turns them into stage timestamps (`ingest/history.py`)."""

EVENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "lead_id",
        "text",
        "the person (user id, e-mail, lead / visitor id): the lead of its touches and conversions",
    ),
    Column("occurred_at", "timestamp", "when the event happened"),
    Column("event", "text", "event name / type (page_view, form_submit, purchase, ...)"),
    Column("channel", "text", "marketing channel or source (utm_source)"),
    Column("medium", "text", "medium (utm_medium)"),
    Column("campaign", "text", "campaign (utm_campaign)"),
    Column("content_asset", "text", "content / ad content (utm_content)"),
    Column(
        "value",
        "number",
        "conversion value: a row with a positive value is a conversion, the others are touches",
    ),
    Column("currency", "text", "currency code of the value"),
    Column("external_id", "text", "the event's own id (leave empty when the file has none)"),
)
"""An event log (one row per event: touches, and conversions carrying a value), read by the
import and split into touchpoints and won opportunities (`ingest/events.py`)."""

EVENT_OBJECTS: dict[str, tuple[str, ...]] = {"events": ("touchpoints", "opportunities")}
"""Event logs and the tables their rows are split into: they have no table of their own."""

IMPORT_OBJECTS: dict[str, tuple[Column, ...]] = {
    **{name: cols + ADDED_COLUMNS.get(name, ()) for name, cols in FACT_TABLES.items()},
    **LOOKUP_TABLES,
    **dict.fromkeys(HISTORY_OBJECTS, HISTORY_COLUMNS),
    **dict.fromkeys(EVENT_OBJECTS, EVENT_COLUMNS),
}
"""Every kind of file an import can read, with all its columns (fact tables with added ones)."""

PRIMARY_KEY.update(dict.fromkeys([*LOOKUP_TABLES, *HISTORY_OBJECTS, *EVENT_OBJECTS]))
NATURAL_KEY.update({"owners": ("owner",), "accounts": ("account",)})

OBJECT_TYPES: tuple[str, ...] = tuple(IMPORT_OBJECTS)

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "leads": ("external_id",),
    "opportunities": ("external_id",),
    "activities": ("external_id", "occurred_at"),
    "touchpoints": ("external_id", "touched_at"),
    "spend": ("month", "channel", "amount"),
    "targets": ("month", "metric", "value"),
    "owners": ("owner",),
    "accounts": ("account",),
    "lead_history": ("external_id", "field", "edited_at"),
    "opportunity_history": ("external_id", "field", "edited_at"),
    "events": ("lead_id", "occurred_at", "value"),
}
"""Canonical fields a mapping must fill for each object type."""

EMPTY_ALLOWED: dict[str, tuple[str, ...]] = {"events": ("value",)}
"""Required fields a row may leave empty: an event log needs a value column, but only its
conversions fill it (a row without a value is a touch)."""

ROW_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "leads": ("email", "name", "company", "created_at"),
    "opportunities": ("name", "account", "created_at", "lead_id"),
    "activities": ("occurred_at", "owner", "lead_id", "email", "activity_type", "direction"),
    "touchpoints": (
        "touched_at",
        "lead_id",
        "email",
        "channel",
        "campaign",
        "content_asset",
        "medium",
    ),
}
"""Fields that identify a record of a file without an id column (an e-mail alone for leads when
there is one): the import makes each row's key from those the file has, so a newer export
updates the record instead of adding it again (`ingest/load.py`)."""

# Lookups, settings and bookkeeping tables: (name, DDL column list).
OTHER_TABLES: dict[str, str] = {
    "imports": """
        import_id BIGINT PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR,
        source_system VARCHAR,
        object_type VARCHAR,
        mapping VARCHAR,
        options VARCHAR,
        rows_read BIGINT DEFAULT 0,
        rows_loaded BIGINT DEFAULT 0,
        rows_rejected BIGINT DEFAULT 0,
        rows_inserted BIGINT DEFAULT 0,
        rows_updated BIGINT DEFAULT 0,
        warnings VARCHAR,
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        status VARCHAR,
        is_demo BOOLEAN DEFAULT FALSE
    """,
    "import_rejects": """
        import_id BIGINT NOT NULL,
        row_number BIGINT,
        "column" VARCHAR,
        value VARCHAR,
        reason VARCHAR
    """,
    "owners": """
        owner VARCHAR PRIMARY KEY,
        team VARCHAR,
        manager VARCHAR,
        region VARCHAR,
        import_id BIGINT
    """,
    "accounts": """
        account VARCHAR PRIMARY KEY,
        domain VARCHAR,
        industry VARCHAR,
        employees BIGINT,
        revenue DOUBLE,
        country VARCHAR,
        region VARCHAR,
        segment VARCHAR,
        import_id BIGINT
    """,
    "channel_map": """
        channel_raw VARCHAR PRIMARY KEY,
        channel VARCHAR NOT NULL,
        marketing_sourced BOOLEAN NOT NULL DEFAULT TRUE
    """,
    "stage_map": """
        source_system VARCHAR NOT NULL,
        stage_raw VARCHAR NOT NULL,
        stage VARCHAR NOT NULL,
        is_closed BOOLEAN NOT NULL,
        is_won BOOLEAN NOT NULL,
        PRIMARY KEY (source_system, stage_raw)
    """,
    "reason_map": """
        reason_raw VARCHAR PRIMARY KEY,
        reason VARCHAR NOT NULL
    """,
    "saved_mappings": """
        signature VARCHAR PRIMARY KEY,
        object_type VARCHAR NOT NULL,
        source_system VARCHAR NOT NULL,
        mapping VARCHAR NOT NULL,
        saved_at TIMESTAMPTZ
    """,
    "settings": """
        key VARCHAR PRIMARY KEY,
        value VARCHAR
    """,
}

STORED_LEAD_FACTS: dict[str, ColumnKind] = {
    "fact_channel": "text",
    "fact_marketing_sourced": "boolean",
    "fact_rejection_reason": "text",
    "fact_rejection_documented": "boolean",
    "fact_owner_team": "text",
    "fact_owner_region": "text",
    "fact_account_segment": "text",
    "fact_account_region": "text",
    "fact_account_country": "text",
    "fact_account_industry": "text",
    "fact_account_employees": "integer",
    "fact_email_key": "text",
}
"""What `models` computes for each lead from the maps and the owner / account lookups (the joins
behind `lead_facts`), stored on the lead row itself (migration 4) so an import writes each lead
once. Never mapped or imported; `fact_channel` is NULL until the row's facts are computed.
Lookup values are stored apart from the lead's own (empty when there is no lookup: nearly free
to store); `lead_facts` combines them. `fact_email_key` is the address as addresses are compared
(lower case, trimmed; added by migration 7): duplicates and links group by it."""

REPLACED_SUFFIX = "_replaced"
"""Suffix of the shadow table that keeps a fact row's previous values when an import updates it,
so deleting that import can restore them (`<table>_replaced`, plus `replaced_by_import`)."""


def columns(object_type: str) -> tuple[Column, ...]:
    """Columns of a fact table, in table order."""
    return FACT_TABLES[object_type]


def column_names(object_type: str) -> list[str]:
    """Names of a fact table's columns, in table order."""
    return [c.name for c in FACT_TABLES[object_type]]


def table_columns(object_type: str) -> tuple[Column, ...]:
    """Every column of what an import writes for this object type (fact tables with the
    columns later migrations added, lookups, history fields), in table order."""
    return IMPORT_OBJECTS[object_type]


def mappable_fields(object_type: str) -> tuple[Column, ...]:
    """Canonical fields a source column may be mapped to for this object type."""
    return tuple(c for c in IMPORT_OBJECTS[object_type] if c.mappable)


def column(object_type: str, name: str) -> Column:
    """One column of an importable object type by name; KeyError if there is none."""
    for c in IMPORT_OBJECTS[object_type]:
        if c.name == name:
            return c
    raise KeyError(f"{object_type} has no column {name!r}")


def written_tables(object_type: str) -> tuple[str, ...]:
    """The tables an import of this object type writes: its own, the one a history export's
    pivot updates, or those an event log is split into."""
    if object_type in EVENT_OBJECTS:
        return EVENT_OBJECTS[object_type]
    return (HISTORY_OBJECTS.get(object_type, object_type),)
