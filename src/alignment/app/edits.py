"""Edits from the Settings and Funnel pages: the channel, stage and reason maps and the lead
acceptance target. Each is one write (`database.writing`), then cached results are dropped."""

from __future__ import annotations

from typing import Any

from alignment.app import database
from alignment.db import store
from alignment.metrics import funnel
from alignment.model import maps


def save_map(name: str, rows: list[dict[str, Any]]) -> str:
    """Validate and store an edited map (one transaction), then drop cached results.
    Raises maps.MapError, with a message naming the bad rows, and stores nothing."""
    try:
        with database.writing() as con:
            count = maps.save_map(con, name, rows)
    except store.DatabaseUnavailable as error:
        raise maps.MapError(name, [str(error)]) from error
    database.data_changed()
    return f"{maps.spec(name).label} map saved ({count:,} rows). Every page now uses it."


def add_to_map(name: str, rows: list[dict[str, Any]]) -> str:
    """Append rows (unmapped values the user gave a target) to a map; raises maps.MapError."""
    try:
        with database.writing() as con:
            count = maps.add_rows(con, name, rows)
    except store.DatabaseUnavailable as error:
        raise maps.MapError(name, [str(error)]) from error
    database.data_changed()
    if not count:
        return "Nothing added: give each value you want to add a target first."
    return f"Added {count:,} values to the {maps.spec(name).label.lower()} map."


def set_acceptance_target(target: float) -> None:
    """Store the lead acceptance SLA target and drop cached results."""
    try:
        with database.writing() as con, store.transaction(con, changes_data=False):
            funnel.set_acceptance_target(con, target)
    finally:
        database.data_changed()
