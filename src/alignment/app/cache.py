"""One cached call for every read the app makes: `cached(function, *args, **kwargs)` runs
`function(connection, *args, **kwargs)` once per distinct call and data version, and hands
every later caller (every session of the process) a copy of the result.

The key is the function's qualified name, the data version (`database.data_version()`: the
database path, the writes this process made, the file's modification time) and the argument
values, which must be hashable by value: `Period`, `Filters`, `funnel.Cell`, strings, numbers,
None and tuples of them. After any write `database.data_changed()` drops every result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from alignment.app import database
from alignment.db.store import Connection

P = ParamSpec("P")
T = TypeVar("T")

MAX_ENTRIES = 2_000
"""Results kept (least recently used go first): each is a small aggregate, not fact rows."""


def qualified_name(function: Callable[..., Any]) -> str:
    """`module.function`, the part of the key that names what is computed. Lambdas and local
    functions have no stable name (two of them could share one), so they are refused."""
    name = f"{function.__module__}.{function.__qualname__}"
    if "<" in name:
        raise ValueError(f"cached() needs a module-level function, not {name}")
    return name


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _call(
    _function: Callable[..., Any],
    name: str,
    version: tuple[Any, ...],
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    """(The function itself is not hashed: `name` stands for it.)"""
    return _function(database.connection(), *args, **dict(kwargs))


def cached(
    function: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`function(connection, *args, **kwargs)`, computed once per data version and argument
    values (see the module docstring)."""
    key = tuple(sorted(kwargs.items()))
    return _call(function, qualified_name(function), database.data_version(), args, key)
