"""A real browser against a real server with values a file or a user brings (`tests/hostile.py`):
nothing from the data becomes an image, a link or formatting in the page, and no request goes
to the host the hostile values point at. A second test renders a few hundred generated strings
through `markdown_text` / `plotly_text` in Streamlit's own frontend and reads back the text."""

from __future__ import annotations

import json
import random
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from alignment.present.text import WORD_JOINER

from ..hostile import (
    BOLD,
    FILE_NAME,
    FORMULA,
    HTML,
    IMAGE,
    IMAGE_HOST,
    LINK,
    build_database,
    upload_csv,
)
from ..test_text import TOKENS
from .conftest import ARTIFACTS, REPO, serve

pytestmark = pytest.mark.e2e

# elements the data could create if it were read as Markdown or HTML
FROM_DATA = (
    f'img[src*="{IMAGE_HOST}"], a[href*="{IMAGE_HOST}"], a[href^="javascript"], '
    '[data-testid="stMain"] img[src="x"], strong:has-text("bold"), code:has-text("code"), '
    ".js-plotly-plot svg a"
)


@pytest.fixture
def hostile_server(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "hostile.duckdb"
    build_database(path)
    with serve(REPO / "app.py", {"ALIGNMENT_DB": str(path), "ALIGNMENT_NO_DEMO": "1"}) as url:
        yield url


def _visible(page) -> str:  # type: ignore[no-untyped-def]
    return page.inner_text("body").replace(WORD_JOINER, "")


def test_hostile_values_never_act_in_the_browser(
    hostile_server: str, browser, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1400})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    september = {"period": "September 2026"}
    for path, query, title, literal in (
        ("", {**september, "channel": IMAGE}, "Overview · September 2026", IMAGE),
        (
            "rejections",
            {**september, "rejections_level": "As exported", "rejections_by": "Owner"},
            "Rejections · September 2026",
            f"Top reason: {BOLD}",
        ),
        ("funnel", {**september, "funnel_by": "Owner"}, "Funnel · September 2026", HTML),
    ):
        page.goto(f"{hostile_server}/{path}?{urllib.parse.urlencode(query)}")
        page.get_by_text(title).first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / f"hostile_{path or 'overview'}.png"), full_page=True)
        assert page.locator(FROM_DATA).count() == 0, path
        assert literal in _visible(page), path
        if not path:
            # the filter's options (IMAGE is selected) hold the other channels as plain text
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.locator('[data-testid="stMultiSelect"] input').first.click()
            options = page.get_by_role("option")
            options.first.wait_for(timeout=30_000)
            assert FORMULA in options.all_inner_texts()
            assert page.locator(FROM_DATA).count() == 0
            page.keyboard.press("Escape")
        if path == "rejections":
            # the reasons as chart labels: plotly text, not markup
            svg_text = " ".join(page.locator(".js-plotly-plot text").all_text_contents())
            assert LINK in svg_text.replace(WORD_JOINER, "")

    upload = tmp_path / FILE_NAME
    upload.write_bytes(upload_csv())
    page.goto(f"{hostile_server}/import_data")
    page.get_by_text("Import history").wait_for(timeout=60_000)
    page.locator('input[type="file"]').set_input_files(str(upload))
    # a lead export a known export could also be: the page asks which, the user chooses
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Export type").click()
    page.keyboard.type("Generic leads")  # the list is long: filter it as a user would
    page.get_by_role("option", name="Generic leads · leads / contacts").click()
    page.get_by_role("button", name="Import this file").click()
    deadline = time.monotonic() + 60  # "Imported (UTC)" in the history is not the result
    while f"Imported {FILE_NAME}" not in _visible(page) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "hostile_import.png"), full_page=True)
    assert page.locator(FROM_DATA).count() == 0
    assert page.locator("h3", has_text=FILE_NAME).count() == 1
    assert f"Imported {FILE_NAME}" in _visible(page)

    assert not [url for url in requests if IMAGE_HOST in url]


CORPUS_APP = """
import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from alignment.present.text import markdown_text, plotly_text

values = json.loads(Path(__file__).with_name("corpus.json").read_text())
for value in values:
    st.markdown(markdown_text(value))
for value in values[:20]:
    st.metric(markdown_text(value), markdown_text(value), markdown_text(value))
st.radio("Options", [markdown_text(v) for v in values[:20]], key="options")
figure = go.Figure()
labels = [plotly_text(v) for v in values[:30]]
figure.add_bar(x=labels, y=list(range(30)))
figure.update_xaxes(tickmode="array", tickvals=labels, ticktext=labels, tickangle=90)
figure.update_layout(title={"text": plotly_text(values[0])}, width=3000)
st.plotly_chart(figure)
"""


def _shown(value: str) -> str:
    """What a reader sees of a value: whitespace collapsed, word joiners invisible."""
    return " ".join(value.replace(WORD_JOINER, "").split())


def _corpus() -> list[str]:
    """Hostile values, then 300 strings of the tokens the unit tests draw from (seeded), each
    showing something and showing differently (the chart's categories must stay distinct)."""
    rng = random.Random(16)
    values = [IMAGE, BOLD, HTML, LINK, FILE_NAME]
    while len(values) < 305:
        value = "".join(rng.choices(TOKENS, k=rng.randint(1, 12)))
        if _shown(value) and _shown(value) not in {_shown(v) for v in values}:
            values.append(value)
    return values


def test_escaped_text_renders_as_itself_in_streamlits_frontend(browser, tmp_path: Path) -> None:
    values = _corpus()
    corpus = tmp_path / "corpus.json"
    corpus.write_text(json.dumps(values))
    script = tmp_path / "corpus_app.py"
    script.write_text(CORPUS_APP)
    with serve(script, {"ALIGNMENT_NO_DEMO": "1"}) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(url)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.wait_for_load_state("networkidle")
        texts = page.locator(
            '[data-testid="stMain"] [data-testid="stMarkdownContainer"]'
        ).all_inner_texts()
        markup = page.locator(
            '[data-testid="stMain"] [data-testid="stMarkdownContainer"] '
            ":is(a, img, strong, em, code, del, li, h1, h2, h3, h4, h5, h6, blockquote, hr, "
            'table, span[role="img"], .katex)'
        ).count()
        svg_text = page.locator(".js-plotly-plot .xtick text").all_text_contents()
        title = page.locator(".js-plotly-plot .gtitle").text_content() or ""

    assert markup == 0
    assert [_shown(t) for t in texts[: len(values)]] == [_shown(v) for v in values]
    assert [_shown(t) for t in svg_text] == [_shown(v) for v in values[:30]]
    assert _shown(title) == _shown(values[0])
    assert not [u for u in requests if not u.startswith(url)]
