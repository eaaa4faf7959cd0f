"""Proposing which file column fills which canonical field, validating a mapping, and
remembering confirmed mappings per header signature (the next upload of the same export needs
no clicks).

A mapping is a dict `{canonical_field: file_column}`; one proposal per file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from alignment.db import schema
from alignment.db.store import Connection
from alignment.ingest.errors import IngestError
from alignment.ingest.presets import (
    GENERIC_PRESETS,
    PATTERN_ALIASES,
    PRESETS,
    Preset,
    normalise,
)
from alignment.ingest.presets import preset as preset_named

FUZZY_THRESHOLD = 90.0
"""Minimum rapidfuzz ratio (0-100) for a header to match an alias it does not equal."""

GENERIC_CONFIDENCE_CAP = 0.55
"""Highest confidence of a generic reading when known exports also match the header but none
confidently: the record type may be clear, but not which system the file came from (record
keys are `source:id`), so the user chooses."""

EXACT = 0.95
"""Alias score at or above which a column matched an alias exactly (not fuzzily, not by a
custom-field pattern): only exact matches count as evidence for a generic reading."""

NEAR_TIE = 0.25
"""A generic reading whose runner-up record type ranks within this share of it is a near tie."""

NEAR_TIE_CAP = 0.45
"""Highest confidence of a near tie between record types: the user chooses."""

CONFIDENT = 0.6
"""At or above this confidence a detected preset is proposed as is (the user only confirms);
below it the Import page asks the user to choose the preset before anything is imported."""

MIN_MARKS = 3
"""Signature marks a header needs before a preset is considered at all."""

MARKS_FOR_CERTAINTY = 5
"""Signature marks present for a preset's evidence to count as complete."""

DISTINCTIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "leads": (
        "mql_at",
        "sql_at",
        "status_raw",
        "email",
        "rejection_reason_raw",
        "score",
        "is_converted",
        "company",
    ),
    "opportunities": ("stage_raw", "amount", "closed_at", "is_won", "lost_reason_raw", "product"),
    "activities": ("activity_type", "occurred_at", "outcome", "direction"),
    "touchpoints": ("touched_at", "content_asset", "is_first_touch", "medium"),
    "spend": ("month", "amount"),
    "targets": ("metric", "value"),
    "owners": ("owner", "manager", "team"),
    "accounts": ("account", "industry", "domain", "employees"),
    "lead_history": ("field", "old_value", "new_value"),
    "opportunity_history": ("field", "old_value", "new_value"),
    "events": ("event", "medium", "content_asset"),
}
"""Fields that say what kind of records a generic file holds when they are found."""

DERIVED_FIELDS: dict[str, dict[str, str]] = {
    "leads": {"channel": "channel_raw", "rejection_reason": "rejection_reason_raw"},
    "opportunities": {
        "channel": "channel_raw",
        "stage": "stage_raw",
        "lost_reason": "lost_reason_raw",
    },
}
"""Canonical fields the model derives from a raw field (derived field -> raw field): a column is
mapped to the raw field, and the maps in Settings turn its values into the derived one."""

_DERIVING_MAP: dict[str, str] = {
    "channel": "channel map",
    "stage": "stage map",
    "rejection_reason": "reason map",
    "lost_reason": "reason map",
}


@dataclass(frozen=True)
class MappingProposal:
    """The proposed reading of a file: object type, source system, mapping and how sure."""

    object_type: str
    source_system: str
    mapping: dict[str, str]
    confidence: float
    missing_required: list[str] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    preset: str | None = None
    label: str = ""
    alternatives: list[tuple[str, str, float]] = field(default_factory=list)
    """Other presets the header could be, as (name, label, confidence), most likely first."""

    @property
    def needs_choice(self) -> bool:
        """True when the detection is not sure enough to import without the user choosing."""
        return self.confidence < CONFIDENT


def match_columns(
    columns: list[str], aliases: dict[str, tuple[str, ...]]
) -> tuple[dict[str, str], dict[str, float]]:
    """Assign file columns to fields by alias: exact (normalised) matches first, earlier aliases
    before later ones, then close fuzzy matches; each column fills at most one field."""
    normalised = [(normalise(c), c) for c in columns]
    exact_columns = {norm for norm, _ in normalised}
    candidates: list[tuple[float, int, str, str]] = []
    for field_name, names in aliases.items():
        for rank, alias in enumerate(names):
            key = normalise(alias)
            if len(key) < 6 and key not in exact_columns:
                continue  # too short to match fuzzily, and no column equals it
            for position, (norm, original) in enumerate(normalised):
                if norm == key:
                    score = 1.0 - rank * 0.001
                elif len(key) >= 6 and len(norm) >= 6:
                    ratio = fuzz.ratio(norm, key)
                    if ratio < FUZZY_THRESHOLD:
                        continue
                    score = 0.9 * ratio / 100 - rank * 0.001
                else:
                    continue
                candidates.append((score, -position, field_name, original))
    candidates.sort(reverse=True)
    mapping: dict[str, str] = {}
    scores: dict[str, float] = {}
    used: set[str] = set()
    for score, _, field_name, original in candidates:
        if field_name in mapping or original in used:
            continue
        mapping[field_name] = original
        scores[field_name] = round(score, 3)
        used.add(original)
    return mapping, scores


def _pattern_matches(
    columns: list[str], object_type: str, mapping: dict[str, str], scores: dict[str, float]
) -> None:
    """Fill still-unmapped fields from custom-field patterns (`MQL_Date__c` -> mql_at)."""
    used = set(mapping.values())
    for field_name, pattern in PATTERN_ALIASES.get(object_type, {}).items():
        if field_name in mapping:
            continue
        for column in columns:
            text = re.sub(r"[_\s]+", " ", column.lower())
            if column not in used and re.search(pattern, text):
                mapping[field_name] = column
                scores[field_name] = 0.7
                used.add(column)
                break


def preset_mapping(preset: Preset, columns: list[str]) -> tuple[dict[str, str], dict[str, float]]:
    """A preset's mapping for these columns: aliases, custom-field patterns, copied fields."""
    mapping, scores = match_columns(columns, preset.all_aliases())
    _pattern_matches(columns, preset.object_type, mapping, scores)
    for target, source in preset.copy_fields.items():
        if target not in mapping and source in mapping:
            mapping[target] = mapping[source]
            scores[target] = scores[source]
    return mapping, scores


def _proposal(
    preset: Preset,
    columns: list[str],
    confidence: float,
    alternatives: list[tuple[str, str, float]] | None = None,
) -> MappingProposal:
    mapping, scores = preset_mapping(preset, columns)
    used = set(mapping.values())
    return MappingProposal(
        object_type=preset.object_type,
        source_system=preset.source_system,
        mapping=mapping,
        confidence=round(confidence, 3),
        missing_required=[
            f for f in schema.REQUIRED_FIELDS[preset.object_type] if f not in mapping
        ],
        unmapped_columns=[c for c in columns if c not in used],
        scores=scores,
        preset=preset.name,
        label=preset.label,
        alternatives=alternatives or [],
    )


@dataclass(frozen=True)
class GenericReading:
    """How well the usual names of one record type's fields fit a header row."""

    preset: Preset
    rank: float  # fields found, distinctive ones twice; a third when a required one is missing
    complete: bool  # every required field found
    exact_required: bool  # every required field found by an exact alias
    distinctive: int  # distinctive, not required, fields found by an exact alias
    others: int  # other fields found by an exact alias


def generic_reading(preset: Preset, columns: list[str]) -> GenericReading:
    """The evidence that these columns hold the generic preset's record type."""
    mapping, scores = preset_mapping(preset, columns)
    object_type = preset.object_type
    distinctive = set(DISTINCTIVE_FIELDS[object_type])
    required = set(schema.REQUIRED_FIELDS[object_type])
    rank = sum(scores[f] * (2.0 if f in distinctive else 1.0) for f in mapping)
    complete = required <= set(mapping)
    exact = {f for f, score in scores.items() if score >= EXACT}
    return GenericReading(
        preset=preset,
        rank=rank if complete else rank * 0.3,
        complete=complete,
        exact_required=required <= exact,
        distinctive=len((exact & distinctive) - required),
        others=len(exact - distinctive - required),
    )


def generic_confidence(best: GenericReading, runner_up: GenericReading | None) -> float:
    """Confidence that a file holds the best-ranked record type, from the evidence: its required
    fields found by exact alias (0.3; 0.15 when fuzzily), up to three distinctive fields
    (0.1 each) and three others (0.05 each), and how far it ranks ahead of the runner-up type
    (up to 0.25). A file missing a required field stays at 0.3 at most; a near tie (runner-up
    within NEAR_TIE of the best) at NEAR_TIE_CAP."""
    if best.rank <= 0 or runner_up is None:
        margin = 1.0 if best.rank > 0 else 0.0
    else:
        margin = max(0.0, 1.0 - runner_up.rank / best.rank)
    required = (0.3 if best.exact_required else 0.15) if best.complete else 0.0
    fields = 0.1 * min(best.distinctive, 3) + 0.05 * min(best.others, 3)
    confidence = required + fields + 0.25 * margin
    if not best.complete:
        confidence = min(confidence, 0.3)
    if margin < NEAR_TIE:
        confidence = min(confidence, NEAR_TIE_CAP)
    return round(min(confidence, 1.0), 3)


def _generic_readings(
    columns: list[str], object_type: str | None
) -> list[tuple[GenericReading, float]]:
    """The generic reading of every record type (or of the one given) with its confidence,
    taken against the strongest other reading; most confident first (then best ranked)."""
    readings = [
        generic_reading(p, columns)
        for p in GENERIC_PRESETS
        if object_type is None or p.object_type == object_type
    ]
    readings.sort(key=lambda r: r.rank, reverse=True)
    scored = []
    for i, reading in enumerate(readings):
        strongest_other = next((r for j, r in enumerate(readings) if j != i), None)
        scored.append((reading, generic_confidence(reading, strongest_other)))
    scored.sort(key=lambda item: (item[1], item[0].rank), reverse=True)
    return scored


@dataclass(frozen=True)
class PresetScore:
    """How well one known export matches a header row."""

    preset: Preset
    marks: int  # signature marks present
    evidence: float  # 0-1: required marks and fields present, marks present (saturating)


def score_presets(
    columns: list[str], object_type: str | None = None, source_system: str | None = None
) -> list[PresetScore]:
    """Known exports whose required marks are all in the header (and MIN_MARKS marks in
    all), best first: by evidence, then by the share of their signature present."""
    scored: list[tuple[float, PresetScore]] = []
    for preset in PRESETS:
        if object_type and preset.object_type != object_type:
            continue
        if source_system and preset.source_system != source_system:
            continue
        marks, required_present = preset.marks_present(columns)
        if not required_present or marks < MIN_MARKS:
            continue
        mapping, _ = preset_mapping(preset, columns)
        fields_ok = all(f in mapping for f in schema.REQUIRED_FIELDS[preset.object_type])
        evidence = 0.2 * fields_ok + 0.8 * min(1.0, marks / MARKS_FOR_CERTAINTY)
        share = marks / max(1, len(preset.signature) + len(preset.requires))
        scored.append((share, PresetScore(preset, marks, round(evidence, 3))))
    scored.sort(key=lambda item: (item[1].evidence, item[1].marks, item[0]), reverse=True)
    return [s for _, s in scored]


def _confidence(best: PresetScore, runner_up: PresetScore | None) -> float:
    """The best preset's evidence, discounted when another preset is nearly as likely: a tie
    halves it (the user must choose), one more mark than the runner-up takes a quarter off."""
    if runner_up is None:
        return best.evidence
    margin = best.marks - runner_up.marks
    if best.evidence > runner_up.evidence:
        margin = max(margin, 1)
    return best.evidence * (0.5 + 0.25 * min(max(margin, 0), 2))


def propose_mapping(
    columns: list[str],
    object_type: str | None = None,
    source_system: str | None = None,
    preset: str | None = None,
) -> MappingProposal:
    """The best reading of a header row: a known export (preset) when its typical columns are
    there, else the generic aliases of the object type whose fields match best. With `preset`,
    that preset's reading (the user's choice), with the confidence it would have had."""
    if object_type is not None and object_type not in schema.IMPORT_OBJECTS:
        raise ValueError(f"unknown object type {object_type!r}")
    ranked = score_presets(columns, object_type, source_system)
    alternatives = [(s.preset.name, s.preset.label, _confidence(s, None)) for s in ranked]
    chosen = preset_named(preset)
    if chosen is not None:
        own = next((s for s in ranked if s.preset.name == chosen.name), None)
        if own is not None:
            confidence = _confidence(own, None)
        else:
            confidence = generic_confidence(generic_reading(chosen, columns), None)
        others = [a for a in alternatives if a[0] != chosen.name]
        return _proposal(chosen, columns, confidence, others)
    known: MappingProposal | None = None
    if ranked:
        runner_up = ranked[1] if len(ranked) > 1 else None
        known = _proposal(
            ranked[0].preset, columns, _confidence(ranked[0], runner_up), alternatives[1:]
        )
    best = known
    if known is None or known.needs_choice:
        reading, confidence = _generic_readings(columns, object_type)[0]
        if ranked:
            confidence = min(confidence, GENERIC_CONFIDENCE_CAP)
        if known is None or known.confidence < confidence:
            best = _proposal(reading.preset, columns, confidence, alternatives)
    assert best is not None
    if source_system and best.source_system != source_system:
        best = replace(best, source_system=source_system)
    return best


def candidates(columns: list[str], limit: int = 5) -> list[tuple[str, str, str, float]]:
    """What a header row could be, most likely first: (preset name, label, object type,
    confidence) for the known exports that match it and the generic reading of each record
    type whose required fields it has; each confidence is taken against the strongest other
    candidate of its kind, as `propose_mapping` takes the best one's."""
    ranked = score_presets(columns)
    found: list[tuple[str, str, str, float]] = []
    for i, score in enumerate(ranked):
        strongest_other = next((r for j, r in enumerate(ranked) if j != i), None)
        found.append(
            (
                score.preset.name,
                score.preset.label,
                score.preset.object_type,
                round(_confidence(score, strongest_other), 3),
            )
        )
    for reading, confidence in _generic_readings(columns, None):
        if not reading.complete:
            continue
        if ranked:
            confidence = min(confidence, GENERIC_CONFIDENCE_CAP)
        preset = reading.preset
        found.append((preset.name, preset.label, preset.object_type, confidence))
    found.sort(key=lambda c: c[3], reverse=True)
    return found[:limit]


def object_type_for_mapping(columns: list[str], mapping: dict[str, str]) -> str | None:
    """The record type a hand-written mapping is for: the detected one when the mapping's
    fields (derived ones named by their raw field) all belong to it, else the first type they
    all belong to; None when no type has them all."""
    fits = [
        t
        for t in schema.OBJECT_TYPES
        if {DERIVED_FIELDS.get(t, {}).get(f, f) for f in mapping}
        <= {c.name for c in schema.mappable_fields(t)}
    ]
    if not fits:
        return None
    detected = propose_mapping(columns).object_type
    return detected if detected in fits else fits[0]


def normalise_mapping(
    object_type: str, mapping: dict[str, str], file_name: str = ""
) -> tuple[dict[str, str], list[str]]:
    """The mapping with every derived field named by its raw field (`stage` -> `stage_raw`),
    and a sentence per renaming for the import's warnings. IngestError when a derived field and
    its raw field name different columns: one of the two would be dropped."""
    derived = DERIVED_FIELDS.get(object_type, {})
    result: dict[str, str] = {}
    notes: list[str] = []
    for field_name, column in mapping.items():
        raw = derived.get(field_name)
        if raw is None:
            result[field_name] = column
            continue
        how = f"{field_name} is derived from {raw} through the {_DERIVING_MAP[field_name]}"
        other = mapping.get(raw)
        if other is not None and other != column:
            raise IngestError(
                f"the mapping names both {field_name!r} (column {column!r}) and {raw!r} "
                f"(column {other!r}); {how} in Settings, so only {raw!r} can be mapped. Remove "
                f"{field_name!r}, or map {column!r} to {raw!r} instead of {other!r}.",
                file_name=file_name,
            )
        if other is None:
            notes.append(
                f"The mapping names {field_name!r} for column {column!r}: {how} (Settings), so "
                f"{column!r} was read as {raw}."
            )
        else:
            notes.append(
                f"The mapping names column {column!r} for both {field_name!r} and {raw!r}: "
                f"{how} (Settings), so it was read once, as {raw}."
            )
        result[raw] = column
    return result, notes


def validate_mapping(
    object_type: str, mapping: dict[str, str], columns: list[str], file_name: str
) -> None:
    """Raise IngestError unless every field exists for the object type, every column is in the
    file and every required field is mapped."""
    fields = {c.name for c in schema.mappable_fields(object_type)}
    for field_name, column in mapping.items():
        if field_name not in fields:
            raw = DERIVED_FIELDS.get(object_type, {}).get(field_name)
            if raw is not None:
                raise IngestError(
                    f"{field_name!r} is derived from {raw!r} through the "
                    f"{_DERIVING_MAP[field_name]} (Settings): map column {column!r} to {raw!r}.",
                    file_name=file_name,
                )
            elsewhere = [
                t
                for t in schema.OBJECT_TYPES
                if field_name in {c.name for c in schema.mappable_fields(t)}
            ]
            hint = (
                f" It is a field of {', '.join(elsewhere)}: choose that record type, or map "
                f"column {column!r} to a field of {object_type}."
                if elsewhere
                else ""
            )
            raise IngestError(
                f"{field_name!r} is not a field of {object_type}.{hint} (Fields of "
                f"{object_type}: {', '.join(sorted(fields))}.)",
                file_name=file_name,
            )
        if column not in columns:
            raise IngestError(
                f"the mapping uses column {column!r}, which is not in the file (columns: "
                f"{', '.join(columns[:12])}{'…' if len(columns) > 12 else ''}).",
                file_name=file_name,
            )
    missing = [
        f
        for f in schema.REQUIRED_FIELDS[object_type]
        if f not in mapping and not (f == "external_id" and object_type in schema.ROW_KEY_FIELDS)
    ]  # a file without an id column gets keys made from its rows
    if missing:
        raise IngestError(
            f"no column is mapped to the required field(s) {', '.join(missing)} of "
            f"{object_type}. Pick the file column that holds them.",
            file_name=file_name,
        )


def header_signature(columns: list[str]) -> str:
    """A stable fingerprint of a header row (order and spelling-insensitive to case/spaces)."""
    text = "\x1f".join(normalise(c) for c in columns)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def save_mapping(
    con: Connection,
    columns: list[str],
    object_type: str,
    source_system: str,
    mapping: dict[str, str],
    preset: str | None = None,
) -> None:
    """Remember a confirmed mapping (and the preset it came from) for this header signature,
    replacing an older one."""
    signature = header_signature(columns)
    con.execute("DELETE FROM saved_mappings WHERE signature = ?", [signature])
    con.execute(
        "INSERT INTO saved_mappings (signature, object_type, source_system, mapping, saved_at, "
        "preset) VALUES (?, ?, ?, ?, now(), ?)",
        [signature, object_type, source_system, json.dumps(mapping, sort_keys=True), preset],
    )


def saved_mapping(con: Connection, columns: list[str]) -> MappingProposal | None:
    """The mapping confirmed for this header before, or None."""
    row = con.execute(
        "SELECT object_type, source_system, mapping, preset FROM saved_mappings "
        "WHERE signature = ?",
        [header_signature(columns)],
    ).fetchone()
    if row is None:
        return None
    object_type, source_system, text, preset = row
    # the same signature can be spelled differently (`Deal Stage` / `deal_stage`): a saved
    # column is found again by its comparison key, so no mapped column is lost
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(normalise(column), column)
    found = {
        field_name: column if column in columns else by_key.get(normalise(column))
        for field_name, column in json.loads(text).items()
    }
    try:
        mapping, _ = normalise_mapping(
            object_type, {f: c for f, c in found.items() if c is not None}
        )
    except IngestError:
        return None  # a mapping saved before derived fields were refused: propose afresh
    used = set(mapping.values())
    return MappingProposal(
        object_type=object_type,
        source_system=source_system,
        mapping=mapping,
        confidence=1.0,
        missing_required=[f for f in schema.REQUIRED_FIELDS[object_type] if f not in mapping],
        unmapped_columns=[c for c in columns if c not in used],
        scores=dict.fromkeys(mapping, 1.0),
        preset=preset or "saved",
        label="your saved mapping for this export",
    )
