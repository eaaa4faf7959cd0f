"""The review pack of a view (period, comparison, filters): gathers the numbers the Overview,
Funnel, SLA, Rejections and Channels pages show, and renders them as one self-contained HTML
file or a PowerPoint deck. Used by the Overview's download buttons and `alignment report`.

The sections and their order are `present.pack.SECTION_BUILDERS`; new numbers for a new section
are gathered in `gather` (as a `PackData` field or an `extra` entry).
"""

from __future__ import annotations

from datetime import date

from alignment import clock
from alignment.db.store import Connection
from alignment.metrics import change, channels, funnel, rejections
from alignment.present import pack, pack_html, pack_pptx
from alignment.screens import overview
from alignment.selection import Selection

FORMATS: dict[str, str] = {
    "html": "text/html",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
"""The pack's file formats and their MIME types."""


def gather(con: Connection, selection: Selection) -> pack.PackData:
    """The numbers of the pack for `selection`, from the same metric functions as the pages:
    the Overview's tiles (KPIs, comparison, SLA scorecard, maturity), the MQL cohort funnel,
    the rejection Pareto (with the comparison period), the channel table (deals closed in
    the period) and what changed (MQL -> SQL by channel, `metrics.change.decompose`)."""
    numbers = overview.tiles(con, selection)
    return pack.PackData(
        selection=selection,
        kpis=numbers["kpis"],
        comparison=numbers["comparison"],
        scorecard=numbers["sla"]["scorecard"],
        maturity=numbers["maturity"],
        stages=funnel.stage_funnel(con, selection.alone),
        pareto=rejections.pareto(con, selection),
        channels=channels.channel_table(con, selection.alone),
        extra={
            "changes": change.decompose(
                con, selection, overview.DEFAULT_CHANGE_METRIC, ("channel",)
            )
        },
    )


def review_pack(
    con: Connection, selection: Selection, *, masked: bool = True, today: date | None = None
) -> pack.Pack:
    """The pack of `selection` (see `present.pack.build`)."""
    return pack.build(gather(con, selection), masked=masked, generated=today or clock.today())


def html(con: Connection, selection: Selection, *, masked: bool = True) -> bytes:
    """The pack as one self-contained HTML file (UTF-8), readable offline."""
    return pack_html.render(review_pack(con, selection, masked=masked)).encode("utf-8")


def pptx(con: Connection, selection: Selection, *, masked: bool = True) -> bytes:
    """The pack as a 16:9 PowerPoint deck with native charts and speaker notes."""
    return pack_pptx.render(review_pack(con, selection, masked=masked))


def render(
    con: Connection, selection: Selection, file_format: str, *, masked: bool = True
) -> bytes:
    """The pack in `file_format` (a key of `FORMATS`); ValueError for another one."""
    if file_format == "html":
        return html(con, selection, masked=masked)
    if file_format == "pptx":
        return pptx(con, selection, masked=masked)
    raise ValueError(f"unknown pack format {file_format!r}: use {', '.join(FORMATS)}")


def file_name(selection: Selection, file_format: str) -> str:
    """`review-pack-2026-03.pptx`."""
    return f"review-pack-{selection.period.key}.{file_format}"
