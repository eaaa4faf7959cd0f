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
