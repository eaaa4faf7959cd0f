"""The Attribution page: channel credit under every model side by side, the reconciliation,
campaign influence and marketing-influenced revenue for a selection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from alignment.db.store import Connection
from alignment.metrics import attribution
from alignment.selection import Selection


@dataclass(frozen=True)
class Attribution:
    """What the page shows for one selection: `channels` (one row per channel, credit and rank
    per model), `reconciliation` (one row per model), `campaigns` (one row per campaign) and
    `influenced` (the influenced revenue figures)."""

    channels: pl.DataFrame
    reconciliation: pl.DataFrame
    campaigns: pl.DataFrame
    influenced: dict[str, Any]


def attribution_view(con: Connection, selection: Selection) -> Attribution:
    """Every table of the page for the selection's period (opportunities created in it) and
    filters."""
    found = attribution.summary(con, selection.alone)
    return Attribution(
        channels=found["channels"],
        reconciliation=found["reconciliation"],
        campaigns=found["campaigns"],
        influenced=found["influenced"],
    )


def ledger(con: Connection, selection: Selection, page: int, limit: int) -> pl.DataFrame:
    """One page of the credit ledger: one row per opportunity x touchpoint."""
    return attribution.ledger(con, selection.alone, page=page, limit=limit)
