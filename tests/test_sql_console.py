"""The read-only SQL console: refusals leave the database unchanged, the sandbox holds even for
a query the checker would miss, the time and row limits, the CLI and the page."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from alignment import cli
from alignment.metrics import sql_console

REPO = Path(__file__).resolve().parents[1]

REFUSED = {
    "SELECT * FROM read_csv('/etc/passwd')": "read_csv() is not allowed",
    "SELECT * FROM read_csv_auto('/etc/passwd')": "read_csv_auto() is not allowed",
    "SELECT * FROM read_parquet('/tmp/x.parquet')": "read_parquet() is not allowed",
    "SELECT read_text('/etc/passwd')": "read_text() is not allowed",
    "SELECT * FROM glob('/etc/*')": "glob() is not allowed",
    "SELECT getenv('HOME')": "getenv() is not allowed",
    "SELECT * FROM query('DROP TABLE leads')": "query() is not allowed",
    "COPY leads TO '/tmp/x.csv'": "COPY is not allowed",
    "ATTACH '/tmp/x.db'": "ATTACH is not allowed",
    "DETACH console": "DETACH is not allowed",
    "INSTALL httpfs": "INSTALL is not allowed",
    "LOAD httpfs": "LOAD is not allowed",
    "EXPORT DATABASE '/tmp/x'": "EXPORT is not allowed",
    "DELETE FROM leads": "DELETE is not allowed",
    "UPDATE leads SET name = 'x'": "UPDATE is not allowed",
    "INSERT INTO imports VALUES (1)": "INSERT is not allowed",
    "CREATE TABLE x AS SELECT 1": "CREATE is not allowed",
    "ALTER TABLE leads DROP COLUMN name": "ALTER is not allowed",
    "DROP TABLE leads": "DROP is not allowed",
    "SELECT 1; DROP TABLE leads": "Several statements at once (2)",
    "SET threads = 1": "SET is not allowed",
    "RESET threads": "RESET is not allowed",
    "PRAGMA database_list": "PRAGMA is not allowed",
    "CALL pragma_version()": "CALL is not allowed",
    "CHECKPOINT": "CHECKPOINT is not allowed",
    "USE memory": "USE is not allowed",
    "FROM '/etc/passwd'": "'/etc/passwd' looks like a file",
    "SELECT * FROM 'leads.csv'": "'leads.csv' looks like a file",
    "WITH gone AS (DELETE FROM leads RETURNING *) SELECT * FROM gone": "DELETE is not allowed",
    "  -- a comment first\n  load httpfs": "LOAD is not allowed",
    "EXPLAIN SELECT 1": "EXPLAIN is not allowed",  # refused by DuckDB's statement type
    "SELECT * FROM leads WHERE": (
        'The query could not be read: Parser Error: syntax error at or near "WHERE"'
    ),
    "": "Write a query first",
    "  ; ": "Write a query first",
}


def _checksum(path: Path) -> dict[str, tuple[int, int | None]]:
    """Per table: its row count and the sum of its rows' hashes (plain SQL, independent of the
    console)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        sums = {}
        for name in names:
            row = con.execute(f'SELECT count(*), sum(hash(t)) FROM "{name}" AS t').fetchone()
            assert row is not None
            sums[name] = (int(row[0]), None if row[1] is None else int(row[1]))
        return sums
    finally:
        con.close()


@pytest.mark.parametrize("query", list(REFUSED))
def test_each_refused_query_says_why_and_changes_nothing(demo_db: Path, query: str) -> None:
    before = _checksum(demo_db)
    with pytest.raises(sql_console.Refused) as refused:
        sql_console.run(demo_db, query)
    assert REFUSED[query] in str(refused.value)
    assert _checksum(demo_db) == before
    assert before["leads"][0] == 3_000  # the checksum sees the demo data (conftest DEMO_LEADS)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY leads TO '{tmp}/x.csv'",
        "ATTACH '{tmp}/x.db' AS other",
        "SET enable_external_access = true",
        "DELETE FROM leads",
        "INSTALL httpfs",
    ],
)
def test_the_sandbox_stops_what_the_checker_would_miss(
    demo_db: Path, tmp_path: Path, sql: str
) -> None:
    # bypass `check`: the connection itself refuses files, settings and writes
    before = _checksum(demo_db)
    with sql_console.sandbox(demo_db) as con, pytest.raises(duckdb.Error):
        con.execute(sql.format(tmp=tmp_path))
    assert _checksum(demo_db) == before
    assert list(tmp_path.glob("x.*")) == []


def test_allowed_statements_run(demo_db: Path) -> None:
    result = sql_console.run(demo_db, "SELECT count(*) AS n FROM leads; -- all of them")
    assert result.frame.to_dicts() == [{"n": 3_000}]
    assert not result.truncated
    for query in ("VALUES (1), (2)", "DESCRIBE leads", "SHOW TABLES", "FROM leads LIMIT 2"):
        assert sql_console.run(demo_db, query).frame.height > 0, query


def test_the_row_limit_cuts_and_says_so(demo_db: Path) -> None:
    result = sql_console.run(demo_db, "SELECT * FROM range(25) ORDER BY range DESC", row_limit=10)
    # 25 rows, 10 kept: 24 down to 15, in the query's order
    assert result.frame["range"].to_list() == list(range(24, 14, -1))
    assert result.truncated
    assert "First 10 rows" in result.message
    exact = sql_console.run(demo_db, "FROM range(10)", row_limit=10)
    assert exact.frame.height == 10 and not exact.truncated


def test_a_slow_query_is_stopped_at_the_time_limit(demo_db: Path) -> None:
    start = time.monotonic()
    result = sql_console.run(
        demo_db, "SELECT count(*) FROM range(1000000) a, range(1000000) b", seconds=1
    )
    assert time.monotonic() - start < 1 + 2
    assert result.frame.is_empty()
    assert result.message == "Stopped after 1 s: the query took too long."


def test_the_sandbox_caps_memory_and_threads_and_keeps_them_locked(demo_db: Path) -> None:
    with sql_console.sandbox(demo_db) as con:
        settings = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('temp_directory')"
        ).fetchone()
        # DuckDB prints 1 GiB (2**30 bytes) as '1.0 GiB'; no temporary directory: no spilling
        assert settings == ("1.0 GiB", 1, "")
        for sql in ("SET memory_limit = '64GiB'", "SET threads = 2", "SET temp_directory = '/tmp'"):
            with pytest.raises(duckdb.Error, match="locked"):
                con.execute(sql)


def test_a_query_over_the_memory_limit_stops_with_a_message(demo_db: Path) -> None:
    # 2,000,000 strings of 1,000 bytes aggregated into one: 2e9 bytes, about 1.9 GiB > 1 GiB
    start = time.monotonic()
    result = sql_console.run(
        demo_db, "SELECT length(string_agg(repeat('x', 1000), '')) AS n FROM range(2000000)"
    )
    assert time.monotonic() - start < 5
    assert result.frame.is_empty()
    assert result.message == (
        "Stopped: the query needed more than the console's 1 GiB of memory. "
        "Aggregate or filter it further, or select fewer columns."
    )
    # the same query a hundred times smaller fits: 20,000 x 1,000 bytes = 20,000,000
    fits = sql_console.run(
        demo_db, "SELECT length(string_agg(repeat('x', 1000), '')) AS n FROM range(20000)"
    )
    assert fits.frame.to_dicts() == [{"n": 20_000_000}]


def test_raising_the_memory_limit_is_refused(demo_db: Path) -> None:
    with pytest.raises(sql_console.Refused, match="SET is not allowed"):
        sql_console.run(demo_db, "SET memory_limit = '64GiB'")
    with pytest.raises(sql_console.Refused, match=r"current_setting\(\) is not allowed"):
        sql_console.run(demo_db, "SELECT current_setting('memory_limit')")


def test_a_failing_query_returns_the_reason(demo_db: Path) -> None:
    result = sql_console.run(demo_db, "SELECT no_such_column FROM leads")
    assert result.frame.width == 0
    assert "no_such_column" in result.message


def test_every_example_runs_on_the_demo_data(demo_db: Path) -> None:
    for name, query in sql_console.EXAMPLES.items():
        result = sql_console.run(demo_db, query)
        assert result.frame.height > 0, (name, result.message)


def test_the_schema_lists_tables_with_exact_counts_and_views(demo_db: Path) -> None:
    frame = sql_console.schema(demo_db)
    rows = {r["name"]: r for r in frame.to_dicts()}
    con = duckdb.connect(str(demo_db), read_only=True)
    expected_opps = con.execute("SELECT count(*) FROM opportunities").fetchone()
    con.close()
    assert expected_opps is not None
    assert rows["leads"]["kind"] == "table" and rows["leads"]["rows"] == 3_000
    assert rows["opportunities"]["rows"] == expected_opps[0]
    assert rows["lead_facts"]["kind"] == "view" and rows["lead_facts"]["rows"] is None
    assert rows["lead_facts"]["columns"].startswith("lead_id VARCHAR, ")
    assert not [n for n in rows if n.endswith("_replaced") or n == "schema_version"]
    # the app's own connection (cached by the page) gives the same table
    con = duckdb.connect(str(demo_db), read_only=True)
    assert sql_console.schema(con).equals(frame)
    con.close()


def test_cli_prints_rows_and_refuses_with_exit_2(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["sql", "SELECT count(*) AS n FROM leads", "--db", str(demo_db), "--json"])
    out = capsys.readouterr()
    assert code == 0
    assert json.loads(out.out)["rows"] == [{"n": 3_000}]
    code = cli.main(["sql", "SELECT 1; DROP TABLE leads", "--db", str(demo_db)])
    out = capsys.readouterr()
    assert code == 2
    assert "refused: Several statements at once" in out.err
    code = cli.main(["sql", "FROM range(5)", "--db", str(demo_db), "--limit", "2"])
    out = capsys.readouterr()
    assert code == 0 and "First 2 rows" in out.err


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_the_page_runs_a_query_and_shows_a_refusal(demo_db: Path) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/sql.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "10,000 rows" in at.caption[0].value
    at.text_area(key="sql_query").input("SELECT count(*) AS n FROM leads")
    at.button(key="sql_run").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.dataframe[-1].value["n"].tolist() == [3_000]
    at.text_area(key="sql_query").input("COPY leads TO '/tmp/x.csv'")
    at.button(key="sql_run").click().run()
    assert [e.value for e in at.error] == [
        "COPY is not allowed: the console only reads "
        "(SELECT, WITH, VALUES, DESCRIBE, SHOW or SUMMARIZE)."
    ]
