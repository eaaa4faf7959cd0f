"""Small-sample statistics for rates: Wilson score intervals and the two-proportion z-test.

Owns the formulas DESIGN section 5 asks for ("always show n and a Wilson 95 % interval",
"compare two channels with a two-proportion test"). Pure Python (no numpy / scipy), plus
`wilson_sql`, the same interval as DuckDB expressions so per-row intervals (one per channel,
one per month) are computed where the counts are, without pulling rows into Python; and the
Kaplan-Meier median (sales cycle with open deals censored), per group over a polars frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import polars as pl

_STANDARD_NORMAL = NormalDist()

MIN_N = 30
"""Fewest observations behind a rate (or a cell of a test, and the rest) before it is read as
more than noise: a smaller one is "too few to tell", and a pattern test is not run."""

MAX_INTERVAL_WIDTH = 0.20
"""A rate whose Wilson 95 % interval is wider than 20 points is "too few to tell" too (DESIGN
section 5)."""


def z_value(confidence: float = 0.95) -> float:
    """Two-sided critical value of the standard normal (1.959964 for 95 %)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    return _STANDARD_NORMAL.inv_cdf(1.0 - (1.0 - confidence) / 2.0)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (low, high) for `successes` out of `n`; (nan, nan) when n == 0.

    With p = successes / n and z the critical value:
    centre = (p + z²/2n) / (1 + z²/n), half width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
    Unlike the normal approximation it never leaves [0, 1] and stays sensible at 0/n and n/n.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return math.nan, math.nan
    z = z_value(confidence)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z-test of x1/n1 against x2/n2: (z, two-sided p-value).

    z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2)) with the pooled p = (x1 + x2) / (n1 + n2).
    (nan, nan) when either sample is empty; (0.0, 1.0) when the pooled rate is 0 or 1 (both
    samples identical, no evidence of a difference).
    """
    for x, n in ((x1, n1), (x2, n2)):
        if n < 0 or x < 0 or x > n:
            raise ValueError(f"need 0 <= successes <= n, got {x} of {n}")
    if n1 == 0 or n2 == 0:
        return math.nan, math.nan
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    p_value = 2.0 * (1.0 - _STANDARD_NORMAL.cdf(abs(z)))
    return z, min(1.0, max(0.0, p_value))


def count_change_test(current: int, previous: int) -> tuple[float, float]:
    """Whether two counts over periods of equal length differ by more than chance: (z,
    two-sided p-value) of the conditional test of two Poisson counts (given their total, the
    current count is Binomial(total, 1/2) when the rates are equal), by its normal
    approximation with a continuity correction: z = (|a - b| - 1) / sqrt(a + b), signed as
    a - b. (nan, nan) when both are 0: nothing to compare."""
    if current < 0 or previous < 0:
        raise ValueError(f"need counts of at least 0, got {current} and {previous}")
    total = current + previous
    if total == 0:
        return math.nan, math.nan
    z = max(abs(current - previous) - 1.0, 0.0) / math.sqrt(total)
    p_value = 2.0 * (1.0 - _STANDARD_NORMAL.cdf(z))
    return math.copysign(z, current - previous), min(1.0, max(0.0, p_value))


def wilson_sql(successes_sql: str, n_sql: str, confidence: float = 0.95) -> tuple[str, str]:
    """DuckDB expressions (low, high) for the Wilson interval of `successes_sql` out of
    `n_sql`; both NULL when n is 0 or NULL, exactly 0 / 1 at 0 of n / n of n.

    The arguments are trusted SQL expressions (column names or arithmetic on them), never user
    input; the critical value is a number computed here, written as a literal.
    """
    z2 = repr(z_value(confidence) ** 2)
    z = repr(z_value(confidence))
    n = f"({n_sql})::DOUBLE"
    p = f"(({successes_sql})::DOUBLE / {n})"
    centre = f"(({p} + {z2} / (2 * {n})) / (1 + {z2} / {n}))"
    half = f"({z} * sqrt({p} * (1 - {p}) / {n} + {z2} / (4 * {n} * {n})) / (1 + {z2} / {n}))"
    guard = f"CASE WHEN coalesce({n_sql}, 0) <= 0 THEN NULL"
    low = f"{guard} WHEN ({successes_sql}) = 0 THEN 0.0 ELSE greatest(0.0, {centre} - {half}) END"
    high = (
        f"{guard} WHEN ({successes_sql}) = ({n_sql}) THEN 1.0 "
        f"ELSE least(1.0, {centre} + {half}) END"
    )
    return low, high


def kaplan_meier_median(durations: Sequence[float], observed: Sequence[bool]) -> float | None:
    """Kaplan-Meier median survival time of one group (one value per subject): the smallest
    event time at which the estimated survival S(t) falls to 0.5 or below; None when it never
    does (too many subjects still censored) or there are no subjects.

    `observed[i]` is True when subject i's event happened at `durations[i]` (a deal won after
    that many days) and False when it was censored then (a deal still open, seen for that many
    days): a censored subject stays in the risk set up to its time instead of being dropped.
    S(t) = product over event times t_i <= t of (1 - d_i / n_i), with d_i events at t_i and n_i
    subjects whose time is >= t_i (censored ties at t_i count as still at risk, the usual rule).
    """
    if len(durations) != len(observed):
        raise ValueError("durations and observed need the same length")
    pairs = sorted(
        (float(d), bool(o)) for d, o in zip(durations, observed, strict=True) if not math.isnan(d)
    )
    at_risk = len(pairs)
    survival = 1.0
    i = 0
    while i < len(pairs):
        time = pairs[i][0]
        events = censored = 0
        while i < len(pairs) and pairs[i][0] == time:
            events += pairs[i][1]
            censored += not pairs[i][1]
            i += 1
        if events:
            survival *= 1.0 - events / at_risk
            if survival <= 0.5 + 1e-12:
                return time
        at_risk -= events + censored
    return None


def kaplan_meier_medians(
    frame: pl.DataFrame, group: str, duration: str = "duration", observed: str = "observed"
) -> dict[Any, float | None]:
    """`kaplan_meier_median` per value of `group` in `frame` (one row per subject, with its
    `duration` and `observed` flag): {group value: median, or None}."""
    medians: dict[Any, float | None] = {}
    for key, part in frame.group_by(group, maintain_order=True):
        medians[key[0]] = kaplan_meier_median(
            part[duration].cast(pl.Float64).to_list(), part[observed].to_list()
        )
    return medians
