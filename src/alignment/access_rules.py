"""Access rules, without Streamlit: who may sign in with which password, which role an OIDC
e-mail gets, and how long a session waits after repeated wrong passwords.

Two roles: a viewer sees the review and explore pages with personal data masked; an analyst
can also import, delete imports, change settings, see unmasked records and use SQL. With
nothing configured the app is open (local use) and everyone is an analyst.
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Iterable
from typing import Literal

Role = Literal["viewer", "analyst"]
VIEWER: Role = "viewer"
ANALYST: Role = "analyst"

FREE_ATTEMPTS = 3
"""Wrong passwords a session may enter before each further one is slowed down."""

FIRST_DELAY = 0.5
MAX_DELAY = 5.0
"""Seconds of the first slowed-down attempt (doubling each time after) and the cap: enough to
make guessing slow, not so much that a typo locks a colleague out."""


@dataclasses.dataclass(frozen=True)
class AccessConfig:
    """What is configured: the shared passwords (None: not set), whether OpenID Connect is set
    up (`[auth]` secrets), and the e-mails that sign in through it as analysts."""

    viewer_password: str | None = None
    analyst_password: str | None = None
    oidc: bool = False
    analysts: frozenset[str] = frozenset()

    @property
    def is_open(self) -> bool:
        """Nothing configured: no sign-in, everyone an analyst."""
        return not (self.viewer_password or self.analyst_password or self.oidc)

    @property
    def uses_password(self) -> bool:
        """At least one shared password is set (the sign-in form shows a password field)."""
        return bool(self.viewer_password or self.analyst_password)


def config(
    viewer_password: str | None,
    analyst_password: str | None,
    *,
    oidc: bool = False,
    analysts: Iterable[str] = (),
) -> AccessConfig:
    """An `AccessConfig` from raw settings: blank passwords count as not set, and the analysts'
    e-mails are compared without case or surrounding spaces."""
    return AccessConfig(
        viewer_password=viewer_password or None,
        analyst_password=analyst_password or None,
        oidc=oidc,
        analysts=frozenset(e.strip().lower() for e in analysts if e and e.strip()),
    )


def _same(entered: str, expected: str | None) -> bool:
    """Constant-time comparison (on UTF-8 bytes: `compare_digest` takes only ASCII text)."""
    if expected is None:
        return False
    return hmac.compare_digest(entered.encode("utf-8"), expected.encode("utf-8"))


def role_for_password(settings: AccessConfig, entered: str) -> Role | None:
    """The role a password signs in as (the analyst's wins if both are the same), or None.
    Both passwords are always compared, so the time taken does not tell which one was close."""
    analyst = _same(entered, settings.analyst_password)
    viewer = _same(entered, settings.viewer_password)
    if analyst:
        return ANALYST
    return VIEWER if viewer else None


def role_for_email(settings: AccessConfig, email: str | None) -> Role:
    """The role of a user signed in through OpenID Connect: analyst when the e-mail is on the
    allow-list, viewer otherwise."""
    if email and email.strip().lower() in settings.analysts:
        return ANALYST
    return VIEWER


def delay_after(failures: int) -> float:
    """Seconds to wait after the `failures`-th wrong password in a row: none for the first
    `FREE_ATTEMPTS`, then `FIRST_DELAY` doubling each time, capped at `MAX_DELAY`."""
    if failures <= FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - FREE_ATTEMPTS - 1))
