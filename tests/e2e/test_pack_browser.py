"""The review pack in a real browser: both Overview buttons download a pack built on click (on
Streamlit's download thread), and the HTML pack draws every chart with the network off.
Screenshot of the offline pack: tests/e2e/artifacts/review_pack.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from pptx import Presentation

from .conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def test_the_overview_downloads_both_packs_and_the_html_one_works_offline(
    server: str, browser, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page.goto(f"{server}/?period=September+2026&channel=Email", wait_until="networkidle")
    page.get_by_text("Overview · September 2026").wait_for(timeout=60_000)
    saved: dict[str, Path] = {}
    for label, suffix in (("PowerPoint", "pptx"), ("HTML", "html")):
        button = page.get_by_role("button", name=f"Review pack: {label}", exact=False)
        button.wait_for(timeout=30_000)
        with page.expect_download(timeout=60_000) as download:
            button.click()
        saved[suffix] = tmp_path / f"pack.{suffix}"
        download.value.save_as(saved[suffix])
        assert download.value.suggested_filename == f"review-pack-2026-09.{suffix}"
    deck = Presentation(str(saved["pptx"]))
    assert deck.slides[0].shapes.title.text == "Revenue review · September 2026"
    assert "channel: Email" in deck.slides[0].placeholders[1].text

    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    offline = context.new_page()
    offline.goto(saved["html"].as_uri())
    offline.locator(".js-plotly-plot").nth(4).wait_for(timeout=30_000)
    # what changed, funnel, SLA, rejections, channels
    assert offline.locator(".js-plotly-plot").count() == 5
    assert "channel: Email" in offline.inner_text("header")
    offline.screenshot(path=str(ARTIFACTS / "review_pack.png"), full_page=True)
    context.close()
