"""The review pack as one self-contained HTML file: the plotly library inline once (no script,
style or font fetched from anywhere, so it opens offline), the header (period, comparison,
filters), each section's chart with the table of its numbers underneath, and the definitions
appendix. Every value from the data is HTML-escaped.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from alignment.present import charts
from alignment.present.pack import NativeChart, Pack, Section
from alignment.present.text import plotly_text

STYLE = """
body { font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; color: #0F172A;
       max-width: 1100px; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
header { border-bottom: 2px solid #E2E8F0; margin-bottom: 1.5rem; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
section { margin: 2.5rem 0; page-break-inside: avoid; }
p.summary { font-size: 1.1rem; }
table { border-collapse: collapse; margin-top: .75rem; font-size: .95rem; }
th, td { border-bottom: 1px solid #E2E8F0; padding: .3rem .7rem; text-align: left;
         vertical-align: top; }
th { background: #F8FAFC; }
dl.definitions dt { font-weight: 600; margin-top: .6rem; }
dl.definitions dd { margin-left: 0; }
"""

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
"""No plotly logo link in the chart toolbar (the file refers to nothing outside itself)."""


def _text(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def table_html(frame: pl.DataFrame, keys: tuple[str, ...] = ()) -> str:
    """A frame of text as an HTML table (one row per frame row); `keys`, one per row, are
    written as the row's `data-key` so a reader (or a test) can find a metric's row."""
    head = "".join(f"<th>{_text(c)}</th>" for c in frame.columns)
    rows = []
    for i, row in enumerate(frame.iter_rows()):
        key = f' data-key="{_text(keys[i])}"' if i < len(keys) else ""
        cells = "".join(f"<td>{_text(v)}</td>" for v in row)
        rows.append(f"<tr{key}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def native_figure(chart: NativeChart, title: str) -> go.Figure:
    """A plotly figure of a `NativeChart` (for a section that has no screen chart): bars,
    columns or lines, one trace per series, first category on top for bars."""
    fig = go.Figure()
    fig.update_layout(template=charts.TEMPLATE_NAME, title={"text": plotly_text(title)})
    categories = [plotly_text(c) for c in chart.categories]
    tick = ".0%" if chart.number_format.endswith("%") else ",d"
    for series in chart.series:
        values = list(series.values)
        if chart.kind == "line":
            fig.add_scatter(x=categories, y=values, name=plotly_text(series.name))
        elif chart.kind == "bar":
            fig.add_bar(y=categories, x=values, orientation="h", name=plotly_text(series.name))
        else:
            fig.add_bar(x=categories, y=values, name=plotly_text(series.name))
    value_axis = {"title": plotly_text(chart.value_title), "tickformat": tick}
    if chart.kind == "bar":
        fig.update_layout(
            xaxis=value_axis,
            yaxis={"autorange": "reversed"},
            barmode="group",
            height=160 + 50 * len(categories) * max(len(chart.series), 1),
        )
    else:
        fig.update_layout(yaxis=value_axis, barmode="group")
    return fig


def _section_html(section: Section, figure_html: str) -> str:
    return (
        f'<section id="{_text(section.key)}">'
        f"<h2>{_text(section.title)}</h2>"
        f'<p class="summary">{_text(section.summary)}</p>'
        f"{figure_html}"
        f"{table_html(section.table, section.cell_keys)}"
        "</section>"
    )


def render(pack: Pack) -> str:
    """The pack as one HTML document (a string): header, sections, definitions appendix.
    The first chart carries the plotly library inline, the others refer to it."""
    library_written = False
    parts = []
    for section in pack.sections:
        figure = section.figure
        if figure is None and section.chart is not None:
            figure = native_figure(section.chart, section.title)
        figure_html = ""
        if figure is not None:
            # long category labels (commitments, stages) get the room they need
            figure = go.Figure(figure).update_yaxes(automargin=True)
            figure_html = figure.to_html(
                full_html=False,
                include_plotlyjs=not library_written,
                config=PLOTLY_CONFIG,
            )
            library_written = True
        parts.append(_section_html(section, figure_html))
    meta = "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>" for k, v in pack.header_lines)
    contents = "".join(
        f'<li><a href="#{_text(s.key)}">{_text(s.title)}</a></li>' for s in pack.sections
    )
    definitions = "".join(
        f"<dt>{_text(m)}</dt><dd>{_text(d)}</dd>" for m, d in pack.definitions.iter_rows()
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(pack.title)}</title><style>{STYLE}</style></head><body>"
        f'<header><h1>{_text(pack.title)}</h1><dl class="meta">{meta}</dl>'
        f'<nav><ol>{contents}<li><a href="#definitions">Definitions</a></li></ol></nav>'
        "</header>"
        f"{''.join(parts)}"
        '<section id="definitions"><h2>Definitions of the metrics shown</h2>'
        f'<dl class="definitions">{definitions}</dl></section>'
        "</body></html>\n"
    )
