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

from alignment import schema
from alignment.ingest.errors import IngestError
from alignment.ingest.presets import (
    GENERIC_PRESETS,
    PATTERN_ALIASES,
    PRESETS,
    Preset,
    normalise,
)
from alignment.ingest.presets import preset as preset_named
from alignment.store import Connection

FUZZY_THRESHOLD = 90.0
"""Minimum rapidfuzz ratio (0-100) for a header to match an alias it does not equal."""

GENERIC_CONFIDENCE_CAP = 0.55
"""A file that matches no known export is never 'confidently' detected: the user checks it."""

CONFIDENT = 0.6
"""At or above this confidence a detected preset is proposed as is (the user only confirms);
below it the Import page asks the user to choose the preset before anything is imported."""

MIN_MARKS = 3
"""Signature marks a header needs before a preset is considered at all."""

MARKS_FOR_CERTAINTY = 5
"""Signature marks present for a preset's evidence to count as complete."""

DISTINCTIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "leads": ("mql_at", "sql_at", "status_raw", "email", "rejection_reason_raw", "score"),
    "opportunities": ("stage_raw", "amount", "closed_at", "is_won", "lost_reason_raw", "product"),
    "activities": ("activity_type", "occurred_at", "outcome", "direction"),
    "touchpoints": ("touched_at", "content_asset", "is_first_touch", "medium"),
    "spend": ("month", "amount"),
    "targets": ("metric", "value"),
    "owners": ("owner", "manager", "team"),
    "accounts": ("account", "industry", "domain", "employees"),
    "lead_history": ("field", "old_value", "new_value"),
    "opportunity_history": ("field", "old_value", "new_value"),
}
"""Fields that say what kind of records a generic file holds when they are found."""


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
    candidates: list[tuple[float, int, str, str]] = []
    for field_name, names in aliases.items():
        for rank, alias in enumerate(names):
            key = normalise(alias)
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


def _generic_score(preset: Preset, columns: list[str]) -> tuple[float, float]:
    """(ranking score, confidence) of a generic preset for these columns."""
    mapping, scores = preset_mapping(preset, columns)
    distinctive = DISTINCTIVE_FIELDS[preset.object_type]
    rank = sum(scores[f] * (2.0 if f in distinctive else 1.0) for f in mapping)
    required = schema.REQUIRED_FIELDS[preset.object_type]
    complete = all(f in mapping for f in required)
    if not complete:
        rank *= 0.3
    confidence = (0.2 if complete else 0.0) + 0.35 * min(1.0, len(mapping) / 6)
    return rank, min(confidence, GENERIC_CONFIDENCE_CAP)


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
        confidence = _confidence(own, None) if own else (_generic_score(chosen, columns)[1])
        others = [a for a in alternatives if a[0] != chosen.name]
        return _proposal(chosen, columns, confidence, others)
    best: MappingProposal | None = None
    if ranked:
        runner_up = ranked[1] if len(ranked) > 1 else None
        best = _proposal(
            ranked[0].preset,
            columns,
            _confidence(ranked[0], runner_up),
            alternatives[1:],
        )
    generic_best: tuple[float, float, Preset] | None = None
    for candidate in GENERIC_PRESETS:
        if object_type and candidate.object_type != object_type:
            continue
        rank, confidence = _generic_score(candidate, columns)
        if generic_best is None or rank > generic_best[0]:
            generic_best = (rank, confidence, candidate)
    assert generic_best is not None
    if best is None or best.confidence < generic_best[1]:
        best = _proposal(generic_best[2], columns, generic_best[1], alternatives)
    if source_system and best.source_system != source_system:
        best = replace(best, source_system=source_system)
    return best


def validate_mapping(
    object_type: str, mapping: dict[str, str], columns: list[str], file_name: str
) -> None:
    """Raise IngestError unless every field exists for the object type, every column is in the
    file and every required field is mapped."""
    fields = {c.name for c in schema.mappable_fields(object_type)}
    for field_name, column in mapping.items():
        if field_name not in fields:
            raise IngestError(
                f"{field_name!r} is not a field of {object_type} (fields: "
                f"{', '.join(sorted(fields))}).",
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
    mapping = {k: v for k, v in json.loads(text).items() if v in columns}
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
