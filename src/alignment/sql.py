"""Quoting for SQL: the one place identifiers (and the few literals that cannot be bound
parameters) are quoted; and `Params`, how values are bound by name where they are used. Plain
values, importable from any layer."""

from __future__ import annotations

from typing import Any


class Params:
    """The values of one statement, bound by name where each is used: `params.bind(value)`
    records the value and returns its placeholder (`$v0`, `$v1`, ...). A clause carries its own
    values wherever it moves, so nothing depends on the order of `?` in the text. Pass
    `params.values` to `store.query`."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        """A fresh placeholder for `value`."""
        name = f"v{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def quote_identifier(name: str) -> str:
    """Quote a table or column name for SQL (the one place identifiers are quoted)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"not an identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for the few SQL places that cannot take a bound parameter
    (e.g. DDL defaults, `read_csv` option strings)."""
    return "'" + str(value).replace("'", "''") + "'"
