"""The store: migrations from an empty file, and atomic imports (a failure changes nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alignment import model
from alignment.db import schema, store
from alignment.ingest import IngestError, import_file
from alignment.ingest import load as load_module

GOOD = "id,created,channel\nA1,2026-03-01 09:00,Email\nA2,2026-03-02 10:00,Events\n"


def snapshot(con: store.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (sorted), to compare the database before and after."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
    ]
    return {
        t: sorted(con.execute(f"SELECT * FROM {store.quote_identifier(t)}").fetchall(), key=repr)
        for t in tables
    }


def test_migrations_create_every_table_once(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    con = model.connect(path)
    assert store.schema_version(con) == store.MIGRATIONS[-1][0]
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    expected = (
        set(schema.FACT_TABLES)
        | {t + schema.REPLACED_SUFFIX for t in schema.FACT_TABLES}
        | set(schema.OTHER_TABLES)
        | {"schema_version", "lead_facts", "opp_facts"}
    )
    assert expected <= tables
    con.close()
    # reconnecting applies nothing twice
    con = model.connect(path)
    assert store.scalar(con, "SELECT count(*) FROM schema_version") == len(store.MIGRATIONS)
    assert store.table_counts(con) == dict.fromkeys(schema.FACT_TABLES, 0)
    con.close()


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    con = model.connect(tmp_path / "t.duckdb")
    with pytest.raises(RuntimeError), store.transaction(con):
        con.execute("INSERT INTO settings VALUES ('k', 'v')")
        raise RuntimeError("boom")
    assert store.get_setting(con, "k") is None
    store.set_setting(con, "k", "v")
    assert store.get_setting(con, "k") == "v"


def test_quote_identifier_escapes_quotes() -> None:
    assert store.quote_identifier('a"b') == '"a""b"'
    with pytest.raises(ValueError):
        store.quote_identifier("")


def test_strict_import_with_a_bad_row_in_the_middle_changes_nothing(tmp_path: Path) -> None:
    con = model.connect(tmp_path / "a.duckdb")
    import_file(con, GOOD.encode(), "first.csv", object_type="leads", source_system="crm")
    before = snapshot(con)
    bad = (
        "id,created,channel\nB1,2026-03-01 09:00,Email\nB2,not a date,Email\n"
        "B3,2026-03-03 09:00,Events\n"
    )
    with pytest.raises(IngestError) as error:
        import_file(
            con, bad.encode(), "bad.csv", object_type="leads", source_system="crm", strict=True
        )
    # the message names the file, the row (spreadsheet row 3: header is row 1) and the column
    assert "bad.csv" in str(error.value) and "row 3" in str(error.value)
    assert "'created'" in str(error.value) and "not a date" in str(error.value)
    assert snapshot(con) == before


def test_an_exception_during_load_leaves_every_table_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = model.connect(tmp_path / "b.duckdb")
    import_file(con, GOOD.encode(), "first.csv", object_type="leads", source_system="crm")
    before = snapshot(con)

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    # save_mapping runs last, after rows were inserted, updated and snapshotted
    monkeypatch.setattr(load_module, "save_mapping", fail)
    newer = "id,created,channel\nA1,2026-03-01 09:00,Webinars\nA3,2026-03-05 10:00,Email\n"
    with pytest.raises(RuntimeError):
        import_file(con, newer.encode(), "newer.csv", object_type="leads", source_system="crm")
    assert snapshot(con) == before
    # and the connection is usable afterwards
    assert store.table_counts(con)["leads"] == 2


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = model.connect(path)
    # turn it back into what migration 1 alone made before leads.is_converted existed
    con.execute("INSERT INTO leads (lead_id, source_system, external_id) VALUES ('a:1', 'a', '1')")
    for table in ("leads", "leads_replaced"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN is_converted")
    con.execute("DELETE FROM schema_version WHERE version > 1")
    con.close()

    con = model.connect(path)
    assert store.schema_version(con) == store.MIGRATIONS[-1][0]
    assert store.scalar(con, "SELECT count(*) FROM leads WHERE is_converted IS NULL") == 1
    con.close()


def test_migration_numbers_may_have_gaps_and_a_late_lower_number_is_still_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # branches number their migrations ahead of merging: a database that has 8 but not 7 (7
    # merged later) must still get 7, and must count as needing an upgrade until it has
    path = tmp_path / "gap.duckdb"
    every = list(store.MIGRATIONS)
    seven = next(m for m in every if m[0] == 7)
    without_seven = [m for m in every if m[0] != 7]
    assert max(m[0] for m in without_seven) > 7  # the gap this test is about
    monkeypatch.setattr(store, "MIGRATIONS", without_seven)
    con = store.connect(path)
    applied = [r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()]
    assert 7 not in applied and max(applied) > 7
    con.close()

    calls: list[int] = []

    def migration_7(con: store.Connection) -> None:
        calls.append(7)
        seven[2](con)

    monkeypatch.setattr(store, "MIGRATIONS", sorted([*without_seven, (7, seven[1], migration_7)]))
    con = store.connect(path)
    assert calls == [7]
    assert store.scalar(con, "SELECT count(*) FROM schema_version WHERE version = 7") == 1
    assert not store.needs_upgrade(con)
    con.close()


def test_needs_upgrade_sees_a_missing_migration_below_the_highest(tmp_path: Path) -> None:
    path = tmp_path / "hole.duckdb"
    con = model.connect(path)
    assert not model.needs_upgrade(con)
    con.execute("DELETE FROM schema_version WHERE version = 2")  # an earlier one missing
    assert model.needs_upgrade(con)
    con.close()
