"""Shared fixtures: temporary databases (empty or with a small demo dataset) and Streamlit
cache isolation for AppTest (AppTest reuses one session id, so caches would leak)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from alignment import model

REPO_ROOT = Path(__file__).resolve().parents[1]
REALDATA = REPO_ROOT.parent / "shared" / "realdata"
DEMO_TODAY = date(2026, 11, 23)
DEMO_LEADS = 3_000


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed DuckDB file holding a small demo dataset, built once per test session."""
    from alignment.devtools import demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = model.connect(path)
    demo.load_demo(con, n_leads=DEMO_LEADS, today=DEMO_TODAY)
    con.close()
    return path


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo database, set as ALIGNMENT_DB for the test."""
    path = tmp_path / "alignment.duckdb"
    shutil.copy(demo_db_template, path)
    monkeypatch.setenv("ALIGNMENT_DB", str(path))
    monkeypatch.setenv("ALIGNMENT_NO_DEMO", "1")
    return path


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty database (no demo data) set as ALIGNMENT_DB for the test."""
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("ALIGNMENT_DB", str(path))
    monkeypatch.setenv("ALIGNMENT_NO_DEMO", "1")
    return path


@pytest.fixture
def navigation_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep AppTest in st.navigation mode on every run.

    AppTest resets `PagesManager.uses_pages_directory` before each run, and our `pages/` folder
    then switches its second and later runs into the legacy pages-directory mode, which runs
    the page file alone without the entrypoint (no sidebar, no banner, clicks in app.py lost).
    `streamlit run` sets the flag once, when `st.navigation` is first called, and keeps it.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original_init = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def clear_streamlit_caches() -> Iterator[None]:
    """Clear st.cache_data / st.cache_resource around a test (AppTest shares one session)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
