"""Change decomposition ("what changed, and why", DESIGN section 5): the change of a metric between
the selected period and its comparison, split across the values of a dimension (channels,
segments) into volume, rate and mix effects that add up exactly to the change of the total.

Owns the numbers behind the Overview's "What changed, and why" section. The per-group numbers
come from the registry through `metrics.compile.compile_periods` (one statement for both periods,
by the dimension); the decomposition itself is arithmetic on that small frame.

The method (standard shift-share / Kitagawa decomposition with midpoint weights):

- **Counts and sums** (`mqls`, `sqls`, `won_revenue`): the total is the sum of its groups,
  T = sum_g x_g, so its change is the sum of the groups' changes. Each group's *volume* effect
  is its own change, x_g1 - x_g0.
- **Ratios** (`mql_to_sql`, `win_rate`): the total rate is the weighted mean of the groups'
  rates, R = sum_g w_g r_g, with w_g = n_g / N the group's share of the denominator (MQLs,
  closed deals) and r_g = x_g / n_g its rate. With midpoint averages w_g^avg = (w_g0 + w_g1) / 2,
  r_g^avg = (r_g0 + r_g1) / 2 and R^avg = (R0 + R1) / 2:
    - *rate* effect of g: w_g^avg x (r_g1 - r_g0), the change of the group's own rate, weighted
      by its average share;
    - *mix* effect of g: (r_g^avg - R^avg) x (w_g1 - w_g0), the shift of share towards (or away
      from) a group that converts above (or below) the average.
  For every group w1 r1 - w0 r0 = w^avg (r1 - r0) + r^avg (w1 - w0) exactly, and the shares'
  changes add up to zero (sum_g (w_g1 - w_g0) = 0), so subtracting R^avg from every r_g^avg
  leaves the sum of the mix effects as it is: the rate and mix effects add up exactly to
  R1 - R0. Centring makes a growing group that converts below average pull the total down (a
  negative mix effect), as people read it. A group present in one period only has no rate in
  the other: its rate is taken as unchanged (rate effect 0), so its whole contribution is mix.

Period slots follow `compile_periods`: 0 is the selected period, 1 its comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from alignment.db.store import Connection
from alignment.metrics import registry
from alignment.metrics.compile import compile_periods
from alignment.metrics.dimensions import check_dimension
from alignment.metrics.registry import Ratio
from alignment.selection import Selection
from alignment.stats import MIN_N

Effect = Literal["volume", "rate", "mix", "total"]

CHANGE_METRICS: tuple[str, ...] = ("mqls", "sqls", "won_revenue", "mql_to_sql", "win_rate")
"""The registry metrics a change can be decomposed for (counts and sums, then ratios)."""

CHANGE_DIMENSIONS: tuple[str, ...] = ("channel", "segment")
"""The dimensions a change is split across."""

COUNT_OF: dict[str, str] = {"won_revenue": "opps_won"}
"""For a sum, the registry count its n is (won revenue is summed over won deals)."""

COLUMNS: dict[str, type[pl.DataType]] = {
    "metric": pl.String,
    "dimension": pl.String,
    "group": pl.String,
    "effect": pl.String,
    "amount": pl.Float64,
    "before": pl.Float64,
    "after": pl.Float64,
    "n_before": pl.Int64,
    "n_after": pl.Int64,
    "share_before": pl.Float64,
    "share_after": pl.Float64,
}
"""Columns of `decompose` (see `decompose_groups`)."""


def check_metric(metric: str) -> str:
    """`metric` if a change of it can be decomposed, else ValueError naming the choices."""
    if metric not in CHANGE_METRICS:
        raise ValueError(f"cannot decompose {metric!r}: use one of {', '.join(CHANGE_METRICS)}")
    return metric


def is_ratio(metric: str) -> bool:
    """Whether the metric is a ratio (rate and mix effects) rather than a count or sum
    (volume effects)."""
    return isinstance(registry.KPIS[check_metric(metric)].computation, Ratio)


def _ratio(metric: str) -> Ratio:
    computation = registry.KPIS[metric].computation
    assert isinstance(computation, Ratio)
    return computation


# ---- per-group numbers ------------------------------------------------------------------------
def group_counts(
    con: Connection, selection: Selection, metric: str, dimension: str
) -> pl.DataFrame:
    """One row per (slot, value of `dimension`) with activity in the selected period (slot 0) or
    its comparison (slot 1): `group`, `slot`, `x` (the count or sum; for a ratio its
    numerator) and `n` (for a ratio its denominator; for a count the count itself; for a sum
    the records summed, `COUNT_OF`). One statement compiled from the registry. Empty without a
    comparison period (no comparison, or all time)."""
    check_metric(metric)
    check_dimension(dimension, CHANGE_DIMENSIONS)
    other = selection.comparison_period
    schema = {"group": pl.String, "slot": pl.Int64, "x": pl.Float64, "n": pl.Int64}
    if other is None:
        return pl.DataFrame(schema=schema)
    items = [metric] + ([COUNT_OF[metric]] if metric in COUNT_OF else [])
    frame = compile_periods(items, [selection.period, other], selection.filters, by=dimension).run(
        con
    )
    if is_ratio(metric):
        ratio = _ratio(metric)
        x, n = pl.col(ratio.numerator), pl.col(f"{metric}_n")
    else:
        x, n = pl.col(metric), pl.col(COUNT_OF.get(metric, metric))
    return frame.select(
        pl.col(dimension).alias("group"),
        pl.col("slot").cast(pl.Int64),
        x.cast(pl.Float64).alias("x"),
        n.cast(pl.Int64).alias("n"),
    ).cast(schema)  # type: ignore[arg-type]


# ---- the decomposition ------------------------------------------------------------------------
def _sides(
    groups: pl.DataFrame,
) -> tuple[dict[str, tuple[float, int]], dict[str, tuple[float, int]]]:
    """(before, after): group -> (x, n) in the comparison (slot 1) and selected (slot 0) period."""
    before: dict[str, tuple[float, int]] = {}
    after: dict[str, tuple[float, int]] = {}
    for group, slot, x, n in groups.select("group", "slot", "x", "n").iter_rows():
        side = after if slot == 0 else before
        old_x, old_n = side.get(group, (0.0, 0))
        side[group] = (old_x + float(x or 0), old_n + int(n or 0))
    return before, after


def decompose_groups(groups: pl.DataFrame, metric: str, dimension: str) -> pl.DataFrame:
    """The change of `metric` split across groups (see the module docstring for the formulas):
    one row per (group, effect) and one `total` row (group null), columns `COLUMNS`.

    `groups` is `group_counts` output (group, slot, x, n; slot 0 selected, 1 comparison).
    Counts and sums: one `volume` row per group, amount = x_g1 - x_g0, before / after the
    group's value, n its records. Ratios: a `rate` and a `mix` row per group with n in either
    period, before / after the group's rate (null where it has no n), n its denominator,
    share_before / share_after its share of the total's denominator. The `total` row: amount =
    the total's change (after - before), before / after the total's value, n its n. The
    effects' amounts add up to the total's amount (to floating-point rounding). Without any n
    in one of the periods a ratio has no value there: only the total row, amount null. Rows
    are ordered by the group's absolute contribution, largest first, then group, then effect
    (volume, rate, mix); the total row comes last."""
    check_metric(metric)
    before, after = _sides(groups)
    names = sorted(set(before) | set(after))
    x0, n0 = sum(v[0] for v in before.values()), sum(v[1] for v in before.values())
    x1, n1 = sum(v[0] for v in after.values()), sum(v[1] for v in after.values())
    rows: list[dict[str, Any]] = []
    total: dict[str, Any] = {"group": None, "effect": "total", "n_before": n0, "n_after": n1}
    if not is_ratio(metric):
        for name in names:
            gx0, gn0 = before.get(name, (0.0, 0))
            gx1, gn1 = after.get(name, (0.0, 0))
            rows.append(
                {
                    "group": name,
                    "effect": "volume",
                    "amount": gx1 - gx0,
                    "before": gx0,
                    "after": gx1,
                    "n_before": gn0,
                    "n_after": gn1,
                }
            )
        total.update(amount=x1 - x0, before=x0, after=x1)
    elif n0 == 0 or n1 == 0:
        total.update(amount=None, before=x0 / n0 if n0 else None, after=x1 / n1 if n1 else None)
    else:
        r_total0, r_total1 = x0 / n0, x1 / n1
        r_average = (r_total0 + r_total1) / 2
        for name in names:
            gx0, gn0 = before.get(name, (0.0, 0))
            gx1, gn1 = after.get(name, (0.0, 0))
            if gn0 == 0 and gn1 == 0:
                continue  # no denominator in either period: no weight, no effect
            r0 = gx0 / gn0 if gn0 else None
            r1 = gx1 / gn1 if gn1 else None
            # a group present in one period only: its rate counts as unchanged
            rate0 = r0 if r0 is not None else r1
            rate1 = r1 if r1 is not None else r0
            assert rate0 is not None and rate1 is not None
            w0, w1 = gn0 / n0, gn1 / n1
            common = {
                "group": name,
                "before": r0,
                "after": r1,
                "n_before": gn0,
                "n_after": gn1,
                "share_before": w0,
                "share_after": w1,
            }
            rate_effect = (w0 + w1) / 2 * (rate1 - rate0)
            mix_effect = ((rate0 + rate1) / 2 - r_average) * (w1 - w0)
            rows.append({**common, "effect": "rate", "amount": rate_effect})
            rows.append({**common, "effect": "mix", "amount": mix_effect})
        total.update(
            amount=r_total1 - r_total0,
            before=r_total0,
            after=r_total1,
            share_before=1.0,
            share_after=1.0,
        )
    contribution: dict[str, float] = {}
    for row in rows:
        contribution[row["group"]] = contribution.get(row["group"], 0.0) + row["amount"]
    effect_order = {"volume": 0, "rate": 1, "mix": 2}
    rows.sort(key=lambda r: (-abs(contribution[r["group"]]), r["group"], effect_order[r["effect"]]))
    rows.append(total)
    return pl.DataFrame(
        [{"metric": metric, "dimension": dimension, **row} for row in rows],
        schema=COLUMNS,  # type: ignore[arg-type]
        orient="row",
    )


def decompose(
    con: Connection,
    selection: Selection,
    metric: str,
    dimensions: tuple[str, ...] = CHANGE_DIMENSIONS,
) -> pl.DataFrame:
    """The change of `metric` from the comparison period to the selected period, split across
    each of `dimensions`: one row per (dimension, group, effect) plus one `total` row per
    dimension (columns `COLUMNS`, see `decompose_groups`). Every dimension's total row holds the
    same total. Empty when the selection has no comparison period (no comparison, all time)."""
    if selection.comparison_period is None:
        return pl.DataFrame(schema=COLUMNS)  # type: ignore[arg-type]
    frames = [
        decompose_groups(group_counts(con, selection, metric, d), metric, d) for d in dimensions
    ]
    return pl.concat(frames, how="vertical")


def top_effects(frame: pl.DataFrame, n: int = 3) -> pl.DataFrame:
    """The `n` effects of `decompose` with the largest absolute amount (zero effects left out):
    one row per effect, largest first (ties by dimension, group, effect), each with the columns
    of `frame` plus `total`, `total_before` and `total_after` (the change of the total it is
    part of and the total's values, from its dimension's total row)."""
    totals = frame.filter(pl.col("effect") == "total").select(
        "dimension",
        pl.col("amount").alias("total"),
        pl.col("before").alias("total_before"),
        pl.col("after").alias("total_after"),
    )
    effects = frame.filter(
        (pl.col("effect") != "total") & pl.col("amount").is_not_null() & (pl.col("amount") != 0)
    )
    return (
        effects.join(totals, on="dimension", how="left")
        .sort(
            [pl.col("amount").abs(), "dimension", "group", "effect"],
            descending=[True, False, False, False],
        )
        .head(n)
    )


# ---- Simpson's paradox ------------------------------------------------------------------------
@dataclass(frozen=True)
class Simpson:
    """Every group of a dimension with at least the minimum n in both periods moved one way
    (`groups_direction`: "up" or "down") while the total moved the other."""

    metric: str
    dimension: str
    groups: tuple[str, ...]
    groups_direction: Literal["up", "down"]
    before: float
    after: float
    min_n: int


def simpson(frame: pl.DataFrame, *, min_n: int = MIN_N) -> list[Simpson]:
    """Simpson's paradox in a `decompose` frame: one `Simpson` per dimension where at least two
    groups have n >= `min_n` in both periods, every one of them moved in the same direction
    (after > before, or after < before, strictly) and the total moved the other way. Groups with
    fewer than `min_n` are left out of the test (their rates are noise), not counted against
    it. Empty when no dimension shows it."""
    found: list[Simpson] = []
    for dimension in frame["dimension"].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col("dimension") == dimension)
        total = part.filter(pl.col("effect") == "total")
        if total.is_empty():
            continue
        before, after = total["before"][0], total["after"][0]
        if before is None or after is None or before == after:
            continue
        groups = (
            part.filter(
                (pl.col("effect") != "total")
                & (pl.col("n_before") >= min_n)
                & (pl.col("n_after") >= min_n)
            )
            .unique(subset="group", keep="first", maintain_order=True)
            .sort("group")
        )
        if groups.height < 2:
            continue
        moves = [
            (a > b) - (a < b)
            for a, b in zip(groups["after"].to_list(), groups["before"].to_list(), strict=True)
        ]
        total_move = 1 if after > before else -1
        if all(m == -total_move for m in moves):
            found.append(
                Simpson(
                    metric=str(part["metric"][0]),
                    dimension=dimension,
                    groups=tuple(groups["group"].to_list()),
                    groups_direction="up" if total_move < 0 else "down",
                    before=float(before),
                    after=float(after),
                    min_n=min_n,
                )
            )
    return found
