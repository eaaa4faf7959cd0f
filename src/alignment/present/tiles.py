"""KPI tiles: which KPIs a screen shows and the text of each tile (value, delta, n, interval).

Pure functions over the frames of `metrics.overview`, so the wording of every tile is tested
without a server. One `Tile` per KPI shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from alignment.metrics import registry
from alignment.present import format, sla_tables

OVERVIEW_TILES: tuple[str, ...] = (
    "mqls",
    "mql_to_sql",
    "sqls",
    "opps_created",
    "pipeline_created",
    "won_revenue",
    "win_rate",
    "avg_deal_size",
)
"""KPIs on the Overview, in reading order (two rows of four)."""

MATURING_KPIS: frozenset[str] = frozenset({"sqls", "mql_to_sql", "mql_to_won", "wins"})
"""KPIs of the MQL cohort that still grow as it ages: while it matures, their change is no news
(the cohort has not had the time the comparison's had), so it is not coloured."""

SIGNIFICANCE = 0.05
"""A change with a p-value at or above this is inside the noise: shown, but not coloured."""


def delta_judgement(
    name: str, p_value: float | None, *, maturing: bool, higher_is_better: bool = True
) -> tuple[str, str]:
    """(st.metric delta colour, sentence for the tooltip) of a KPI's change: "off" (grey) while
    its cohort is maturing or when the change is inside the noise (p at or above
    `SIGNIFICANCE`), else coloured as good or bad news; the sentence gives the p-value."""
    if maturing and name in MATURING_KPIS:
        return "off", "The MQL cohort is still maturing: this change is not news yet."
    if p_value is not None and not math.isnan(p_value):
        if p_value >= SIGNIFICANCE:
            return "off", f"The change is within the noise (p = {format.p_value(p_value)})."
        color = "normal" if higher_is_better else "inverse"
        return color, f"The change is unlikely to be chance (p = {format.p_value(p_value)})."
    return ("normal" if higher_is_better else "inverse"), ""


@dataclass(frozen=True)
class Tile:
    """The text of one KPI tile."""

    name: str
    label: str
    value: str
    delta: str | None
    delta_color: str  # "normal", "inverse" or "off" (st.metric's delta_color)
    help: str
    caption: str | None
    trust: str | None = (
        None  # data-quality note (present.sentences.trust_notes), shown beside the tile
    )
    target: str | None = None  # the SLA target and status (`Target 150 · Met`)

    @property
    def status(self) -> str | None:
        """The target's status alone (`Met`, `At risk`, `Missed`, `Still maturing`)."""
        return self.target.rsplit(" · ", 1)[-1] if self.target else None


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _sample_caption(name: str, row: dict[str, object]) -> str | None:
    """`12 of 48 MQLs · 95 % CI 14–38 %` for rates (n and what it counts from the registry
    ratio); None for counts and amounts."""
    ratio = registry.KPIS[name].computation
    if not isinstance(ratio, registry.Ratio):
        return None
    parts = [row.get(part) for part in ratio.denominator]
    num = row.get(ratio.numerator)
    den = None if any(_is_missing(p) for p in parts) else sum(int(p) for p in parts)  # type: ignore[call-overload]
    if _is_missing(den) or not den:
        return f"no {ratio.of} in this period"
    low, high = row.get(f"{name}_low"), row.get(f"{name}_high")
    text = f"{int(num):,} of {int(den):,} {ratio.of}"  # type: ignore[call-overload]
    if not _is_missing(low) and not _is_missing(high):
        text += f" · 95 % CI {format.rate_interval(low, high)}"
    return text


def overview_tiles(
    comparison: pl.DataFrame,
    kpi_row: pl.DataFrame,
    trust: dict[str, str] | None = None,
    targets: pl.DataFrame | None = None,
    *,
    maturing: bool = False,
) -> list[Tile]:
    """One tile per KPI of `OVERVIEW_TILES`, from `kpi_comparison` (one row per KPI) and the
    `kpis` frame (one row) of the same period; `trust` (from `sentences.trust_notes`) adds each
    KPI's data-quality note, `targets` (the SLA scorecard, `metrics.sla.scorecard`) the target
    and status of the KPIs that have a commitment (`maturing`: the cohort is still maturing, so
    MQL -> SQL has no status yet)."""
    by_name = {row["name"]: row for row in comparison.to_dicts()}
    row = kpi_row.to_dicts()[0] if kpi_row.height else {}
    tiles: list[Tile] = []
    for name in OVERVIEW_TILES:
        kpi = registry.KPIS[name]
        entry = by_name.get(name, {})
        current = entry.get("current")
        previous = entry.get("previous")
        has_delta = not _is_missing(previous) and not _is_missing(current)
        color, note = delta_judgement(
            name,
            entry.get("p_value"),
            maturing=maturing,
            higher_is_better=kpi.higher_is_better,
        )
        if has_delta and current == previous:  # no change is neither good nor bad news
            color = "off"
        tiles.append(
            Tile(
                name=name,
                label=kpi.label,
                value=format.metric_value(kpi, current),
                delta=format.metric_delta(kpi, current, previous) if has_delta else None,
                delta_color=color,
                help=f"{kpi.definition} {note}".strip() if has_delta else kpi.definition,
                caption=_sample_caption(name, row),
                trust=(trust or {}).get(name),
                target=None
                if targets is None
                else sla_tables.overview_target(targets, name, maturing=maturing),
            )
        )
    return tiles
