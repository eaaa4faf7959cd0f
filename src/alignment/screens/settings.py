"""The Settings page: for each mapping table, its rows, how much of the data it covers and the
values in the data that no row covers."""

from __future__ import annotations

from typing import Any

from alignment.db.store import Connection
from alignment.model import maps


def map_tab(con: Connection, name: str) -> dict[str, Any]:
    """One map's tab: `rows` (the stored rows, one per raw value), `coverage` (records with a
    raw value, how many the map covers, distinct and uncovered values) and `unmapped` (one row
    per raw value no row covers, with its count)."""
    return {
        "rows": maps.read_map(con, name),
        "coverage": maps.coverage(con, name),
        "unmapped": maps.unmapped_values(con, name),
    }


def default_view(con: Connection) -> dict[str, Any]:
    """Every map's tab (the page draws all tabs at once)."""
    return {name: map_tab(con, name) for name in maps.MAP_NAMES}
