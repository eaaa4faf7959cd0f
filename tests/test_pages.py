"""AppTest for every page, always from the entrypoint (the router draws the global filters)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.db import store
from alignment.filters import Filters
from alignment.metrics import overview, registry
from alignment.periods import Period
from alignment.present import format
from alignment.present.tiles import OVERVIEW_TILES
from alignment.selection import Selection

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


def _app(query: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    if query:
        at.query_params.update(query)
    return at.run()


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_overview_shows_every_tile_and_both_trends(demo_db: Path) -> None:
    at = _app({"period": "September 2026"})
    _no_errors(at)
    labels = [m.label for m in at.metric]
    # the KPI tiles, then the SLA row (response, attempts, documentation)
    assert labels == [registry.KPIS[name].label for name in OVERVIEW_TILES] + [
        registry.metric(name).label
        for name in ("response_within_sla", "attempt_compliance", "sla_documentation")
    ]
    # the two trends ("What changed, and why" is computed when its section is opened)
    assert len(at.get("plotly_chart")) == 2
    assert "Overview · September 2026" in at.title[0].value
    assert any("Demo data" in i.value for i in at.info)


def test_overview_tiles_equal_the_kpis_function(demo_db: Path) -> None:
    # the MQL tile must show exactly what kpis() computes for the same period and filter
    at = _app({"period": "September 2026", "channel": "Email"})
    _no_errors(at)
    con = model.connect(demo_db, read_only=True)
    selected = Selection(Period.parse("2026-09"), filters=Filters(channel=("Email",)))
    expected = overview.kpis(con, selected)
    con.close()
    tile = next(m for m in at.metric if m.label == registry.KPIS["mqls"].label)
    assert tile.value == format.metric_value("mqls", expected["mqls"][0])
    assert "channel: Email" in at.caption[0].value


def test_changing_the_channel_filter_changes_the_mql_tile(demo_db: Path) -> None:
    at = _app({"period": "September 2026"})
    before = next(m.value for m in at.metric if m.label == registry.KPIS["mqls"].label)
    at.multiselect(key="channel").set_value(["Paid Social"]).run()
    _no_errors(at)
    after = next(m.value for m in at.metric if m.label == registry.KPIS["mqls"].label)
    assert before != after


def test_overview_on_an_empty_database_explains_what_is_missing(empty_db: Path) -> None:
    at = _app()
    _no_errors(at)
    assert any("import data" in i.value.lower() for i in at.info)


def test_glossary_lists_every_registered_kpi(demo_db: Path) -> None:
    at = _app()
    at.switch_page("pages/glossary.py").run()
    _no_errors(at)
    table = at.dataframe[0].value
    assert table["label"].tolist() == registry.glossary()["label"].to_list()
    assert {"Lead acceptance rate", "Rejected leads"} <= set(table["label"])


def test_import_page_uploads_and_loads_a_sample(empty_db: Path) -> None:
    at = _app()
    at.switch_page("pages/import_data.py").run()
    _no_errors(at)
    data = (SAMPLES / "hubspot_contacts.csv").read_bytes()
    at.file_uploader(key="uploads").set_value(("hubspot_contacts.csv", data, "text/csv")).run()
    _no_errors(at)
    assert any("hubspot" in s.value.lower() for s in at.success)
    at.button(key=next(b.key for b in at.button if b.key.startswith("go_"))).click().run()
    _no_errors(at)
    assert any("Imported hubspot_contacts.csv" in s.value for s in at.success)
    con = model.connect(empty_db, read_only=True)
    n_rows = data.decode("utf-8-sig").strip().count("\n")  # data rows = lines - header
    assert store.scalar(con, "SELECT count(*) FROM leads") == n_rows
    con.close()
    # the history lists the import
    histories = [df.value for df in at.dataframe if "file_name" in df.value.columns]
    assert [h["file_name"].tolist() for h in histories] == [["hubspot_contacts.csv"]]


def test_an_upload_is_imported_from_a_temporary_file_removed_with_the_upload(
    empty_db: Path,
) -> None:
    at = _app()
    at.switch_page("pages/import_data.py").run()
    data = (SAMPLES / "hubspot_contacts.csv").read_bytes()
    at.file_uploader(key="uploads").set_value(("hubspot_contacts.csv", data, "text/csv")).run()
    (spooled,) = at.session_state["_upload_files"].values()
    assert Path(spooled).read_bytes() == data  # written once, read from disk by the import
    at.file_uploader(key="uploads").set_value([]).run()
    _no_errors(at)
    assert not Path(spooled).exists()


def test_import_page_reports_a_bad_file_without_a_traceback(empty_db: Path) -> None:
    at = _app()
    at.switch_page("pages/import_data.py").run()
    at.file_uploader(key="uploads").set_value(("broken.csv", b"\x00\x01\x02\xff" * 200, "text/csv"))
    at.run()
    assert not at.exception
    assert any("broken.csv" in e.value for e in at.error)


def test_a_present_link_opens_in_presenter_mode(demo_db: Path) -> None:
    at = _app({"present": "1"})
    _no_errors(at)
    assert at.toggle(key="present").value is True
    at.toggle(key="present").set_value(False).run()
    _no_errors(at)
    assert at.toggle(key="present").value is False


def test_the_glossary_does_no_database_work(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app()  # the first run reads what the sidebar and the banner need
    reads: list[str] = []
    real = store.Database.cursor

    def counted(self: store.Database) -> store.Connection:
        reads.append("cursor")
        return real(self)

    monkeypatch.setattr(store.Database, "cursor", counted)
    at.switch_page("pages/glossary.py").run()
    _no_errors(at)
    at.run()  # and again, as any widget change does
    _no_errors(at)
    assert reads == []
    at.switch_page("pages/funnel.py").run()  # the spy sees the reads of a page not yet shown
    assert reads
