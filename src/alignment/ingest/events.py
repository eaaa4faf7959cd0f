"""Event logs: one file, one row per event (a person's page view, ad click, form fill, purchase),
split on import into touchpoints and won opportunities, so attribution credits each conversion
to the same person's earlier touches.

A row is a **conversion** when its value is a positive number. When some valued rows are
conversion events by name (`purchase`, `conversion`, `closed_won`, `signup`, ...:
`CONVERSION_EVENTS`), only rows with such a name convert, and other valued events (GA4's
`add_to_cart` and `begin_checkout` carry a value too) are touches. Every other row is a
**touch**, including a conversion event without a value (`signup` with no value): with no
amount there is nothing to credit, and the row still says the person came through a channel.
The import says how many rows each rule applied to.

Each conversion becomes one opportunity (created and closed at the event, won, stage `Won`,
amount = value, channel = the row's channel, lead = the person); each touch one touchpoint
(lead = the person). Keys are the file's event ids when it has them, else made from the row:
person and time for a conversion, person, time and event name for a touch (rows that share them
are told apart by their order in the file), so re-importing the file changes nothing and a
corrected value updates its opportunity in place. Both sides are written by one import (one
`import_id`): deleting it removes both. The writing is `load.py`'s; this module builds the two
sides from the import's cast rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alignment.db import store
from alignment.db.store import Connection, quote_identifier, quote_literal

ROWS = "__alignment_event_rows"
TOUCHES = "__alignment_event_touches"
CONVERSIONS = "__alignment_event_conversions"
TEMP_TABLES = (ROWS, TOUCHES, CONVERSIONS)

CONVERSION_EVENTS: tuple[str, ...] = (
    "purchase",
    "purchased",
    "conversion",
    "converted",
    "order",
    "ordercompleted",
    "orderplaced",
    "checkoutcompleted",
    "transaction",
    "closedwon",
    "dealwon",
    "won",
    "signup",
    "signedup",
    "subscribe",
    "subscribed",
    "subscriptionstarted",
)
"""Event names that are conversions, as compared: lower case, letters and digits only
(`Order Completed`, `order_completed` -> `ordercompleted`), like header names."""

WON_STAGE = "Won"
"""Stage of the opportunity a conversion becomes."""

CONVERSION_NAME = "Conversion"
"""Name of that opportunity when the file has no event column."""

TOUCH_FIELDS: dict[str, str] = {
    "lead_id": "lead_id",
    "occurred_at": "touched_at",
    "channel": "channel",
    "campaign": "campaign",
    "content_asset": "content_asset",
    "medium": "medium",
}
"""Event field -> touchpoint field, for the fields a touch keeps."""


@dataclass
class Split:
    """An event log's valid rows split into the temp tables TOUCHES and CONVERSIONS, each shaped
    for `load._upsert` (key, source_system, then `touch_fields` / `conversion_fields`);
    `repeated`: rows dropped because a later row has the same event id."""

    touch_fields: list[str]
    conversion_fields: list[str]
    touches: int
    conversions: int
    repeated: int
    warnings: list[str] = field(default_factory=list)


def _event_key(ref: str) -> str:
    """SQL: an event name as compared with CONVERSION_EVENTS."""
    return f"regexp_replace(lower({ref}), '[^a-z0-9]', '', 'g')"


def _names(con: Connection, where: str, limit: int = 3) -> str:
    """The most frequent event names of ROWS meeting `where`, quoted (`'add_to_cart', ...`)."""
    rows = con.execute(
        f"SELECT event FROM {ROWS} WHERE {where} AND event IS NOT NULL "
        f"GROUP BY event ORDER BY count(*) DESC, event LIMIT {int(limit) + 1}"
    ).fetchall()
    names = ", ".join(repr(r[0]) for r in rows[:limit])
    return names + (", ..." if len(rows) > limit else "")


def split(con: Connection, valid_rows: str, mapping: dict[str, str], source_system: str) -> Split:
    """Split the usable rows of an event log (`valid_rows`: a SELECT over the import's cast
    rows, with `file_order`: its order in the file) into TOUCHES (one row per touch) and
    CONVERSIONS (one row per conversion), keyed as the module says. A repeated event id keeps
    its last row."""
    has = set(mapping)

    def column(name: str, kind: str = "VARCHAR") -> str:
        return quote_identifier(name) if name in has else f"CAST(NULL AS {kind})"

    names = ", ".join(quote_literal(n) for n in CONVERSION_EVENTS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {ROWS} AS
SELECT file_order, lead_id, occurred_at, value, {column("event")} AS event,
  {column("channel")} AS channel, {column("campaign")} AS campaign,
  {column("content_asset")} AS content_asset, {column("medium")} AS medium,
  {column("currency")} AS currency, {column("external_id")} AS event_id,
  coalesce(value > 0, FALSE) AS valued,
  coalesce({_event_key("event")} IN ({names}), FALSE) AS conversion_name
FROM ({valid_rows})"""
    )
    # when the file names its conversions, only those convert (other events can carry a value)
    by_name = bool(
        store.scalar(con, f"SELECT count(*) FROM {ROWS} WHERE valued AND conversion_name")
    )
    converts = "valued AND conversion_name" if by_name else "valued"
    warnings: list[str] = []
    if by_name:
        other = int(
            store.scalar(con, f"SELECT count(*) FROM {ROWS} WHERE valued AND NOT conversion_name")
        )
        if other:
            warnings.append(
                f"{other:,} row(s) with a value are not conversion events "
                f"({_names(con, 'valued AND NOT conversion_name')}; the file's conversions are "
                f"{_names(con, 'valued AND conversion_name')}), so they were read as touches."
            )
    valueless = int(
        store.scalar(con, f"SELECT count(*) FROM {ROWS} WHERE conversion_name AND NOT valued")
    )
    if valueless:
        named = _names(con, "conversion_name AND NOT valued")
        warnings.append(
            f"{valueless:,} conversion event row(s) ({named}) "
            "have no positive value, so they were read as touches: a conversion is a row with a "
            "value (its amount)."
        )
    touch_key = "lead_id, epoch_us(occurred_at), coalesce(event, '')"
    conversion_key = "lead_id, epoch_us(occurred_at)"
    source = quote_literal(source_system)

    def keyed(prefix: str, identity: str, condition: str) -> str:
        """SELECT of the rows meeting `condition` with `external_id`: the event id, else
        `<prefix>-<hash of identity>` (`-2`, `-3` for later rows sharing it)."""
        made = (
            f"'{prefix}-' || left(md5(concat_ws(chr(31), {identity})), 16) || CASE WHEN "
            f"row_number() OVER (PARTITION BY {identity} ORDER BY file_order) > 1 THEN '-' || "
            f"row_number() OVER (PARTITION BY {identity} ORDER BY file_order) ELSE '' END"
        )
        return f"SELECT *, coalesce(event_id, {made}) AS external_id FROM {ROWS} WHERE {condition}"

    def last_per_key(select: str) -> str:
        return (
            f"FROM ({select}) QUALIFY row_number() OVER (PARTITION BY external_id "
            "ORDER BY file_order DESC) = 1"
        )

    touch_fields = ["external_id"] + [
        target for name, target in TOUCH_FIELDS.items() if name in has
    ]
    touch_columns = ", ".join(
        f"{name} AS {quote_identifier(target)}"
        for name, target in TOUCH_FIELDS.items()
        if name in has
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {TOUCHES} AS SELECT {source} || ':' || external_id AS "
        f"touchpoint_id, {source} AS source_system, external_id, {touch_columns} "
        f"{last_per_key(keyed('touch', touch_key, f'NOT ({converts})'))}"
    )
    name = "coalesce(event, " + quote_literal(CONVERSION_NAME) + ")"
    conversion_columns = {
        "external_id": "external_id",
        "lead_id": "lead_id",
        "name": name,
        "channel_raw": "channel",
        "created_at": "occurred_at",
        "closed_at": "occurred_at",
        "stage_raw": quote_literal(WON_STAGE),
        "is_closed": "TRUE",
        "is_won": "TRUE",
        "amount": "value",
    }
    if "currency" in has:
        conversion_columns["currency"] = "currency"
    if "channel" not in has:
        del conversion_columns["channel_raw"]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CONVERSIONS} AS SELECT {source} || ':' || external_id AS "
        f"opp_id, {source} AS source_system, "
        + ", ".join(f"{sql} AS {quote_identifier(f)}" for f, sql in conversion_columns.items())
        + f" {last_per_key(keyed('conv', conversion_key, converts))}"
    )
    rows = int(store.scalar(con, f"SELECT count(*) FROM {ROWS}"))
    touches = int(store.scalar(con, f"SELECT count(*) FROM {TOUCHES}"))
    conversions = int(store.scalar(con, f"SELECT count(*) FROM {CONVERSIONS}"))
    repeated = rows - touches - conversions
    if not conversions:
        warnings.append(
            "No row has a positive value, so the file has no conversions: only its touches "
            "were loaded (as touchpoints)."
        )
    return Split(
        touch_fields=touch_fields,
        conversion_fields=list(conversion_columns),
        touches=touches,
        conversions=conversions,
        repeated=repeated,
        warnings=warnings,
    )


def drop_temp_tables(con: Connection) -> None:
    """Drop this module's temp tables (after an import, whether it succeeded or not)."""
    for name in TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {name}")
