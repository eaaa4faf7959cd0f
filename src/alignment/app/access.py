"""Access control in the app: reading the configuration (Streamlit secrets, else environment),
the sign-in page (shared password and/or OpenID Connect through `st.login`), the session's
role, which pages a role may reach, and the sidebar's note of who is signed in. The rules
themselves (comparison, roles, slow-down) are in `alignment.access_rules`.

Secrets (all optional, `.streamlit/secrets.toml`)::

    [alignment]
    password = "..."              # viewers (or env ALIGNMENT_PASSWORD)
    analyst_password = "..."      # analysts (or env ALIGNMENT_ANALYST_PASSWORD)
    analysts = ["a@example.com"]  # OpenID Connect e-mails that are analysts

    [auth]                        # Streamlit's own OpenID Connect settings: st.login
    ...
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from alignment import access_rules
from alignment.access_rules import ANALYST, AccessConfig, Role

PASSWORD_ENV = "ALIGNMENT_PASSWORD"
ANALYST_PASSWORD_ENV = "ALIGNMENT_ANALYST_PASSWORD"
SECRETS_SECTION = "alignment"

ROLE_KEY = "_access_role"
FAILURES_KEY = "_access_failures"
"""Session keys: the role signed in with a password; wrong passwords in a row."""

ANALYST_PAGES: frozenset[str] = frozenset({"import_data", "quality", "settings", "sql"})
"""URL paths of the pages only analysts reach (imports and their deletion, the data's
records, settings, SQL). Pages left out of `st.navigation` cannot be opened by a link either."""

OPEN_NOTE = "Open access: no password set (local use)"


def _secrets() -> Mapping[str, Any]:
    """The Streamlit secrets, or nothing when there is no secrets file (not an error: local
    use has none)."""
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except FileNotFoundError:  # also StreamlitSecretNotFoundError (a missing or broken file)
        return {}


def settings() -> AccessConfig:
    """What is configured: passwords from the `[alignment]` secrets, else the environment;
    OpenID Connect when an `[auth]` section exists; the analysts' e-mails."""
    secrets = _secrets()
    section: Mapping[str, Any] = secrets.get(SECRETS_SECTION) or {}
    analysts = section.get("analysts") or []
    return access_rules.config(
        section.get("password") or os.environ.get(PASSWORD_ENV),
        section.get("analyst_password") or os.environ.get(ANALYST_PASSWORD_ENV),
        oidc="auth" in secrets,
        analysts=[str(e) for e in analysts] if not isinstance(analysts, str) else [analysts],
    )


def _oidc_email() -> str | None:
    """The e-mail of a user signed in through OpenID Connect, or None."""
    if not st.user.get("is_logged_in", False):
        return None
    email = st.user.get("email")
    return str(email) if email else None


def role() -> Role | None:
    """This session's role: analyst when nothing is configured; from the OpenID Connect
    e-mail or the password signed in with; None when not signed in."""
    configured = settings()
    if configured.is_open:
        return ANALYST
    if configured.oidc and st.user.get("is_logged_in", False):
        return access_rules.role_for_email(configured, _oidc_email())
    signed: Role | None = st.session_state.get(ROLE_KEY)
    return signed


def is_analyst() -> bool:
    """The session may import, delete, change settings, use SQL and see unmasked records."""
    return role() == ANALYST


def _pause(seconds: float) -> None:
    """Wait after a wrong password (a name of its own so tests can record it)."""
    if seconds > 0:
        time.sleep(seconds)


def _providers(secrets: Mapping[str, Any]) -> list[str | None]:
    """The OpenID Connect providers to offer: each `[auth.NAME]` section, or the default one
    when the settings are in `[auth]` itself."""
    auth = secrets.get("auth") or {}
    named = [str(k) for k, v in auth.items() if isinstance(v, Mapping)]
    return list(named) if named else [None]


SIGN_IN_WIDTH = 440
"""Pixels of the sign-in column: a form the width of a password, not of the wide layout."""


def sign_in_page() -> None:
    """The only page before sign-in: a narrow centred column with the title, one line saying
    what to do, a password form and/or one button per OpenID Connect provider. A wrong
    password is refused with a message, and after `FREE_ATTEMPTS` in a row each further one
    waits longer (`access_rules.delay_after`)."""
    configured = settings()
    column = st.container(horizontal_alignment="center").container(width=SIGN_IN_WIDTH)
    with column:
        _sign_in_form(configured)


def _sign_in_form(configured: AccessConfig) -> None:
    st.title("Alignment")
    st.caption(
        "Enter the team's password to open the dashboard."
        if configured.uses_password
        else "Sign in with your account to open the dashboard."
    )
    if configured.oidc:
        for provider in _providers(_secrets()):
            label = f"Sign in with {provider}" if provider else "Sign in with your account"
            if st.button(
                label,
                key=f"access_login_{provider or 'default'}",
                type="primary",
                width="stretch",
            ):
                st.login(provider) if provider else st.login()
    if not configured.uses_password:
        return
    with st.form("access_sign_in", clear_on_submit=True):
        entered = st.text_input(
            "Password", type="password", key="access_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(
            "Sign in", type="primary", icon=":material/login:", width="stretch"
        )
    if not submitted:
        return
    signed = access_rules.role_for_password(configured, entered or "")
    if signed is not None:
        st.session_state[ROLE_KEY] = signed
        st.session_state[FAILURES_KEY] = 0
        st.rerun()
    failures = int(st.session_state.get(FAILURES_KEY, 0)) + 1
    st.session_state[FAILURES_KEY] = failures
    _pause(access_rules.delay_after(failures))
    st.error("Wrong password.", icon=":material/lock:")


def sign_in_navigation(pages: dict[str, list[StreamlitPage]]) -> StreamlitPage:
    """The navigation before sign-in: the sign-in page alone, under the app's own URL paths
    (`pages`, one list per section), so a link to any page opens the sign-in form rather than a
    "Page not found" dialog, and after sign-in leads to that page if the role may see it. No
    other page, by the sidebar or by a link, is reachable."""
    paths = sorted({page.url_path for listed in pages.values() for page in listed} - {""})
    sign_in = [
        st.Page(sign_in_page, title="Sign in", icon=":material/lock:", default=True),
        *(
            st.Page(sign_in_page, title="Sign in", icon=":material/lock:", url_path=path)
            for path in paths
        ),
    ]
    return st.navigation(sign_in, position="hidden")


def allowed_pages(pages: dict[str, list[StreamlitPage]]) -> dict[str, list[StreamlitPage]]:
    """The router's pages (one list per section) this session may reach: all for an analyst;
    for a viewer, without `ANALYST_PAGES` (and without sections left empty)."""
    if is_analyst():
        return pages
    kept = {s: [p for p in ps if p.url_path not in ANALYST_PAGES] for s, ps in pages.items()}
    return {s: ps for s, ps in kept.items() if ps}


def sidebar_status() -> None:
    """The sidebar's note: open access, or the role signed in with and a sign-out button."""
    configured = settings()
    if configured.is_open:
        st.sidebar.caption(f":material/lock_open: {OPEN_NOTE}")
        return
    current = role()
    email = _oidc_email() if configured.oidc else None
    who = f"{email} ({current})" if email else f"{current}"
    st.sidebar.caption(f":material/lock: Signed in: {who}")
    if st.sidebar.button("Sign out", key="access_sign_out"):
        st.session_state.pop(ROLE_KEY, None)
        # signed in through the provider, with or without an e-mail (a provider may not
        # send one): clear Streamlit's identity cookie too, or the session stays signed in
        if configured.oidc and st.user.get("is_logged_in", False):
            st.logout()
            # end the run, no rerun: a new run drops the queued redirect to the logout page
            # (which clears the identity cookie), and the next page load would sign in again
            st.stop()
        st.rerun()
