"""The review pack's content (DESIGN section 6): what a pack says, section by section, as data
that both renderers read (`pack_html`, one self-contained file; `pack_pptx`, native charts).

A pack is a header (period, comparison, filters), an ordered list of `Section`s and the
definitions of every metric the sections show. Each section carries its one idea (`summary`),
the numbers as a text table, a `NativeChart` (categories and series, the same values the metric
functions return), the plotly figure of the screen where one exists, and speaker notes with the
key figures and their n. Pure functions over the frames `screens.pack.gather` collects.

Adding a section (such as "What changed") is one builder in `SECTION_BUILDERS` (in reading
order) and, when it needs new numbers, one field of `PackData` filled in `screens.pack.gather`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import plotly.graph_objects as go
import polars as pl

from alignment.filters import DIMENSIONS, Filters
from alignment.metrics import change, registry, rejections
from alignment.present import (
    change_charts,
    channel_charts,
    format,
    funnel_charts,
    privacy,
    rejection_charts,
    sentences,
    sla_tables,
    tiles,
)
from alignment.selection import Selection

ChartKind = Literal["bar", "column", "line"]

NO_CLOSED = "no closed deals"
"""A channel's win rate without a closed deal (as on the Channels page)."""

PERSONAL_FILTERS: tuple[str, ...] = ("owner",)
"""Filter dimensions whose values name a person (masked in the pack's header)."""


@dataclass(frozen=True)
class Series:
    """One series of a native chart: its name and one value per category (None: no value)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class NativeChart:
    """A chart as data, drawn natively by PowerPoint (and by plotly when a section has no
    screen figure): `kind` bar (horizontal) / column / line, the categories in reading order,
    the series, and the Excel number format of the values (`0%`, `#,##0`)."""

    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str
    value_title: str


@dataclass(frozen=True)
class Section:
    """One idea of the pack: a heading that says what it shows and for which period, a one-line
    `summary`, the numbers as a text `table`, the `chart` (None for a table-only section), the
    screen's plotly `figure` (None: the HTML draws `chart`), the speaker `notes` (key figures
    and their n) and the registry names of the metrics it shows (the appendix defines them)."""

    key: str
    title: str
    summary: str
    table: pl.DataFrame
    notes: str
    metrics: tuple[str, ...] = ()
    chart: NativeChart | None = None
    figure: go.Figure | None = None
    cell_keys: tuple[str, ...] = ()
    """Per table row, a stable key (the KPI name) the HTML writes as `data-key`."""


@dataclass(frozen=True)
class PackData:
    """The numbers a pack is made of, for one selection (see `screens.pack.gather`).

    `kpis` (one row, `metrics.overview.kpis`), `comparison` (one row per KPI,
    `kpi_comparison`), `scorecard` (one row per SLA commitment, `metrics.sla.scorecard`),
    `maturity` (`cohort_maturity`), `stages` (one row per funnel stage, cohort view from MQL),
    `pareto` (one row per rejection reason, with the comparison's), `channels` (one row per
    channel, `channel_table` period view)."""

    selection: Selection
    kpis: pl.DataFrame
    comparison: pl.DataFrame
    scorecard: pl.DataFrame
    maturity: dict[str, Any]
    stages: pl.DataFrame
    pareto: pl.DataFrame
    channels: pl.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pack:
    """A whole pack: header lines, sections in reading order, and the definitions appendix
    (one row per metric shown: Metric, Definition)."""

    title: str
    period: str
    comparison: str
    filters: str
    generated: date
    masked: bool
    sections: tuple[Section, ...]
    definitions: pl.DataFrame

    @property
    def header_lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs stated at the top of the pack and on its title slide."""
        return [
            ("Period", self.period),
            ("Compared with", self.comparison),
            ("Filters", self.filters),
            ("Personal data", "names and e-mails masked" if self.masked else "not masked"),
            ("Generated", self.generated.isoformat()),
        ]


# ---- header --------------------------------------------------------------------------------
def filters_text(filters: Filters, *, masked: bool) -> str:
    """The active filters in one line (`channel: Email; owner: O•••`), person names masked."""
    if filters.is_empty:
        return "no filters"
    parts = []
    for dimension in DIMENSIONS:
        values = getattr(filters, dimension)
        if not values:
            continue
        if masked and dimension in PERSONAL_FILTERS:
            values = tuple(privacy.mask_person(v) for v in values)
        parts.append(f"{dimension}: {', '.join(values)}")
    return "; ".join(parts)


def comparison_text(selection: Selection) -> str:
    """`February 2026 (previous period)`, or `no comparison`."""
    other = selection.comparison_period
    if other is None:
        return "no comparison"
    kind = "previous period" if selection.comparison == "previous" else "same period last year"
    return f"{other.label} ({kind})"


# ---- sections --------------------------------------------------------------------------------
def kpi_section(data: PackData) -> Section:
    """The KPI summary against targets: one row per Overview tile, worded as on the tiles."""
    period = data.selection.period.label
    other = data.selection.comparison_period
    maturing = bool(data.maturity.get("maturing"))
    shown = tiles.overview_tiles(
        data.comparison, data.kpis, None, data.scorecard, maturing=maturing
    )
    by_name = {row["name"]: row for row in data.comparison.to_dicts()}
    rows = []
    for tile in shown:
        previous = by_name.get(tile.name, {}).get("previous")
        rows.append(
            {
                "KPI": tile.label,
                period: tile.value,
                other.label if other else "Comparison": format.metric_value(tile.name, previous),
                "Change": tile.delta or format.MISSING,
                "n and 95 % CI": tile.caption or "",
                "Target": tile.target or "",
            }
        )
    table = pl.DataFrame(rows, schema={c: pl.String for c in rows[0]})
    if other is None:
        table = table.drop("Comparison", "Change")
    lines = []
    for tile in shown:
        # whether the change is news: the same judgement as the tile's colour
        _, judgement = tiles.delta_judgement(
            tile.name,
            by_name.get(tile.name, {}).get("p_value"),
            maturing=maturing,
            higher_is_better=registry.KPIS[tile.name].higher_is_better,
        )
        parts = [
            f"{tile.label}: {tile.value}"
            + (f" ({tile.delta} vs {other.label})" if tile.delta and other else ""),
            *([judgement[:1].lower() + judgement[1:].rstrip(".")] if tile.delta and other else []),
            *([tile.caption] if tile.caption else []),
            *([tile.target] if tile.target else []),
        ]
        lines.append("; ".join(part for part in parts if part))
    summary = f"The period's headline numbers, {period}" + (
        f", against {other.label} and the SLA targets." if other else ", against the SLA targets."
    )
    if maturing:
        summary += (
            f" The MQL cohort is still maturing (80 % of SQLs arrive within "
            f"{data.maturity['p80_days']:.0f} days): its conversion will still rise."
        )
    return Section(
        key="kpis",
        title=f"KPIs against targets · {period}",
        summary=summary,
        table=table,
        notes="\n".join(lines),
        metrics=tuple(t.name for t in shown),
        cell_keys=tuple(t.name for t in shown),
    )


def funnel_section(data: PackData) -> Section:
    """The cohort funnel from MQL: leads reaching each stage, step and cumulative rates."""
    period = data.selection.period.label
    stages = data.stages
    title = f"Funnel of the {period} MQL cohort"
    rows = stages.to_dicts()
    table = pl.DataFrame(
        {
            "Stage": [r["label"] for r in rows],
            "Leads": [format.count(r["n"]) for r in rows],
            "Of previous": [format.rate(r["step_rate"]) for r in rows],
            "95 % CI": [
                format.rate_interval(r["step_rate_low"], r["step_rate_high"]) for r in rows
            ],
            "Of first": [format.rate(r["cumulative_rate"]) for r in rows],
        },
        schema={c: pl.String for c in ("Stage", "Leads", "Of previous", "95 % CI", "Of first")},
    )
    chart = NativeChart(
        kind="bar",
        categories=tuple(r["label"] for r in rows),
        series=(Series("Leads", tuple(_number(r["n"]) for r in rows)),),
        number_format="#,##0",
        value_title="Leads",
    )
    notes = [
        f"{r['label']}: {format.count(r['n'])}"
        + (
            f" ({format.rate(r['step_rate'])} of {format.count(r['previous_n'])} "
            f"{rows[i - 1]['label']})"
            if i and r["step_rate"] is not None
            else ""
        )
        for i, r in enumerate(rows)
    ]
    first = rows[0] if rows else None
    last = rows[-1] if rows else None
    summary = (
        f"Of {format.count(first['n'])} {first['label']}s of {period}, "
        f"{format.count(last['n'])} reached {last['label']} so far "
        f"({format.rate(last['cumulative_rate'])})."
        if first and last and first["n"]
        else f"No MQLs in {period} for these filters."
    )
    if data.maturity.get("maturing"):
        summary += " Still maturing: these rates will rise."
    return Section(
        key="funnel",
        title=title,
        summary=summary,
        table=table,
        notes="\n".join(notes),
        metrics=("mqls", "step_conversion", "cumulative_conversion"),
        chart=chart,
        figure=funnel_charts.stage_funnel(stages, title),
    )


def sla_section(data: PackData) -> Section:
    """The SLA scorecard: each commitment's target, actual, n and status."""
    period = data.selection.period.label
    card = data.scorecard
    table = sla_tables.display_scorecard(card)
    if data.selection.comparison_period is None and "Previous" in table.columns:
        table = table.drop("Previous")
    rates = card.filter(pl.col("unit") == "rate")
    chart = NativeChart(
        kind="bar",
        categories=tuple(rates["label"].to_list()),
        series=(
            Series("Actual", tuple(_number(v) for v in rates["actual"].to_list())),
            Series("Target", tuple(_number(v) for v in rates["target"].to_list())),
        ),
        number_format="0%",
        value_title="Share",
    )
    notes = []
    for row in card.to_dicts():
        unit = "count" if row["unit"] == "count" else "rate"
        notes.append(
            f"{row['label']}: {format.value(unit, row['actual'])} (n = {format.count(row['n'])}) "
            f"vs target {format.value(unit, row['target'])}: {sla_tables.status_text(row)}"
        )
    statuses = [s for s in card["status"].to_list() if s]
    met = sum(s == "met" for s in statuses)
    summary = (
        f"{met} of {len(statuses)} SLA commitments met in {period}."
        if statuses
        else f"No SLA commitment can be judged in {period}: no data."
    )
    return Section(
        key="sla",
        title=f"SLA scorecard · {period}",
        summary=summary,
        table=table,
        notes="\n".join(notes),
        metrics=tuple(
            sla_tables.COMMITMENT_METRIC[c]
            for c in card["commitment"].to_list()
            if c in sla_tables.COMMITMENT_METRIC
        ),
        chart=chart,
    )


def rejections_section(data: PackData) -> Section:
    """Why sales rejects leads: the Pareto of rejection reasons, with the comparison's shares."""
    period = data.selection.period.label
    other = data.selection.comparison_period
    frame = data.pareto
    docs = rejections.documentation(frame)
    title = f"Rejection reasons, leads rejected in {period}"
    series = [Series(period, tuple(_number(v) for v in frame["share"].to_list()))]
    if other is not None:
        series.append(
            Series(other.label, tuple(_number(v) for v in frame["previous_share"].to_list()))
        )
    chart = NativeChart(
        kind="column",
        categories=tuple(frame["reason"].to_list()),
        series=tuple(series),
        number_format="0%",
        value_title="Share of rejections",
    )
    table = pl.DataFrame(
        {
            "Reason": frame["reason"].to_list(),
            "n": _texts(frame, "n", format.count),
            "Share": _texts(frame, "share", format.rate),
            "Cumulative": _texts(frame, "cumulative_share", format.rate),
            **({f"{other.label} n": _texts(frame, "previous_n", format.count)} if other else {}),
        },
        schema_overrides={"Reason": pl.String},
    )
    top = frame.filter(~pl.col("undocumented")).head(1).to_dicts()
    if docs.total:
        summary = (
            f"{format.count(docs.total)} leads rejected in {period}; "
            f"{format.rate(docs.documentation_rate)} with a documented reason."
        )
        if top:
            summary += (
                f" Most common: {top[0]['reason']} ({format.rate(top[0]['share'])}, "
                f"n = {format.count(top[0]['n'])})."
            )
    else:
        summary = f"No leads rejected in {period} for these filters."
    notes = [
        f"{r['reason']}: {format.count(r['n'])} ({format.rate(r['share'])} of "
        f"{format.count(docs.total)})"
        for r in frame.to_dicts()
        if r["n"]
    ]
    return Section(
        key="rejections",
        title=title,
        summary=summary,
        table=table,
        notes="\n".join([summary, *notes]),
        metrics=("rejected", "reason_share", "documentation_rate"),
        chart=chart,
        figure=rejection_charts.pareto(
            frame, title, comparison_label=other.label if other else None
        ),
    )


def channels_section(data: PackData) -> Section:
    """Win rate by channel of the deals closed in the period, with n and the 95 % interval."""
    period = data.selection.period.label
    frame = data.channels
    # highest rate first, as on the Channels page
    closed = frame.filter(pl.col("win_rate").is_not_null()).sort(
        ["win_rate", "channel"], descending=[True, False]
    )
    title = f"Win rate by channel, deals closed in {period}"
    chart = NativeChart(
        kind="bar",
        categories=tuple(closed["channel"].to_list()),
        series=(Series("Win rate", tuple(_number(v) for v in closed["win_rate"].to_list())),),
        number_format="0%",
        value_title="Win rate (won / closed)",
    )
    table = pl.DataFrame(
        {
            "Channel": frame["channel"].to_list(),
            "Closed": _texts(frame, "win_rate_n", format.count),
            "Won": _texts(frame, "won", format.count),
            "Win rate": [
                format.rate(r) if n else NO_CLOSED
                for r, n in zip(
                    frame["win_rate"].to_list(), frame["win_rate_n"].to_list(), strict=True
                )
            ],
            "95 % CI": [
                format.rate_interval(lo, hi)
                for lo, hi in zip(
                    frame["win_rate_low"].to_list(), frame["win_rate_high"].to_list(), strict=True
                )
            ],
            "Too few to tell": [
                "yes" if f and n else ""
                for f, n in zip(
                    frame["too_few"].to_list(), frame["win_rate_n"].to_list(), strict=True
                )
            ],
            "Won revenue": _texts(frame, "won_revenue", format.currency),
            "Pipeline created": _texts(frame, "pipeline_created", format.currency),
        },
        schema_overrides={"Channel": pl.String},
    )
    notes = [
        f"{r['channel']}: {format.rate(r['win_rate'])} won (n = {format.count(r['win_rate_n'])} "
        f"closed, 95 % CI {format.rate_interval(r['win_rate_low'], r['win_rate_high'])})"
        + (" · too few to tell" if r["too_few"] else "")
        for r in closed.to_dicts()
    ]
    telling = closed.filter(~pl.col("too_few")).sort("win_rate", descending=True).to_dicts()
    summary = (
        f"Highest win rate with enough closed deals: {telling[0]['channel']} "
        f"({format.rate(telling[0]['win_rate'])}, n = {format.count(telling[0]['win_rate_n'])})."
        if telling
        else f"Too few deals closed in {period} to compare channels' win rates."
    )
    return Section(
        key="channels",
        title=title,
        summary=summary,
        table=table,
        notes="\n".join([summary, *notes]),
        metrics=("win_rate", "won_revenue", "pipeline_created"),
        chart=chart,
        figure=channel_charts.win_rates(frame, title),
    )


CHANGE_EFFECT_LABELS: dict[str, str] = {"volume": "volume", "rate": "rate", "mix": "mix"}


def what_changed_section(data: PackData) -> Section | None:
    """What changed, and why: the change of MQL -> SQL from the comparison period split across
    channels into rate and mix effects (a waterfall), and the three largest effects in words.
    Left out without a comparison. `data.extra["changes"]`: `metrics.change.decompose` of the
    metric by channel."""
    frame: pl.DataFrame | None = data.extra.get("changes")
    other = data.selection.comparison_period
    if frame is None or other is None or frame.is_empty():
        return None
    total_rows = frame.filter(pl.col("effect") == "total")
    if total_rows.is_empty() or total_rows["amount"][0] is None:
        return None
    metric = str(total_rows["metric"][0])
    label = registry.KPIS[metric].label
    period = data.selection.period.label
    effects = frame.filter(pl.col("effect") != "total").sort(
        pl.col("amount").abs(), descending=True, nulls_last=True
    )
    title = f"What changed: {label}, {other.label} to {period}, by channel"
    top = change.top_effects(frame)
    said = sentences.change_effects(top, data.selection, plain=True)
    total = total_rows["amount"][0]
    summary = (
        f"{label} moved {sentences.change_amount(metric, total)} from {other.label} to "
        f"{period}; the largest effect: {said[0]}"
        if said
        else f"{label} did not move from {other.label} to {period}."
    )
    names = [
        f"{g} ({CHANGE_EFFECT_LABELS.get(e, e)})"
        for g, e in effects.select("group", "effect").iter_rows()
    ]
    chart = NativeChart(
        kind="bar",
        categories=tuple(names),
        series=(Series("Effect", tuple(_number(v) for v in effects["amount"].to_list())),),
        number_format="0.0%" if change.is_ratio(metric) else "#,##0",
        value_title=f"Effect on {label}",
    )
    table = pl.DataFrame(
        {
            "Channel": effects["group"].to_list(),
            "Effect": effects["effect"].to_list(),
            "Amount": [sentences.change_amount(metric, v) for v in effects["amount"].to_list()],
        },
        schema_overrides={"Channel": pl.String},
    )
    return Section(
        key="what_changed",
        title=title,
        summary=summary,
        table=table,
        notes="\n".join([f"Total change: {sentences.change_amount(metric, total)}.", *said]),
        metrics=(metric,),
        chart=chart,
        figure=change_charts.waterfall(frame, title, labels=(other.label, period)),
    )


SECTION_BUILDERS: tuple[Callable[[PackData], Section | None], ...] = (
    kpi_section,
    what_changed_section,
    funnel_section,
    sla_section,
    rejections_section,
    channels_section,
)
"""The pack's sections in reading order; a builder returning None leaves its section out."""


def definitions(sections: tuple[Section, ...]) -> pl.DataFrame:
    """The appendix: one row per metric the sections show (first mention order), with its
    registry label and definition."""
    names = list(dict.fromkeys(name for s in sections for name in s.metrics))
    kpis = [registry.metric(name) for name in names]
    return pl.DataFrame(
        {"Metric": [k.label for k in kpis], "Definition": [k.definition for k in kpis]},
        schema={"Metric": pl.String, "Definition": pl.String},
    )


def build(data: PackData, *, masked: bool = True, generated: date) -> Pack:
    """The pack of `data` (its sections by `SECTION_BUILDERS`); `masked`: person names and
    e-mails masked (the default of every pack)."""
    selection = data.selection
    sections = tuple(s for builder in SECTION_BUILDERS if (s := builder(data)) is not None)
    if masked:  # a section's table with a name or e-mail column (none today) is masked too
        sections = tuple(replace(s, table=privacy.mask_personal_data(s.table)) for s in sections)
    return Pack(
        title=f"Revenue review · {selection.period.label}",
        period=selection.period.label,
        comparison=comparison_text(selection),
        filters=filters_text(selection.filters, masked=masked),
        generated=generated,
        masked=masked,
        sections=sections,
        definitions=definitions(sections),
    )


def _texts(frame: pl.DataFrame, column: str, writer: Callable[[object], str]) -> list[str]:
    """One text per row of `frame`: `column`'s value written by `writer` (a `format` function)."""
    return [writer(v) for v in frame[column].to_list()]


def _number(value: object) -> float | None:
    """A chart value: a finite float, or None (PowerPoint leaves the point out)."""
    return None if format.is_missing(value) else float(value)  # type: ignore[arg-type]
