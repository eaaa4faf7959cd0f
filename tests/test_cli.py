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


# ---- import refuses a guess; mappings never drop a column --------------------------------------
XEDUCATION = REALDATA / "xeducation" / "leads.csv"


def _count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(sql).fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def test_import_refuses_a_guess_and_says_how_to_choose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a name, a date and a value: an owners list? accounts? (30 % either way)
    mystery = tmp_path / "mystery.csv"
    mystery.write_text("Name,Date,Value\nAcme,2026-01-05,3\nGlobex,2026-02-07,5\n")
    db = tmp_path / "cli.duckdb"
    code, out, err = _run(capsys, "import", str(mystery), "--db", str(db))
    assert code == 1 and out == ""
    assert err.startswith(f"error: {mystery}: not sure what this file holds")
    assert "below 60%; nothing was imported" in err
    assert "generic_owners" in err and "generic_accounts" in err  # the candidates, with %
    assert f"alignment import {mystery} --source PRESET" in err
    assert f"alignment import {mystery} --object owners --mapping MAPPING.json" in err
    assert '{"owner": "Name"}' in err  # an example mapping from the best guess
    assert "Traceback" not in err
    assert not db.exists()  # the database was not even created


def test_a_refused_file_stops_every_file_of_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tie = tmp_path / "touches.csv"  # fits leads and activities equally
    tie.write_text(
        "Id,Email,Created Date,Owner\n1,a@b.com,2026-01-05,Ann\n2,b@c.com,2026-01-06,Bo\n"
    )
    db = tmp_path / "cli.duckdb"
    assert _run(capsys, "demo", "--db", str(db), "--leads", "200")[0] == 0
    imports = _count(db, "SELECT count(*) FROM imports")
    code, _, err = _run(capsys, "import", str(PIPELINE), str(tie), "--db", str(db))
    assert code == 1 and "touches.csv: not sure what this file holds" in err
    assert "generic_leads" in err and "generic_activities" in err
    # the pipeline, first on the command line, was not imported either
    assert _count(db, "SELECT count(*) FROM imports") == imports


def test_a_remembered_mapping_counts_as_confident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = "Id,Email,Created Date,Owner\n"  # leads or activities: refused without options
    db = tmp_path / "cli.duckdb"
    first = tmp_path / "touches_jan.csv"
    first.write_text(header + "1,a@b.com,2026-01-05,Ann\n2,b@c.com,2026-01-06,Bo\n")
    assert _run(capsys, "import", str(first), "--db", str(db))[0] == 1
    code, _, err = _run(capsys, "import", str(first), "--db", str(db), "--object", "leads")
    assert code == 0, err
    # the same header again, with no options: the mapping confirmed by that import decides
    second = tmp_path / "touches_feb.csv"
    second.write_text(header + "3,c@d.com,2026-02-07,Cy\n4,d@e.com,2026-02-08,Di\n")
    code, out, err = _run(capsys, "import", str(second), "--db", str(db), "--json")
    assert code == 0, err
    assert (json.loads(out)["object_type"], json.loads(out)["rows_loaded"]) == ("leads", 2)


def test_real_exports_import_with_no_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.duckdb")
    code, out, err = _run(capsys, "import", str(PIPELINE), str(XEDUCATION), "--db", db, "--json")
    assert code == 0, err
    pipeline, leads = json.loads(out)
    assert (pipeline["object_type"], pipeline["rows_loaded"]) == ("opportunities", 8800)
    assert (leads["object_type"], leads["rows_loaded"]) == ("leads", 9240)


def test_a_mapping_naming_stage_loads_stage_raw_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {"external_id": "opportunity_id", "stage": "deal_stage", "amount": "close_value"}
        )
    )
    db = str(tmp_path / "cli.duckdb")
    code, out, err = _run(capsys, "import", str(PIPELINE), "--db", db, "--mapping", str(mapping))
    assert code == 0, err
    assert "warning: The mapping names 'stage' for column 'deal_stage'" in out
    assert "was read as stage_raw" in out
    code, out, _ = _run(capsys, "kpis", "--db", db, "--json")
    won = duckdb.sql(
        f"SELECT count(*) FROM read_csv('{PIPELINE}') WHERE deal_stage = 'Won'"
    ).fetchall()[0][0]
    assert json.loads(out)["opps_won"] == won  # not 0: the stages were read


@pytest.mark.parametrize(
    ("mapping_text", "message"),
    [
        (
            '{"external_id": "opportunity_id", "stage": "deal_stage", "stage_raw": "product"}',
            "only 'stage_raw' can be mapped",
        ),
        (
            '{"external_id": "opportunity_id", "stage_raw": "deal_stage", "stage_raw": "product"}',
            "names 'stage_raw' more than once",
        ),
        (
            '{"external_id": "opportunity_id", "stage_raw": "deal_stage", "mql_at": "close_date"}',
            "not a field of opportunities",
        ),
    ],
    ids=["derived-and-raw", "field-twice", "field-of-leads"],
)
def test_a_mapping_that_would_drop_a_column_is_refused(
    mapping_text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "map.json"
    mapping.write_text(mapping_text)
    db = tmp_path / "cli.duckdb"
    args = ["import", str(PIPELINE), "--db", str(db), "--mapping", str(mapping)]
    code, _, err = _run(capsys, *args, "--object", "opportunities")
    assert code == 1 and message in err and "Traceback" not in err
    assert not db.exists() or _count(db, "SELECT count(*) FROM opportunities") == 0
