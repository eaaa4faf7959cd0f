"""The current time, in one place: UTC, and fixed by `ALIGNMENT_NOW` (an ISO date or time) for
reproducible reports and tests. Plain values, importable from any layer."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

NOW_VARIABLE = "ALIGNMENT_NOW"


def now() -> datetime:
    """The current UTC instant, or `ALIGNMENT_NOW` when it is set (`2026-11-23` or
    `2026-11-23T09:00:00+00:00`; a naive value is UTC)."""
    fixed = os.environ.get(NOW_VARIABLE, "").strip()
    if not fixed:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(fixed)
    except ValueError as exc:
        raise ValueError(
            f"{NOW_VARIABLE}={fixed!r} is not an ISO date or time (e.g. 2026-11-23)"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def today() -> date:
    """The current UTC date (see `now`)."""
    return now().date()
