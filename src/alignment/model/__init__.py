"""The model layer: the fact models (`facts`: `lead_facts`, `opp_facts` and the linked
activity and touchpoint views), the channel / stage / reason maps (`maps`), the SLA contract
(`sla_contract`, stored by `sla_contract_io`) and business time (`business_time`), on top of
the storage layer (`alignment.db`).

This is where the two are wired: `connect` and `Database` open the storage with `MODELS`, so
every read-write open creates the views, seeds the maps and builds the business calendars, and
every data-changing transaction keeps the facts in step. Everything above this layer opens the
database through here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alignment.db import store
from alignment.model import business_time, facts, maps, sla_contract_io


def _create(con: store.Connection) -> None:
    facts.create_views(con)
    facts.seed_default_maps(con)
    sla_contract_io.refresh_business_calendars(con)


MODELS = store.Models(
    create=_create,
    after_write=facts.refresh,
    sources=(
        Path(__file__),
        Path(facts.__file__),
        Path(maps.__file__),
        Path(business_time.__file__),
        Path(sla_contract_io.__file__),
    ),
)
"""What this layer adds to the storage: views and default maps, the fact refresh after every
write, and the code that shapes them (part of the database's code fingerprint)."""


def connect(
    path: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> store.Connection:
    """Open the database with the models (see `store.connect`)."""
    return store.connect(path, read_only=read_only, models=MODELS)


def Database(path: str | os.PathLike[str] | None = None, **options: Any) -> store.Database:  # noqa: N802
    """The app's shared handle on the database, with the models (see `store.Database`)."""
    return store.Database(path, models=MODELS, **options)


def needs_upgrade(con: store.Connection) -> bool:
    """Whether the database misses migrations or view definitions of this code."""
    return store.needs_upgrade(con, MODELS)
