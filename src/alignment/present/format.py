"""Numbers as people read them: one formatter per unit (count, rate, currency, days, hours),
the 95 % interval of a rate and the change between two values. Every tile, table, chart label,
sentence and CLI line formats its numbers here, so a rate reads `34 %` wherever it is shown.

Missing values (None, NaN, infinity: nothing a figure can show) read `–`.
"""

from __future__ import annotations

import math

from alignment.metrics import registry
from alignment.metrics.registry import Kpi, Unit

MISSING = "–"
"""What a missing value reads."""


def is_missing(value: object) -> bool:
    """None, NaN, infinity and anything that is not a number are missing."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _one_decimal_below_ten(number: float) -> str:
    """`3.4` below 10 (in absolute value), `34` from 10 up; a trailing `.0` is dropped."""
    if abs(round(number, 1)) < 10:
        return f"{number:.1f}".removesuffix(".0")
    return f"{number:.0f}"


def count(value: object) -> str:
    """`1,234`."""
    return MISSING if is_missing(value) else f"{round(float(value)):,}"  # type: ignore[arg-type]


def rate(value: object) -> str:
    """A share as a percentage: `34 %`, `3.4 %` below 10 %, `5 %` rather than `5.0 %`."""
    if is_missing(value):
        return MISSING
    return f"{_one_decimal_below_ten(float(value) * 100)} %"  # type: ignore[arg-type]


def currency(value: object) -> str:
    """`$950`, `$1.5k`, `$345k`, `$1.2M`, `$12M`, `$3.4B` (one decimal below 10 of a unit,
    trailing `.0` dropped); negative amounts get a leading minus."""
    if is_missing(value):
        return MISSING
    amount = float(value)  # type: ignore[arg-type]
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if round(amount) < 1000:
        return f"{sign}${amount:.0f}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
        text = _one_decimal_below_ten(amount / scale)
        if float(text) < 1000 or suffix == "B":
            return f"{sign}${text}{suffix}"
    raise AssertionError("unreachable")


def days(value: object) -> str:
    """`12 days`, `3.5 days` below 10, `1 day`."""
    if is_missing(value):
        return MISSING
    text = _one_decimal_below_ten(float(value))  # type: ignore[arg-type]
    return f"{text} day" if text == "1" else f"{text} days"


def hours(value: object) -> str:
    """Business or clock hours: `45 min` below an hour, `3.4 h` below 10, `12 h` from 10 up."""
    if is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if abs(number) < 1:
        return f"{round(number * 60):.0f} min"
    return f"{_one_decimal_below_ten(number)} h"


BY_UNIT = {"count": count, "rate": rate, "currency": currency, "days": days, "hours": hours}
"""The formatter of each unit."""


def value(unit: Unit, number: object) -> str:
    """`number` in its unit's format (see `count`, `rate`, `currency`, `days`)."""
    return BY_UNIT[unit](number)


def metric_value(metric: Kpi | str, number: object) -> str:
    """A registry metric's value in its unit's format."""
    return value(_metric(metric).unit, number)


def rate_interval(low: object, high: object) -> str:
    """A 95 % interval of a rate: `29–47 %` (one decimal below 10 %)."""
    if is_missing(low) or is_missing(high):
        return MISSING
    low_text = _one_decimal_below_ten(float(low) * 100)  # type: ignore[arg-type]
    high_text = _one_decimal_below_ten(float(high) * 100)  # type: ignore[arg-type]
    return f"{low_text}–{high_text} %"


def _signed(text: str, number: float) -> str:
    """`text` (an absolute value) with `+` or an ASCII `-` in front."""
    return ("-" if number < 0 else "+") + text


def delta(unit: Unit, current: object, previous: object) -> str:
    """The change from `previous` to `current`, always signed.

    Rates: percentage points, one decimal (`+3.1 pts`, `-0.4 pts`). Counts, currency and days:
    relative change (`+12 %`; `-3.5 %` below 10 %, `-3 %` rather than `-3.0 %`); `new` when
    previous is 0 and current is not, `+0 %` when both are 0. `–` when either value is
    missing. The sign is an ASCII `-` so Streamlit's `st.metric` draws the arrow the right way."""
    if is_missing(current) or is_missing(previous):
        return MISSING
    now, before = float(current), float(previous)  # type: ignore[arg-type]
    if unit == "rate":
        points = round((now - before) * 100, 1)
        return _signed(f"{abs(points):.1f} pts", points)
    if before == 0:
        return "+0 %" if now == 0 else "new"
    change = (now - before) / abs(before) * 100
    text = _one_decimal_below_ten(abs(change))
    return _signed(f"{text} %", 0.0 if text == "0" else change)


def signed(unit: Unit, amount: object) -> str:
    """An amount of change in its unit, always signed: rates in percentage points (`+3.1 pts`,
    `-0.4 pts`), other units as their value (`-70`, `+$1.2k`); `–` when missing. (`delta`
    compares two values; this writes a difference already taken, such as an effect.)"""
    if is_missing(amount):
        return MISSING
    number = float(amount)  # type: ignore[arg-type]
    if unit == "rate":
        points = round(number * 100, 1)
        return _signed(f"{abs(points):.1f} pts", points)
    text = value(unit, abs(number))
    return _signed(text, 0.0 if text.strip("$0 ") == "" else number)


def metric_delta(metric: Kpi | str, current: object, previous: object) -> str:
    """The change of a registry metric in its unit's terms (see `delta`)."""
    return delta(_metric(metric).unit, current, previous)


def _metric(metric: Kpi | str) -> Kpi:
    return metric if isinstance(metric, Kpi) else registry.metric(metric)


def p_value(value: float) -> str:
    """A p-value as a report writes it: `0.34`, `0.012`, `< 0.001`."""
    if value < 0.001:
        return "< 0.001"
    return f"{value:.2g}" if value < 0.05 else f"{value:.2f}"
