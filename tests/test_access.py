"""Access control: the pure rules (constant-time comparison, roles, the slow-down after
repeated wrong passwords), and the app (AppTest): with a password only the sign-in page shows,
wrong passwords are refused and slowed down, a viewer cannot reach the analysts' pages by the
sidebar or a link and sees names masked, an analyst sees them, OpenID Connect secrets show a
sign-in button, and with nothing configured the sidebar says the app is open."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import access_rules, model
from alignment.access_rules import ANALYST, VIEWER
from alignment.app import access
from alignment.db import store

REPO = Path(__file__).resolve().parents[1]
VIEWER_PASSWORD = "blue-harbour"
ANALYST_PASSWORD = "red-lighthouse"
FUNNEL_BY_OWNER = {"period": "September 2026", "funnel_by": "Owner"}


# --- the rules, without Streamlit -------------------------------------------------------------


def test_role_for_password() -> None:
    settings = access_rules.config(VIEWER_PASSWORD, ANALYST_PASSWORD)
    assert access_rules.role_for_password(settings, VIEWER_PASSWORD) == VIEWER
    assert access_rules.role_for_password(settings, ANALYST_PASSWORD) == ANALYST
    assert access_rules.role_for_password(settings, "blue-harbour ") is None
    assert access_rules.role_for_password(settings, "") is None
    # non-ASCII passwords work (compare_digest alone refuses non-ASCII text)
    accented = access_rules.config("crème-brûlée", None)
    assert access_rules.role_for_password(accented, "crème-brûlée") == VIEWER
    assert access_rules.role_for_password(accented, "creme-brulee") is None


def test_only_an_analyst_password_signs_in_no_viewer() -> None:
    settings = access_rules.config(None, ANALYST_PASSWORD)
    assert access_rules.role_for_password(settings, ANALYST_PASSWORD) == ANALYST
    assert access_rules.role_for_password(settings, "") is None  # no empty viewer password


def test_open_when_nothing_is_configured() -> None:
    assert access_rules.config(None, None).is_open
    assert access_rules.config("", "").is_open  # blank settings count as not set
    assert not access_rules.config(VIEWER_PASSWORD, None).is_open
    assert not access_rules.config(None, None, oidc=True).is_open


def test_role_for_email() -> None:
    settings = access_rules.config(None, None, oidc=True, analysts=[" Ana@Example.com "])
    assert access_rules.role_for_email(settings, "ana@example.com") == ANALYST
    assert access_rules.role_for_email(settings, "ANA@example.COM") == ANALYST
    assert access_rules.role_for_email(settings, "vic@example.com") == VIEWER
    assert access_rules.role_for_email(settings, None) == VIEWER


def test_delay_grows_after_three_failures_and_is_capped() -> None:
    result = [access_rules.delay_after(n) for n in range(1, 10)]
    # 1-3 free; then 0.5 doubling: 0.5, 1, 2, 4, then capped at 5
    expected = [0.0, 0.0, 0.0, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert result == expected


# --- the app ----------------------------------------------------------------------------------


@pytest.fixture
def no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """No password from the environment of whoever runs the tests."""
    monkeypatch.delenv(access.PASSWORD_ENV, raising=False)
    monkeypatch.delenv(access.ANALYST_PASSWORD_ENV, raising=False)


@pytest.fixture
def passwords(no_password: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(access.PASSWORD_ENV, VIEWER_PASSWORD)
    monkeypatch.setenv(access.ANALYST_PASSWORD_ENV, ANALYST_PASSWORD)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits after wrong passwords, recorded instead of slept."""
    recorded: list[float] = []

    def pause(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(access, "_pause", pause)
    return recorded


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    at.query_params.update(query or {})
    return at.run()


def _sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="access_password").input(password)
    return next(b for b in at.button if b.label == "Sign in").click().run()


def _text(node: object) -> str:
    """Every element's message under `node`, as text."""
    proto = getattr(node, "proto", None)
    parts = [str(proto)] if proto is not None else []
    for child in getattr(node, "children", {}).values():
        parts.append(_text(child))
    return "\n".join(parts)


def _owners(path: Path) -> list[str]:
    con = model.connect(path, read_only=True)
    try:
        frame = store.query(con, "SELECT DISTINCT owner FROM leads WHERE owner IS NOT NULL")
    finally:
        con.close()
    return frame["owner"].to_list()


app_fixtures = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


@app_fixtures
def test_open_access_says_so_in_the_sidebar(demo_db: Path, no_password: None) -> None:
    at = _app()
    assert not at.exception, [e.value for e in at.exception]
    assert any(access.OPEN_NOTE in c.value for c in at.sidebar.caption)
    assert at.title[0].value.startswith("Overview")


@app_fixtures
def test_only_the_sign_in_shows_until_the_right_password(
    demo_db: Path, passwords: None, pauses: list[float]
) -> None:
    at = _app(FUNNEL_BY_OWNER)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Alignment"]
    assert not at.selectbox and not at.multiselect and not at.toggle  # no filters, no pages
    assert len(at.text_input) == 1  # the password, nothing else
    assert not any(access.OPEN_NOTE in c.value for c in at.sidebar.caption)
    # no other page is registered, so no link reaches one (AppTest refuses to switch to it)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/import_data.py")

    for _ in range(5):
        at = _sign_in(at, "guess")
        assert [e.value for e in at.error] == ["Wrong password."]
        assert [t.value for t in at.title] == ["Alignment"]
    # three free attempts (no wait), then 0.5 s doubling
    assert pauses == [0.0, 0.0, 0.0, 0.5, 1.0]

    at = _sign_in(at, VIEWER_PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert at.title[0].value.startswith("Overview")
    assert any("Signed in: viewer" in c.value for c in at.sidebar.caption)


@app_fixtures
def test_a_viewer_cannot_reach_the_analysts_pages(demo_db: Path, passwords: None) -> None:
    at = _sign_in(_app(), VIEWER_PASSWORD)
    assert at.title[0].value.startswith("Overview")
    # not registered in the navigation: not in the sidebar, and no link reaches them
    for page in ("pages/import_data.py", "pages/settings.py", "pages/sql.py", "pages/quality.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    # the review pages and Explore are there
    at = at.switch_page("pages/explore.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value.startswith("Explore")


@app_fixtures
def test_an_analyst_reaches_the_analysts_pages(demo_db: Path, passwords: None) -> None:
    at = _sign_in(_app(), ANALYST_PASSWORD)
    assert any("Signed in: analyst" in c.value for c in at.sidebar.caption)
    at = at.switch_page("pages/settings.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value.startswith("Settings")


@app_fixtures
def test_a_viewer_sees_names_masked_and_cannot_save_an_analyst_can(
    demo_db: Path, passwords: None
) -> None:
    owners = _owners(demo_db)
    shown: dict[str, str] = {}
    saving: dict[str, bool] = {}
    for password in (VIEWER_PASSWORD, ANALYST_PASSWORD):
        at = _sign_in(_app(FUNNEL_BY_OWNER), password)
        at = at.switch_page("pages/funnel.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value.startswith("Funnel")
        shown[password] = _text(at.main)
        at.session_state["funnel_acceptance"] = True  # what opening "Lead acceptance" does
        at.run()
        saving[password] = at.button(key="funnel_save_target").disabled
    assert not [o for o in owners if o in shown[VIEWER_PASSWORD]]
    assert any(o in shown[ANALYST_PASSWORD] for o in owners)
    # the funnel's acceptance target: a viewer reads it, only an analyst can save it
    assert saving == {VIEWER_PASSWORD: True, ANALYST_PASSWORD: False}


@app_fixtures
def test_oidc_secrets_show_the_login_button(demo_db: Path, no_password: None) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-secret",
        "client_id": "alignment",
        "client_secret": "not-a-secret",
        "server_metadata_url": "https://id.example.invalid/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.button] == ["Sign in with your account"]
    assert len(at.text_input) == 0  # no password configured
    assert [t.value for t in at.title] == ["Alignment"]


@app_fixtures
def test_oidc_user_on_the_allow_list_is_an_analyst(demo_db: Path, no_password: None) -> None:
    roles = {}
    for email in ("ana@example.com", "vic@example.com"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
        at.secrets["auth"] = {"client_id": "alignment"}
        at.secrets["alignment"] = {"analysts": ["ana@example.com"]}
        at.user = {"is_logged_in": True, "email": email}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        roles[email] = [c.value for c in at.sidebar.caption if "Signed in" in c.value]
    assert roles == {
        "ana@example.com": [":material/lock: Signed in: ana@example.com (analyst)"],
        "vic@example.com": [":material/lock: Signed in: vic@example.com (viewer)"],
    }


@app_fixtures
@pytest.mark.parametrize("email", ["ana@example.com", None])
def test_oidc_sign_out_leads_back_to_the_sign_in(
    demo_db: Path, no_password: None, email: str | None
) -> None:
    # a provider may send no e-mail (a scope it did not grant): the user must still be able to
    # sign out, so signing out follows `is_logged_in`, not the e-mail
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    at.secrets["auth"] = {"client_id": "alignment"}
    at.secrets["alignment"] = {"analysts": ["ana@example.com"]}
    at.user = {"is_logged_in": True, **({"email": email} if email else {})}
    at.run()
    assert at.title[0].value.startswith("Overview")
    at = next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert access.ROLE_KEY not in at.session_state
    # the run ends with Streamlit's redirect to its logout page, which clears the identity
    # cookie (the browser test follows it); the next session has no user and sees the sign-in
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in with your account"]
    assert [t.value for t in at.title] == ["Alignment"]


@app_fixtures
def test_password_sign_out_forgets_the_role(demo_db: Path, passwords: None) -> None:
    at = _sign_in(_app(), ANALYST_PASSWORD)
    assert at.title[0].value.startswith("Overview")
    at = next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Alignment"]
    assert len(at.text_input) == 1  # the password form again
    assert access.ROLE_KEY not in at.session_state
