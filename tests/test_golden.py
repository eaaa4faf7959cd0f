"""Golden outputs: every CLI report (`kpis`, `funnel`, `rejections` with `--json`) on the demo
data and on both real datasets, kept as JSON files under `tests/golden/`. A refactor must leave
them identical (floats to 1e-9). Regenerate deliberately, after checking what changed and why,
with `ALIGNMENT_UPDATE_GOLDEN=1 pytest tests/test_golden.py`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from alignment import model
from alignment.cli import main

from .conftest import REALDATA

GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = "2026-11-24T09:00:00+00:00"
"""The reports' clock (`ALIGNMENT_NOW`): maturity and "to date" figures depend on it."""
UPDATE = bool(os.environ.get("ALIGNMENT_UPDATE_GOLDEN"))

REPORTS: dict[str, list[tuple[str, ...]]] = {
    "demo": [
        ("kpis", "--period", "2026-10"),
        ("kpis", "--period", "2026-Q3"),
        ("kpis", "--period", "all"),
        ("kpis", "--period", "2026-10", "--by", "channel"),
        ("kpis", "--period", "2026-Q3", "--by", "channel"),
        ("kpis", "--period", "all", "--by", "channel"),
        ("funnel", "--period", "2026-Q3"),
        ("funnel", "--period", "2026-Q3", "--view", "flow"),
        ("funnel", "--period", "2026-Q3", "--by", "channel"),
        ("funnel", "--period", "2026-09", "--window", "90", "--by", "segment"),
        ("funnel", "--period", "all", "--first-stage", "lead"),
        ("rejections", "--period", "2026-Q3"),
        ("rejections", "--period", "2026-Q3", "--by", "segment"),
        ("rejections", "--period", "all", "--lost"),
        ("rejections", "--period", "all", "--raw"),
    ],
    "maven": [
        ("kpis", "--period", "all"),
        ("kpis", "--period", "2017-Q2"),
        ("kpis", "--period", "2017-06", "--by", "owner"),
        ("kpis", "--period", "all", "--by", "team"),
        ("funnel", "--period", "all", "--first-stage", "opportunity"),
        ("rejections", "--period", "all", "--lost"),
    ],
    "xeducation": [
        ("kpis", "--period", "all"),
        ("kpis", "--period", "all", "--by", "channel"),
        ("funnel", "--period", "all", "--first-stage", "lead"),
        ("funnel", "--period", "all", "--first-stage", "lead", "--by", "channel"),
        ("rejections", "--period", "all"),
        ("rejections", "--period", "all", "--raw"),
    ],
}

REAL_FILES: dict[str, list[Path]] = {
    "maven": [
        REALDATA / "maven" / "sales_pipeline.csv",
        REALDATA / "maven" / "accounts.csv",
        REALDATA / "maven" / "sales_teams.csv",
    ],
    "xeducation": [REALDATA / "xeducation" / "leads.csv"],
}


@pytest.fixture(scope="module")
def databases(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo database and one per real dataset, imported as a new user would (no options)."""
    folder = tmp_path_factory.mktemp("golden")
    paths = {"demo": folder / "demo.duckdb"}
    shutil.copy(demo_db_template, paths["demo"])
    for name, files in REAL_FILES.items():
        paths[name] = folder / f"{name}.duckdb"
        assert main(["import", *map(str, files), "--db", str(paths[name])]) == 0
    for path in paths.values():  # reports open read-only: the files must be current
        model.connect(path).close()
    return paths


def _report(database: Path, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    assert main([*argv, "--db", str(database), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _same(result: Any, expected: Any, where: str = "") -> None:
    """Equal, with floats equal to 1e-9 (a refactor may add in another order)."""
    if isinstance(expected, dict):
        assert isinstance(result, dict) and result.keys() == expected.keys(), where
        for key in expected:
            _same(result[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(result, list) and len(result) == len(expected), where
        for index, (got, want) in enumerate(zip(result, expected, strict=True)):
            _same(got, want, f"{where}[{index}]")
    elif isinstance(expected, float) and not isinstance(result, bool):
        assert result == pytest.approx(expected, rel=1e-9, abs=1e-12), where
    else:
        assert result == expected, where


CASES = [(dataset, argv) for dataset, reports in REPORTS.items() for argv in reports]


@pytest.mark.parametrize(("dataset", "argv"), CASES, ids=[f"{d}:{' '.join(a)}" for d, a in CASES])
def test_cli_report_matches_its_golden_output(
    databases: dict[str, Path],
    dataset: str,
    argv: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALIGNMENT_NOW", NOW)
    result = _report(databases[dataset], argv, capsys)
    name = f"{dataset}__{'_'.join(a.strip('-') for a in argv)}.json"
    path = GOLDEN / name
    if UPDATE or not path.exists():
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{name} did not exist: written, check it and run again")
    _same(result, json.loads(path.read_text(encoding="utf-8")), name)
