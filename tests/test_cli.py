"""The `alignment` command line: exit codes, JSON shapes, and numbers checked independently."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from alignment.cli import main

from .conftest import REALDATA

PIPELINE = REALDATA / "maven" / "sales_pipeline.csv"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_kpis_json_matches_plain_sql_over_the_raw_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.duckdb")
    code, out, err = _run(capsys, "import", str(PIPELINE), "--db", db, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["rows_read"] == 8800 and result["rows_rejected"] == 0
    assert isinstance(result["import_id"], int)

    code, out, err = _run(capsys, "kpis", "--db", db, "--json")
    assert code == 0, err
    kpis = json.loads(out)
    raw = duckdb.sql(
        f"SELECT count(*) FILTER (deal_stage = 'Won') AS won, "
        f"count(*) FILTER (deal_stage = 'Lost') AS lost, "
        f"sum(close_value) FILTER (deal_stage = 'Won') AS revenue "
        f"FROM read_csv('{PIPELINE}')"
    ).fetchall()[0]
    won, lost, revenue = raw
    assert kpis["opps_won"] == won and kpis["opps_lost"] == lost
    assert kpis["win_rate"] == pytest.approx(won / (won + lost))
    assert kpis["won_revenue"] == pytest.approx(float(revenue))
    assert kpis["opps_created"] == 8800  # period "all": every opportunity, dated or not
    for name in (
        "leads",
        "mqls",
        "sals",
        "sqls",
        "opps",
        "wins",
        "mql_to_sql",
        "mql_to_won",
        "pipeline_created",
        "avg_deal_size",
    ):
        assert name in kpis


def test_kpis_by_owner_one_row_per_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.duckdb")
    assert _run(capsys, "import", str(PIPELINE), "--db", db)[0] == 0
    code, out, err = _run(capsys, "kpis", "--db", db, "--by", "owner", "--json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    agents = duckdb.sql(
        f"SELECT count(DISTINCT sales_agent) FROM read_csv('{PIPELINE}')"
    ).fetchall()[0]
    assert len(rows) == agents[0]
    assert (
        sum(r["opps_won"] for r in rows)
        == json.loads(_run(capsys, "kpis", "--db", db, "--json")[1])["opps_won"]
    )


def test_reimport_is_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.duckdb")
    assert _run(capsys, "import", str(PIPELINE), "--db", db)[0] == 0
    code, out, _ = _run(capsys, "import", str(PIPELINE), "--db", db, "--json")
    assert code == 0 and json.loads(out)["status"] == "unchanged"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "does-not-exist.csv"], "no such file"),
        (["kpis", "--period", "March"], "unknown period"),
        (["import", "__BINARY__"], "binary.csv"),
        (["import", str(PIPELINE), "--mapping", "__BADMAP__"], "mapping"),
    ],
)
def test_failures_exit_non_zero_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 20)
    bad_map = tmp_path / "map.json"
    bad_map.write_text("[1, 2]")
    argv = [
        str(binary) if a == "__BINARY__" else str(bad_map) if a == "__BADMAP__" else a for a in argv
    ]
    db = tmp_path / "x.duckdb"
    if argv[0] == "kpis":
        main(["demo", "--db", str(db), "--leads", "200"])
        capsys.readouterr()
    code, out, err = _run(capsys, *argv, "--db", str(db))
    assert code == 1
    assert message in err and err.startswith("error: ") and err.count("\n") == 1
    assert "Traceback" not in err + out


def test_demo_command_fills_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "demo.duckdb")
    code, out, _ = _run(capsys, "demo", "--db", db, "--leads", "500")
    assert code == 0 and "500 leads" in out
    # running it again replaces the demo instead of doubling it
    code, out, _ = _run(capsys, "demo", "--db", db, "--leads", "500")
    assert code == 0 and "500 leads" in out
