"""The one clock: UTC now, fixed by ALIGNMENT_NOW for reproducible reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from alignment import clock


def test_now_is_utc_and_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALIGNMENT_NOW", raising=False)
    result = clock.now()
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    assert abs(result - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("fixed", "expected"),
    [
        ("2026-11-23", datetime(2026, 11, 23, tzinfo=UTC)),
        ("2026-11-23T09:30:00", datetime(2026, 11, 23, 9, 30, tzinfo=UTC)),
        # 09:30 at +02:00 is 07:30 UTC, the same instant
        ("2026-11-23T09:30:00+02:00", datetime(2026, 11, 23, 7, 30, tzinfo=UTC)),
    ],
)
def test_alignment_now_fixes_the_clock(
    monkeypatch: pytest.MonkeyPatch, fixed: str, expected: datetime
) -> None:
    monkeypatch.setenv("ALIGNMENT_NOW", fixed)
    assert clock.now() == expected
    assert clock.today() == date(2026, 11, 23)


def test_a_bad_alignment_now_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGNMENT_NOW", "yesterday")
    with pytest.raises(ValueError, match="ALIGNMENT_NOW='yesterday'"):
        clock.now()
