"""Global filters: the `Filters` value, its SQL WHERE clause with bound parameters, and its
round trip through URL query parameters.

Filters restrict the dimensions of DESIGN section 6 (channel, segment, region, team, owner).
Each holds zero or more values; an empty tuple means "all". They apply to any model view that
has these columns (`lead_facts`, `opp_facts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from alignment.sql import Params, quote_identifier

DIMENSIONS: tuple[str, ...] = ("channel", "segment", "region", "team", "owner")
"""Dimensions of the global filters and of `kpis --by`, present on both fact models."""


@dataclass(frozen=True)
class Filters:
    """Selected values per dimension; an empty tuple means no restriction."""

    channel: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    team: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, f.name, tuple(sorted({str(v) for v in value or ()})))

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, d) for d in DIMENSIONS)

    def active(self) -> dict[str, tuple[str, ...]]:
        """The dimensions that restrict something, with their values."""
        return {d: getattr(self, d) for d in DIMENSIONS if getattr(self, d)}

    def where(self, params: Params, alias: str | None = None) -> str:
        """SQL condition (`TRUE` when nothing is selected), its values bound in `params`."""
        prefix = f"{quote_identifier(alias)}." if alias else ""
        clauses: list[str] = []
        for dimension, values in self.active().items():
            placeholders = ", ".join(params.bind(v) for v in values)
            clauses.append(f"{prefix}{quote_identifier(dimension)} IN ({placeholders})")
        return " AND ".join(clauses) or "TRUE"

    def where_named(self, alias: str | None = None) -> tuple[str, dict[str, Any]]:
        """`where` with named parameters (`$f_channel_0`, ...) for statements that bind by name."""
        prefix = f"{quote_identifier(alias)}." if alias else ""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for dimension, values in self.active().items():
            names = [f"f_{dimension}_{i}" for i in range(len(values))]
            params.update(zip(names, values, strict=True))
            placeholders = ", ".join(f"${n}" for n in names)
            clauses.append(f"{prefix}{quote_identifier(dimension)} IN ({placeholders})")
        return (" AND ".join(clauses) or "TRUE"), params

    def describe(self) -> str:
        """One line for titles and the review pack: `channel: Email, Events; segment: SMB`."""
        active = self.active()
        if not active:
            return "no filters"
        return "; ".join(f"{d}: {', '.join(v)}" for d, v in active.items())

    def to_query_params(self) -> dict[str, list[str]]:
        """Query-string form: one repeated key per dimension (`?channel=Email&channel=Events`)."""
        return {d: list(v) for d, v in self.active().items()}

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any]) -> Filters:
        """Read filters back from query parameters (unknown keys are ignored)."""
        values: dict[str, tuple[str, ...]] = {}
        for dimension in DIMENSIONS:
            raw = params.get(dimension)
            if raw is None:
                continue
            values[dimension] = tuple([raw] if isinstance(raw, str) else list(raw))
        return cls(**values)


NO_FILTERS = Filters()
"""No dimension restricted (Filters is frozen, so one shared value is safe as a default)."""
