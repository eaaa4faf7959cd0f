"""Destructive actions ask first and say afterwards what they did; the app listens on localhost
unless told otherwise.

"Remove demo data" (the banner) and "Delete import" (Import page): the first click only asks,
naming what would go; Cancel leaves everything; confirming deletes, and the message saying what
was removed is still on the page after the rerun that redraws it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import ingest, model
from alignment.db import store

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


def _app() -> AppTest:
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _counts(path: Path) -> dict[str, int]:
    con = model.connect(path, read_only=True)
    try:
        return store.table_counts(con)
    finally:
        con.close()


# ---- Remove demo data -------------------------------------------------------------------------
def test_remove_demo_data_asks_first_and_cancel_keeps_it(demo_db: Path) -> None:
    before = _counts(demo_db)
    at = _app()
    at.button(key="remove_demo").click().run()
    _no_errors(at)
    question = " ".join(w.value for w in at.warning)
    # the question names the import and its rows (the demo fixture has 3,000 leads)
    assert "Remove the demo data (#1 Demo data (generated): 3,000 generated leads" in question
    assert _counts(demo_db) == before
    at.button(key="remove_demo_pending_cancel").click().run()
    _no_errors(at)
    assert _counts(demo_db) == before
    assert not any("Remove the demo data" in w.value for w in at.warning)
    assert any("Demo data" in i.value for i in at.info)


def test_remove_demo_data_deletes_after_confirming_and_says_what_it_removed(
    demo_db: Path,
) -> None:
    before = _counts(demo_db)
    at = _app()
    at.button(key="remove_demo").click().run()
    at.button(key="remove_demo_pending_yes").click().run()
    _no_errors(at)
    assert set(_counts(demo_db).values()) == {0}
    # the database held only the demo, so everything it had is what was removed
    expected = (
        f"Demo data removed: {before['leads']:,} leads, {before['opportunities']:,} "
        f"opportunities, {before['activities']:,} activities, {before['touchpoints']:,} "
        f"touchpoints, {before['spend']:,} spend rows, {before['targets']:,} targets."
    )
    assert [s.value for s in at.success] == [expected]
    assert not any("Demo data" in i.value for i in at.info)
    at.run()  # shown once
    assert not at.success


# ---- Delete import ----------------------------------------------------------------------------
@pytest.fixture
def two_imports(empty_db: Path) -> Path:
    """An empty database with the HubSpot contacts sample (#1) and the Salesforce
    opportunities sample (#2) imported."""
    con = model.connect(empty_db)
    try:
        for name in ("hubspot_contacts.csv", "salesforce_opportunities.csv"):
            ingest.import_file(con, SAMPLES / name, name)
    finally:
        con.close()
    return empty_db


def _import_page() -> AppTest:
    at = _app()
    return at.switch_page("pages/import_data.py").run()


def test_delete_import_asks_first_naming_the_file_and_cancel_keeps_it(two_imports: Path) -> None:
    before = _counts(two_imports)
    at = _import_page()
    at.selectbox(key="delete_choice").set_value(1).run()
    at.button(key="delete_import").click().run()
    _no_errors(at)
    leads = before["leads"]
    assert [w.value for w in at.warning] == [
        f"Delete import #1 (hubspot_contacts.csv, leads)? Its {leads:,} new rows are removed "
        "and the 0 rows it updated get their previous values back (rows a later import changed "
        "keep the later values)."
    ]
    assert _counts(two_imports) == before
    at.button(key="delete_import_pending_cancel").click().run()
    _no_errors(at)
    assert _counts(two_imports) == before and not at.warning
    assert len(at.dataframe[0].value) == 2


def test_delete_import_deletes_after_confirming_and_the_message_survives_the_rerun(
    two_imports: Path,
) -> None:
    before = _counts(two_imports)
    at = _import_page()
    at.selectbox(key="delete_choice").set_value(1).run()
    at.button(key="delete_import").click().run()
    at.button(key="delete_import_pending_yes").click().run()
    _no_errors(at)
    after = _counts(two_imports)
    assert after["leads"] == 0 and after["opportunities"] == before["opportunities"]
    assert [s.value for s in at.success] == [
        f"Import #1 (hubspot_contacts.csv) deleted: {before['leads']:,} rows removed, "
        "0 rows restored."
    ]
    assert list(at.dataframe[0].value["import_id"]) == [2]
    at.run()
    assert not at.success


# ---- serving ----------------------------------------------------------------------------------
def test_the_app_listens_on_localhost_by_default() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "localhost"
