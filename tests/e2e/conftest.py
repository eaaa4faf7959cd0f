"""Browser-test fixtures: `streamlit run app.py` on a free localhost port with a temporary
database, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from alignment.devtools import browser as devtools_browser
from alignment.devtools import load

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "e2e" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not installed: apt-get install chromium")
    with devtools_browser.chromium(Path(CHROMIUM)) as browser:
        yield browser


@contextmanager
def serve(
    script: Path,
    env: dict[str, str],
    *,
    address: str | None = "127.0.0.1",
    port: int | None = None,
) -> Iterator[str]:
    """`streamlit run script` from the repository root (so `.streamlit/config.toml` applies) on
    `port` (None: a free one), listening on `address` (None: as the config says); yields its URL
    on 127.0.0.1 once it answers, and stops it afterwards (`alignment.devtools.load.serve`)."""
    try:
        with load.serve(script, env, address=address, port=port) as url:
            yield url
    except load.ServerDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture
def server(demo_db: Path) -> Iterator[str]:
    """The app served on localhost with a private copy of the demo database; yields its URL."""
    with serve(REPO / "app.py", {"ALIGNMENT_DB": str(demo_db), "ALIGNMENT_NO_DEMO": "1"}) as url:
        yield url
