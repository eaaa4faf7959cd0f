"""Sign-in in a real browser: with passwords set, the first page is the sign-in form alone; a
wrong password is refused; a viewer's sidebar has no analyst pages and a direct link to Import
does not open it; an analyst's has Import. Screenshots go to tests/e2e/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from alignment.app import access

from .conftest import ARTIFACTS, REPO, serve

pytestmark = pytest.mark.e2e

VIEWER_PASSWORD = "viewpw"
ANALYST_PASSWORD = "analystpw"
ANALYST_TITLES = ("Import", "Data quality", "Settings", "SQL")
"""The sidebar titles of `access.ANALYST_PAGES` (app.py)."""
IMPORT_PATH = "import_data"
"""The Import page's URL path: app.py gives it none, so Streamlit derives it from
pages/import_data.py."""
IMPORT_MARK = "Import history"
"""Text only the Import page shows."""


@pytest.fixture
def protected_server(demo_db: Path) -> Iterator[str]:
    """The app with a viewer and an analyst password, on a private copy of the demo data."""
    env = {
        "ALIGNMENT_DB": str(demo_db),
        "ALIGNMENT_NO_DEMO": "1",
        access.PASSWORD_ENV: VIEWER_PASSWORD,
        access.ANALYST_PASSWORD_ENV: ANALYST_PASSWORD,
    }
    with serve(REPO / "app.py", env) as url:
        yield url


def _sidebar_titles(page) -> list[str]:
    """The page titles the sidebar's navigation lists (none when there is no navigation); a
    link's text is its icon's name, then its title."""
    links = page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]')
    return [text.strip().splitlines()[-1].strip() for text in links.all_inner_texts()]


def _sign_in_form(page) -> None:
    """Wait for the sign-in form, and check it came alone: no "Page not found" dialog over it,
    no traceback."""
    page.get_by_label("Password", exact=True).wait_for(timeout=60_000)
    assert page.get_by_role("dialog").count() == 0
    body = page.inner_text("body")
    assert "Page not found" not in body and "Traceback" not in body


def _sign_in(page, password: str) -> None:
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_page_and_a_viewer(protected_server: str, browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 720})

    page.goto(protected_server, wait_until="networkidle")
    _sign_in_form(page)
    page.screenshot(path=str(ARTIFACTS / "sign_in.png"), full_page=True)
    assert page.get_by_role("heading", name="Alignment").count() == 1
    assert _sidebar_titles(page) == []  # no pages before sign-in
    assert page.locator('[data-testid="stMetric"]').count() == 0  # no KPI tiles

    _sign_in(page, "not-the-password")
    page.get_by_text("Wrong password.").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "sign_in_wrong.png"), full_page=True)
    assert page.locator('[data-testid="stMetric"]').count() == 0

    _sign_in(page, VIEWER_PASSWORD)
    page.get_by_role("heading", name=re.compile(r"^Overview")).wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "viewer_overview.png"), full_page=True)
    titles = _sidebar_titles(page)
    assert "Overview" in titles and "Explore" in titles, titles
    assert set(ANALYST_TITLES) & set(titles) == set(), titles
    assert "Signed in: viewer" in page.inner_text("body")

    # a link to Import (a new browser session): the sign-in form; signed in as a viewer, the
    # Overview, never the Import page
    page.goto(f"{protected_server}/{IMPORT_PATH}", wait_until="networkidle")
    _sign_in_form(page)
    _sign_in(page, VIEWER_PASSWORD)
    page.get_by_role("heading", name=re.compile(r"^Overview")).wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
    assert page.get_by_text(IMPORT_MARK).count() == 0
    assert not page.url.rstrip("/").endswith(IMPORT_PATH), page.url


def test_an_analyst_following_a_link_to_import(protected_server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{protected_server}/{IMPORT_PATH}", wait_until="networkidle")
    _sign_in_form(page)
    _sign_in(page, ANALYST_PASSWORD)
    # the same check that a viewer fails: the link leads through sign-in to the Import page
    page.get_by_text(IMPORT_MARK).wait_for(timeout=60_000)
    assert page.url.rstrip("/").endswith(IMPORT_PATH), page.url
    titles = _sidebar_titles(page)
    assert set(ANALYST_TITLES) <= set(titles), titles
    assert "Signed in: analyst" in page.inner_text("body")
