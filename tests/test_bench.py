"""The benchmark harness runs end to end at a tiny size (timings are not asserted: the harness
measures them, tests do not)."""

from __future__ import annotations

from datetime import date

from alignment.devtools import bench


def test_a_small_run_reports_every_operation_with_its_budget() -> None:
    report = bench.run(2_000, repeats=1, import_repeats=1, today=date(2026, 11, 23))
    rows = {row["operation"]: row for row in report["rows"]}
    assert report["table_rows"]["leads"] == 2_000
    import_row = rows["import leads CSV (pipeline vs bare read_csv)"]
    assert import_row["baseline_ms"] > 0 and import_row["ratio"] is not None
    assert rows["recompute every fact (map edit, lookup import)"]["median_ms"] > 0
    metric_rows = [r for r in report["rows"] if r["budget"] == "< 300 ms"]
    assert len(metric_rows) >= 27  # Overview, Rejections, Funnel and Data-quality computations
    assert all(r["median_ms"] > 0 and r["ok"] is not None for r in metric_rows)
    app_memory = rows["peak memory (MB, app: import + Overview)"]["median_ms"]
    assert 50 < app_memory < 2_048  # measured in a fresh process, not inherited from this one
    # the SLA rows run at 3 activities per lead, the response time against its pandas baseline
    assert report["table_rows"]["activities"] == 3 * 2_000
    sla_rows = [r for r in report["rows"] if r["operation"].startswith("SLA ")]
    assert len(sla_rows) == 5 and all(r["ok"] is not None for r in sla_rows)
    assert sla_rows[0]["baseline_ms"] > 0
    assert any(r["operation"].startswith("page total: SLA") for r in report["rows"])
    text = bench.format_report(report)
    assert "import leads CSV" in text and "funnel cohort" in text
