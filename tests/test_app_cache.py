"""The app's one cached call (`alignment.app.cache.cached`): keyed by the function's name, the
argument values and the data version; computed again after a write; never for a function
without a stable name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alignment.app import cache, database
from alignment.db import store
from alignment.filters import Filters
from alignment.periods import Period

CALLS: list[tuple[Period, Filters]] = []


def counted(con: store.Connection, period: Period, filters: Filters) -> int:
    """Leads in the database, counting how often it really runs."""
    CALLS.append((period, filters))
    return int(store.scalar(con, "SELECT count(*) FROM leads"))


@pytest.fixture(autouse=True)
def _no_calls_yet(demo_db: Path, clear_streamlit_caches: None) -> None:
    database.connection()  # the handle's first read prepares the file: done before counting
    CALLS.clear()


def test_equal_values_are_computed_once_and_other_values_again(demo_db: Path) -> None:
    first = cache.cached(counted, Period.parse("2026-09"), Filters())
    # equal values built anew hit the same result
    again = cache.cached(counted, Period.month(2026, 9), Filters(channel=()))
    assert (first, again, len(CALLS)) == (3_000, 3_000, 1)  # the demo fixture's 3,000 leads
    cache.cached(counted, Period.parse("2026-09"), Filters(channel=("Email",)))
    cache.cached(counted, Period.parse("2026-10"), Filters())
    assert len(CALLS) == 3


def test_a_write_makes_every_result_computed_again(demo_db: Path) -> None:
    cache.cached(counted, Period.parse("2026-09"), Filters())
    database.data_changed()
    cache.cached(counted, Period.parse("2026-09"), Filters())
    assert len(CALLS) == 2


def test_results_belong_to_their_database_file(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.cached(counted, Period.parse("2026-09"), Filters())
    other = tmp_path / "other.duckdb"
    shutil.copy(demo_db, other)
    monkeypatch.setenv("ALIGNMENT_DB", str(other))
    cache.cached(counted, Period.parse("2026-09"), Filters())
    assert len(CALLS) == 2


def test_a_function_without_a_stable_name_is_refused(demo_db: Path) -> None:
    def local(con: store.Connection) -> int:
        return 1

    with pytest.raises(ValueError, match="module-level function"):
        cache.cached(local)
    with pytest.raises(ValueError, match="module-level function"):
        cache.cached(lambda con: 1)
