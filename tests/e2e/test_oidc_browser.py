"""OpenID Connect sign-in in a real browser, end to end against a local fake provider
(`fake_oidc`): the app's sign-in button goes to the provider's `/authorize`, back to Streamlit's
`/oauth2callback`, which exchanges the code for an RS256 `id_token` and checks it, and the app
is then signed in as the provider's user: an analyst on the `analysts` allow-list, a viewer
otherwise (names masked). Signing out returns to the sign-in page. Screenshots go to
tests/e2e/artifacts/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from alignment import model
from alignment.db import store
from alignment.devtools import load
from alignment.present import privacy

from . import fake_oidc
from .conftest import ARTIFACTS, REPO, serve

pytestmark = pytest.mark.e2e

ANALYST_EMAIL = "ana@example.com"
VIEWER_EMAIL = "viewer@example.com"
SIGN_IN_LABEL = "Sign in with your account"
"""The button `access._sign_in_form` shows for the default (unnamed) provider."""
ANALYST_TITLES = ("Import", "Data quality", "Settings", "SQL")
"""The sidebar titles of `access.ANALYST_PAGES` (app.py)."""
FUNNEL_BY_OWNER = "funnel?period=September+2026&funnel_by=Owner"
"""The Funnel page broken down by owner: the owners' names, or their masks for a viewer."""


def _secrets(provider: fake_oidc.FakeProvider, app_port: int) -> str:
    """secrets.toml for the app on `app_port` signing in through `provider`."""
    return f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "a-cookie-secret-for-tests-only"
client_id = "{fake_oidc.CLIENT_ID}"
client_secret = "{fake_oidc.CLIENT_SECRET}"
server_metadata_url = "{provider.discovery_url}"

[alignment]
analysts = ["{ANALYST_EMAIL}"]
"""


@contextmanager
def _oidc_app(
    email: str, demo_db: Path, tmp_path: Path
) -> Iterator[tuple[str, fake_oidc.FakeProvider]]:
    """The app with `[auth]` secrets pointing at a fake provider that signs in `email`; yields
    the app's URL and the provider. The secrets file is a temporary one
    (`STREAMLIT_SECRETS_FILES`), so the app still runs from the repository with its config."""
    port = load.free_port()  # the redirect URI in the secrets names it before the start
    with fake_oidc.serve(email) as provider:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(_secrets(provider, port))
        env = {
            "ALIGNMENT_DB": str(demo_db),
            "ALIGNMENT_NO_DEMO": "1",
            "STREAMLIT_SECRETS_FILES": str(secrets),
        }
        with serve(REPO / "app.py", env, port=port) as url:
            yield url, provider


def _sidebar_titles(page) -> list[str]:
    """The page titles the sidebar's navigation lists; a link's text is its icon's name, then
    its title."""
    links = page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]')
    return [text.strip().splitlines()[-1].strip() for text in links.all_inner_texts()]


def _owners(path: Path) -> list[str]:
    con = model.connect(path, read_only=True)
    try:
        frame = store.query(con, "SELECT DISTINCT owner FROM leads WHERE owner IS NOT NULL")
    finally:
        con.close()
    return frame["owner"].to_list()


def _sign_in_through_the_provider(page, url: str, provider: fake_oidc.FakeProvider) -> None:
    """Open the app, check it shows only the sign-in button, click it: the browser goes to the
    provider and comes back signed in, on the Overview."""
    page.goto(url, wait_until="networkidle")
    button = page.get_by_role("button", name=SIGN_IN_LABEL)
    button.wait_for(timeout=60_000)
    assert _sidebar_titles(page) == []
    assert page.locator('[data-testid="stMetric"]').count() == 0
    button.click()
    page.get_by_role("heading", name=re.compile(r"^Overview")).wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
    # the provider was asked once, as OpenID Connect asks: a code for this client, back to the
    # app's callback, with a nonce (which the id_token then carried back)
    [asked] = provider.authorize_requests
    assert asked["client_id"] == fake_oidc.CLIENT_ID
    assert asked["response_type"] == "code"
    assert asked["redirect_uri"] == f"{url}/oauth2callback"
    assert "openid" in asked["scope"].split() and asked["nonce"]
    assert [t["code"] for t in provider.token_requests]  # the code was exchanged


def test_an_analyst_on_the_allow_list_signs_in_and_out(
    demo_db: Path, tmp_path: Path, browser
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with _oidc_app(ANALYST_EMAIL, demo_db, tmp_path) as (url, provider):
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        _sign_in_through_the_provider(page, url, provider)
        page.screenshot(path=str(ARTIFACTS / "oidc_analyst_overview.png"), full_page=True)
        titles = _sidebar_titles(page)
        assert set(ANALYST_TITLES) <= set(titles), titles
        assert f"Signed in: {ANALYST_EMAIL} (analyst)" in page.inner_text("body")

        # a new browser session (a link) keeps the sign-in: Streamlit's cookie
        page.goto(f"{url}/{FUNNEL_BY_OWNER}", wait_until="networkidle")
        page.get_by_role("heading", name=re.compile(r"^Funnel")).wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        body = page.inner_text("body")
        assert any(owner in body for owner in _owners(demo_db))  # an analyst sees names

        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name=SIGN_IN_LABEL).wait_for(timeout=60_000)
        assert _sidebar_titles(page) == []
        # the sign-in form shows before the browser has followed Streamlit's logout redirect,
        # which clears its identity cookie: wait for that, as a person would, before reloading
        _wait_for_no_identity_cookie(page)
        page.goto(url, wait_until="networkidle")  # and stays signed out
        page.get_by_role("button", name=SIGN_IN_LABEL).wait_for(timeout=60_000)
        assert page.locator('[data-testid="stMetric"]').count() == 0


def test_anyone_else_is_a_viewer_with_names_masked(demo_db: Path, tmp_path: Path, browser) -> None:
    with _oidc_app(VIEWER_EMAIL, demo_db, tmp_path) as (url, provider):
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        _sign_in_through_the_provider(page, url, provider)
        page.screenshot(path=str(ARTIFACTS / "oidc_viewer_overview.png"), full_page=True)
        titles = _sidebar_titles(page)
        assert "Overview" in titles and "Explore" in titles, titles
        assert set(ANALYST_TITLES) & set(titles) == set(), titles
        assert f"Signed in: {VIEWER_EMAIL} (viewer)" in page.inner_text("body")

        page.goto(f"{url}/{FUNNEL_BY_OWNER}", wait_until="networkidle")
        page.get_by_role("heading", name=re.compile(r"^Funnel")).wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "oidc_viewer_funnel.png"), full_page=True)
        body = page.inner_text("body")
        owners = _owners(demo_db)
        assert not [owner for owner in owners if owner in body]
        # the breakdown is there, under the owners' masks (the same test with the names would
        # pass on a page that showed no breakdown at all)
        masks = privacy.masked_labels(sorted(owners)).values()
        assert privacy.MASK in body and any(f"{mask}\n" in f"{body}\n" for mask in masks)


def _wait_for_no_identity_cookie(page: Any, seconds: float = 30) -> None:
    """Until the browser holds none of Streamlit's identity cookies (`_streamlit_user...`)."""
    deadline = time.monotonic() + seconds
    while any(c["name"].startswith("_streamlit_user") for c in page.context.cookies()):
        assert time.monotonic() < deadline, "the identity cookie outlived the sign-out"
        page.wait_for_timeout(200)
