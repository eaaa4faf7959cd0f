"""A known export, declared as data (`Preset`), and the value maps presets share.

`presets` lists the known exports; this module only says what one is, so the CRM presets
(`crm_presets`) and the registry can both build on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from alignment.ingest.aliases import GENERIC_ALIASES, localized, normalise

Mark = tuple[str, ...]
"""One header typical of an export, as its alternative spellings (label, API name, older
names): the mark is present when any spelling, or a translation of one, is in the header."""

ACTIVITY_TYPE_MAP: dict[str, str] = {
    "call": "call",
    "calls": "call",
    "phone": "call",
    "email": "email",
    "e-mail": "email",
    "listemail": "email",
    "list email": "email",
    "mail": "email",
    "meeting": "meeting",
    "event": "meeting",
    "linkedin": "linkedin",
    "inmail": "linkedin",
    "task": "task",
    "todo": "task",
    "phone call": "call",
    "phonecall": "call",
    "appointment": "meeting",
    "to do": "task",
}
"""Activity types as exported (Salesforce Task Subtype / Type, ...) -> canonical type."""

DIRECTION_MAP: dict[str, str] = {
    "outbound": "outbound",
    "out": "outbound",
    "inbound": "inbound",
    "in": "inbound",
    "internal": "internal",
    "outgoing": "outbound",
    "incoming": "inbound",
    "missed": "inbound",
}
"""Call directions as exported (Salesforce Call Type, Zoho Call Type, Dynamics Direction, Close
direction) -> canonical direction; a missed call was an inbound one."""


@dataclass(frozen=True)
class Preset:
    """A known export, declared as data: its source system and record type, the headers that
    identify it (`signature`, with `requires` marks that must all be present), its own
    spellings of canonical fields (tried before the generic ones), and how its values read:
    `value_maps` (field -> raw value, lower case -> canonical value; other values pass
    unchanged), `token_flags` (boolean field -> token in a list cell, e.g. Bizible's
    `FT, LC`), `constants` (field -> value for every row, e.g. Outreach calls are calls),
    `copy_fields` (field -> field whose column also fills it when it has none of its own),
    `reference_system` (source system of the ids in reference columns, when not its own)."""

    name: str
    label: str
    source_system: str
    object_type: str
    signature: tuple[Mark, ...] = ()
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    requires: tuple[Mark, ...] = ()
    own_aliases_only: tuple[str, ...] = ()
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    token_flags: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    copy_fields: dict[str, str] = field(default_factory=dict)
    reference_system: str | None = None

    def all_aliases(self) -> dict[str, tuple[str, ...]]:
        """This preset's spellings first (with their translations), then the generic ones, per
        canonical field."""
        return self._all_aliases

    @cached_property
    def _all_aliases(self) -> dict[str, tuple[str, ...]]:
        generic = GENERIC_ALIASES[self.object_type]
        fields = list(dict.fromkeys([*self.aliases, *generic]))
        return {
            f: localized(
                *self.aliases.get(f, ()),
                *(() if f in self.own_aliases_only else generic.get(f, ())),
            )
            for f in fields
        }

    @cached_property
    def _mark_keys(self) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
        """(required marks, signature marks), each as the normalised spellings of the mark and
        of their translations."""

        def keys(marks: tuple[Mark, ...]) -> tuple[tuple[str, ...], ...]:
            return tuple(tuple(normalise(s) for s in localized(*mark)) for mark in marks)

        return keys(self.requires), keys(self.signature)

    def marks_present(self, columns: list[str]) -> tuple[int, bool]:
        """(number of header columns that are signature or required marks, every required
        mark present); a column counts once even when it fits several marks."""
        present = {normalise(c) for c in columns}
        used: set[str] = set()

        def hit(spellings: tuple[str, ...]) -> bool:
            fresh = [n for n in spellings if n in present and n not in used]
            used.update(fresh[:1])
            return bool(fresh)

        requires, signature = self._mark_keys
        required = all(hit(m) for m in requires)
        others = sum(hit(m) for m in signature)
        return len(used) if required else others, required
