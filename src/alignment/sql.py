"""Quoting for SQL: the one place identifiers (and the few literals that cannot be bound
parameters) are quoted. Plain values, importable from any layer."""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    """Quote a table or column name for SQL (the one place identifiers are quoted)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"not an identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for the few SQL places that cannot take a bound parameter
    (e.g. DDL defaults, `read_csv` option strings)."""
    return "'" + str(value).replace("'", "''") + "'"
