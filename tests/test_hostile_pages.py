"""Pages with values a file or a user brings: Markdown, HTML and formulas (`tests/hostile.py`)
are shown as text, and no table holds a live spreadsheet formula.

Every page runs from the entrypoint on a database that holds only the hostile export, imported
through the real pipeline. Markdown-rendering elements must hold `markdown_text(value)` (never
the raw value), charts `plotly_text(value)` (never a tag), and tables the neutralised value
(`'=HYPERLINK(...)`), while the database keeps the value as it was.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.model import maps
from alignment.present import charts, funnel_charts, rejection_charts
from alignment.present.text import markdown_text, plotly_text

from .hostile import (
    BOLD,
    CODE,
    EXPORT_NAME,
    FILE_NAME,
    FORMULA,
    HTML,
    IMAGE,
    LINK,
    build_database,
    upload_csv,
)

REPO = Path(__file__).resolve().parents[1]
RAW_VALUES = (IMAGE, BOLD, CODE, HTML, LINK, FORMULA, FILE_NAME)
SEPTEMBER = {"period": "September 2026"}

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


@pytest.fixture(scope="session")
def hostile_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    build_database(path)
    return path


@pytest.fixture
def hostile_db(
    hostile_db_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    path = tmp_path / "alignment.duckdb"
    shutil.copy(hostile_db_template, path)
    monkeypatch.setenv("ALIGNMENT_DB", str(path))
    monkeypatch.setenv("ALIGNMENT_NO_DEMO", "1")
    yield path


def _page(page: str | None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    return at.switch_page(page).run() if page else at


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _markdown_texts(at: AppTest) -> list[str]:
    """Every string of the page that Streamlit renders as Markdown."""
    texts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "caption",
        "markdown",
        "info",
        "success",
        "warning",
        "error",
    ):
        texts += [element.value for element in getattr(at, kind)]
    for metric in at.metric:
        texts += [metric.label, metric.value, metric.delta or "", metric.help or ""]
    for kind in ("selectbox", "multiselect", "radio", "button", "number_input", "text_input"):
        for widget in getattr(at, kind):
            texts += [widget.label, widget.help or ""]
    for radio in at.radio:
        texts += [str(option) for option in radio.options]
    texts += [expander.label for expander in at.expander]
    texts += [tab.label for tab in at.tabs]
    return texts


def _assert_shown_as_text(at: AppTest) -> str:
    """No hostile value reaches Markdown unescaped; returns all Markdown text, joined."""
    texts = _markdown_texts(at)
    for text in texts:
        for raw in RAW_VALUES:
            assert raw not in text, (raw, text)
    return "\n".join(texts)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _chart_strings(at: AppTest) -> list[str]:
    """Every string of every chart of the page; none may carry a tag (plotly renders <a>,
    <b>, <span style>), only the line breaks and hover boxes the builders write."""
    strings: list[str] = []
    for chart in at.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        for text in _strings({"data": figure["data"], "layout": figure["layout"]}):
            markup = re.sub(r"<br>|</?extra>", "", text)
            assert "<" not in markup and ">" not in markup, text
            strings.append(text)
    return strings


def _table(at: AppTest, column: str) -> Any:
    """The value (pandas) of the first table with `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


# ---- Markdown and charts ----------------------------------------------------------------------
def test_rejections_page_shows_reasons_and_channels_from_a_file_as_text(
    hostile_db: Path,
) -> None:
    at = _page("pages/rejections.py", SEPTEMBER)
    at.segmented_control(key="rejections_level").set_value("raw").run()
    _no_errors(at)
    text = _assert_shown_as_text(at)
    top = next(m for m in at.metric if m.label.startswith("Top reason"))
    assert top.label == "Top reason: " + markdown_text(BOLD)
    assert top.value == "46 %"  # 110 of the 240 rejections (90 IMAGE + 20 Email leads)
    # the patterns name the hostile reason and channel: 90 of the 120 IMAGE rejections
    assert markdown_text(BOLD) + " is 75 % of " + markdown_text(IMAGE) in text
    assert markdown_text(LINK) + " is 83 % of Email" in text  # 100 of 120
    strings = _chart_strings(at)
    for reason in (BOLD, HTML, LINK):
        assert plotly_text(reason) in strings  # Pareto bars and heatmap rows
    assert HTML not in "".join(strings)
    at.selectbox(key="rejections_by").set_value("owner").run()
    _no_errors(at)
    # the heatmap's column label wraps the value at its spaces, each line escaped
    assert any(
        s.startswith(plotly_text("<img") + "<br>") and plotly_text("onerror=alert(1)>") in s
        for s in _chart_strings(at)
    )
    assert HTML not in "".join(_chart_strings(at))
    records = at.dataframe[0].value
    assert set(records["name"]) == {"'" + FORMULA}
    assert set(records["company"]) == {"'@SUM(A1)"}


FUNNEL_SECTIONS = (
    "funnel_drill",
    "funnel_trend",
    "funnel_ttc",
    "funnel_acceptance",
    "funnel_score",
)
"""The Funnel's sections that are computed when opened: all open here."""


def test_funnel_page_shows_values_from_a_file_as_text(hostile_db: Path) -> None:
    at = _page("pages/funnel.py", {**SEPTEMBER, **dict.fromkeys(FUNNEL_SECTIONS, "true")})
    _no_errors(at)
    _assert_shown_as_text(at)
    by_channel = _table(at, "Channel")
    assert "'" + FORMULA in set(by_channel["Channel"])
    assert FORMULA not in set(by_channel["Channel"])

    at.selectbox(key="funnel_by").set_value("owner").run()
    at.selectbox(key="funnel_drill_value").set_value(HTML).run()
    _no_errors(at)
    text = _assert_shown_as_text(at)
    assert "owner = " + markdown_text(HTML) + " · reached SAL" in text
    assert plotly_text(HTML) in _chart_strings(at)
    drill = _table(at, "lead_id")
    # the 30 IMAGE leads (owner HTML) that reached SQL count as SAL too
    assert len(drill) == 30 and set(drill["name"]) == {"'" + FORMULA}


def test_overview_shows_a_filter_value_as_text(hostile_db: Path) -> None:
    at = _page(None, SEPTEMBER)
    at.multiselect(key="channel").set_value([IMAGE]).run()
    _no_errors(at)
    _assert_shown_as_text(at)
    assert at.caption[0].value.endswith("channel: " + markdown_text(IMAGE))
    _chart_strings(at)


def test_import_page_shows_file_names_columns_and_values_as_text(hostile_db: Path) -> None:
    at = _page("pages/import_data.py")
    at.file_uploader(key="uploads").set_value((FILE_NAME, upload_csv(), "text/csv")).run()
    _no_errors(at)
    _assert_shown_as_text(at)
    assert at.subheader[0].value == markdown_text(FILE_NAME)
    preview = _table(at, "Lead ID")
    assert "'" + FORMULA in preview.columns and FORMULA not in preview.columns
    assert "'=1+1" in set(preview["'" + FORMULA])
    # a lead export that a known export could also be: the page asks which, the user chooses
    chooser = next(b for b in at.selectbox if b.key.startswith("preset_"))
    chooser.set_value("generic_leads").run()
    _no_errors(at)
    options = json.loads(at.data_editor[0].proto.columns)["source_column"]["type_config"]
    assert "'" + FORMULA in options["options"] and FORMULA not in options["options"]

    at.button(key=next(b.key for b in at.button if b.key.startswith("go_"))).click().run()
    _no_errors(at)
    _assert_shown_as_text(at)
    assert any(markdown_text(f"Imported {FILE_NAME}") in s.value for s in at.success)
    rejects = _table(at, "reason")
    assert "'" + FORMULA in set(rejects["value"])
    history = _table(at, "file_name")
    assert list(history["file_name"]) == [FILE_NAME, "'" + EXPORT_NAME]


def test_quality_drill_downs_hold_no_live_formula(hostile_db: Path) -> None:
    at = _page("pages/quality.py")
    _no_errors(at)
    assert at.selectbox(key="quality_check").value == "lead_no_channel"
    rows = at.dataframe[1].value
    assert len(rows) == 5 and set(rows["name"]) == {"'" + FORMULA}
    at.selectbox(key="quality_check").set_value("unmapped_values").run()
    _no_errors(at)
    values = set(at.dataframe[1].value["value"])
    assert "'" + FORMULA in values and FORMULA not in values


def test_settings_editors_show_formulas_neutralised_and_save_the_original(
    hostile_db: Path,
) -> None:
    at = _page("pages/settings.py")
    _no_errors(at)
    unmapped = at.data_editor(key="unmapped_channel_map").value
    assert "'" + FORMULA in set(unmapped["channel_raw"])
    at.button(key="add_channel_map").click().run()
    _no_errors(at)

    editor = at.data_editor(key="editor_channel_map").value
    assert "'" + FORMULA in set(editor["channel_raw"]) and FORMULA not in set(editor["channel_raw"])
    # edit the formula row's channel, then save: the raw value is stored as it was exported
    row = list(editor["channel_raw"]).index("'" + FORMULA)
    at.session_state["editor_channel_map"] = {
        "edited_rows": {row: {"channel": "Referral"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="save_channel_map").click().run()
    at.button(key="save_pending_channel_map_yes").click().run()  # a changed row asks first
    _no_errors(at)
    con = model.connect(hostile_db, read_only=True)
    try:
        stored = maps.read_map(con, "channel_map")
    finally:
        con.close()
    formula_rows = stored.filter(pl.col("channel_raw").str.contains("HYPERLINK"))
    assert formula_rows.select("channel_raw", "channel").rows() == [(FORMULA, "Referral")]


def test_settings_error_quoting_a_value_shows_it_as_text(hostile_db: Path) -> None:
    at = _page("pages/settings.py")
    at.session_state["editor_channel_map"] = {
        "edited_rows": {},
        "added_rows": [{"channel_raw": IMAGE}],
        "deleted_rows": [],
    }
    at.button(key="save_channel_map").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and markdown_text(repr(IMAGE)) in errors[0]
    _assert_shown_as_text(at)


# ---- builders and the rule every page follows ------------------------------------------------
def test_chart_builders_put_values_in_figures_as_text() -> None:
    figure = charts.empty_figure(f"Rate {LINK}", f"Nothing for {HTML}")
    assert figure.layout.title.text == plotly_text(f"Rate {LINK}")
    assert figure.layout.annotations[0].text == plotly_text(f"Nothing for {HTML}")
    steps = pl.DataFrame(
        {
            "owner": [HTML],
            "n": [40],
            "converted": [10],
            "rate": [0.25],
            "rate_low": [0.1],
            "rate_high": [0.4],
            "too_few": [False],
        }
    )
    figure = funnel_charts.rate_bars(steps, "owner", "MQL → SQL by owner")
    assert list(figure.data[0].y) == [plotly_text(HTML)]
    assert rejection_charts.wrap_label(f"{HTML} and more words") == (
        "&lt;img src=x<br>onerror=alert(1)&gt;<br>and more words"
    )


def test_the_mapping_editor_maps_a_formula_column_by_its_real_name() -> None:
    # what the Import page does: show the editor neutralised, read the mapping back restored
    from alignment.app import widgets
    from alignment.present.importing import mapping_from_editor, mapping_table

    mapping = {"external_id": "Lead ID", "name": FORMULA}
    shown = widgets.editor_table(mapping_table("leads", mapping, ["Lead ID", FORMULA]))
    assert "'" + FORMULA in shown["source_column"].to_list()
    assert widgets.editor_options(["Lead ID", FORMULA]) == ["Lead ID", "'" + FORMULA]
    assert mapping_from_editor(widgets.edited_table(shown)) == mapping


def test_every_table_a_page_shows_goes_through_the_table_helpers() -> None:
    """`st.dataframe` / `st.data_editor` in pages take `widgets.table(...)` or
    `widgets.editor_table(...)`, so no table holds a live formula."""
    allowed = {"dataframe": "table", "data_editor": "editor_table"}
    for path in sorted((REPO / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in allowed:
                continue
            argument = node.args[0] if node.args else None
            helper = (
                argument.func.attr
                if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute)
                else None
            )
            assert helper == allowed[node.func.attr], f"{path.name}:{node.lineno}"


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("pages/sla.py", {"sla_breaches": "true", "sla_within": "true"}),
        ("pages/channels.py", {}),
        ("pages/attribution.py", {}),
    ],
)
def test_sla_channels_and_attribution_show_values_from_a_file_as_text(
    hostile_db: Path, page: str, query: dict[str, str]
) -> None:
    # owners, channels and campaigns from the file reach tiles, tables, the comparison
    # sentence and the charts: never as Markdown or chart markup
    at = _page(page, {**SEPTEMBER, **query})
    _no_errors(at)
    _assert_shown_as_text(at)
    _chart_strings(at)
