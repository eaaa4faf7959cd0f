"""The review pack: the PowerPoint deck (slides, native charts carrying the metric functions'
numbers, notes), the self-contained HTML file (no external reference, the KPI numbers of
`kpis`), masking of personal data in both, `alignment report`, and the Overview's download
buttons."""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from alignment import model
from alignment.cli import main
from alignment.db import store
from alignment.filters import Filters
from alignment.metrics import channels, funnel, overview, registry, rejections, sla
from alignment.periods import Period
from alignment.present import format, privacy
from alignment.present import pack as pack_content
from alignment.present.tiles import OVERVIEW_TILES
from alignment.screens import pack
from alignment.selection import Selection

PERIOD = Period.parse("2026-09")
SELECTION = Selection(PERIOD, comparison="previous")
OWNER = "Olivia Bennett"
"""A sales owner of the demo data (`devtools.demo._OWNERS`)."""


@pytest.fixture
def con(demo_db: Path) -> Iterator[store.Connection]:
    connection = model.connect(demo_db, read_only=True)
    yield connection
    connection.close()


def _deck(content: bytes) -> Any:
    return Presentation(io.BytesIO(content))


def _chart_on(deck: Any, title: str) -> Any:
    slide = next(s for s in deck.slides if s.shapes.title and s.shapes.title.text == title)
    charts = [shape.chart for shape in slide.shapes if shape.has_chart]
    assert len(charts) == 1, title
    return charts[0]


def _values(values: Iterable[float | None]) -> list[float | None]:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values]


# ---- pure parts ------------------------------------------------------------------------------
def test_mask_person_keeps_an_initial_or_the_e_mail_domain() -> None:
    assert privacy.mask_person("Olivia Bennett") == "O•••"
    assert privacy.mask_person("olivia@example.com") == "•••@example.com"
    assert privacy.mask_person("  ") == privacy.MASK


def test_filters_text_masks_owners_only() -> None:
    filters = Filters(channel=("Email",), owner=("Olivia Bennett",))
    assert pack_content.filters_text(filters, masked=True) == "channel: Email; owner: O•••"
    assert (
        pack_content.filters_text(filters, masked=False) == "channel: Email; owner: Olivia Bennett"
    )
    assert pack_content.filters_text(Filters(), masked=True) == "no filters"


# ---- PowerPoint ------------------------------------------------------------------------------
def test_deck_has_a_title_slide_one_slide_per_section_and_the_definitions(
    con: store.Connection,
) -> None:
    deck = _deck(pack.pptx(con, SELECTION))
    titles = [s.shapes.title.text for s in deck.slides]
    # metrics defined: the 8 KPI tiles, + step and cumulative conversion (funnel; MQLs already
    # there), + MQLs vs target, response within SLA, follow-up attempts, rejections documented
    # (SLA; MQL -> SQL already there), + rejected leads, reason share, documented (rejections);
    # the channels' win rate, won revenue, pipeline are KPI tiles (what changed: MQL -> SQL, a
    # tile too): 8 + 2 + 4 + 3 = 17, 7 a slide -> 3 appendix slides
    expected = [
        "Revenue review · September 2026",
        "KPIs against targets · September 2026",
        "What changed: MQL → SQL, August 2026 to September 2026, by channel",
        "Funnel of the September 2026 MQL cohort",
        "SLA scorecard · September 2026",
        "Rejection reasons, leads rejected in September 2026",
        "Win rate by channel, deals closed in September 2026",
        "Appendix: definitions (1 of 3)",
        "Appendix: definitions (2 of 3)",
        "Appendix: definitions (3 of 3)",
    ]
    assert titles == expected
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, abs=0.01)
    subtitle = deck.slides[0].placeholders[1].text
    assert "Period: September 2026" in subtitle
    assert "Compared with: August 2026 (previous period)" in subtitle
    assert "Filters: no filters" in subtitle
    for slide in deck.slides:
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip()
        # native charts and tables only: no picture of a chart
        assert all(shape.shape_type != MSO_SHAPE_TYPE.PICTURE for shape in slide.shapes)
    definitions = [
        (row.cells[0].text, row.cells[1].text)
        for slide in list(deck.slides)[-3:]
        for shape in slide.shapes
        if shape.has_table
        for row in list(shape.table.rows)[1:]
    ]
    assert len(definitions) == 17
    by_label = {kpi.label: kpi.definition for kpi in map(registry.metric, OVERVIEW_TILES)}
    for label in by_label:
        assert (label, by_label[label]) in definitions


def test_what_changed_slide_carries_the_decomposition(con: store.Connection) -> None:
    from alignment.metrics import change

    deck = _deck(pack.pptx(con, SELECTION))
    slide = next(s for s in deck.slides if s.shapes.title.text.startswith("What changed"))
    chart = next(shape.chart for shape in slide.shapes if shape.has_chart)
    shown = list(chart.plots[0].series[0].values)
    expected = change.decompose(con, SELECTION, "mql_to_sql", ("channel",))
    effects = expected.filter(pl.col("effect") != "total")
    # the bars are the effects, largest first; they add up to the total change
    assert sorted(shown) == pytest.approx(sorted(effects["amount"].to_list()))
    total = expected.filter(pl.col("effect") == "total")["amount"][0]
    assert sum(shown) == pytest.approx(total)
    notes = slide.notes_slide.notes_text_frame.text
    assert "See the Channels page." in notes and "](" not in notes  # words, not Markdown links


def test_deck_charts_carry_the_metric_functions_numbers(con: store.Connection) -> None:
    deck = _deck(pack.pptx(con, SELECTION))

    stages = funnel.stage_funnel(con, SELECTION.alone)
    chart = _chart_on(deck, "Funnel of the September 2026 MQL cohort")
    assert list(chart.plots[0].categories) == stages["label"].to_list()
    assert _values(chart.plots[0].series[0].values) == [float(n) for n in stages["n"]]

    table = channels.channel_table(con, SELECTION.alone).filter(pl.col("win_rate").is_not_null())
    chart = _chart_on(deck, "Win rate by channel, deals closed in September 2026")
    drawn = dict(zip(chart.plots[0].categories, chart.plots[0].series[0].values, strict=True))
    expected = dict(zip(table["channel"], table["win_rate"], strict=True))
    assert drawn == pytest.approx(expected)
    # highest win rate first (on top)
    assert list(drawn.values()) == sorted(drawn.values(), reverse=True)

    pareto = rejections.pareto(con, SELECTION)
    chart = _chart_on(deck, "Rejection reasons, leads rejected in September 2026")
    assert list(chart.plots[0].categories) == pareto["reason"].to_list()
    current, previous = chart.plots[0].series
    assert (current.name, previous.name) == ("September 2026", "August 2026")
    assert _values(current.values) == pytest.approx(pareto["share"].to_list())
    assert _values(previous.values) == pytest.approx(pareto["previous_share"].to_list())

    card = sla.scorecard(con, SELECTION).filter(pl.col("unit") == "rate")
    chart = _chart_on(deck, "SLA scorecard · September 2026")
    actual, target = chart.plots[0].series
    assert list(chart.plots[0].categories) == card["label"].to_list()
    assert _values(actual.values) == pytest.approx(card["actual"].to_list(), nan_ok=True)
    assert _values(target.values) == pytest.approx(card["target"].to_list())


def test_deck_notes_give_the_key_figures_and_their_n(con: store.Connection) -> None:
    deck = _deck(pack.pptx(con, SELECTION))
    stages = funnel.stage_funnel(con, SELECTION.alone).to_dicts()
    notes = {s.shapes.title.text: s.notes_slide.notes_text_frame.text for s in deck.slides}
    funnel_notes = notes["Funnel of the September 2026 MQL cohort"]
    sql = stages[2]  # MQL, SAL, SQL: the SQL step's rate over the SALs
    assert (
        f"SQL: {format.count(sql['n'])} ({format.rate(sql['step_rate'])} of "
        f"{format.count(sql['previous_n'])} SAL)"
    ) in funnel_notes
    kpis = overview.kpis(con, PERIOD)
    kpi_notes = notes["KPIs against targets · September 2026"]
    assert f"MQLs: {format.count(kpis['mqls'][0])}" in kpi_notes
    assert f"of {format.count(kpis['mqls'][0])} MQLs" in kpi_notes  # the n of MQL -> SQL


# ---- HTML ------------------------------------------------------------------------------------
class _References(HTMLParser):
    """Every src / href of the document's tags (script bodies are not parsed as tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[tuple[str, str]] = []
        self.kpi_rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.references.append((tag, value))
        if tag == "tr":
            self._row = dict(attrs).get("data-key")
            if self._row:
                self.kpi_rows[self._row] = []
        if tag == "td" and self._row:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._row and self._cell is not None:
            self.kpi_rows[self._row].append("".join(self._cell))
            self._cell = None
        if tag == "tr":
            self._row = None


def _parsed(text: str) -> _References:
    parser = _References()
    parser.feed(text)
    return parser


def _without_plotly_library(text: str) -> str:
    """The document without the one inline script that is the plotly.js bundle (its code holds
    URL strings, such as map attributions, that the document never loads)."""
    marker = text.index("plotly.js v")
    start = text.rindex("<script", 0, marker)
    end = text.index("</script>", marker)
    return text[:start] + text[end:]


def test_html_refers_to_nothing_outside_itself(con: store.Connection) -> None:
    text = pack.html(con, SELECTION).decode("utf-8")
    references = _parsed(text).references
    assert references  # the contents list links to the sections
    assert all(value.startswith("#") for _, value in references), references
    assert 'src="http' not in text and "src='http" not in text
    assert text.count("plotly.js v") == 1  # the library inline, once
    rest = _without_plotly_library(text)
    assert "http://" not in rest and "https://" not in rest
    assert "<script src" not in text and "<link" not in text


def test_the_sla_scorecard_names_the_side_that_owns_each_commitment(
    con: store.Connection,
) -> None:
    # a side is a team (Sales, Marketing), not a person: masking leaves it as it is
    text = pack.html(con, SELECTION).decode("utf-8")
    assert "<td>Sales</td>" in text and "<td>Marketing</td>" in text


def test_html_states_the_view_and_its_kpis_equal_the_metric_functions(
    con: store.Connection,
) -> None:
    text = pack.html(con, SELECTION).decode("utf-8")
    assert "September 2026" in text and "August 2026 (previous period)" in text
    assert "no filters" in text
    rows = _parsed(text).kpi_rows
    assert list(rows) == list(OVERVIEW_TILES)
    current = overview.kpis(con, PERIOD)
    previous = overview.kpis(con, Period.parse("2026-08"))  # computed on its own
    for name in OVERVIEW_TILES:
        label, value, before, change = rows[name][:4]
        assert label == registry.KPIS[name].label
        assert value == format.metric_value(name, current[name][0]), name
        assert before == format.metric_value(name, previous[name][0]), name
        assert change == format.metric_delta(name, current[name][0], previous[name][0]), name
    for section in ("kpis", "funnel", "sla", "rejections", "channels", "definitions"):
        assert f'<section id="{section}">' in text


def test_html_without_comparison_or_with_filters_says_so(con: store.Connection) -> None:
    selection = Selection(PERIOD, comparison="none", filters=Filters(channel=("Email",)))
    text = pack.html(con, selection).decode("utf-8")
    assert "no comparison" in text and "channel: Email" in text
    rows = _parsed(text).kpi_rows
    expected = overview.kpis(con, selection)
    assert rows["mqls"][1] == format.count(expected["mqls"][0])
    assert len(rows["mqls"]) == 4  # KPI, value, n, target: no comparison columns


# ---- personal data ---------------------------------------------------------------------------
def _personal_values(con: store.Connection) -> list[str]:
    """Every owner and manager name, lead name and lead e-mail in the database."""
    frame = store.query(
        con,
        """
        SELECT DISTINCT v FROM (
          SELECT owner AS v FROM leads UNION ALL SELECT name FROM leads
          UNION ALL SELECT email FROM leads UNION ALL SELECT owner FROM opportunities
          UNION ALL SELECT owner FROM owners UNION ALL SELECT manager FROM owners
        ) WHERE v IS NOT NULL AND length(trim(v)) > 3
        """,
    )
    return frame["v"].to_list()


def _pptx_text(content: bytes) -> str:
    """Every XML part of the deck, and of the chart workbooks embedded in it, as text."""
    parts: list[str] = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if name.endswith(".xlsx"):
                with zipfile.ZipFile(io.BytesIO(data)) as book:
                    parts += [book.read(n).decode("utf-8", "replace") for n in book.namelist()]
            else:
                parts.append(data.decode("utf-8", "replace"))
    return "\n".join(parts)


def test_no_name_or_e_mail_from_the_data_in_either_pack(con: store.Connection) -> None:
    personal = _personal_values(con)
    assert OWNER in personal and any("@" in v for v in personal)
    # filtered by an owner: the header would name them if it were not masked
    selection = Selection(PERIOD, filters=Filters(owner=(OWNER,)))
    html_text = pack.html(con, selection).decode("utf-8")
    deck_text = _pptx_text(pack.pptx(con, selection))
    assert "owner: O•••" in html_text
    for value in personal:
        assert value not in html_text, value
        assert value not in deck_text, value
    # and the check can fail: unmasked, the owner's name is there
    assert OWNER in pack.html(con, selection, masked=False).decode("utf-8")
    assert OWNER in _pptx_text(pack.pptx(con, selection, masked=False))


# ---- CLI ---------------------------------------------------------------------------------------
def test_report_command_writes_both_formats(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck_path, page_path = tmp_path / "pack.pptx", tmp_path / "pack.html"
    common = ["--db", str(demo_db), "--period", "2026-09"]
    assert main(["report", *common, "--format", "pptx", "--out", str(deck_path)]) == 0
    assert f"written to {deck_path}" in capsys.readouterr().out
    deck = Presentation(str(deck_path))
    assert deck.slides[0].shapes.title.text == "Revenue review · September 2026"
    code = main(
        [
            "report",
            *common,
            "--compare",
            "last-year",
            "--channel",
            "Email",
            "--owner",
            OWNER,
            "--out",
            str(page_path),
        ]
    )
    assert code == 0
    text = page_path.read_text(encoding="utf-8")
    assert "September 2025 (same period last year)" in text
    assert "channel: Email; owner: O•••" in text and OWNER not in text
    assert main(["report", *common, "--unmasked", "--owner", OWNER, "--out", str(page_path)]) == 0
    assert OWNER in page_path.read_text(encoding="utf-8")


def test_report_command_fails_in_one_line_on_a_bad_period(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "--db", str(demo_db), "--period", "Smarch", "--out", str(tmp_path)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1


# ---- the Overview's downloads ----------------------------------------------------------------
@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_overview_offers_the_review_pack_in_both_formats(demo_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.query_params.update({"period": "September 2026", "channel": "Email"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert set(buttons) == {"Review pack: HTML (offline)", "Review pack: PowerPoint"}


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_the_overview_builds_no_pack_until_a_button_is_clicked(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pack was built while the page was drawn")

    monkeypatch.setattr(pack, "gather", refuse)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.query_params.update({"period": "September 2026"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("download_button")) == 2
