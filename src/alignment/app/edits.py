"""Edits from the Settings and Funnel pages: the SLA contract's versions, the channel, stage and
reason maps and the lead acceptance target. Each is one write (`database.writing`), then cached
results are dropped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from alignment.app import database
from alignment.db import store
from alignment.metrics import funnel
from alignment.model import maps
from alignment.model import sla_contract_io as contract_io
from alignment.model.sla_contract import Contract

SHOWN_NAMES = 5
"""How many row names a question lists before `and N more`."""


def _names(labels: tuple[str, ...]) -> str:
    """`A, B, C, D, E and 3 more`: at most `SHOWN_NAMES` names."""
    shown = ", ".join(labels[:SHOWN_NAMES])
    rest = len(labels) - SHOWN_NAMES
    return f"{shown} and {rest:,} more" if rest > 0 else shown


def _map_title(name: str) -> str:
    return f"{maps.spec(name).label} map"


def map_changes(name: str, rows: list[dict[str, Any]]) -> maps.MapChanges:
    """What saving edited rows would change in the stored map. Raises maps.MapError for a bad
    row (so a map that cannot be saved never asks)."""
    return maps.map_changes(name, maps.read_map(database.connection(), name), rows)


def save_map_question(name: str, rows: list[dict[str, Any]]) -> str:
    """The question asked before saving edited rows that remove or change stored ones: the
    rows and how many records they match (`maps.records_matched`). Raises maps.MapError."""
    con = database.connection()
    changes = maps.map_changes(name, maps.read_map(con, name), rows)
    return map_question_text(name, changes, maps.records_matched(con, name, changes.lost))


def map_question_text(name: str, changes: maps.MapChanges, records: int) -> str:
    """`Save the channels map? This removes 2 rows (A, B) and changes 1 (C). 40 records ...`:
    at most `SHOWN_NAMES` names a list, and `records`, how many records the lost rows match."""
    parts = []
    if changes.removed:
        count = len(changes.removed)
        parts.append(f"removes {count:,} row{'s' * (count != 1)} ({_names(changes.removed)})")
    if changes.changed:
        parts.append(f"changes {len(changes.changed):,} ({_names(changes.changed)})")
    if changes.added:
        parts.append(f"adds {len(changes.added):,}")
    return (
        f"Save the {_map_title(name).lower()}? This {', '.join(parts[:-1])}"
        f"{' and ' if len(parts) > 1 else ''}{parts[-1]}. "
        + (
            f"{records:,} record{'s' * (records != 1)} with those values may be mapped anew on "
            "every page."
            if records
            else "No record has those values."
        )
    )


def save_map(name: str, rows: list[dict[str, Any]]) -> str:
    """Validate and store an edited map (one transaction), then drop cached results; returns
    what it did (`Channels map saved: 2 added, 1 changed, 3 removed. ...`). Raises
    maps.MapError, with a message naming the bad rows, and stores nothing."""
    try:
        with database.writing() as con:
            changes = maps.map_changes(name, maps.read_map(con, name), rows)
            maps.save_map(con, name, rows)
    except store.DatabaseUnavailable as error:
        raise maps.MapError(name, [str(error)]) from error
    database.data_changed()
    return f"{_map_title(name)} saved: {changes.counts()}. Every page now uses it."


def reset_map_question(name: str) -> str:
    """The question asked before replacing a map with its defaults, saying what the reset
    would add, change and remove (or that the map already matches them)."""
    stored = maps.read_map(database.connection(), name)
    defaults = maps.default_map(name)
    changes = maps.map_changes(name, stored, defaults)
    title = _map_title(name).lower()
    if not (changes.added or changes.changed or changes.removed):
        return (
            f"The {title} already holds its {defaults.height:,} default rows: resetting it "
            "changes nothing."
        )
    return (
        f"Replace your {stored.height:,} rows of the {title} with the {defaults.height:,} "
        f"default rows ({changes.counts()})? Your own rows are lost."
    )


def reset_map(name: str) -> str:
    """Replace a map with its defaults (one transaction), then drop cached results; returns
    what it did. Raises maps.MapError when the database cannot be written."""
    try:
        with database.writing() as con:
            changes = maps.reset_map(con, name)
            rows = maps.read_map(con, name).height
    except store.DatabaseUnavailable as error:
        raise maps.MapError(name, [str(error)]) from error
    database.data_changed()
    return (
        f"{_map_title(name)} reset to the defaults ({rows:,} rows): {changes.counts()}. "
        "Every page now uses it."
    )


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


def save_contract(contract: Contract) -> str:
    """Validate and store one version of the SLA contract (replacing the version of the same
    date), then drop cached results; returns the confirmation. Raises
    `contract_io.ContractError` listing every problem, and stores nothing."""
    contract_io.require_valid(contract)  # before the write, which waits for reads in progress
    return _contract_write(lambda con: contract_io.save_version(con, contract))


def upload_contract(file_name: str, data: bytes) -> str:
    """Read an uploaded TOML file and store it as a version (see `save_contract`). Raises
    `contract_io.ContractError` naming the file, the line and the reason, and stores nothing."""
    return save_contract(contract_io.from_toml_bytes(data, file_name=file_name))


def delete_contract(effective_from: date) -> str:
    """Delete the SLA contract version in effect from `effective_from`, then drop cached
    results; returns the confirmation. Raises `contract_io.ContractError`."""
    return _contract_write(lambda con: contract_io.delete_version(con, effective_from))


def _contract_write(change: Callable[[store.Connection], str]) -> str:
    """One change of the SLA contract's versions as one write (a database that cannot be
    written says why as a `ContractError`); cached results are dropped after it either way."""
    try:
        with database.writing() as con:
            return change(con)
    except store.DatabaseUnavailable as error:
        raise contract_io.ContractError(str(error)) from error
    finally:
        database.data_changed()
