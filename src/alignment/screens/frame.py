"""What every page needs before its own content: the sidebar's choices (the data's date range
and the values of each filter dimension). They change only when the data does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from alignment.db.store import Connection
from alignment.filters import DIMENSIONS
from alignment.metrics import overview


@dataclass(frozen=True)
class Choices:
    """The data's first and last event dates (None without dated data) and, per filter
    dimension, its values in the data (sorted)."""

    earliest: date | None = None
    latest: date | None = None
    dimension_values: dict[str, list[str]] = field(default_factory=dict)


def choices(con: Connection) -> Choices:
    """The sidebar's choices: one date range, and the values of every filter dimension."""
    earliest, latest = overview.data_date_range(con)
    values = {d: overview.dimension_values(con, d) for d in DIMENSIONS}
    return Choices(earliest, latest, values)
