"""Sharing the database file: writes one at a time, reads while the app runs (in this process
and in others), a deleted or replaced file detected, foreign files refused and left untouched,
and no connection that could download an extension."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.app import database, edits, imports
from alignment.cli import main
from alignment.db import store
from alignment.devtools import demo
from alignment.ingest import IngestError
from alignment.model import maps
from alignment.present.text import markdown_text

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"

HOLD = (
    "import sys, duckdb\n"
    "con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro')\n"
    "print('held', flush=True)\n"
    "sys.stdin.readline()\n"
)


@contextmanager
def held_by_another_process(path: Path, mode: str) -> Iterator[int]:
    """Another process holds the file (`rw` or `ro`) until the block ends; yields its PID."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        yield process.pid
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def leads_csv(prefix: str, n: int = 200) -> bytes:
    """n leads with ids <prefix>0 .. <prefix>{n-1}, all created on 2026-03-01."""
    rows = "".join(f"{prefix}{i},2026-03-01 09:00,Email\n" for i in range(n))
    return ("id,created,channel\n" + rows).encode()


class Upload(io.BytesIO):
    """What the upload widget hands the page: the file's bytes, a name and an id."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.file_id = f"{name}-{hashlib.sha1(data).hexdigest()}"


def import_leads(prefix: str, n: int = 200) -> Any:
    upload = Upload(leads_csv(prefix, n), f"{prefix}.csv")
    return imports.import_upload(upload, object_type="leads", source_system="crm")


def fingerprint(path: Path) -> tuple[str, int]:
    """(sha256 of the bytes, mtime in ns): unchanged means never written."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def new_database(path: Path) -> Path:
    model.connect(path).close()
    return path


def attempt(action: Callable[[], Any]) -> BaseException | None:
    """The exception `action` raised, or None (closing what it returned)."""
    try:
        result = action()
    except Exception as exc:
        return exc
    if hasattr(result, "close"):
        result.close()
    return None


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Start every job at the same moment on its own thread; their results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except Exception as exc:  # collected: the test asserts there is none
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# ---- writers never collide ----------------------------------------------------------------
@pytest.mark.usefixtures("clear_streamlit_caches")
def test_two_imports_at_once_into_the_app_database_both_succeed(empty_db: Path) -> None:
    imports.import_history()  # the app has its database open
    first, second = run_together(lambda: import_leads("A"), lambda: import_leads("B", 150))
    assert not isinstance(first, Exception), first
    assert not isinstance(second, Exception), second
    assert (first.rows_loaded, second.rows_loaded) == (200, 150)
    history = imports.import_history()
    assert sorted(history["file_name"].to_list()) == ["A.csv", "B.csv"]
    with model.connect(empty_db, read_only=True) as con:
        assert store.scalar(con, "SELECT count(*) FROM leads") == 350  # 200 + 150


@pytest.mark.usefixtures("clear_streamlit_caches")
def test_an_import_and_a_delete_at_once_both_succeed(empty_db: Path) -> None:
    old = import_leads("X", 100)
    imported, deleted = run_together(
        lambda: import_leads("Y", 120), lambda: imports.delete_import(old.import_id)
    )
    assert not isinstance(imported, Exception), imported
    assert deleted == (
        f"Import #{old.import_id} (X.csv) deleted: 100 rows removed, 0 rows restored."
    )
    with model.connect(empty_db, read_only=True) as con:
        ids = {r[0] for r in con.execute("SELECT external_id FROM leads").fetchall()}
    assert ids == {f"Y{i}" for i in range(120)}  # X's 100 leads gone, Y's 120 there


@pytest.mark.usefixtures("clear_streamlit_caches")
def test_an_import_and_a_map_save_at_once_both_succeed(empty_db: Path) -> None:
    rows = maps.read_map(database.connection(), "channel_map").to_dicts()
    rows.append({"channel_raw": "Zeta Ads", "channel": "Paid Search", "marketing_sourced": True})
    imported, saved = run_together(
        lambda: import_leads("A"), lambda: edits.save_map("channel_map", rows)
    )
    assert not isinstance(imported, Exception), imported
    assert isinstance(saved, str) and "map saved" in saved, saved
    with model.connect(empty_db, read_only=True) as con:
        assert store.scalar(con, "SELECT count(*) FROM leads") == 200
        mapped = maps.read_map(con, "channel_map")
    assert "Zeta Ads" in mapped["channel_raw"].to_list()


@pytest.mark.usefixtures("clear_streamlit_caches")
def test_an_upload_imports_under_the_upload_memory_limit(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alignment import ingest

    seen: dict[str, Any] = {}
    real = ingest.import_file

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "import_file", spy)
    import_leads("M", 10)
    # a tiny upload gets the floor: the upload is in memory, so DuckDB gets less
    assert seen["memory_limit"] == 512 * 2**20


def test_every_app_write_goes_through_the_database_handle() -> None:
    # the app's write functions take the read-write connection, never a reading cursor
    app = SRC / "alignment" / "app"
    writers = {
        "imports.py": ("import_upload", "delete_import", "remove_demo"),
        "edits.py": ("save_map", "add_to_map", "set_acceptance_target"),
    }
    for module, names in writers.items():
        source = (app / module).read_text()
        for name in names:
            body = source.split(f"def {name}(", 1)[1].split("\ndef ", 1)[0]
            assert "with database.writing() as con" in body, name
    compact = "".join(path.read_text() for path in app.glob("*.py")).replace(" ", "")
    for call in ("import_file(", "delete_import(", "remove_demo(", "save_map(", "add_rows("):
        assert f"{call}connection()" not in compact, call
        assert f"{call}database.connection()" not in compact, call
    assert "set_acceptance_target(database.connection()" not in compact


# ---- the readers-writer lock ----------------------------------------------------------------
def test_a_writer_waits_for_readers_and_new_readers_wait_for_a_waiting_writer() -> None:
    lock = store.ReadWriteLock()
    assert lock.acquire_read(1)
    events: list[str] = []

    def writer() -> None:
        assert lock.acquire_write(5)
        events.append("write")
        time.sleep(0.1)
        lock.release_write()

    def late_reader() -> None:
        assert lock.acquire_read(5)
        events.append("late read")
        lock.release_read()

    first = threading.Thread(target=writer)
    first.start()
    time.sleep(0.2)  # the writer now waits for the read held by this thread
    second = threading.Thread(target=late_reader)
    second.start()
    time.sleep(0.2)
    assert events == []  # neither the writer nor the reader that came after it got in
    assert lock.acquire_read(0)  # this thread already reads: a nested read never waits
    lock.release_read()
    lock.release_read()
    first.join(5)
    second.join(5)
    assert events == ["write", "late read"]


def test_readers_that_waited_for_a_write_go_before_the_next_writer() -> None:
    lock = store.ReadWriteLock()
    events: list[str] = []
    first_write = threading.Event()

    def first_writer() -> None:
        assert lock.acquire_write(5)
        first_write.set()
        time.sleep(0.4)  # a reader and then a second writer queue up meanwhile
        events.append("write 1")
        lock.release_write()

    def reader() -> None:
        assert lock.acquire_read(5)
        events.append("read")
        time.sleep(0.1)
        lock.release_read()

    def second_writer() -> None:
        assert lock.acquire_write(5)
        events.append("write 2")
        lock.release_write()

    threads = [threading.Thread(target=first_writer)]
    threads[0].start()
    assert first_write.wait(5)
    for target in (reader, second_writer):
        threads.append(threading.Thread(target=target))
        threads[-1].start()
        time.sleep(0.1)
    for thread in threads:
        thread.join(5)
    assert events == ["write 1", "read", "write 2"]


def test_a_thread_that_reads_cannot_write_and_releases_can_come_from_another_thread() -> None:
    lock = store.ReadWriteLock()
    assert lock.acquire_read(1)
    with pytest.raises(RuntimeError, match="wait for itself"):
        lock.acquire_write(1)
    me = threading.get_ident()
    releaser = threading.Thread(target=lock.release_read, args=(me,))
    releaser.start()
    releaser.join()
    assert lock.readers() == 0
    assert lock.acquire_write(1)
    lock.release_write()


def test_a_write_waits_until_the_reading_cursor_is_released(tmp_path: Path) -> None:
    db = model.Database(new_database(tmp_path / "a.duckdb"))
    reading = db.cursor()
    pending = reading.execute("SELECT count(*) FROM leads")
    done = threading.Event()

    def write() -> None:
        with db.write() as con, store.transaction(con, changes_data=False):
            store.set_setting(con, "k", "v")
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    assert not done.wait(0.5)  # the write waits for the read in progress ...
    assert pending.fetchall() == [(0,)]  # ... which finishes intact
    del reading, pending
    gc.collect()
    assert done.wait(10)  # once the cursor is gone, the write runs
    writer.join()
    with db.read() as con:
        assert store.get_setting(con, "k") == "v"
    db.close()


def test_the_app_keeps_the_file_read_only_between_writes(tmp_path: Path) -> None:
    path = new_database(tmp_path / "a.duckdb")
    db = model.Database(path)
    with db.read() as con:
        assert store.scalar(con, "SELECT count(*) FROM imports") == 0
    # another process can read it now, and cannot write it
    code = (
        "import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(con.execute('SELECT count(*) FROM imports').fetchall()[0][0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
    db.close()


# ---- other programs ----------------------------------------------------------------------------
def test_a_write_blocked_by_another_program_waits_then_says_another_change_is_running(
    tmp_path: Path,
) -> None:
    path = new_database(tmp_path / "a.duckdb")
    db = model.Database(path, lock_wait=0.5)
    assert db.available()
    with held_by_another_process(path, "ro") as pid:
        started = time.monotonic()
        with (
            pytest.raises(store.DatabaseBusy) as error,
            db.write() as con,
            store.transaction(con, changes_data=False),
        ):
            store.set_setting(con, "k", "v")
        assert time.monotonic() - started >= 0.5  # it waited a little first
        message = str(error.value)
        assert message.startswith("Another change is running")
        assert f"process {pid}" in message and str(path) in message
        with db.read() as con:  # still readable, and unchanged
            assert store.get_setting(con, "k") is None
    with db.write() as con, store.transaction(con, changes_data=False):
        store.set_setting(con, "k", "v")
    with db.read() as con:
        assert store.get_setting(con, "k") == "v"
    db.close()


@pytest.mark.usefixtures("clear_streamlit_caches")
def test_app_writes_blocked_by_another_program_say_another_change_is_running(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.3, raising=False)
    assert imports.import_history().height == 0  # the app has its database open
    with held_by_another_process(empty_db, "ro") as pid:  # e.g. `alignment kpis` reading
        with pytest.raises(IngestError) as error:
            import_leads("A", 10)
        assert str(error.value).startswith(f"A.csv: Another change is running: process {pid}")
        with pytest.raises(maps.MapError, match="Another change is running"):
            edits.save_map("reason_map", maps.default_map("reason_map").to_dicts())
        with pytest.raises(store.DatabaseBusy, match="Another change is running") as busy:
            edits.set_acceptance_target(0.8)
        assert not busy.value.retry  # the page says it once, it does not keep retrying
        assert imports.import_history().height == 0  # nothing was written, reads still work
    assert import_leads("A", 10).rows_loaded == 10


def test_reading_while_another_program_writes_says_so_and_recovers(tmp_path: Path) -> None:
    path = new_database(tmp_path / "a.duckdb")
    db = model.Database(path, open_wait=0.2, lock_wait=0.2)
    with held_by_another_process(path, "rw") as pid:
        with pytest.raises(store.DatabaseBusy) as error:
            db.cursor()
        assert "being changed by another program" in str(error.value)
        assert f"process {pid}" in str(error.value) and "retries" in str(error.value)
        assert error.value.retry
        assert not db.available()
    assert db.available()
    with db.read() as con:
        assert store.scalar(con, "SELECT count(*) FROM leads") == 0
    db.close()


def test_the_app_starts_read_only_when_other_programs_are_reading(tmp_path: Path) -> None:
    path = new_database(tmp_path / "a.duckdb")
    db = model.Database(path, lock_wait=0.2, open_wait=0.2)
    with held_by_another_process(path, "ro"):
        assert db.available()  # in step with this code: no write needed to start
    with db.write() as con, store.transaction(con, changes_data=False):
        store.set_setting(con, "k", "v")
    db.close()


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_the_app_opened_while_another_program_writes_shows_a_message_and_recovers(
    demo_db: Path,
) -> None:
    with held_by_another_process(demo_db, "rw") as pid:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
        assert not at.exception, [e.value for e in at.exception]
        messages = [w.value for w in at.warning]
        assert any(
            "being changed by another program" in m and f"process {pid}" in m for m in messages
        ), messages
        assert not at.metric
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("being changed" in w.value for w in at.warning)
    assert at.metric  # the Overview's tiles are back


@pytest.mark.usefixtures("clear_streamlit_caches")
def test_the_cli_reports_run_while_the_app_has_the_database_open(demo_db: Path) -> None:
    assert imports.import_history().height  # the app's handle is open
    script = (
        "import json, sys\n"
        "from alignment.cli import main\n"
        "db = sys.argv[1]\n"
        "codes = [main([c, '--db', db, '--json']) for c in ('kpis', 'funnel', 'rejections')]\n"
        "codes.append(main(['import', sys.argv[2], '--db', db]))\n"
        "print(json.dumps(codes))\n"
    )
    sample = REPO / "data" / "samples" / "hubspot_contacts.csv"
    result = subprocess.run(
        [sys.executable, "-c", script, str(demo_db), str(sample)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    codes = json.loads(result.stdout.strip().splitlines()[-1])
    assert codes == [0, 0, 0, 1], result.stderr  # reports read; the import cannot write
    assert f"The database {demo_db} is open in another program" in result.stderr
    assert "import from the app's Import page" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_cli_report_on_a_database_that_needs_an_upgrade_says_so_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = new_database(tmp_path / "old.duckdb")
    with duckdb.connect(str(path)) as con:  # as an older version left it: the last migration
        con.execute(
            "DELETE FROM schema_version WHERE version = (SELECT max(version) FROM schema_version)"
        )
    before = fingerprint(path)
    assert main(["kpis", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"The database {path} needs an upgrade" in err and "alignment import" in err
    assert fingerprint(path) == before
    new_database(path)  # what the app or an import does first
    assert main(["kpis", "--db", str(path), "--json"]) == 0


# ---- a database deleted, moved or replaced while the app runs --------------------------------
@pytest.mark.usefixtures("clear_streamlit_caches")
def test_a_deleted_database_is_detected_before_an_import_and_never_recreated(
    empty_db: Path,
) -> None:
    import_leads("A", 10)
    empty_db.unlink()
    with pytest.raises(IngestError) as error:
        import_leads("B", 10)
    assert f"The database file {empty_db} was deleted or moved" in str(error.value)
    assert "Nothing was written" in str(error.value)
    with pytest.raises(store.DatabaseGone, match="deleted or moved"):
        imports.import_history()
    with pytest.raises(IngestError, match="deleted or moved"):
        imports.delete_import(1)
    assert not empty_db.exists()  # no fresh file in its place


@pytest.mark.usefixtures("clear_streamlit_caches")
def test_a_replaced_database_is_detected_and_the_new_file_left_alone(
    empty_db: Path, tmp_path: Path
) -> None:
    import_leads("A", 10)
    other = new_database(tmp_path / "other.duckdb")
    os.replace(other, empty_db)
    before = fingerprint(empty_db)
    with pytest.raises(IngestError, match="was replaced by another file"):
        import_leads("B", 10)
    with pytest.raises(maps.MapError, match="was replaced by another file"):
        edits.save_map("reason_map", maps.default_map("reason_map").to_dicts())
    assert fingerprint(empty_db) == before


def test_a_database_moved_away_and_back_carries_on(tmp_path: Path) -> None:
    path = new_database(tmp_path / "a.duckdb")
    db = model.Database(path)
    assert db.available()
    path.rename(tmp_path / "elsewhere.duckdb")
    with pytest.raises(store.DatabaseGone):
        db.cursor()
    (tmp_path / "elsewhere.duckdb").rename(path)
    with db.read() as con:
        assert store.scalar(con, "SELECT count(*) FROM leads") == 0
    db.close()


def test_a_database_deleted_during_a_write_is_not_reported_as_done(tmp_path: Path) -> None:
    path = new_database(tmp_path / "a.duckdb")
    db = model.Database(path)
    with (
        pytest.raises(store.DatabaseGone, match="the change went into the old file"),
        db.write() as con,
    ):
        with store.transaction(con, changes_data=False):
            store.set_setting(con, "k", "v")
        path.unlink()
    assert not path.exists()


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_the_app_says_so_when_its_database_file_is_deleted(demo_db: Path) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception and at.metric
    demo_db.unlink()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("deleted or moved" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not demo_db.exists()


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_the_app_says_when_it_created_a_new_database(empty_db: Path) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [w.value for w in at.warning if "New database" in w.value]
    assert len(notes) == 1 and "(it is empty)" in notes[0]
    assert markdown_text(str(empty_db)) in notes[0]


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_the_new_database_notice_says_the_demo_was_loaded_into_it(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALIGNMENT_NO_DEMO")

    def small_demo(con: store.Connection) -> bool:
        demo.load_demo(con, n_leads=200)
        return True

    monkeypatch.setattr(demo, "ensure_demo", small_demo)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [w.value for w in at.warning if "New database" in w.value]
    assert len(notes) == 1 and "loaded the demo data into it" in notes[0]


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_no_new_database_notice_for_an_existing_file(demo_db: Path) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert not [w.value for w in at.warning if "New database" in w.value]


# ---- files that are not Alignment databases ---------------------------------------------------
def _text(path: Path) -> None:
    path.write_text("id,name\n1,not a database\n")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _sqlite(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE leads (id INTEGER)")
    con.close()


def _foreign_duckdb(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders (id INTEGER, amount DOUBLE)")
        con.execute("INSERT INTO orders VALUES (1, 9.5)")


def _newer_alignment(path: Path) -> None:
    new_database(path)
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO schema_version VALUES (999, 'from the future', now())")


FOREIGN_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "text": (_text, "it is a text file"),
    "empty": (_empty, "it is an empty file"),
    "sqlite": (_sqlite, "it is a SQLite database"),
    "foreign duckdb": (_foreign_duckdb, "a DuckDB database but not an Alignment one"),
    "newer alignment": (_newer_alignment, "written by a newer version of Alignment"),
}


@pytest.mark.parametrize("kind", list(FOREIGN_FILES))
def test_a_file_that_is_not_an_alignment_database_is_refused_and_never_written(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, reason = FOREIGN_FILES[kind]
    path = tmp_path / "alignment.duckdb"
    make(path)
    before = fingerprint(path)
    time.sleep(0.01)  # an mtime written now would differ
    for read_only in (False, True):
        error = attempt(lambda read_only=read_only: model.connect(path, read_only=read_only))
        assert fingerprint(path) == before  # never written, whatever else happened
        assert isinstance(error, store.DatabaseRefused), error
        assert str(path) in str(error) and reason in str(error)
        assert "Nothing was written" in str(error)
    db = model.Database(path)
    with pytest.raises(store.DatabaseRefused, match=reason):
        db.cursor()
    with pytest.raises(store.DatabaseRefused, match=reason), db.write():
        pass
    assert main(["kpis", "--db", str(path)]) == 1
    sample = REPO / "data" / "samples" / "hubspot_contacts.csv"
    assert main(["import", str(sample), "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count(reason) == 2 and "Traceback" not in err
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alignment.duckdb"]  # no .wal either


def test_no_connection_installs_or_loads_extensions_by_itself(tmp_path: Path) -> None:
    query = (
        "SELECT current_setting('autoinstall_known_extensions'), "
        "current_setting('autoload_known_extensions')"
    )
    off = [(False, False)]
    path = tmp_path / "a.duckdb"
    con = model.connect(path)
    assert con.execute(query).fetchall() == off
    assert store.cursor(con).execute(query).fetchall() == off
    con.close()
    with model.connect(path, read_only=True) as con:
        assert con.execute(query).fetchall() == off
    with model.connect(":memory:") as con:
        assert con.execute(query).fetchall() == off
    db = model.Database(path)
    assert db.cursor().execute(query).fetchall() == off
    with db.read() as con:
        assert con.execute(query).fetchall() == off
    with db.write() as con:
        assert con.execute(query).fetchall() == off
    db.close()
    # and so a SQLite file handed to DuckDB fails at once instead of fetching the extension
    sqlite_file = tmp_path / "s.db"
    _sqlite(sqlite_file)
    with pytest.raises(duckdb.Error, match="sqlite"):
        duckdb.connect(str(sqlite_file), read_only=True, config=store.CONNECT_CONFIG)


def test_a_cli_report_never_writes_the_database(demo_db: Path) -> None:
    before = fingerprint(demo_db)
    time.sleep(0.01)
    assert main(["kpis", "--db", str(demo_db), "--json"]) == 0
    assert main(["rejections", "--db", str(demo_db), "--json"]) == 0
    assert fingerprint(demo_db) == before
