"""Loading one export into the canonical tables, and undoing an import.

The pipeline (DESIGN sections 3, 4 and 7): sniff the file; read every cell as text with DuckDB
(transcoding Windows-1252 / UTF-16 to UTF-8 first); drop report footers and blank rows; read the
formats of each column from the data (date format and day / month order, decimal comma); cast
in DuckDB; record unusable rows in `import_rejects` with row, column, value and reason; upsert by
`(source_system, external_id)` updating only the mapped columns of rows whose values changed,
keeping their previous values in `<table>_replaced` so the import can be undone. Everything that
writes happens in one transaction: an import succeeds whole or leaves the database unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import available_timezones

import duckdb
import polars as pl

from alignment.db import schema, store
from alignment.db.store import Connection, query, quote_identifier, quote_literal, transaction
from alignment.ingest import events, history, linking, reading, values
from alignment.ingest.errors import AmbiguousDateOrderError, IngestError
from alignment.ingest.mapping import (
    normalise_mapping,
    propose_mapping,
    save_mapping,
    saved_mapping,
    validate_mapping,
)
from alignment.ingest.presets import Preset
from alignment.ingest.presets import preset as preset_named
from alignment.ingest.sniff import (
    SniffedTable,
    Source,
    footer_length,
    read_xlsx,
    sniff,
)
from alignment.model import facts

ProgressCallback = Callable[[float, str], None]

SAMPLE = "__alignment_sample"
SAMPLE_ROWS = 20_000
CAST = "__alignment_cast"
READY = "__alignment_ready"
CHANGED = "__alignment_changed"
XLSX_VIEW = "__alignment_xlsx"
ROWS = "__alignment_rows"
TEMP_TABLES = (SAMPLE, CAST, READY, CHANGED, ROWS)

REFERENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "leads": ("opp_id",),
    "opportunities": ("lead_id",),
    "activities": ("lead_id", "opp_id"),
    "touchpoints": ("lead_id", "opp_id"),
    "spend": (),
    "targets": (),
    "owners": (),
    "accounts": (),
    "lead_history": (),
    "opportunity_history": (),
    "events": ("lead_id",),
}
"""Fields holding another record's source id: stored as canonical keys (`source:id`). A cell
listing several ids (HubSpot `Associated Deal IDs`: `101;102`) links to the first."""

UNDOABLE_TABLES: tuple[str, ...] = (*schema.FACT_TABLES, *schema.LOOKUP_TABLES)
"""Tables an import writes (with a `<table>_replaced` shadow), so deleting it can undo it."""

DATE_ORDERS = ("auto", "dmy", "mdy", "ymd")


@dataclass
class ImportResult:
    """What one import did (one per file)."""

    import_id: int | None
    file_name: str
    source_system: str
    object_type: str
    status: str  # loaded / unchanged
    preset: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    split: dict[str, int] = field(default_factory=dict)
    """An event log's rows loaded per table it was split into (touchpoints, opportunities)."""

    def to_json(self) -> dict[str, Any]:
        """Plain data for `alignment import --json`."""
        return asdict(self)


def _noop(fraction: float, text: str) -> None:
    return None


def file_sha256(source: Source) -> str:
    """Content hash of the export (re-importing the same file is recognised by it)."""
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        digest.update(source)
    else:
        with open(source, "rb") as handle:
            while chunk := handle.read(8 * 1024 * 1024):
                digest.update(chunk)
    return digest.hexdigest()


# ---- reading the file as text -------------------------------------------------------------
def _xlsx_relation(con: Connection, source: Source, sniffed: SniffedTable) -> str:
    """SQL relation yielding a workbook's data rows as text, one column per header column."""
    _, frame = read_xlsx(source, sniffed.file_name)
    body = frame.slice(sniffed.header_row + 1)
    width = len(sniffed.columns)
    if body.width < width:
        body = body.with_columns(
            pl.lit(None, pl.String).alias(f"__pad_{i}") for i in range(width - body.width)
        )
    body = body.select(body.columns[:width])
    body.columns = sniffed.columns
    con.register(XLSX_VIEW, body.to_arrow())
    return quote_identifier(XLSX_VIEW)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def _cleaned_columns(sniffed: SniffedTable, mapping: dict[str, str]) -> str:
    """SELECT list: `__blank`, `__first`, `__extra` (a CSV row's values beyond the header's
    columns, NULL when there are none) and one cleaned text column per mapped field."""
    every = ", ".join(quote_identifier(c) for c in sniffed.columns)
    clean = values.clean_text_fast if sniffed.kind == "csv" else values.clean_text
    mapped = ", ".join(
        f"{clean(quote_identifier(column))} AS {quote_identifier(field_name)}"
        for field_name, column in mapping.items()
    )
    first = quote_identifier(sniffed.columns[0])
    rest = ", ".join(quote_identifier(c) for c in sniffed.columns[1:]) or "NULL"
    if sniffed.kind == "csv":
        spares = ", ".join(quote_identifier(c) for c in reading.spare_columns())
        extra = (
            f"CASE WHEN coalesce({spares}) IS NOT NULL "
            f"THEN concat_ws({quote_literal(sniffed.delimiter or ',')}, {spares}) END"
        )
    else:
        extra = "CAST(NULL AS VARCHAR)"
    return (
        f"coalesce({every}) IS NULL AS __blank, {first} AS __first, "
        f"coalesce({rest}) IS NULL AS __rest_blank, {extra} AS __extra, {mapped}"
    )


def _read_sample(
    con: Connection, relation: str, sniffed: SniffedTable, mapping: dict[str, str]
) -> None:
    """Temp table SAMPLE: the first rows of the file, cleaned, to read formats from."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SAMPLE} AS SELECT {_cleaned_columns(sniffed, mapping)} "
        f"FROM {relation} LIMIT {SAMPLE_ROWS}"
    )


def _row_number(sniffed: SniffedTable, first_rowid: int, rows_table: str | None = None) -> str:
    """SQL: the spreadsheet row number of a CAST row (1-based; the header is on its own row).
    Row ids of a table created inside a transaction do not start at 0, hence `first_rowid`.
    With `rows_table` (one row per record: ordinal, row_number), the rows come from there: the
    file has values over several lines or blank lines, so records and lines differ."""
    ordinal = f"({CAST}.rowid - {int(first_rowid)})"
    if rows_table:
        return f"(SELECT r.row_number FROM {rows_table} r WHERE r.ordinal = {ordinal})"
    return f"({ordinal} + {int(sniffed.header_row) + 2})"


def _drop_footer_and_blank_rows(con: Connection) -> int:
    """Delete the report footer (`sniff.footer_length`: totals, copyright, 'Generated By' and
    what follows them) and blank rows from CAST; returns the number of non-blank footer rows
    removed. A short data row (an id and nothing else) is data, not a footer."""
    tail = con.execute(
        f"SELECT rowid, __blank, __first, __rest_blank FROM {CAST} ORDER BY rowid DESC LIMIT 40"
    ).fetchall()
    rows = [(bool(blank), first, bool(rest)) for _, blank, first, rest in reversed(tail)]
    footer = footer_length(rows)
    footer_rows = sum(1 for row in tail[:footer] if not row[1])
    if footer:
        con.execute(f"DELETE FROM {CAST} WHERE rowid >= ?", [tail[footer - 1][0]])
    con.execute(f"DELETE FROM {CAST} WHERE __blank")
    return footer_rows


# ---- formats and casts --------------------------------------------------------------------
@dataclass
class _Plan:
    """How each mapped field is cast, and what the user should be told about it."""

    expressions: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    evidence: dict[str, values.DateEvidence] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)
    undecided: list[str] = field(default_factory=list)
    reason_sql: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    number_styles: dict[str, values.NumberStyle] = field(default_factory=dict)
    number_decided: set[str] = field(default_factory=set)
    years: tuple[int, int] = field(default_factory=values.sane_years)

    def raw(self, field_name: str) -> str:
        """CAST column holding the field's text as read: `__raw_<field>` for cast fields, the
        field itself for text fields (stored once)."""
        return "__raw_" + field_name if field_name in self.reasons else field_name

    def set_number(self, field_name: str, kind: str, style: values.NumberStyle) -> str:
        """Cast a number / integer field in `style` (over the cleaned text, and the reason of its
        rejects); returns the same cast over the field's raw column of CAST, for a re-cast."""
        self.number_styles[field_name] = style
        raw = quote_identifier("__raw_" + field_name)
        reason_kind: Literal["number", "integer"] = "integer" if kind == "integer" else "number"
        self.reasons[field_name] = (
            f"not a whole number written like {style.whole_example}"
            if kind == "integer"
            else f"not a number written like {style.example}"
        )
        self.reason_sql[field_name] = values.number_reason_sql(raw, style, reason_kind)
        cast = values.integer_sql if kind == "integer" else values.number_sql
        self.expressions[field_name] = cast(quote_identifier(field_name), style)
        return cast(raw, style)

    def set_temporal(
        self, field_name: str, kind: str, fmt: values.TimestampFormat, timezone: str
    ) -> str:
        """Cast a timestamp / date field in `fmt` (over the cleaned text, and the reason of its
        rejects); returns the same cast over the field's raw column of CAST, for a re-cast."""
        self.reasons[field_name] = f"not a date written as {fmt.label}"
        raw = quote_identifier("__raw_" + field_name)
        temporal: Literal["timestamp", "date"] = "date" if kind == "date" else "timestamp"
        self.reason_sql[field_name] = values.date_reason_sql(
            raw, fmt, self.years, self.reasons[field_name], temporal
        )
        self.expressions[field_name] = _temporal_sql(
            quote_identifier(field_name), kind, fmt, timezone, self.years
        )
        return _temporal_sql(raw, kind, fmt, timezone, self.years)


def _temporal_sql(
    ref: str,
    kind: str,
    fmt: values.TimestampFormat,
    timezone: str,
    years: tuple[int, int] | None = None,
) -> str:
    """SQL: the DATE (month grain) or TIMESTAMPTZ of a field's text, NULL outside `years`."""
    if kind == "date":
        return values.date_sql(ref, fmt, years)
    return values.timestamp_sql(ref, fmt, timezone, years)


def _id_sql(ref: str, id_system: str) -> str:
    """SQL: the first id of a cell (ids listed as `101;102` link to the first), with Salesforce
    18-character ids cut to their 15-character form (reports show 15, Data Loader 18)."""
    first = f"nullif(trim(split_part({ref}, ';', 1)), '')"
    if id_system != "salesforce":
        return first
    return (
        f"CASE WHEN regexp_matches({first}, '^[A-Za-z0-9]{{18}}$') THEN left({first}, 15) "
        f"ELSE {first} END"
    )


def _text_sql(ref: str, field_name: str, preset: Preset | None) -> str:
    """SQL for a text field: the preset's value map applied (other values unchanged), e-mails
    lower case, web sites reduced to their domain."""
    if field_name == "email":
        return f"lower({ref})"
    if field_name == "domain":
        host = f"regexp_replace(lower({ref}), '^.*@', '')"
        host = f"regexp_replace({host}, '^([a-z]+://)?(www[.])?', '')"
        return f"nullif(regexp_replace({host}, '[/:?#].*$', ''), '')"
    value_map = preset.value_maps.get(field_name) if preset else None
    if not value_map:
        return ref
    cases = " ".join(
        f"WHEN {quote_literal(raw.lower())} THEN {quote_literal(value)}"
        for raw, value in value_map.items()
    )
    return f"coalesce(CASE lower(trim({ref})) {cases} END, {ref})"


def _plan_casts(
    con: Connection,
    object_type: str,
    mapping: dict[str, str],
    source_system: str,
    timezone: str,
    date_order: str,
    file_name: str,
    preset: Preset | None = None,
) -> _Plan:
    """Cast expressions per field (over the cleaned text columns), formats read from SAMPLE."""
    plan = _Plan(columns=dict(mapping))
    reference_system = (preset.reference_system if preset else None) or source_system
    dated = [f for f in mapping if schema.column(object_type, f).kind in ("timestamp", "date")]
    if dated:
        plan.evidence.update(values.date_evidence_of(con, SAMPLE, dated, plan.years))
    _decide_orders(plan, date_order)
    numeric = [f for f in mapping if schema.column(object_type, f).kind in ("number", "integer")]
    number_evidence = values.number_evidence_of(con, SAMPLE, {f: f for f in numeric})
    for field_name, column in mapping.items():
        kind = schema.column(object_type, field_name).kind
        ref = quote_identifier(field_name)
        if field_name in REFERENCE_FIELDS[object_type]:
            first_id = _id_sql(ref, reference_system)
            plan.expressions[field_name] = (
                f"CASE WHEN {first_id} IS NOT NULL THEN "
                f"{quote_literal(reference_system)} || ':' || {first_id} END"
            )
            plan.reasons[field_name] = "not an id"
        elif field_name == "external_id":  # a record's own id (facts, history)
            plan.expressions[field_name] = _id_sql(ref, source_system)
        elif preset and field_name in preset.token_flags:
            token = quote_literal(preset.token_flags[field_name])
            plan.expressions[field_name] = (
                f"CASE WHEN {ref} IS NOT NULL THEN "
                f"list_contains(regexp_split_to_array(upper({ref}), '[^A-Z]+'), {token}) END"
            )
        elif kind in ("text", "key"):
            plan.expressions[field_name] = _text_sql(ref, field_name, preset)
        elif kind in ("number", "integer"):
            evidence = number_evidence[field_name]
            if evidence.decides:
                plan.number_decided.add(field_name)
            plan.set_number(field_name, kind, values.number_style(evidence)[0])
        elif kind == "boolean":
            plan.expressions[field_name] = values.boolean_sql(ref)
            plan.reasons[field_name] = "not a yes / no value (Yes/No, TRUE/FALSE, 1/0)"
        else:
            evidence = plan.evidence[field_name]
            if evidence.family is None:
                plan.expressions[field_name] = (
                    f"CAST(NULL AS {'DATE' if kind == 'date' else 'TIMESTAMPTZ'})"
                )
                if evidence.sample_size:
                    _no_dates(con, field_name, column, evidence, plan.years, file_name)
                if kind == "date" or field_name not in plan.undecided:
                    plan.set_temporal(field_name, kind, values.family_formats("iso", ()), timezone)
                continue
            family = plan.orders.get(field_name, evidence.family)
            if family == "numeric":
                family = "dmy"  # provisional: the whole column decides after reading it
            fmt = values.family_formats(family, evidence.formats)
            plan.date_formats[column] = fmt.label
            plan.set_temporal(field_name, kind, fmt, timezone)
    return plan


def _no_dates(
    con: Connection,
    field_name: str,
    column: str,
    evidence: values.DateEvidence,
    years: tuple[int, int],
    file_name: str,
) -> None:
    """Refuse a column mapped to a date field whose sample has no date in `years`, saying
    whether it has dates in other years or no dates at all."""
    examples = ", ".join(repr(e) for e in evidence.examples[:3])
    other_years = values.date_evidence_of(con, SAMPLE, [field_name], (1, 9998))[field_name]
    if other_years.family is not None:
        raise IngestError(
            f"it is mapped to {field_name} but its dates are outside the years "
            f"{years[0]}–{years[1]} a date here can have (e.g. {examples}). Map another "
            "column or leave the field empty.",
            file_name=file_name,
            column=column,
        )
    raise IngestError(
        f"it is mapped to {field_name} but none of its values reads as a date "
        f"(e.g. {examples}). Map a date column or leave the field empty.",
        file_name=file_name,
        column=column,
    )


def _decide_orders(plan: _Plan, date_order: str) -> None:
    """Day / month order of numeric date columns from the user's choice or the sample; columns
    the sample does not decide are left in `plan.undecided` for the whole-column check."""
    for field_name, evidence in plan.evidence.items():
        if evidence.family not in ("numeric", "dmy", "mdy"):
            continue
        if date_order in ("dmy", "mdy"):
            plan.orders[field_name] = date_order
        elif date_order == "ymd":
            plan.orders[field_name] = "iso"
        elif evidence.family in ("dmy", "mdy"):
            plan.orders[field_name] = values.numeric_order(evidence) or evidence.family
        elif decided := values.numeric_order(evidence):
            plan.orders[field_name] = decided
        else:
            plan.undecided.append(field_name)


def _settle_orders(
    con: Connection,
    plan: _Plan,
    object_type: str,
    mapping: dict[str, str],
    timezone: str,
    file_name: str,
) -> None:
    """Decide the columns the sample left ambiguous from all their values (a value over 12
    decides), else from the file's other date columns, else ask the user; re-cast if needed."""
    still: list[str] = []
    for field_name in plan.undecided:
        day_first, month_first = values.order_evidence(con, CAST, "__raw_" + field_name)
        evidence = plan.evidence[field_name]
        whole = values.DateEvidence(
            evidence.family,
            evidence.parsed,
            evidence.sample_size,
            day_first,
            month_first,
            evidence.formats,
            evidence.examples,
        )
        if decided := values.numeric_order(whole):
            plan.orders[field_name] = decided
        else:
            still.append(field_name)
    if still:
        decided_orders = {
            o for f, o in plan.orders.items() if o in ("dmy", "mdy") and f not in still
        }
        if len(decided_orders) != 1:
            raise AmbiguousDateOrderError(
                file_name, {mapping[f]: list(plan.evidence[f].examples) for f in still}
            )
        order = decided_orders.pop()
        for field_name in still:
            plan.orders[field_name] = order
        plan.warnings.append(
            f"The day / month order of {', '.join(repr(mapping[f]) for f in still)} was "
            f"taken from the other date columns of the file ({values.FAMILY_LABEL[order]})."
        )
    for field_name in plan.undecided:
        order = plan.orders[field_name]
        fmt = values.family_formats(order, plan.evidence[field_name].formats)
        kind = schema.column(object_type, field_name).kind
        plan.date_formats[mapping[field_name]] = fmt.label
        recast = plan.set_temporal(field_name, kind, fmt, timezone)
        if order != "dmy":  # the provisional cast was day-first
            con.execute(f"UPDATE {CAST} SET {quote_identifier(field_name)} = {recast}")


def _settle_decimals(con: Connection, plan: _Plan, object_type: str) -> None:
    """Check each number column's style (decimal mark, currency), read from the sample,
    against the whole column, and re-cast the columns whose style changes.

    A style a sample value decided can only be overturned by values it rejects, so the whole
    column is read again only when some rejected value is a number in another style or
    currency; a column the sample did not decide (whole numbers only) is always read again,
    looking only at values with a mark or other text (a plain integer reads alike in every
    style)."""
    fields = list(plan.number_styles)
    raw = {f: "__raw_" + f for f in fields}
    rejected = values.number_evidence_of(
        con, CAST, raw, where={f: f"{quote_identifier(f)} IS NULL" for f in fields}
    )
    again = [f for f in fields if f not in plan.number_decided or rejected[f].numbers]
    quoted = {f: quote_identifier(raw[f]) for f in again}
    marked = {
        f: f"contains({q}, '.') OR contains({q}, ',') OR try_cast({q} AS BIGINT) IS NULL"
        for f, q in quoted.items()
    }
    whole = values.number_evidence_of(con, CAST, {f: raw[f] for f in again}, where=marked)
    for field_name in again:
        style, note = values.number_style(whole[field_name])
        if note:
            plan.warnings.append(f"{plan.columns[field_name]!r}: {note}.")
        if style == plan.number_styles[field_name]:
            continue
        kind = schema.column(object_type, field_name).kind
        recast = plan.set_number(field_name, kind, style)
        con.execute(f"UPDATE {CAST} SET {quote_identifier(field_name)} = {recast}")


# ---- import -------------------------------------------------------------------------------
def _resolve(
    con: Connection,
    sniffed: SniffedTable,
    object_type: str | None,
    source_system: str | None,
    mapping: dict[str, str] | None,
    preset: str | None = None,
) -> tuple[str, str, dict[str, str], str | None]:
    """Object type, source system, mapping and preset: as given, else remembered, else
    proposed (a preset given by name sets the object type and source system)."""
    chosen = preset_named(preset)
    if preset and chosen is None:
        raise IngestError(f"unknown preset {preset!r}.", file_name=sniffed.file_name)
    if chosen is not None:
        object_type = object_type or chosen.object_type
        source_system = source_system or chosen.source_system
    if mapping is None:
        proposal = None
        if object_type is None and source_system is None:
            proposal = saved_mapping(con, sniffed.columns)
        if proposal is None:
            proposal = propose_mapping(sniffed.columns, object_type, source_system, preset)
        mapping = proposal.mapping
    elif object_type is None or source_system is None:
        proposal = propose_mapping(sniffed.columns, object_type, source_system, preset)
        if object_type is None:
            fits = [
                t
                for t in schema.OBJECT_TYPES
                if set(mapping) <= {c.name for c in schema.mappable_fields(t)}
            ]
            if proposal.object_type not in fits and fits:
                proposal = propose_mapping(sniffed.columns, fits[0], source_system)
    else:
        proposal = None
    resolved_type = object_type or (proposal.object_type if proposal else "leads")
    resolved_source = (source_system or (proposal.source_system if proposal else "")).strip()
    if not resolved_source or ":" in resolved_source:
        raise IngestError(
            f"source system {resolved_source!r} is not valid: give a short name without ':' "
            "(e.g. hubspot).",
            file_name=sniffed.file_name,
        )
    resolved_preset = chosen.name if chosen else (proposal.preset if proposal else None)
    found = preset_named(resolved_preset)
    if found is None or found.object_type != resolved_type:
        resolved_preset = None
    return resolved_type, resolved_source, dict(mapping), resolved_preset


def _previous_import(
    con: Connection,
    digest: str | None,
    object_type: str,
    source_system: str,
    mapping: dict[str, str],
) -> tuple[int, int] | None:
    """(import_id, rows_read) of the latest import of this file (same content, object type,
    source and mapping); with `digest` None, of any file with that object type, source and
    mapping (if there is none, the file cannot be a re-import)."""
    same_file = "sha256 = ? AND " if digest is not None else ""
    row = con.execute(
        f"SELECT import_id, rows_read FROM imports WHERE {same_file}object_type = ? "
        "AND source_system = ? AND mapping = ? AND status = 'loaded' "
        "ORDER BY import_id DESC LIMIT 1",
        [
            *([digest] if digest is not None else []),
            object_type,
            source_system,
            json.dumps(mapping, sort_keys=True),
        ],
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def import_file(
    con: Connection,
    source: Source,
    file_name: str,
    *,
    object_type: str | None = None,
    source_system: str | None = None,
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    date_order: str = "auto",
    strict: bool = False,
    progress: ProgressCallback | None = None,
    preset: str | None = None,
    memory_limit: int | None = None,
) -> ImportResult:
    """Import one export (a path or the bytes of an upload) in one transaction.

    Unset options are detected: the object type and source system from the header, the mapping
    from a remembered or proposed one. Rows that cannot be used are recorded in `import_rejects`
    (with `strict`, any such row fails the whole import instead). `preset` names a known export
    (`salesforce_leads`, ...; also accepted as `source_system`), which brings its value maps,
    constants and id rules. `memory_limit` (bytes) caps DuckDB's memory while it runs
    (default `IMPORT_MEMORY_LIMIT`; an upload passes `upload_memory_limit`). Raises IngestError
    (nothing changed) when the file cannot be imported."""
    report = progress or _noop
    started = time.perf_counter()
    if timezone != "UTC" and timezone not in available_timezones():
        raise IngestError(f"unknown time zone {timezone!r}.", file_name=file_name)
    if date_order not in DATE_ORDERS:
        raise IngestError(
            f"date order must be one of {', '.join(DATE_ORDERS)}.", file_name=file_name
        )
    if object_type is not None and object_type not in schema.IMPORT_OBJECTS:
        raise IngestError(f"unknown record type {object_type!r}.", file_name=file_name)
    if preset is None and preset_named(source_system) is not None:
        preset, source_system = source_system, None
    report(0.02, "Reading the file…")
    sniffed = sniff(source, file_name)
    object_type, source_system, mapping, preset = _resolve(
        con, sniffed, object_type, source_system, mapping, preset
    )
    mapping, mapping_notes = normalise_mapping(object_type, mapping, file_name)
    validate_mapping(object_type, mapping, sniffed.columns, file_name)
    hashing = ThreadPoolExecutor(max_workers=1)
    digest = hashing.submit(file_sha256, source).result  # stored with the import
    previous = None
    if _previous_import(con, None, object_type, source_system, mapping):
        previous = _previous_import(con, digest(), object_type, source_system, mapping)
    # else the file cannot be a re-import, and it is hashed while it loads
    if previous:
        hashing.shutdown()
        return ImportResult(
            import_id=previous[0],
            file_name=file_name,
            source_system=source_system,
            object_type=object_type,
            status="unchanged",
            rows_read=previous[1],
            mapping=mapping,
            preset=preset,
            warnings=[f"This file was already imported (import #{previous[0]}): nothing changed."],
            seconds=round(time.perf_counter() - started, 3),
        )
    workdir = Path(tempfile.mkdtemp(prefix="alignment-import-"))
    try:
        with _memory_for_import(con, memory_limit or IMPORT_MEMORY_LIMIT):
            # Reading (into temporary tables) happens before the transaction: a CSV that
            # DuckDB must read again another way (line breaks in values, a few lines in a
            # legacy encoding) can be retried, and nothing is written until it has been read.
            read = _read(
                con,
                source,
                sniffed,
                object_type=object_type,
                source_system=source_system,
                mapping=mapping,
                timezone=timezone,
                date_order=date_order,
                workdir=workdir,
                report=report,
                preset=preset_named(preset),
            )
            read.warnings[:0] = mapping_notes  # a derived field read as its raw field
            with transaction(con, changes_data=set(schema.written_tables(object_type))):
                result = _write(
                    con,
                    read,
                    object_type=object_type,
                    source_system=source_system,
                    mapping=mapping,
                    timezone=timezone,
                    date_order=date_order,
                    strict=strict,
                    digest=digest,
                    report=report,
                    preset=preset_named(preset),
                )
    finally:
        hashing.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
        _drop_temp_tables(con)
    result.seconds = round(time.perf_counter() - started, 3)
    report(1.0, "Done")
    return result


IMPORT_MEMORY_LIMIT = 1536 * 2**20
"""DuckDB's memory limit while an import reads a file from disk (the CLI): within the app's
2 GB budget, and more than a million-lead import needs (about 1 GB), so it never spills."""

UPLOAD_MEMORY_BOUNDS = (512 * 2**20, 1024 * 2**20)
UPLOAD_MEMORY_SHARE = 0.8


def upload_memory_limit(file_bytes: int) -> int:
    """DuckDB's memory limit while an upload imports: 80 % of the file's size, between 512 MB
    and 1 GB. The upload widget already holds the file in memory, so the import's temporary
    tables spill to disk instead of growing: a large upload peaks within about twice its size
    (measured by the bench). The floor keeps mid-size uploads fast: at a million leads (a
    250 MB file) a 256 MB limit made the import 70 % slower, 512 MB about 10 %."""
    low, high = UPLOAD_MEMORY_BOUNDS
    return int(min(high, max(low, UPLOAD_MEMORY_SHARE * file_bytes)))


@contextlib.contextmanager
def _memory_for_import(con: Connection, limit: int) -> Iterator[None]:
    """Lower DuckDB's memory limit to `limit` bytes for the import (never raise it), then
    restore it."""
    in_memory = store.scalar(con, "SELECT current_setting('temp_directory')") in (None, "")
    previous = str(store.scalar(con, "SELECT current_setting('memory_limit')"))
    limited = not in_memory and _size_bytes(previous) > limit
    if limited:
        con.execute(f"SET memory_limit = {quote_literal(f'{limit // 2**20}MiB')}")
    try:
        yield
    finally:
        if limited:  # the default back exactly when it was the default
            con.execute("RESET memory_limit")
            if str(store.scalar(con, "SELECT current_setting('memory_limit')")) != previous:
                con.execute(f"SET memory_limit = {quote_literal(previous)}")


def _size_bytes(setting: str) -> float:
    """Bytes of a DuckDB size setting such as `18.7 GiB` or `256.0 MiB`."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?i?B)\s*", setting)
    if not match:
        return float("inf")
    units = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
    units |= {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
    return float(match[1]) * units.get(match[2], 1)


def _drop_temp_tables(con: Connection) -> None:
    for name in (*TEMP_TABLES, history.PIVOT):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    events.drop_temp_tables(con)
    with contextlib.suppress(Exception):  # not registered: nothing to drop
        con.unregister(XLSX_VIEW)


@dataclass
class _Read:
    """A file read into the temporary table CAST, with what is known about it."""

    sniffed: SniffedTable
    plan: _Plan
    fields: list[str]
    first_rowid: int
    rows_read: int
    footer_rows: int
    rows_table: str | None = None
    warnings: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _read(
    con: Connection,
    source: Source,
    sniffed: SniffedTable,
    *,
    object_type: str,
    source_system: str,
    mapping: dict[str, str],
    timezone: str,
    date_order: str,
    workdir: Path,
    report: ProgressCallback,
    preset: Preset | None = None,
) -> _Read:
    """Read the whole file into CAST: every row as cleaned text and cast values, footer and
    blank rows dropped, the day / month order and decimal style settled on the whole column.
    A CSV is read strictly: a quote left open, or more than a few values too many on a line,
    stops the import with the line; DuckDB's fast parallel reader is swapped for the serial
    one when values hold line breaks, and a UTF-8 file with a few lines in another encoding is
    repaired line by line (those lines are reported)."""
    started_at = datetime.now(UTC)
    report(0.05, "Reading date and number formats…")
    text = reading.text_file(source, sniffed, workdir) if sniffed.kind == "csv" else None
    # the file's lines are counted on another thread while DuckDB reads it
    counting = ThreadPoolExecutor(max_workers=1)
    try:
        counted: dict[Path, Future[int]] = {}
        while True:
            try:
                relation = (
                    reading.csv_relation(text, sniffed)
                    if text is not None
                    else _xlsx_relation(con, source, sniffed)
                )
                _read_sample(con, relation, sniffed, mapping)
                plan = _plan_casts(
                    con,
                    object_type,
                    mapping,
                    source_system,
                    timezone,
                    date_order,
                    sniffed.file_name,
                    preset,
                )
                fields = list(mapping)
                known_fields = {c.name for c in schema.mappable_fields(object_type)}
                for field_name, value in (preset.constants if preset else {}).items():
                    if field_name not in mapping and field_name in known_fields:
                        plan.expressions[field_name] = quote_literal(value)
                        fields.append(field_name)
                if text is not None and text.path not in counted:
                    counted[text.path] = counting.submit(reading.line_count, text.path)
                report(0.15, "Reading and checking every row…")
                casts = ", ".join(
                    (
                        f"{_kept_text(plan, object_type, f)} AS {quote_identifier(plan.raw(f))}, "
                        if f in plan.reasons
                        else ""
                    )
                    + f"{plan.expressions[f]} AS {quote_identifier(f)}"
                    for f in fields
                )
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {CAST} AS SELECT __blank, __first, "
                    f"__rest_blank, __extra, {casts} "
                    f"FROM (SELECT {_cleaned_columns(sniffed, mapping)} FROM {relation})"
                )
                break
            except duckdb.Error as exc:
                if text is None:
                    raise IngestError(
                        f"the workbook cannot be read ({_first_line(exc)}).",
                        file_name=sniffed.file_name,
                    ) from exc
                problem = reading.classify(exc)
                if problem.kind == "parallel_newlines" and text.parallel:
                    text.parallel = False  # values with line breaks: the serial reader reads them
                    continue
                if problem.kind == "invalid_unicode" and not text.repaired_lines:
                    repaired = reading.repaired_text_file(source, workdir)
                    if repaired.repaired_lines:
                        repaired.parallel = text.parallel
                        text = repaired
                        continue
                raise reading.read_error(problem, sniffed) from exc
        first_rowid = int(store.scalar(con, f"SELECT coalesce(min(rowid), 0) FROM {CAST}"))
        records = int(store.scalar(con, f"SELECT count(*) FROM {CAST}"))
        rows_table = None
        if text is not None:
            lines = counted[text.path].result()
            layout = reading.record_layout(text, sniffed, records, lines)
            if layout.swallowed is not None:
                raise reading.swallowed_error(layout.swallowed, sniffed)
            if layout.rows is not None and len(layout.rows) == records:
                rows_table = _rows_table(con, layout.rows)
        footer_rows = _drop_footer_and_blank_rows(con)
        rows_read = int(store.scalar(con, f"SELECT count(*) FROM {CAST}"))
        if rows_read == 0:
            raise IngestError(
                "the file has a header row but no data rows.", file_name=sniffed.file_name
            )
        _settle_orders(con, plan, object_type, mapping, timezone, sniffed.file_name)
        _settle_decimals(con, plan, object_type)
        warnings = []
        if text is not None and text.repaired_lines:
            warnings.append(reading.repaired_warning(text.repaired_lines))
        if schema.PRIMARY_KEY.get(object_type) and "external_id" not in mapping:
            warnings.append(_derive_row_keys(con, object_type, mapping, plan))
            fields.insert(0, "external_id")
    finally:
        counting.shutdown(cancel_futures=True)
    return _Read(
        sniffed=sniffed,
        plan=plan,
        fields=fields,
        first_rowid=first_rowid,
        rows_read=rows_read,
        footer_rows=footer_rows,
        rows_table=rows_table,
        warnings=warnings,
        started_at=started_at,
    )


def _kept_text(plan: _Plan, object_type: str, field_name: str) -> str:
    """SQL: what CAST keeps of a cast field's text (its `__raw_` column). Dates and yes / no
    values keep it only where the cast fails (for the reject's value): their text is most of
    a large import's memory, and nothing else reads it. Numbers, ids and dates whose day /
    month order the whole column decides keep every value, which is read again to settle the
    column's format."""
    kind = schema.column(object_type, field_name).kind
    text = quote_identifier(field_name)
    whole_column = (
        kind in ("number", "integer")
        or field_name in REFERENCE_FIELDS[object_type]
        or field_name in plan.undecided
        or kind not in ("timestamp", "date", "boolean")
    )
    if whole_column:
        return text
    return f"CASE WHEN ({plan.expressions[field_name]}) IS NULL THEN {text} END"


def _rows_table(con: Connection, rows: list[int]) -> str:
    """Temp table ROWS (ordinal, row_number): the spreadsheet row of each record, for files
    whose records and lines differ."""
    frame = pl.DataFrame(
        {"ordinal": range(len(rows)), "row_number": rows},
        schema={"ordinal": pl.Int64, "row_number": pl.Int64},
    )
    con.register("__alignment_rows_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ROWS} AS SELECT * FROM __alignment_rows_frame")
    finally:
        con.unregister("__alignment_rows_frame")
    return ROWS


def _derive_row_keys(
    con: Connection, object_type: str, mapping: dict[str, str], plan: _Plan
) -> str:
    """Give every row of a file without an id column a stable key made from the row: the
    fields that identify a record of this type (an e-mail; a deal's name, account and creation
    date; ...) when the file has them, else all of its mapped values; rows that share them are
    told apart by their order in the file (`row-<hash>`, then `row-<hash>-2`, ...). Re-importing
    the same file gives the same keys, two rows never merge, and a newer export updates a
    record as long as its identifying values stay the same. Returns the sentence that says so."""
    chosen = [f for f in schema.ROW_KEY_FIELDS[object_type] if f in mapping]
    if object_type == "leads" and "email" in chosen:
        chosen = ["email"]
    identifying = bool(chosen)
    if not chosen:
        chosen = list(mapping)
    parts = ", ".join(  # the value as read, else (text kept only on failure) as cast
        f"coalesce(CAST({quote_identifier(plan.raw(f))} AS VARCHAR), "
        f"CAST({quote_identifier(f)} AS VARCHAR), '')"
        for f in chosen
    )
    con.execute(f"ALTER TABLE {CAST} ADD COLUMN external_id VARCHAR")
    con.execute(
        f"""UPDATE {CAST} SET external_id = k.key FROM (
          SELECT rid, 'row-' || left(md5(identity), 16)
                 || CASE WHEN n > 1 THEN '-' || n ELSE '' END AS key
          FROM (
            SELECT rowid AS rid, identity,
                   row_number() OVER (PARTITION BY identity ORDER BY rowid) AS n
            FROM (SELECT rowid, concat_ws(chr(31), {parts}) AS identity FROM {CAST})
          )
        ) k WHERE {CAST}.rowid = k.rid"""
    )
    columns = ", ".join(repr(mapping[f]) for f in chosen)
    if identifying:
        return (
            f"This file has no id column, so each row's key is made from {columns} (and, for "
            "rows that share them, their order in the file): re-importing it changes nothing, "
            "and a newer export updates these records as long as those values stay the same."
        )
    return (
        "This file has no id column and none of the columns that identify a record, so each "
        "row's key is made from all of its values (and its order among identical rows): "
        "re-importing it changes nothing, but a row whose values change is imported as a new "
        "record. Map an id column to update records in place."
    )


def _write(
    con: Connection,
    read: _Read,
    *,
    object_type: str,
    source_system: str,
    mapping: dict[str, str],
    timezone: str,
    date_order: str,
    strict: bool,
    digest: Callable[[], str],
    report: ProgressCallback,
    preset: Preset | None = None,
) -> ImportResult:
    """Write what `_read` read (inside the import's transaction): the import row, rejects,
    and the upsert (or, for history exports, the pivot)."""
    sniffed, plan, fields = read.sniffed, read.plan, read.fields
    file_name = sniffed.file_name
    import_id = int(con.execute("SELECT nextval('import_id_seq')").fetchone()[0])  # type: ignore[index]
    con.execute(
        "INSERT INTO imports (import_id, file_name, sha256, source_system, object_type, mapping, "
        "options, started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'loading')",
        [
            import_id,
            file_name,
            digest(),
            source_system,
            object_type,
            json.dumps(mapping, sort_keys=True),
            json.dumps(
                {
                    "timezone": timezone,
                    "date_order": date_order,
                    "strict": strict,
                    "preset": preset.name if preset else None,
                }
            ),
            read.started_at,
        ],
    )
    row_number = _row_number(sniffed, read.first_rowid, read.rows_table)
    extra = _record_extra_value_rejects(con, import_id, sniffed, row_number)
    rows_rejected = _record_rejects(con, import_id, object_type, mapping, plan, row_number)
    if extra:  # rows with several problems count once
        rows_rejected = int(
            store.scalar(
                con,
                "SELECT count(DISTINCT row_number) FROM import_rejects WHERE import_id = ?",
                [import_id],
            )
        )
    if strict and rows_rejected:
        first = con.execute(
            'SELECT row_number, "column", value, reason FROM import_rejects '
            "WHERE import_id = ? ORDER BY row_number LIMIT 1",
            [import_id],
        ).fetchone()
        assert first is not None
        raise IngestError(
            f"value {first[2]!r} is {first[3]} (strict mode: {rows_rejected:,} rows cannot be "
            "used, nothing was imported).",
            file_name=file_name,
            row=first[0],
            column=first[1],
        )

    if object_type in schema.EVENT_OBJECTS and rows_rejected:
        _refuse_unreadable_values(con, import_id, mapping, file_name)

    report(0.7, "Writing records…")
    warnings = list(plan.warnings) + read.warnings
    split: dict[str, int] = {}
    if object_type in schema.EVENT_OBJECTS:
        valid = _valid_where(object_type, mapping, plan)
        sides = events.split(
            con, f"SELECT rowid AS file_order, * FROM {CAST} WHERE {valid}", mapping, source_system
        )
        touches = _upsert(con, "touchpoints", sides.touch_fields, import_id, events.TOUCHES)
        conversions = _upsert(
            con, "opportunities", sides.conversion_fields, import_id, events.CONVERSIONS
        )
        inserted, updated = touches[0] + conversions[0], touches[1] + conversions[1]
        duplicates = sides.repeated
        split = {"touchpoints": sides.touches, "opportunities": sides.conversions}
        warnings += sides.warnings
    elif object_type in schema.HISTORY_OBJECTS:
        pivot = history.pivot(
            con,
            object_type,
            source_system,
            f"SELECT * FROM {CAST} WHERE {_valid_where(object_type, mapping, plan)}",
        )
        target = schema.HISTORY_OBJECTS[object_type]
        inserted, updated = (0, 0)
        if pivot.fields:
            inserted, updated = _upsert(
                con,
                target,
                pivot.fields,
                import_id,
                pivot.table,
                insert_new=False,
                keep_existing=True,
            )
        duplicates = 0
        warnings += pivot.warnings(updated)
    else:
        ready, duplicates = _build_ready(con, object_type, source_system, fields, mapping, plan)
        inserted, updated = _upsert(con, object_type, fields, import_id, ready)
    rows_loaded = read.rows_read - rows_rejected - duplicates

    warnings += _warnings(object_type, mapping, plan, read.footer_rows, duplicates, timezone)
    warnings += _multi_id_warnings(con, object_type, mapping)
    linked = frozenset(schema.written_tables(object_type)) & set(schema.LINKED_TABLES)
    if linked:  # link the records now: the warning counts them
        facts.link_records(con, linked)
    if object_type in schema.EVENT_OBJECTS:
        warnings[:0] = _event_log_notes(con, import_id, mapping, split)
    else:
        warnings += linking.link_warnings(con, object_type, import_id)
    con.execute(
        "UPDATE imports SET rows_read = ?, rows_loaded = ?, rows_rejected = ?, rows_inserted = ?, "
        "rows_updated = ?, warnings = ?, finished_at = ?, status = 'loaded' "
        "WHERE import_id = ?",
        [
            read.rows_read,
            rows_loaded,
            rows_rejected,
            inserted,
            updated,
            json.dumps(warnings),
            datetime.now(UTC),
            import_id,
        ],
    )
    save_mapping(
        con, sniffed.columns, object_type, source_system, mapping, preset.name if preset else None
    )
    return ImportResult(
        import_id=import_id,
        file_name=file_name,
        source_system=source_system,
        object_type=object_type,
        status="loaded",
        rows_read=read.rows_read,
        rows_loaded=rows_loaded,
        rows_inserted=inserted,
        rows_updated=updated,
        rows_rejected=rows_rejected,
        warnings=warnings,
        mapping=mapping,
        date_formats=plan.date_formats,
        preset=preset.name if preset else None,
        split=split,
    )


def _refuse_unreadable_values(
    con: Connection, import_id: int, mapping: dict[str, str], file_name: str
) -> None:
    """Raise IngestError (the import's transaction rolls back) naming the first row of an event
    log whose value cannot be read: the value decides whether the row is a touch or a
    conversion, so such a row cannot be set aside as a reject like other unusable rows."""
    first = con.execute(
        'SELECT row_number, value, reason FROM import_rejects WHERE import_id = ? AND "column" = ? '
        "ORDER BY row_number LIMIT 1",
        [import_id, mapping["value"]],
    ).fetchone()
    if first is None:
        return
    raise IngestError(
        f"value {first[1]!r} is {first[2]}. In an event log the value decides whether a row is "
        "a touch (empty or 0) or a conversion (a positive amount), so nothing was imported: "
        "correct the value, or empty it for a touch, and import again.",
        file_name=file_name,
        row=first[0],
        column=mapping["value"],
    )


def _event_log_notes(
    con: Connection, import_id: int, mapping: dict[str, str], split: dict[str, int]
) -> list[str]:
    """What an event log's import made of it: its touches and conversions, and, when the people
    it names are not imported as leads, how attribution still joins them."""
    notes = [
        f"Event log: {split['touchpoints']:,} touch(es) loaded as touchpoints and "
        f"{split['opportunities']:,} conversion(s) as won opportunities (one per conversion "
        f"row, its value as the amount), each belonging to its person ({mapping['lead_id']!r})."
    ]
    people = int(
        store.scalar(
            con,
            "SELECT count(DISTINCT lead_id) FROM touchpoints t WHERE import_id = ? "
            "AND linked_lead_id IS NULL",
            [import_id],
        )
    )
    if people:
        notes.append(
            f"{people:,} of the people touched are not imported as leads: attribution joins "
            "their touches to their conversions by person all the same, but they are not in "
            "the funnel. Import them as leads (same source system and ids) to count them there."
        )
    return notes


def _record_extra_value_rejects(
    con: Connection, import_id: int, sniffed: SniffedTable, row_number: str
) -> int:
    """One reject per row with more values than the header has columns: its values may sit
    in the wrong columns, so none of them is used. Returns the number of such rows."""
    inserted = con.execute(
        f"INSERT INTO import_rejects SELECT ?, {row_number}, ?, __extra, ? FROM {CAST} "
        "WHERE __extra IS NOT NULL",
        [
            import_id,
            "(values after the last column)",
            f"the row has more values than the header's {len(sniffed.columns)} columns, so "
            "its values may be in the wrong columns (check the delimiters and quotes)",
        ],
    ).fetchone()
    return int(inserted[0]) if inserted else 0


def _required_checks(object_type: str, mapping: dict[str, str]) -> list[tuple[str, str]]:
    """(field, reason) for required fields whose empty value makes a row unusable."""
    return [
        (f, f"the required field {f} is empty")
        for f in schema.REQUIRED_FIELDS[object_type]
        if f in mapping and f not in schema.EMPTY_ALLOWED.get(object_type, ())
    ]


def _record_rejects(
    con: Connection,
    import_id: int,
    object_type: str,
    mapping: dict[str, str],
    plan: _Plan,
    row_number: str,
) -> int:
    """Insert one import_rejects row per unusable value; returns the number of rejected rows."""
    parts: list[str] = []
    params: list[Any] = []
    for field_name, reason in plan.reasons.items():
        raw = quote_identifier("__raw_" + field_name)
        why = (
            f"coalesce({plan.reason_sql[field_name]}, ?)" if field_name in plan.reason_sql else "?"
        )
        parts.append(
            f"SELECT {row_number} AS r, ? AS col, {raw} AS value, {why} AS reason FROM {CAST} "
            f"WHERE {raw} IS NOT NULL AND {quote_identifier(field_name)} IS NULL"
        )
        params += [mapping[field_name], reason]
    for field_name, reason in _required_checks(object_type, mapping):
        raw = quote_identifier(plan.raw(field_name))
        parts.append(
            f"SELECT {row_number} AS r, ? AS col, NULL AS value, ? AS reason FROM {CAST} "
            f"WHERE {raw} IS NULL AND {quote_identifier(field_name)} IS NULL"
        )
        params += [mapping[field_name], reason]
    if not parts:
        return 0
    result = con.execute(
        f"INSERT INTO import_rejects SELECT ?, r, col, value, reason FROM "
        f"({' UNION ALL '.join(parts)})",
        [import_id, *params],
    ).fetchone()
    if not result or not result[0]:
        return 0
    return int(
        con.execute(
            "SELECT count(DISTINCT row_number) FROM import_rejects WHERE import_id = ?",
            [import_id],
        ).fetchone()[0]  # type: ignore[index]
    )


def _key_columns(object_type: str) -> list[str]:
    pk = schema.PRIMARY_KEY[object_type]
    return [pk] if pk else list(schema.NATURAL_KEY[object_type])


def _valid_where(object_type: str, mapping: dict[str, str], plan: _Plan) -> str:
    """SQL condition over CAST: the row has no unusable value and every required field."""
    valid = [
        f"NOT ({quote_identifier('__raw_' + f)} IS NOT NULL AND {quote_identifier(f)} IS NULL)"
        for f in plan.reasons
    ] + [
        f"({quote_identifier(plan.raw(f))} IS NOT NULL OR {quote_identifier(f)} IS NOT NULL)"
        for f, _ in _required_checks(object_type, mapping)
    ]
    valid.append("__extra IS NULL")  # a row with values beyond the header's columns
    return " AND ".join(valid)


def _multi_id_warnings(con: Connection, object_type: str, mapping: dict[str, str]) -> list[str]:
    """A warning per reference column whose cells list several ids (only the first links)."""
    warnings = []
    for field_name in REFERENCE_FIELDS[object_type]:
        if field_name not in mapping:
            continue
        raw = quote_identifier("__raw_" + field_name)
        several = int(
            con.execute(f"SELECT count(*) FROM {CAST} WHERE contains({raw}, ';')").fetchall()[0][0]
        )
        if several:
            warnings.append(
                f"{several:,} row(s) list several ids in {mapping[field_name]!r}; each is linked "
                "to the first id listed."
            )
    return warnings


def _build_ready(
    con: Connection,
    object_type: str,
    source_system: str,
    loaded: list[str],
    mapping: dict[str, str],
    plan: _Plan,
) -> tuple[str, int]:
    """The usable rows with their keys, one per key (the last row of the file wins when an id
    repeats), as a SQL relation: a subquery over CAST, or the temp table READY when ids repeat.
    Returns (relation, number of repeated rows dropped)."""
    where = _valid_where(object_type, mapping, plan)
    pk = schema.PRIMARY_KEY[object_type]
    selects = [quote_identifier(f) for f in loaded]
    if not pk:  # natural-key columns the file does not have are empty (e.g. no campaign)
        selects += [
            f"CAST(NULL AS {schema.column(object_type, k).duckdb_type}) AS {quote_identifier(k)}"
            for k in schema.NATURAL_KEY[object_type]
            if k not in loaded
        ]
    if pk:
        selects = [
            f"{quote_literal(source_system)} || ':' || external_id AS {quote_identifier(pk)}",
            f"{quote_literal(source_system)} AS source_system",
            *selects,
        ]
    key_columns = _key_columns(object_type)
    if pk:
        distinct = "external_id"
    else:
        distinct = (
            "row("
            + ", ".join(quote_identifier(k) if k in loaded else "NULL" for k in key_columns)
            + ")"
        )
    repeated = 0
    # any repeat at all? (cheap without the validity filter: usually there is none)
    if store.scalar(con, f"SELECT count(*) - count(DISTINCT {distinct}) FROM {CAST}"):
        repeated = int(
            store.scalar(
                con, f"SELECT count(*) - count(DISTINCT {distinct}) FROM {CAST} WHERE {where}"
            )
        )
    partition = (
        "external_id" if pk else ", ".join(quote_identifier(k) for k in key_columns if k in loaded)
    )
    rows = f"SELECT {', '.join(selects)} FROM {CAST} WHERE {where}"
    if not repeated:
        return f"({rows})", 0
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {READY} AS {rows} "
        f"QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY rowid DESC) = 1"
    )
    return READY, repeated


def _key_match(object_type: str, left: str, right: str) -> str:
    return " AND ".join(
        f"{left}.{quote_identifier(k)} IS NOT DISTINCT FROM {right}.{quote_identifier(k)}"
        if not schema.PRIMARY_KEY[object_type]
        else f"{left}.{quote_identifier(k)} = {right}.{quote_identifier(k)}"
        for k in _key_columns(object_type)
    )


def _upsert(
    con: Connection,
    object_type: str,
    loaded: list[str],
    import_id: int,
    ready: str,
    *,
    insert_new: bool = True,
    keep_existing: bool = False,
) -> tuple[int, int]:
    """Insert new keys (unless `insert_new` is False); update only the mapped columns of
    existing rows whose values differ, snapshotting their previous values for undo. With
    `keep_existing`, an empty new value keeps the existing one (history pivots). Returns
    (inserted, updated)."""
    table = quote_identifier(object_type)
    shadow = quote_identifier(object_type + schema.REPLACED_SUFFIX)
    keys = _key_columns(object_type)
    pk = schema.PRIMARY_KEY[object_type]
    insert_cols = ([pk, "source_system"] if pk else []) + loaded
    col_list = ", ".join(quote_identifier(c) for c in insert_cols)
    existing = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    updated = 0
    if existing:
        value_fields = [f for f in loaded if f not in keys]

        def new_value(f: str) -> str:
            q = quote_identifier(f)
            return f"coalesce(r.{q}, t.{q})" if keep_existing else f"r.{q}"

        differs = (
            " OR ".join(
                f"t.{quote_identifier(f)} IS DISTINCT FROM {new_value(f)}" for f in value_fields
            )
            or "FALSE"
        )
        replaced = ", ".join(f"{new_value(f)} AS {quote_identifier(f)}" for f in value_fields)
        selected = f"r.* REPLACE ({replaced})" if keep_existing and value_fields else "r.*"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {CHANGED} AS SELECT {selected} FROM {ready} r "
            f"JOIN {table} t ON {_key_match(object_type, 't', 'r')} WHERE {differs}"
        )
        updated = int(con.execute(f"SELECT count(*) FROM {CHANGED}").fetchone()[0])  # type: ignore[index]
        if updated:
            every = ", ".join(quote_identifier(c.name) for c in schema.table_columns(object_type))
            con.execute(
                f"INSERT INTO {shadow} ({every}, replaced_by_import) "
                f"SELECT {every}, ? FROM {table} t "
                f"SEMI JOIN {CHANGED} c ON {_key_match(object_type, 't', 'c')}",
                [import_id],
            )
            assignments = ", ".join(
                f"{quote_identifier(f)} = c.{quote_identifier(f)}" for f in value_fields
            )
            if object_type == "leads":  # their facts are recomputed before the commit
                assignments += ", fact_channel = NULL"
            if object_type in schema.LINKED_TABLES:  # and their links (facts.link_records)
                assignments += ", linked_lead_id = NULL"
            con.execute(
                f"UPDATE {table} SET {assignments}, import_id = ? FROM {CHANGED} c "
                f"WHERE {_key_match(object_type, table, 'c')}",
                [import_id],
            )
        new_rows = f"{ready} r ANTI JOIN {table} t ON {_key_match(object_type, 't', 'r')}"
    else:
        new_rows = f"{ready} r"
    if not insert_new:
        return 0, updated
    if object_type == "leads":  # written once, with their facts (facts.lead_facts_select)

        def shaped(alias: str, columns: list[str]) -> str:
            return ", ".join(
                f"{alias}.{quote_identifier(c.name)}"
                if c.name in columns
                else "? AS import_id"
                if c.name == "import_id" and alias == "r"
                else f"CAST(NULL AS {c.duckdb_type}) AS {quote_identifier(c.name)}"
                for c in schema.table_columns("leads")
            )

        with_facts = facts.lead_facts_select(
            f"SELECT {shaped('r', insert_cols)} FROM {new_rows}",
            values_sql=f"SELECT {shaped('c', loaded)} FROM {CAST} c",
            with_owners=bool(store.scalar(con, "SELECT count(*) FROM owners")),
            with_accounts=bool(store.scalar(con, "SELECT count(*) FROM accounts")),
        )
        every = ", ".join(
            quote_identifier(c) for c in (*facts.LEAD_COLUMNS, *schema.STORED_LEAD_FACTS)
        )
        inserted = con.execute(
            f"INSERT INTO leads ({every}) SELECT * FROM ({with_facts})", [import_id]
        ).fetchone()
        return int(inserted[0]) if inserted else 0, updated
    inserted = con.execute(
        f"INSERT INTO {table} ({col_list}, import_id) "
        f"SELECT {', '.join('r.' + quote_identifier(c) for c in insert_cols)}, ? FROM {new_rows}",
        [import_id],
    ).fetchone()
    return int(inserted[0]) if inserted else 0, updated


def _warnings(
    object_type: str,
    mapping: dict[str, str],
    plan: _Plan,
    footer_rows: int,
    duplicates: int,
    timezone: str,
) -> list[str]:
    warnings: list[str] = []
    timestamps = [f for f in mapping if schema.column(object_type, f).kind == "timestamp"]
    if object_type in ("leads", "opportunities") and not timestamps:
        what = "creation or stage dates" if object_type == "leads" else "created or close dates"
        warnings.append(
            f"No date column is mapped, so these {object_type} have no {what}: they count in "
            "'All time' views only, not in any month or quarter. Map a date column (such as "
            "Create Date) and import again to see them over time."
        )
    if footer_rows:
        warnings.append(f"{footer_rows} report footer row(s) at the end of the file were skipped.")
    if duplicates:
        warnings.append(
            f"{duplicates:,} row(s) repeat an id that appears later in the file; the last row "
            "for each id was kept."
        )
    if plan.date_formats:
        described = "; ".join(f"{c}: {label}" for c, label in plan.date_formats.items())
        warnings.append(f"Dates read as {described}, in time zone {timezone}.")
    return warnings


# ---- undo, history, rejects ---------------------------------------------------------------
def delete_import(con: Connection, import_id: int) -> dict[str, int]:
    """Undo an import in one transaction: rows it inserted are removed; rows it updated get
    their previous values back (unless a later import has changed them since, in which case the
    later values stay). Returns {"rows_removed": n, "rows_restored": m}."""
    exists = con.execute(
        "SELECT object_type, coalesce(is_demo, FALSE) FROM imports WHERE import_id = ?",
        [import_id],
    ).fetchone()
    if exists is None:
        raise IngestError(f"there is no import #{import_id}.")
    imported, is_demo = exists
    # what the undo can change: the tables the import wrote (the demo wrote them all)
    targets = set(schema.written_tables(imported))
    changes: bool | set[str] = True if is_demo or not targets <= set(UNDOABLE_TABLES) else targets
    removed = restored = 0
    with transaction(con, changes_data=changes):
        for object_type in UNDOABLE_TABLES:
            table = quote_identifier(object_type)
            shadow = quote_identifier(object_type + schema.REPLACED_SUFFIX)
            columns = [c.name for c in schema.table_columns(object_type)]
            assignments = ", ".join(
                f"{quote_identifier(c)} = s.{quote_identifier(c)}" for c in columns
            )
            if object_type == "leads":  # restored leads get their facts recomputed
                assignments += ", fact_channel = NULL"
            if object_type in schema.LINKED_TABLES:  # restored records get their links
                assignments += ", linked_lead_id = NULL"
            result = con.execute(
                f"UPDATE {table} SET {assignments} FROM {shadow} s "
                f"WHERE s.replaced_by_import = ? AND {table}.import_id = ? "
                f"AND {_key_match(object_type, table, 's')}",
                [import_id, import_id],
            ).fetchone()
            restored += int(result[0]) if result else 0
            result = con.execute(
                f"DELETE FROM {table} WHERE import_id = ?",
                [import_id],
            ).fetchone()
            removed += int(result[0]) if result else 0
            con.execute(f"DELETE FROM {shadow} WHERE replaced_by_import = ?", [import_id])
        con.execute("DELETE FROM import_rejects WHERE import_id = ?", [import_id])
        con.execute("DELETE FROM imports WHERE import_id = ?", [import_id])
    return {"rows_removed": removed, "rows_restored": restored}


def list_imports(con: Connection) -> pl.DataFrame:
    """One row per import, newest first."""
    return query(
        con,
        "SELECT import_id, file_name, source_system, object_type, status, rows_read, rows_loaded, "
        "rows_inserted, rows_updated, rows_rejected, "
        "strftime(started_at, '%Y-%m-%d %H:%M') AS imported_at, "
        "round(epoch(finished_at - started_at), 1) AS seconds, is_demo "
        "FROM imports ORDER BY import_id DESC",
    )


def import_rejects(con: Connection, import_id: int) -> pl.DataFrame:
    """One row per rejected value of an import: row number, column, value and reason."""
    return query(
        con,
        'SELECT row_number AS "row", "column", value, reason FROM import_rejects '
        'WHERE import_id = ? ORDER BY row_number, "column"',
        [import_id],
    )
