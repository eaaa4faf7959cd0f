"""The review pack as a 16:9 PowerPoint deck (python-pptx): a title slide stating the period,
the comparison and the filters; one slide per section, its idea in one line under the title and
its chart as a native, editable PowerPoint chart carrying the section's numbers (a table for a
section without a chart); speaker notes with the key figures and their n; and the definitions
appendix.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from alignment.present.pack import NativeChart, Pack, Section

WIDTH = Inches(13.333)
HEIGHT = Inches(7.5)
"""16:9 at PowerPoint's default widescreen size."""
MARGIN = Inches(0.5)
BODY_TOP = Inches(2.0)
TITLE_SLIDE, TITLE_ONLY = 0, 5
"""Layouts of the default template used: title slide, title only."""

CHART_TYPES = {
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
}
DEFINITIONS_PER_SLIDE = 7
"""Definitions on one appendix slide (each is a sentence or two)."""


def _titled_slide(deck: PresentationType, title: str, summary: str | None = None) -> Slide:
    """A title-only slide with `title` across the top and `summary` (one line) under it."""
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    heading = slide.shapes.title
    assert heading is not None  # the title-only layout has a title placeholder
    heading.left, heading.top = MARGIN, Inches(0.3)
    heading.width, heading.height = Emu(WIDTH - 2 * MARGIN), Inches(1.0)
    heading.text = title
    for paragraph in heading.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(32)
            run.font.bold = True
    if summary:
        box = slide.shapes.add_textbox(
            MARGIN, Inches(1.3), Emu(WIDTH - 2 * MARGIN), Inches(0.7)
        ).text_frame
        box.word_wrap = True
        box.text = summary
        for paragraph in box.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(18)
    return slide


def _add_chart(slide: Slide, chart: NativeChart) -> None:
    """`chart` as a native PowerPoint chart filling the slide body."""
    data = CategoryChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    for series in chart.series:
        data.add_series(series.name, list(series.values), number_format=chart.number_format)
    frame = slide.shapes.add_chart(
        CHART_TYPES[chart.kind],
        MARGIN,
        BODY_TOP,
        Emu(WIDTH - 2 * MARGIN),
        Emu(HEIGHT - BODY_TOP - Inches(0.3)),
        data,
    )
    drawn = frame.chart
    drawn.font.size = Pt(14)
    drawn.has_title = False  # the slide's title says what the chart shows
    drawn.has_legend = len(chart.series) > 1
    if drawn.has_legend:
        drawn.legend.position = XL_LEGEND_POSITION.BOTTOM
        drawn.legend.include_in_layout = False
    plot = drawn.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = chart.number_format
    plot.data_labels.number_format_is_linked = False
    value_axis = drawn.value_axis
    value_axis.tick_labels.number_format = chart.number_format
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = chart.value_title
    if chart.kind == "bar":  # PowerPoint draws the first category at the bottom
        drawn.category_axis.reverse_order = True


def _add_table(
    slide: Slide, frame: pl.DataFrame, widths: Sequence[float] | None = None, size: int = 14
) -> None:
    """`frame` (text) as a PowerPoint table in the slide body; `widths`: column shares."""
    rows, columns = frame.height + 1, max(frame.width, 1)
    width = WIDTH - 2 * MARGIN
    shape = slide.shapes.add_table(
        rows, columns, MARGIN, BODY_TOP, Emu(width), Inches(0.4) * rows
    ).table
    shares = widths or [1 / columns] * columns
    for i, share in enumerate(shares):
        shape.columns[i].width = Emu(int(width * share))
    cells = [
        list(frame.columns),
        *([("" if v is None else str(v)) for v in r] for r in frame.iter_rows()),
    ]
    for r, values in enumerate(cells):
        for c, value in enumerate(values):
            cell = shape.cell(r, c)
            cell.text = str(value)
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)


def _notes(slide: Slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text  # type: ignore[union-attr]


def _section_slide(deck: PresentationType, section: Section) -> None:
    slide = _titled_slide(deck, section.title, section.summary)
    if section.chart is not None and section.chart.categories:
        _add_chart(slide, section.chart)
    else:
        _add_table(slide, section.table, size=12 if section.table.width > 5 else 14)
    _notes(slide, section.notes or section.summary)


def render(pack: Pack) -> bytes:
    """The pack as a .pptx file's bytes: title slide, one slide per section, the definitions
    appendix (`DEFINITIONS_PER_SLIDE` per slide)."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    title = deck.slides.add_slide(deck.slide_layouts[TITLE_SLIDE])
    heading, subtitle = title.shapes.title, title.placeholders[1]
    assert heading is not None  # the title-slide layout has a title placeholder
    heading.left, heading.top = MARGIN, Inches(1.8)
    heading.width, heading.height = Emu(WIDTH - 2 * MARGIN), Inches(1.5)
    heading.text = pack.title
    subtitle.left, subtitle.top = MARGIN, Inches(3.6)
    subtitle.width, subtitle.height = Emu(WIDTH - 2 * MARGIN), Inches(2.8)
    subtitle.text = "\n".join(f"{label}: {text}" for label, text in pack.header_lines)
    for paragraph in subtitle.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(20)
    _notes(title, "\n".join(f"{label}: {text}" for label, text in pack.header_lines))
    for section in pack.sections:
        _section_slide(deck, section)
    definitions = pack.definitions
    pages = max(1, -(-definitions.height // DEFINITIONS_PER_SLIDE))
    for page in range(pages):
        part = definitions.slice(page * DEFINITIONS_PER_SLIDE, DEFINITIONS_PER_SLIDE)
        suffix = f" ({page + 1} of {pages})" if pages > 1 else ""
        slide = _titled_slide(deck, f"Appendix: definitions{suffix}")
        _add_table(slide, part, widths=(0.25, 0.75), size=12)
        _notes(slide, "\n".join(f"{m}: {d}" for m, d in part.iter_rows()))
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
