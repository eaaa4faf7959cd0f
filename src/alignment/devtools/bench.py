"""The benchmark harness (`python -m alignment bench`, `make bench`): DESIGN section 8.

At N leads (default 1,000,000, with the demo generator's ~0.15 opportunities, ~1.6 activities
and ~2 touchpoints per lead) it times, in one run on one machine:

- import of a generated N-row lead CSV through the real pipeline (sniff, mapping, casting,
  validation, upsert with each lead's facts, commit) against DuckDB's bare `CREATE TABLE AS
  SELECT * FROM read_csv(file)` of the same file (budget: ratio <= 2), and recomputing every
  fact on its own (what a map edit costs);
- every Overview, Funnel and Rejections computation, and the SLA's (response time and attempts
  at 3 activities per lead, `pad_activities`) (budget: < 300 ms each, median of 5);
- every Channels computation (channel table in both views, by channel and by product, the
  comparison, the sales cycle) and Attribution's (channel credit under six models, ledger,
  reconciliation, campaign influence, influenced revenue) at 0.3 opportunities and 2
  touchpoints per lead (`pad_opportunities`, `pad_touchpoints`) (budget: < 300 ms each);
- Explore's breakdowns (the page's default, MQLs by channel, and four others up to two
  dimensions, month and quarter among them) and the records behind a cell, first page; the SQL
  console's first example query and its schema browser, each in the console's own sandbox
  (budget: < 300 ms each);
- the same metrics written the straightforward way in pandas, the notebook baseline (ratio
  reported);
- each page's default view, every call it makes together ("page total", budget < 300 ms), and
  the sidebar's choices that every page shows (read once per data change);
- peak memory of the app's work in a fresh process (budget: < 2 GB), and of the harness;
- with `--viewers 10,20`, the load driver (`devtools.load`): that many viewers at once against
  the app served on the benchmark's database, p50 / p95 of a filter change and errors.

It prints one table (operation, rows, median ms, baseline ms, ratio) and can write it as JSON.
`python -m alignment.devtools.bench --pages DB [--viewers 10]` times only the page totals and
the Explore and SQL console rows (and drives the viewers) on an existing database, such as
`alignment demo --leads 1000000 --db DB`;
`--channels DB` pads that database's opportunities and touchpoints (it writes to it), then times
the Channels, Attribution, Explore and SQL console rows and the page totals.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from alignment import clock, model
from alignment.db import schema, store
from alignment.devtools import demo, load
from alignment.filters import Filters
from alignment.metrics import overview
from alignment.periods import ALL_TIME, Period
from alignment.selection import Selection
from alignment.sql import quote_identifier

KPI_BUDGET_MS = 300.0
IMPORT_RATIO_BUDGET = 2.0
MEMORY_BUDGET_MB = 2048.0


@dataclass
class Row:
    """One line of the report: an operation, its size and its timings."""

    operation: str
    rows: int
    median_ms: float
    baseline_ms: float | None = None
    budget: str = ""
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline_ms is None or self.median_ms == 0:
            return None
        return self.median_ms / self.baseline_ms


def median_ms(function: Callable[[], Any], repeats: int) -> float:
    """Median wall time of `repeats` calls, in milliseconds (one warm-up call first)."""
    function()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB: the `VmHWM` of /proc/self/status
    (reset by exec, unlike `ru_maxrss`, which a child started by a large process inherits),
    else `ru_maxrss` (KiB on Linux)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def app_peak_memory_mb(database: Path, lead_csv: Path) -> float:
    """Peak resident memory (MB) of a fresh process doing what the app does at this size:
    import the lead CSV through the pipeline into a new database, then compute the Overview
    (KPIs, comparison, trend) on the full database. The harness's own generated frames and
    pandas copies are not part of the app, so they are measured apart."""
    return float(_probe("--probe-memory", str(database), str(lead_csv))[-1])


def _probe(*args: str) -> list[str]:
    """The words of the last line a fresh `python -m alignment.devtools.bench ARGS` prints."""
    completed = subprocess.run(
        [sys.executable, "-m", "alignment.devtools.bench", *args],
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:  # say why: the probe's own traceback, not only its exit code
        raise RuntimeError(f"probe {' '.join(args)} failed:\n{completed.stderr[-4000:]}")
    return completed.stdout.strip().splitlines()[-1].split()


def _import_lead_csv(
    con: store.Connection, path: Path, file_name: str, memory_limit: int | None = None
) -> None:
    """Import a `lead_export` CSV (its columns are canonical field names) into `con`."""
    from alignment.ingest import import_file

    import_file(
        con,
        path,
        file_name,
        object_type="leads",
        source_system="bench",
        mapping={c: c for c in pl.read_csv(path, n_rows=1).columns},
        memory_limit=memory_limit,
    )


def probe_memory(database: Path, lead_csv: Path) -> float:
    """The work measured by `app_peak_memory_mb`, in this process; returns its peak MB."""
    with tempfile.TemporaryDirectory(prefix="alignment-probe-") as tmp:
        con = model.connect(Path(tmp) / "import.duckdb")
        _import_lead_csv(con, lead_csv, lead_csv.name)
        con.close()
    con = model.connect(database, read_only=True)
    month = Period.containing("month", datetime.now(UTC).date()).previous()
    overview.kpis(con, month)
    overview.kpi_comparison(con, Selection(month))
    overview.monthly_trend(con, month, 18)
    con.close()
    return peak_memory_mb()


UPLOAD_MEMORY_RATIO = 2.0
"""Budget of an upload's import: peak memory within about twice the file's size (DESIGN 8).
Measured on the million-lead export and on one three times as large: below 512 MB the import's
memory floor (`ingest.load.UPLOAD_MEMORY_BOUNDS`, which keeps mid-size imports fast) makes the
ratio larger, the absolute memory staying well under the app's budget."""


def tripled_export(lead_csv: Path) -> Path:
    """A lead export three times as large as `lead_csv` (its rows three times over, with ids
    made distinct), written next to it, for the upload-memory row at a large file's size."""
    target = lead_csv.with_name("leads_export_x3.csv")
    with open(target, "wb") as out:
        for copy in range(3):
            frame = pl.read_csv(lead_csv, infer_schema=False).with_columns(
                pl.col("external_id") + f"-{copy}"
            )
            frame.write_csv(out, include_header=copy == 0)
            del frame
    return target


def upload_peak_memory_mb(lead_csv: Path) -> tuple[float, float]:
    """(memory the upload and its import add at their peak, file size), in MB, in a fresh
    process doing what the Import page does: the upload's bytes held in memory (as Streamlit
    holds them), written to a temporary file, and imported from there."""
    added, size = _probe("--probe-upload", str(lead_csv))
    return float(added), float(size)


def probe_upload(lead_csv: Path) -> tuple[float, float]:
    """The work measured by `upload_peak_memory_mb`, in this process."""
    from alignment.ingest import upload_memory_limit

    with tempfile.TemporaryDirectory(prefix="alignment-probe-") as tmp:
        con = model.connect(Path(tmp) / "upload.duckdb")
        idle = current_memory_mb()
        upload = lead_csv.read_bytes()  # what the upload widget holds
        spooled = Path(tmp) / "upload.csv"
        spooled.write_bytes(memoryview(upload))
        limit = upload_memory_limit(spooled.stat().st_size)
        _import_lead_csv(con, spooled, lead_csv.name, limit)
        con.close()
        del upload
    return peak_memory_mb() - idle, lead_csv.stat().st_size / 2**20


def current_memory_mb() -> float:
    """Resident memory of this process now, in MB (`VmRSS`)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---- the import benchmark ----------------------------------------------------------------
def lead_export(leads: pl.DataFrame) -> pl.DataFrame:
    """A CRM-like lead export (text dates as `YYYY-MM-DD HH:MM:SS`, generic column names) of
    the demo leads: one row per lead, without the keys and the fields the maps derive."""
    timestamp_columns = [c for c, t in leads.schema.items() if isinstance(t, pl.Datetime)]
    renamed = leads.drop(
        "lead_id", "source_system", "import_id", "channel", "rejection_reason"
    ).with_columns(
        pl.col(c).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S")
        for c in timestamp_columns
    )
    return renamed


def bench_import(leads: pl.DataFrame, repeats: int, workdir: Path) -> list[Row]:
    """Time the real import pipeline against bare read_csv of the same file: as the CLI reads
    a file from disk, and as the app imports an upload (under the upload's DuckDB memory
    limit, since the upload is in memory too).

    Both sides time the same span: from an open, empty database to the data committed and the
    database closed (closing writes the checkpoint). Creating the database is outside it (the
    app's database exists before any import). Runs alternate bare / file / upload, so a busy
    moment on a shared machine hits all three."""
    from alignment.ingest import import_file, upload_memory_limit

    export = lead_export(leads)
    csv_path = workdir / "leads_export.csv"
    export.write_csv(csv_path)
    mapping = {c: c for c in export.columns}
    counter = iter(range(10_000))
    upload_limit = upload_memory_limit(csv_path.stat().st_size)

    def bare() -> float:
        con = store.duckdb.connect(str(workdir / f"bare_{next(counter)}.duckdb"))
        start = time.perf_counter()
        con.execute(
            f"CREATE TABLE t AS SELECT * FROM read_csv({store.quote_literal(str(csv_path))})"
        )
        con.close()
        return time.perf_counter() - start

    def pipeline(memory_limit: int | None = None) -> float:
        con = model.connect(workdir / f"pipeline_{next(counter)}.duckdb")
        start = time.perf_counter()
        result = import_file(
            con,
            csv_path,
            csv_path.name,
            object_type="leads",
            source_system="bench",
            mapping=mapping,
            memory_limit=memory_limit,
        )
        con.close()
        elapsed = time.perf_counter() - start
        assert result.rows_loaded == export.height, result
        return elapsed

    bare(), pipeline()  # warm-up (file cache, imports)
    bare_s: list[float] = []
    file_s: list[float] = []
    upload_s: list[float] = []
    for _ in range(repeats):
        bare_s.append(bare())
        file_s.append(pipeline())
        upload_s.append(pipeline(upload_limit))
        for leftover in workdir.glob("*.duckdb*"):
            leftover.unlink()
    bare_ms = statistics.median(bare_s) * 1000
    rows = []
    for name, timings in (
        ("import leads CSV (pipeline vs bare read_csv)", file_s),
        (f"import leads CSV as an upload ({upload_limit // 2**20} MB limit)", upload_s),
    ):
        pipeline_ms = statistics.median(timings) * 1000
        rows.append(
            Row(
                name,
                export.height,
                pipeline_ms,
                bare_ms,
                f"ratio <= {IMPORT_RATIO_BUDGET:g}",
                pipeline_ms / bare_ms <= IMPORT_RATIO_BUDGET,
            )
        )
    return rows


def bench_model_refresh(con: store.Connection, n_leads: int, repeats: int) -> Row:
    """Time recomputing every fact (`facts.refresh` with nothing named: the fact columns of every
    lead and the `opp_facts` table), what a map edit or an owners / accounts import
    costs on top of its own work. A lead import computes the facts of the leads it writes as it
    writes them, so its cost is inside the import row."""
    from alignment.model import facts

    def recompute() -> None:
        with store.transaction(con, changes_data=False):
            facts.refresh(con, facts.RECOMPUTE_ALL_WHEN)  # what a map or lookup write names

    return Row(
        "recompute every fact (map edit, lookup import)",
        n_leads,
        median_ms(recompute, repeats),
    )


# ---- the KPI benchmark -------------------------------------------------------------------
def pandas_kpis(
    leads: Any, opps: Any, start: datetime | None, end: datetime | None
) -> dict[str, float]:
    """The Overview KPIs the way an analyst would write them in a notebook (pandas baseline)."""

    def in_period(series: Any) -> Any:
        if start is None:  # all time: every dated value (the demo dates every record)
            return series.notna()
        return (series >= start) & (series < end)

    stage_cols = ["mql_at", "sal_at", "sql_at", "opp_at", "won_at"]
    reached = {stage: leads[stage_cols[i:]].min(axis=1) for i, stage in enumerate(stage_cols)}
    cohort = in_period(reached["mql_at"])
    mqls = int(cohort.sum())
    sqls = int((cohort & reached["sql_at"].notna()).sum())
    wins = int((cohort & reached["won_at"].notna()).sum())
    created = opps[in_period(opps["created_at"])]
    closed = opps[in_period(opps["closed_at"]) & opps["is_closed"].fillna(False)]
    won = closed[closed["is_won"].fillna(False)]
    lost = closed[~closed["is_won"].fillna(False)]
    return {
        "leads": int(in_period(leads["created_at"]).sum()),
        "mqls": mqls,
        "sqls": sqls,
        "mql_to_sql": sqls / mqls if mqls else float("nan"),
        "mql_to_won": wins / mqls if mqls else float("nan"),
        "opps_created": len(created),
        "pipeline_created": float(created["amount"].sum()),
        "win_rate": len(won) / (len(won) + len(lost)) if len(won) + len(lost) else float("nan"),
        "won_revenue": float(won["amount"].sum()),
        "avg_deal_size": float(won["amount"].mean()),
    }


def pandas_monthly_trend(leads: Any, opps: Any) -> Any:
    """Monthly MQLs, SQLs and pipeline, notebook style (pandas baseline)."""
    stage_cols = ["mql_at", "sal_at", "sql_at", "opp_at", "won_at"]
    frame = leads.assign(
        reached_mql=leads[stage_cols].min(axis=1), reached_sql=leads[stage_cols[2:]].min(axis=1)
    )
    frame["month"] = frame["reached_mql"].dt.tz_localize(None).dt.to_period("M")
    by_month = frame.groupby("month").agg(
        mqls=("reached_mql", "count"), sqls=("reached_sql", "count")
    )
    opp_month = opps["created_at"].dt.tz_localize(None).dt.to_period("M")
    pipeline = opps.groupby(opp_month)["amount"].sum()
    return by_month.join(pipeline.rename("pipeline"), how="outer")


def bench_kpis(
    con: store.Connection, tables: dict[str, pl.DataFrame], today: date, repeats: int
) -> list[Row]:
    """Time each Overview computation in DuckDB and its pandas baseline."""
    month = Period.containing("month", today).previous()
    quarter = Period.containing("quarter", today).previous()
    n_leads = tables["leads"].height
    leads_pd = (
        tables["leads"]
        .select("created_at", "mql_at", "sal_at", "sql_at", "opp_at", "won_at", "channel_raw")
        .to_pandas()
    )
    opps_pd = (
        tables["opportunities"]
        .select("created_at", "closed_at", "is_closed", "is_won", "amount", "channel_raw")
        .to_pandas()
    )

    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            f"kpis {month.key}",
            lambda: overview.kpis(con, month),
            lambda: pandas_kpis(leads_pd, opps_pd, month.start, month.end),
        ),
        (
            f"kpis {quarter.key}",
            lambda: overview.kpis(con, quarter),
            lambda: pandas_kpis(leads_pd, opps_pd, quarter.start, quarter.end),
        ),
        (
            "kpis all time",
            lambda: overview.kpis(con, ALL_TIME),
            lambda: pandas_kpis(leads_pd, opps_pd, None, None),
        ),
        (
            f"kpis {month.key} by channel",
            lambda: overview.kpis(con, month, by="channel"),
            None,
        ),
        (
            f"kpi comparison {month.key} vs previous",
            lambda: overview.kpi_comparison(con, Selection(month)),
            None,
        ),
        (
            "monthly trend (18 months)",
            lambda: overview.monthly_trend(con, month, 18),
            lambda: pandas_monthly_trend(leads_pd, opps_pd),
        ),
        (
            f"kpis {month.key}, channel filter",
            lambda: overview.kpis(
                con, Selection(month, filters=Filters(channel=("Paid Search", "Email")))
            ),
            None,
        ),
    ]
    rows = []
    for name, duck, baseline in cases:
        duck_ms = median_ms(duck, repeats)
        base_ms = median_ms(baseline, repeats) if baseline else None
        rows.append(
            Row(name, n_leads, duck_ms, base_ms, f"< {KPI_BUDGET_MS:g} ms", duck_ms < KPI_BUDGET_MS)
        )
    return rows


# ---- the rejections benchmark (issue 4) ---------------------------------------------------
def _pandas_rejected(leads: Any, start: datetime | None, end: datetime | None) -> Any:
    """Rejected, not converted leads of a period with their reason, notebook style."""
    rejected = leads[
        (leads["rejected_at"].notna() | leads["rejection_reason"].notna())
        & ~leads["is_converted"].fillna(False).astype(bool)
    ]
    if start is not None:
        rejected = rejected[(rejected["rejected_at"] >= start) & (rejected["rejected_at"] < end)]
    return rejected.assign(reason=rejected["rejection_reason"].fillna("Not documented"))


def pandas_rejection_pareto(leads: Any, start: datetime | None, end: datetime | None) -> Any:
    """Reason counts, shares and cumulative shares (pandas baseline)."""
    counts = _pandas_rejected(leads, start, end)["reason"].value_counts()
    shares = counts / counts.sum()
    return counts.to_frame("n").assign(share=shares, cumulative_share=shares.cumsum())


def pandas_rejection_matrix(leads: Any, start: datetime | None, end: datetime | None) -> Any:
    """Reason share per channel (pandas baseline)."""
    rejected = _pandas_rejected(leads, start, end)
    return (
        rejected.groupby(["channel", "reason"])
        .size()
        .groupby(level=0)
        .transform(lambda n: n / n.sum())
    )


def pandas_rejection_patterns(leads: Any, start: datetime | None, end: datetime | None) -> Any:
    """Counts per channel x segment x reason, then the same pattern finder (pandas baseline)."""
    from alignment.metrics import rejections

    counts = (
        _pandas_rejected(leads, start, end)
        .groupby(["channel", "segment", "reason"])
        .size()
        .rename("n")
        .reset_index()
    )
    return rejections.find_patterns(pl.from_pandas(counts))


def pandas_rejection_trend(leads: Any) -> Any:
    """Reason share per month (pandas baseline)."""
    rejected = _pandas_rejected(leads, None, None)
    month = rejected["rejected_at"].dt.tz_localize(None).dt.to_period("M")
    counts = rejected.groupby([month, rejected["reason"]]).size()
    return counts / counts.groupby(level=0).transform("sum")


def bench_rejections(
    con: store.Connection, tables: dict[str, pl.DataFrame], today: date, repeats: int
) -> list[Row]:
    """Time each Rejections page computation in DuckDB and its pandas baseline."""
    from alignment.metrics import rejections

    month = Period.containing("month", today).previous()
    quarter = Period.containing("quarter", today).previous()
    n_leads = tables["leads"].height
    leads_pd = (
        tables["leads"]
        .select("rejected_at", "rejection_reason", "is_converted", "channel", "segment")
        .to_pandas()
    )
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            f"rejection pareto {quarter.key} vs previous",
            lambda: rejections.pareto(con, Selection(quarter)),
            lambda: (
                pandas_rejection_pareto(leads_pd, quarter.start, quarter.end),
                pandas_rejection_pareto(leads_pd, quarter.previous().start, quarter.previous().end),
            ),
        ),
        (
            "rejection pareto all time",
            lambda: rejections.pareto(con, ALL_TIME),
            lambda: pandas_rejection_pareto(leads_pd, None, None),
        ),
        (
            f"rejection reason x channel {quarter.key}",
            lambda: rejections.reason_matrix(con, quarter, "channel"),
            lambda: pandas_rejection_matrix(leads_pd, quarter.start, quarter.end),
        ),
        (
            f"rejection patterns {quarter.key}",
            lambda: rejections.patterns(con, quarter),
            lambda: pandas_rejection_patterns(leads_pd, quarter.start, quarter.end),
        ),
        (
            "rejection patterns all time",
            lambda: rejections.patterns(con, ALL_TIME),
            lambda: pandas_rejection_patterns(leads_pd, None, None),
        ),
        (
            "rejection reason share trend (12 months)",
            lambda: rejections.share_trend(con, month, months=12),
            lambda: pandas_rejection_trend(leads_pd),
        ),
        (
            f"rejected leads drill-down {quarter.key} (page 1 + count)",
            lambda: (
                rejections.records(con, quarter, limit=50),
                rejections.record_count(con, quarter),
            ),
            None,
        ),
        (
            f"lost reason pareto {quarter.key}",
            lambda: rejections.pareto(con, quarter, kind="opportunities"),
            None,
        ),
    ]
    rows = []
    for name, duck, baseline in cases:
        duck_ms = median_ms(duck, repeats)
        base_ms = median_ms(baseline, repeats) if baseline else None
        rows.append(
            Row(name, n_leads, duck_ms, base_ms, f"< {KPI_BUDGET_MS:g} ms", duck_ms < KPI_BUDGET_MS)
        )
    return rows


# ---- the funnel benchmark (issue 4) -------------------------------------------------------
_PANDAS_STAGES = ("created_at", "mql_at", "sal_at", "sql_at", "opp_at", "won_at")


def _pandas_reached(leads: Any) -> Any:
    """Reached-stage timestamps (earliest of the stage and every later one), notebook style."""
    reached = leads.copy()
    for i, column in enumerate(_PANDAS_STAGES):
        reached[f"reached_{column}"] = leads[list(_PANDAS_STAGES[i:])].min(axis=1)
    return reached


def pandas_cohort_funnel(
    leads: Any,
    start: datetime,
    end: datetime,
    window_days: int | None = None,
    by: str | None = None,
) -> Any:
    """MQL-cohort stage counts (optionally within a window, optionally per dimension value)
    and step conversions, the straightforward pandas way (pandas baseline)."""
    reached = _pandas_reached(leads)
    first = reached["reached_mql_at"]
    cohort = reached[(first >= start) & (first < end)]
    flags = {}
    for column in _PANDAS_STAGES[1:]:
        hit = cohort[f"reached_{column}"].notna()
        if window_days is not None:
            days = (cohort[f"reached_{column}"] - cohort["reached_mql_at"]).dt.total_seconds()
            hit &= days <= window_days * 86400
        flags[column] = hit
    frame = cohort.assign(**flags)
    counts = frame.groupby(by)[list(flags)].sum() if by else frame[list(flags)].sum().to_frame().T
    stages = list(flags)
    for before, after in zip(stages, stages[1:], strict=False):
        counts[f"{before}->{after}"] = counts[after] / counts[before]
    return counts


def pandas_flow_funnel(leads: Any, start: datetime, end: datetime) -> Any:
    """Stage entries in the period and flow ratios (pandas baseline)."""
    reached = _pandas_reached(leads)
    counts = {
        column: int(
            ((reached[f"reached_{column}"] >= start) & (reached[f"reached_{column}"] < end)).sum()
        )
        for column in _PANDAS_STAGES[1:]
    }
    values = list(counts.values())
    return counts, [b / a if a else None for a, b in zip(values, values[1:], strict=False)]


def pandas_time_to_convert(leads: Any, start: datetime, end: datetime, by: str) -> Any:
    """Median / p75 / p90 days from MQL to SQL per dimension value (pandas baseline)."""
    reached = _pandas_reached(leads)
    first = reached["reached_mql_at"]
    converted = reached[(first >= start) & (first < end) & reached["reached_sql_at"].notna()]
    days = (converted["reached_sql_at"] - converted["reached_mql_at"]).dt.total_seconds() / 86400
    return days.groupby(converted[by]).quantile([0.5, 0.75, 0.9]).unstack()


def bench_quality(con: store.Connection, today: date, repeats: int) -> list[Row]:
    """Time the Data-quality page's counts (every check) and the Overview's trust notes."""
    from alignment.metrics import quality

    month = Period.containing("month", today).previous()
    n_leads = int(store.scalar(con, "SELECT count(*) FROM leads"))
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("data quality: every check's count", lambda: quality.check_counts(con)),
        (f"trust notes {month.key}", lambda: quality.trust_counts(con, month)),
    ]
    rows = []
    for name, function in cases:
        duck_ms = median_ms(function, repeats)
        rows.append(
            Row(name, n_leads, duck_ms, None, f"< {KPI_BUDGET_MS:g} ms", duck_ms < KPI_BUDGET_MS)
        )
    return rows


ACTIVITIES_PER_LEAD = 3
"""DESIGN section 8 times the SLA at 3 M activities for 1 M leads; the generator makes ~1.6
per lead, so `pad_activities` adds later follow-ups up to this many."""

OPPORTUNITIES_PER_LEAD = 0.3
"""DESIGN section 8 times the Channels and Attribution pages at 300k opportunities for 1 M
leads; the generator makes ~0.15 per lead, so `pad_opportunities` adds deals up to this many."""

TOUCHPOINTS_PER_LEAD = 2
"""... and at 2 M touchpoints, about what the generator makes (`pad_touchpoints` tops it up)."""


def _pad_copies(
    con: store.Connection,
    table: str,
    target: int,
    changed: str,
    shifted: dict[str, str],
) -> int:
    """Add copies of the generated rows of `table` (new ids: the source id with `#<round>`,
    the `shifted` columns computed by the given SQL, in which `$round` is the copy's round)
    until it has `target` rows, in one transaction through the model's write hook for
    `changed` (links and facts kept in step); returns how many rows there are."""
    key = schema.PRIMARY_KEY[table]
    assert key is not None
    columns = [c.name for c in (*schema.FACT_TABLES[table], *schema.ADDED_COLUMNS.get(table, ()))]
    suffixed = {key: f"{key} || $suffix", "external_id": "external_id || $suffix"}
    select = ", ".join({**suffixed, **shifted}.get(c, c) for c in columns)
    quoted = quote_identifier(table)
    count_sql = f"SELECT count(*) FROM {quoted}"
    missing = target - int(store.scalar(con, count_sql))
    with store.transaction(con, changes_data={changed}):
        round_ = 0
        while missing > 0:
            round_ += 1
            con.execute(
                f"INSERT INTO {quoted} ({', '.join(columns)}) SELECT {select} FROM {quoted} "
                f"WHERE NOT contains({key}, '#') ORDER BY {key} LIMIT $missing",
                {"suffix": f"#{round_}", "round": round_, "missing": missing},
            )
            missing = target - int(store.scalar(con, count_sql))
    return int(store.scalar(con, count_sql))


def pad_activities(con: store.Connection, n_leads: int) -> int:
    """Add follow-up touches (copies of generated ones, two business days later, new ids) until
    there are `ACTIVITIES_PER_LEAD` per lead, in one transaction (links kept in step by the
    model); returns how many activities there are."""
    return _pad_copies(
        con,
        "activities",
        ACTIVITIES_PER_LEAD * n_leads,
        "activities",
        {"occurred_at": "occurred_at + to_days(2 * $round)"},
    )


def pad_touchpoints(con: store.Connection, n_touchpoints: int) -> int:
    """Add earlier repeat touches (copies of generated ones, two days before them, new ids,
    never flagged first / lead-creation / opportunity-creation touch) until there are
    `n_touchpoints`, in one transaction (links kept in step by the model); returns how many
    touchpoints there are. Nothing is removed when there are more."""
    return _pad_copies(
        con,
        "touchpoints",
        n_touchpoints,
        "touchpoints",
        {
            "touched_at": "touched_at - to_days(2 * $round)",
            **dict.fromkeys(
                ("is_first_touch", "is_lead_creation_touch", "is_opp_creation_touch"), "FALSE"
            ),
        },
    )


_PAD_OPPORTUNITIES_SQL = """
WITH source AS (
  SELECT o.*, o.created_at - l.created_at AS lag, o.closed_at - o.created_at AS cycle,
    row_number() OVER (ORDER BY o.opp_id) - 1 AS i
  FROM opportunities o JOIN leads l ON l.lead_id = o.lead_id
  WHERE NOT contains(o.opp_id, '#') AND o.created_at IS NOT NULL AND l.created_at IS NOT NULL
),
free AS (
  SELECT l.lead_id, l.external_id, l.created_at, l.company, l.segment, l.channel,
    l.channel_raw, row_number() OVER (ORDER BY hash(l.lead_id), l.lead_id) - 1 AS j
  FROM leads l
  WHERE l.opp_id IS NULL AND l.created_at IS NOT NULL
    AND l.lead_id NOT IN (SELECT lead_id FROM opportunities WHERE lead_id IS NOT NULL)
),
paired AS (
  SELECT s.*, f.lead_id AS new_lead_id, f.external_id AS lead_external_id,
    f.created_at + s.lag AS new_created_at, f.company, f.segment AS lead_segment,
    f.channel AS lead_channel, f.channel_raw AS lead_channel_raw, f.j,
    s.closed_at IS NOT NULL AND f.created_at + s.lag + s.cycle <= $end AS stays_closed
  FROM free f JOIN source s ON s.i = f.j % $sources
  WHERE f.created_at + s.lag <= $end
)
SELECT
  source_system || ':' || external_id || '#' || lead_external_id AS opp_id,
  source_system, external_id || '#' || lead_external_id AS external_id,
  new_lead_id AS lead_id, coalesce(company, account) AS account,
  coalesce(company, account) || ' - ' || product AS name, owner, team, region,
  coalesce(lead_segment, segment) AS segment, coalesce(lead_channel, channel) AS channel,
  coalesce(lead_channel_raw, channel_raw) AS channel_raw, product, type,
  new_created_at AS created_at,
  CASE WHEN stays_closed THEN new_created_at + cycle END AS closed_at,
  CASE WHEN stays_closed OR closed_at IS NULL THEN stage ELSE 'open' END AS stage,
  CASE WHEN stays_closed OR closed_at IS NULL THEN stage_raw ELSE 'Negotiation' END
    AS stage_raw,
  CASE WHEN stays_closed OR closed_at IS NULL THEN is_closed ELSE FALSE END AS is_closed,
  CASE WHEN stays_closed OR closed_at IS NULL THEN is_won ELSE FALSE END AS is_won,
  amount, currency,
  CASE WHEN stays_closed THEN lost_reason END AS lost_reason,
  CASE WHEN stays_closed THEN lost_reason_raw END AS lost_reason_raw,
  import_id
FROM paired ORDER BY j LIMIT $missing
"""
"""The opportunities `pad_opportunities` adds: one per lead without an opportunity (in a
scrambled but fixed order, so spread over every channel, segment and month), each a copy of a
generated one taken in turn (its owner, product, amount and outcome) placed on that lead as
the original is on its own: created as long after the lead, closed as long after creation; a
deal that would close after the data's end (`$end`) is still open."""


def pad_opportunities(con: store.Connection, n_opps: int) -> int:
    """Add plausible opportunities (`_PAD_OPPORTUNITIES_SQL`: on leads that have none, copies of
    generated deals, won, lost and open as those are) until there are `n_opps`, in one
    transaction through the model's write hook for opportunities (`opp_facts` rebuilt); returns
    how many opportunities there are. Stops early when no lead without an opportunity is
    left."""
    count_sql = "SELECT count(*) FROM opportunities"
    missing = n_opps - int(store.scalar(con, count_sql))
    if missing <= 0:
        return n_opps - missing
    end = store.scalar(con, "SELECT max(created_at) FROM leads")
    # how many deals are copied in turn, known up front: a join on `j % (SELECT count(*) ...)`
    # runs as a nested loop
    sources = store.scalar(
        con,
        "SELECT count(*) FROM opportunities o JOIN leads l ON l.lead_id = o.lead_id "
        "WHERE NOT contains(o.opp_id, '#') AND o.created_at IS NOT NULL "
        "AND l.created_at IS NOT NULL",
    )
    if not sources:
        return n_opps - missing
    columns = ", ".join(c.name for c in schema.OPPORTUNITIES)
    with store.transaction(con, changes_data={"opportunities"}):
        con.execute(
            f"INSERT INTO opportunities ({columns}) {_PAD_OPPORTUNITIES_SQL}",
            {"end": end, "missing": missing, "sources": sources},
        )
    return int(store.scalar(con, count_sql))


def pandas_response(
    leads: Any, activities: Any, start: datetime, end: datetime, now: datetime
) -> Any:
    """Response within 4 business hours (Monday-Friday 09:00-17:00 UTC) and attempts within 14
    days per MQL of the period, the way a notebook would: merge, filter, first touch per lead,
    then business hours per row with a Python function (pandas baseline)."""
    import pandas as pd

    def business_hours(begin: Any, finish: Any) -> float:
        total, day = 0.0, begin.normalize()
        while day <= finish:
            if day.weekday() < 5:
                opens, closes = day + pd.Timedelta(hours=9), day + pd.Timedelta(hours=17)
                overlap = (min(closes, finish) - max(opens, begin)).total_seconds()
                total += max(overlap, 0.0)
            day += pd.Timedelta(days=1)
        return total / 3600

    cohort = leads[(leads["mql_at"] >= start) & (leads["mql_at"] < end)][["lead_id", "mql_at"]]
    touches = activities[activities["direction"] != "inbound"].merge(cohort, on="lead_id")
    touches = touches[touches["occurred_at"] >= touches["mql_at"]]
    first = touches.groupby("lead_id")["occurred_at"].min().rename("first_touch")
    window = touches[touches["occurred_at"] < touches["mql_at"] + pd.Timedelta(days=14)]
    attempts = window.groupby("lead_id").size().rename("attempts")
    judged = cohort.set_index("lead_id").join(first).join(attempts)
    judged["hours"] = [
        business_hours(row.mql_at, row.first_touch if pd.notna(row.first_touch) else now)
        for row in judged.itertuples()
    ]
    return (judged["hours"] <= 4).mean(), (judged["attempts"].fillna(0) >= 6).mean()


def bench_sla(
    con: store.Connection, tables: dict[str, pl.DataFrame], today: date, repeats: int
) -> list[Row]:
    """Time the SLA computations (response time and attempts, the scorecard against the
    previous month, a breakdown, a breach-list page, the monthly targets) and the response
    time's pandas baseline, at the activities `pad_activities` made."""
    from alignment.metrics import sla

    month = Period.containing("month", today).previous()
    assert month.start is not None and month.end is not None
    now = datetime.combine(today, datetime.min.time(), UTC)
    n_activities = int(store.scalar(con, "SELECT count(*) FROM activities"))
    leads_pd = tables["leads"].select("lead_id", "mql_at").to_pandas()
    activities_pd = store.query(
        con, "SELECT linked_lead_id AS lead_id, direction, occurred_at FROM activities"
    ).to_pandas()
    months = [month.first_day.replace(month=m) for m in range(1, month.first_day.month + 1)]
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            f"SLA response time + attempts {month.key}",
            lambda: sla.response_summary(con, month, now=now),
            lambda: pandas_response(leads_pd, activities_pd, month.start, month.end, now),
        ),
        (
            f"SLA scorecard {month.key} vs previous",
            lambda: sla.review(con, Selection(month), now=now),
            None,
        ),
        (
            f"SLA within SLA by owner {month.key}",
            lambda: sla.response_by(con, month, "owner", now=now),
            None,
        ),
        (
            f"SLA breaches {month.key}, first page",
            lambda: sla.breaches(con, month, "response_time", now=now),
            None,
        ),
        (
            f"SLA targets by month, {len(months)} months",
            lambda: sla.monthly(con, month, months, now=now),
            None,
        ),
    ]
    rows = []
    for name, function, baseline in cases:
        duck_ms = median_ms(function, repeats)
        base_ms = median_ms(baseline, 1) if baseline else None
        rows.append(
            Row(
                f"{name} ({n_activities / 1e6:.1f}M activities)",
                int(store.scalar(con, "SELECT count(*) FROM leads")),
                duck_ms,
                base_ms,
                f"< {KPI_BUDGET_MS:g} ms",
                duck_ms < KPI_BUDGET_MS,
            )
        )
    return rows


def bench_funnel(
    con: store.Connection, tables: dict[str, pl.DataFrame], today: date, repeats: int
) -> list[Row]:
    """Time each Funnel page computation in DuckDB and, where an analyst would write one, its
    pandas baseline."""
    from alignment.metrics import funnel, records

    month = Period.containing("month", today).previous()
    quarter = Period.containing("quarter", today).previous()
    n_leads = tables["leads"].height
    leads_pd = tables["leads"].select(*_PANDAS_STAGES, "channel").to_pandas()
    assert quarter.start is not None and quarter.end is not None
    q_start, q_end = quarter.start, quarter.end
    cell = funnel.Cell(quarter, stage="sql", dimension="channel", value="Paid Social")
    condition, params = funnel.cell_condition(cell)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            f"funnel cohort {quarter.key}",
            lambda: funnel.stage_funnel(con, quarter),
            lambda: pandas_cohort_funnel(leads_pd, q_start, q_end),
        ),
        (
            f"funnel cohort {quarter.key}, 90-day window",
            lambda: funnel.stage_funnel(con, quarter, window_days=90),
            lambda: pandas_cohort_funnel(leads_pd, q_start, q_end, window_days=90),
        ),
        (
            f"funnel flow {quarter.key}",
            lambda: funnel.stage_funnel(con, quarter, view="flow"),
            lambda: pandas_flow_funnel(leads_pd, q_start, q_end),
        ),
        (
            "funnel cohort all time",
            lambda: funnel.stage_funnel(con, ALL_TIME),
            None,
        ),
        (
            f"funnel steps by channel {quarter.key}",
            lambda: funnel.conversion_by_dimension(con, quarter, dimension="channel"),
            lambda: pandas_cohort_funnel(leads_pd, q_start, q_end, by="channel"),
        ),
        (
            f"funnel steps by employee band {quarter.key}",
            lambda: funnel.conversion_by_dimension(con, quarter, dimension="employee_band"),
            None,
        ),
        (
            "funnel step trend (12 cohort months)",
            lambda: funnel.step_trend(con, month, count=12),
            None,
        ),
        (
            f"time to convert MQL->SQL by channel {quarter.key}",
            lambda: funnel.time_to_convert(con, quarter, by="channel"),
            lambda: pandas_time_to_convert(leads_pd, q_start, q_end, "channel"),
        ),
        (
            f"time to convert histogram {quarter.key}",
            lambda: funnel.time_to_convert_histogram(con, quarter),
            None,
        ),
        (
            f"lead acceptance by segment {quarter.key}",
            lambda: funnel.lead_acceptance(con, quarter, by="segment"),
            None,
        ),
        (
            f"score bands + threshold what-if {quarter.key}",
            lambda: (
                funnel.score_bands(con, quarter),
                funnel.score_threshold_whatif(con, quarter, threshold=60),
            ),
            None,
        ),
        (
            f"funnel drill-down {quarter.key} (page 1 + count)",
            lambda: records.lead_page(con, condition, params),
            None,
        ),
    ]
    rows = []
    for name, duck, baseline in cases:
        duck_ms = median_ms(duck, repeats)
        base_ms = median_ms(baseline, repeats) if baseline else None
        rows.append(
            Row(name, n_leads, duck_ms, base_ms, f"< {KPI_BUDGET_MS:g} ms", duck_ms < KPI_BUDGET_MS)
        )
    return rows


# ---- the Channels and Attribution benchmark ----------------------------------------------
def _bench_rows(
    con: store.Connection,
    cases: Sequence[tuple[str, Callable[[], Any], Callable[[], Any] | None]],
    repeats: int,
    suffix: str = "",
) -> list[Row]:
    """One row per case: its median in DuckDB (budget: < 300 ms) and, when it has one, its
    pandas baseline's; the leads counted once for all rows."""
    n_leads = int(store.scalar(con, "SELECT count(*) FROM leads"))
    rows = []
    for name, duck, baseline in cases:
        duck_ms = median_ms(duck, repeats)
        base_ms = median_ms(baseline, repeats) if baseline else None
        rows.append(
            Row(
                name + suffix,
                n_leads,
                duck_ms,
                base_ms,
                f"< {KPI_BUDGET_MS:g} ms",
                duck_ms < KPI_BUDGET_MS,
            )
        )
    return rows


def _opportunities_pd(con: store.Connection) -> Any:
    """The opportunities as a notebook would load them: one row per opportunity (opp_id,
    lead_id, channel, product, outcome, created_at, closed_at, amount), a pandas frame."""
    return store.query(
        con,
        "SELECT opp_id, lead_id, channel, product, outcome, created_at, closed_at, amount "
        "FROM opp_facts",
    ).to_pandas()


def pandas_channel_table(
    opps: Any, start: datetime | None, end: datetime | None, view: str, by: str = "channel"
) -> Any:
    """Won, lost, open, win rate, mean and median deal size and won revenue per value of `by`,
    notebook style (pandas baseline of `channels.channel_table`'s outcome columns): the period
    view counts deals closed in the period, the cohort view those created in it."""
    import numpy as np

    when = opps["closed_at"] if view == "period" else opps["created_at"]
    chosen = opps if start is None else opps[(when >= start) & (when < end)]
    chosen = chosen.assign(amount=chosen["amount"].where(np.isfinite(chosen["amount"])))
    won = chosen[chosen["outcome"] == "won"]
    table = chosen.groupby(by)["outcome"].value_counts().unstack(fill_value=0)
    table = table.reindex(columns=["won", "lost", "open"], fill_value=0)
    table["win_rate"] = table["won"] / (table["won"] + table["lost"])
    deals = won.groupby(by)["amount"]
    return table.join(
        deals.agg(["mean", "median", "sum"]).rename(
            columns={"mean": "avg_deal_size", "median": "median_deal_size", "sum": "won_revenue"}
        )
    )


def _touchpoints_pd(con: store.Connection) -> Any:
    """The dated touchpoints as a notebook would load them: one row per touch (touchpoint_id,
    opp_id, lead_id (the linked lead), touched_at, channel), a pandas frame."""
    return store.query(
        con,
        "SELECT touchpoint_id, opp_id, linked_lead_id AS lead_id, touched_at, channel "
        "FROM touchpoint_facts WHERE touched_at IS NOT NULL",
    ).to_pandas()


def pandas_channel_credit(
    opps: Any, touches: Any, start: datetime | None, end: datetime | None
) -> Any:
    """Linear and first-touch credit per touch channel of the opportunities created in the
    period, notebook style (pandas baseline of `attribution.channel_credit`): a touch belongs
    to the opportunity it names, else to every opportunity of its lead; only touches at or
    before the creation count; linear splits the amount equally, first touch gives it all to
    the earliest touch."""
    import numpy as np
    import pandas as pd

    from alignment.metrics import attribution

    chosen = (
        opps if start is None else opps[(opps["created_at"] >= start) & (opps["created_at"] < end)]
    )
    chosen = chosen[["opp_id", "lead_id", "created_at", "amount"]].assign(
        amount=chosen["amount"].where(np.isfinite(chosen["amount"]), 0.0).fillna(0.0)
    )
    named = touches["opp_id"].isin(opps["opp_id"])
    touch_columns = ["touchpoint_id", "touched_at", "channel"]
    pairs = pd.concat(
        [
            touches[named][["opp_id", *touch_columns]].merge(chosen, on="opp_id"),
            touches[~named][["lead_id", *touch_columns]].merge(chosen, on="lead_id"),
        ]
    )
    pairs = pairs[pairs["created_at"].isna() | (pairs["touched_at"] <= pairs["created_at"])]
    channel = pairs["channel"].str.strip().replace("", None).fillna(attribution.NOT_SET)
    pairs = pairs.assign(channel=channel).sort_values(["opp_id", "touched_at", "touchpoint_id"])
    pairs["linear"] = pairs["amount"] / pairs.groupby("opp_id")["opp_id"].transform("size")
    first = pairs.drop_duplicates("opp_id")
    return pd.DataFrame(
        {
            "linear": pairs.groupby("channel")["linear"].sum(),
            "first_touch": first.groupby("channel")["amount"].sum(),
        }
    ).fillna(0.0)


def bench_channels(con: store.Connection, today: date, repeats: int) -> list[Row]:
    """Time the Channels computations (the channel table in the period and cohort views, by
    channel and by product, all time, the two-channel comparison, the sales cycle's rows with
    their Kaplan-Meier medians) and the table's pandas baseline (won, lost, win rate, deal
    size), at the opportunities `pad_opportunities` made."""
    from alignment import stats
    from alignment.metrics import channels

    month = Period.containing("month", today).previous()
    opps_pd = _opportunities_pd(con)
    top = channels.channel_table(con, month)["channel"].to_list()
    a, b = (top + ["(none)", "(none)"])[:2]
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            f"channel table {month.key}, period view",
            lambda: channels.channel_table(con, month),
            lambda: pandas_channel_table(opps_pd, month.start, month.end, "period"),
        ),
        (
            f"channel table {month.key}, cohort view",
            lambda: channels.channel_table(con, month, view="cohort"),
            lambda: pandas_channel_table(opps_pd, month.start, month.end, "cohort"),
        ),
        (
            f"channel table {month.key} by product",
            lambda: channels.channel_table(con, month, by="product"),
            lambda: pandas_channel_table(opps_pd, month.start, month.end, "period", "product"),
        ),
        (
            "channel table all time, cohort view",
            lambda: channels.channel_table(con, ALL_TIME, view="cohort"),
            lambda: pandas_channel_table(opps_pd, None, None, "cohort"),
        ),
        (
            f"channels compared {month.key} (two top channels)",
            lambda: channels.compare(con, month, a, b),
            None,
        ),
        (
            f"sales cycle rows + Kaplan-Meier by channel {month.key}",
            lambda: stats.kaplan_meier_medians(
                channels.sales_cycle_rows(con, month, "channel"), "k"
            ),
            None,
        ),
    ]
    return _bench_rows(con, cases, repeats, _sizes_note(con, "opportunities"))


def bench_attribution(con: store.Connection, today: date, repeats: int) -> list[Row]:
    """Time the Attribution computations (channel credit under all six models for the month,
    the quarter and all time, the ledger's first page, the reconciliation, campaign influence
    and influenced revenue) and the credit's pandas baseline (linear and first touch by
    channel), at the opportunities and touchpoints padded to DESIGN's sizes."""
    from alignment.metrics import attribution

    month = Period.containing("month", today).previous()
    quarter = Period.containing("quarter", today).previous()
    opps_pd = _opportunities_pd(con)
    touches_pd = _touchpoints_pd(con)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            f"attribution credit by channel {month.key}, 6 models",
            lambda: attribution.channel_credit(con, month),
            lambda: pandas_channel_credit(opps_pd, touches_pd, month.start, month.end),
        ),
        (
            f"attribution credit by channel {quarter.key}, 6 models",
            lambda: attribution.channel_credit(con, quarter),
            lambda: pandas_channel_credit(opps_pd, touches_pd, quarter.start, quarter.end),
        ),
        (
            "attribution credit by channel all time, 6 models",
            lambda: attribution.channel_credit(con, ALL_TIME),
            lambda: pandas_channel_credit(opps_pd, touches_pd, None, None),
        ),
        (
            f"attribution ledger {month.key}, first page",
            lambda: attribution.ledger(con, month, limit=ATTRIBUTION_LEDGER_ROWS),
            None,
        ),
        (
            f"attribution reconciliation {month.key}",
            lambda: attribution.reconciliation(con, month),
            None,
        ),
        (
            f"campaign influence {month.key}",
            lambda: attribution.campaign_influence(con, month),
            None,
        ),
        (
            f"influenced revenue {month.key}",
            lambda: attribution.influenced_revenue(con, month),
            None,
        ),
    ]
    return _bench_rows(con, cases, repeats, _sizes_note(con, "opportunities", "touchpoints"))


def _sizes_note(con: store.Connection, *tables: str) -> str:
    """' (300k opportunities, 2.0M touchpoints)': the sizes a row was timed at."""

    def size(n: int) -> str:
        return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k" if n >= 1e4 else f"{n:,}"

    counts = [
        f"{size(int(store.scalar(con, f'SELECT count(*) FROM {quote_identifier(t)}')))} {t}"
        for t in tables
    ]
    return f" ({', '.join(counts)})"


# ---- the Explore and SQL benchmark -------------------------------------------------------
EXPLORE_PAGE_SIZE = 50
"""Rows of the Explore page's records section (`PAGE_SIZE` of pages/explore.py)."""


def _lead_cohort_pd(con: store.Connection) -> Any:
    """The leads as a notebook would load them for the MQL cohort: one row per lead
    (reached_mql_at, channel), a pandas frame."""
    return store.query(con, "SELECT reached_mql_at, channel FROM lead_facts").to_pandas()


def pandas_mqls_by(leads: Any, start: datetime | None, end: datetime | None, by: str) -> Any:
    """MQLs per value of `by`, notebook style (pandas baseline of `explore.explore(..., "mqls",
    (by,))`): the leads whose MQL-cohort date falls in the period (all time: every dated one),
    counted per value, largest first. One row per value with an MQL."""
    dated = leads["reached_mql_at"]
    chosen = leads[dated.notna() if start is None else (dated >= start) & (dated < end)]
    return chosen.groupby(by).size().rename("mqls").sort_values(ascending=False)


def bench_explore(con: store.Connection, today: date, repeats: int) -> list[Row]:
    """Time the Explore computations (the page's default, MQLs by channel in the period the
    sidebar opens on, against its pandas baseline; MQL to SQL by channel and segment and win
    rate by owner and quarter all time; pipeline created by month in the latest complete
    quarter; MQLs by campaign and country all time) and the records behind a cell (the
    default's first row, and every MQL of all time: the longest list), one page each."""
    from alignment import periods
    from alignment.metrics import explore
    from alignment.screens import frame

    choices = frame.choices(con)
    month = periods.latest_complete("month", choices.earliest, choices.latest, today)
    quarter = periods.latest_complete("quarter", choices.earliest, choices.latest, today)
    selected, all_time = Selection(month), Selection(ALL_TIME)
    default = explore.explore(con, selected, "mqls", ("channel",))
    cell: explore.Cell = (("channel", default["channel"][0]),) if default.height else ()
    leads_pd = _lead_cohort_pd(con)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            f"explore MQLs by channel {month.key}",
            lambda: explore.explore(con, selected, "mqls", ("channel",)),
            lambda: pandas_mqls_by(leads_pd, month.start, month.end, "channel"),
        ),
        (
            "explore MQL to SQL by channel, segment, all time",
            lambda: explore.explore(con, all_time, "mql_to_sql", ("channel", "segment")),
            None,
        ),
        (
            "explore win rate by owner, quarter, all time",
            lambda: explore.explore(con, all_time, "win_rate", ("owner", "quarter")),
            None,
        ),
        (
            f"explore pipeline created by month {quarter.key}",
            lambda: explore.explore(con, Selection(quarter), "pipeline_created", ("month",)),
            None,
        ),
        (
            "explore MQLs by campaign, country, all time",
            lambda: explore.explore(con, all_time, "mqls", ("campaign", "country")),
            None,
        ),
        (
            f"explore records: MQLs {month.key}, first channel, page 1",
            lambda: explore.cell_records(
                con, selected, "mqls", cell, page=1, page_size=EXPLORE_PAGE_SIZE
            ),
            None,
        ),
        (
            "explore records: every MQL all time, page 1",
            lambda: explore.cell_records(
                con, all_time, "mqls", (), page=1, page_size=EXPLORE_PAGE_SIZE
            ),
            None,
        ),
    ]
    return _bench_rows(con, cases, repeats)


def bench_sql_console(database: Path, n_leads: int, repeats: int) -> list[Row]:
    """Time the SQL console on the database file: the first example query and the schema
    browser, each through the console's own read-only sandbox (opened and closed by every
    call, as a user's Run does, so that is timed too; budget < 300 ms). No connection of this
    process may hold the file read-write meanwhile (DuckDB refuses to attach it twice)."""
    from alignment.metrics import sql_console

    name, query = next(iter(sql_console.EXAMPLES.items()))
    cases = [
        (f"SQL console: {name.lower()}", lambda: sql_console.run(database, query)),
        ("SQL console: schema browser (sandbox)", lambda: sql_console.schema(database)),
    ]
    return [
        Row(label, n_leads, ms, None, f"< {KPI_BUDGET_MS:g} ms", ms < KPI_BUDGET_MS)
        for label, ms in ((label, median_ms(call, repeats)) for label, call in cases)
    ]


# ---- page totals: every call a page's default view makes --------------------------------
def page_cases(con: store.Connection, today: date) -> list[tuple[str, Callable[[], Any]]]:
    """(row name, what the page computes when it opens) for every page, on the period the
    sidebar opens on (the latest complete month) with no filters and the default comparison:
    each page's `screens.<page>.default_view`, the calls the page makes (tests/test_screens.py
    holds them equal), and the sidebar's choices, which every page shows and which are read
    once per data change."""
    from alignment import ingest, periods
    from alignment.metrics import registry
    from alignment.screens import (
        channels,
        explore,
        frame,
        funnel,
        overview,
        quality,
        rejections,
        settings,
        sla,
        sql,
    )

    choices = frame.choices(con)
    span = {"earliest": choices.earliest, "latest": choices.latest, "today": today}
    month = periods.latest_complete("month", choices.earliest, choices.latest, today)
    selected = Selection(month)
    return [
        ("sidebar: date range and filter values", lambda: frame.choices(con)),
        (
            f"page total: Overview {month.key}",
            lambda: overview.default_view(con, selected, **span),
        ),
        (
            f"page total: Funnel {month.key} (sections closed)",
            lambda: funnel.default_view(con, selected),
        ),
        (
            f"Funnel {month.key}, every section open too",
            lambda: funnel_open(con, selected, span),
        ),
        (
            f"page total: SLA {month.key} vs previous (sections closed)",
            lambda: sla.default_view(con, selected),
        ),
        (
            f"page total: Rejections {month.key} vs previous",
            lambda: rejections.default_view(con, selected, **span),
        ),
        (
            f"page total: Channels {month.key} (period view, by channel)",
            lambda: channels.default_view(con, selected, **span),
        ),
        (
            f"page total: Attribution {month.key}",
            lambda: attribution_page(con, selected),
        ),
        (
            f"page total: Explore {month.key} (MQLs by channel, records closed)",
            lambda: explore.table(
                con, selected.alone, explore.DEFAULT_METRIC, (explore.DEFAULT_DIMENSION,)
            ),
        ),
        ("page total: SQL (schema browser, no query run)", lambda: sql.schema_table(con)),
        ("page total: Data quality", lambda: quality.default_view(con)),
        ("page total: Settings (three maps)", lambda: settings.default_view(con)),
        ("page total: Import (history)", lambda: ingest.list_imports(con)),
        ("page total: Glossary (no database work)", registry.glossary),
    ]


def funnel_open(
    con: store.Connection, selection: Selection, span: dict[str, Any]
) -> dict[str, Any]:
    """The Funnel with every section open at its defaults: the default view, the leads behind
    the first bar after the cohort stage, the monthly trend, time from MQL to SQL by channel,
    lead acceptance by channel, lead scores and the what-if at the middle score."""
    from alignment.metrics import funnel as metrics_funnel
    from alignment.screens import funnel

    shown = funnel.default_view(con, selection)
    end, count = funnel.trend_window(selection.period, "month", **span)
    first = metrics_funnel.DEFAULT_FIRST_STAGE
    stage = metrics_funnel.stages_from(first)[1]
    cell = metrics_funnel.Cell(
        period=selection.period, filters=selection.filters, first_stage=first, stage=stage
    )
    scores = funnel.score(con, selection)
    _, low, high = scores["range"]
    return {
        **shown,
        "leads": funnel.lead_records(con, cell, 1, 50),
        "trend": funnel.trend(con, selection.at(end), count, "month", first, None),
        "time": funnel.time_to_convert(con, selection, "mql", "sql", "channel"),
        "acceptance": funnel.acceptance(con, selection, "channel"),
        "score": scores,
        "whatif": None if low is None else funnel.whatif(con, selection, (low + high) / 2),
    }


ATTRIBUTION_LEDGER_ROWS = 50
"""Rows of the Attribution page's ledger (`LEDGER_ROWS` of pages/attribution.py)."""


def attribution_page(con: store.Connection, selection: Selection) -> dict[str, Any]:
    """What the Attribution page computes when it opens (pages/attribution.py): every table of
    the page in one pass (`screens.attribution.attribution_view`); the ledger is computed when
    its section is opened."""
    from alignment.screens import attribution

    return {"view": attribution.attribution_view(con, selection)}


def bench_pages(con: store.Connection, today: date, repeats: int) -> list[Row]:
    """Time each page's default view, all of its calls together (budget: < 300 ms), and the
    sidebar's choices (shown on every page, read again only after the data changes)."""
    n_leads = int(store.scalar(con, "SELECT count(*) FROM leads"))
    rows = []
    for name, function in page_cases(con, today):
        duck_ms = median_ms(function, repeats)
        budget = f"< {KPI_BUDGET_MS:g} ms" if name.startswith("page total") else ""
        ok = None if not budget else duck_ms < KPI_BUDGET_MS
        rows.append(Row(name, n_leads, duck_ms, None, budget, ok))
    return rows


# ---- driver ------------------------------------------------------------------------------
def run(
    n_leads: int,
    *,
    repeats: int = 5,
    import_repeats: int = 3,
    workdir: Path | None = None,
    today: date | None = None,
    viewers: Sequence[int] = (),
) -> dict[str, Any]:
    """Run every benchmark at `n_leads`, then, for each number of `viewers`, the load driver
    against the app served on the benchmark's database; returns the report as plain data."""
    today = today or datetime.now(UTC).date()
    with tempfile.TemporaryDirectory(prefix="alignment-bench-") as tmp:
        work = workdir or Path(tmp)
        started = time.perf_counter()
        tables = demo.generate(n_leads, today=today)
        generate_s = time.perf_counter() - started
        rows = bench_import(tables["leads"], import_repeats, work)
        con = model.connect(work / "kpis.duckdb")
        demo.load_demo(con, n_leads, today=today, tables=tables)
        sizes = store.table_counts(con)
        rows.append(bench_model_refresh(con, n_leads, import_repeats))
        rows += bench_kpis(con, tables, today, repeats)
        rows += bench_rejections(con, tables, today, repeats)
        rows += bench_funnel(con, tables, today, repeats)
        rows += bench_quality(con, today, repeats)
        pad_activities(con, n_leads)
        pad_to_design_sizes(con, n_leads)
        sizes = store.table_counts(con)
        rows += bench_sla(con, tables, today, repeats)
        rows += bench_channels(con, today, repeats)
        rows += bench_attribution(con, today, repeats)
        rows += bench_explore(con, today, repeats)
        rows += bench_pages(con, today, repeats)
        con.close()
        rows += bench_sql_console(work / "kpis.duckdb", n_leads, repeats)
        del tables
        app_memory = app_peak_memory_mb(work / "kpis.duckdb", work / "leads_export.csv")
        viewer_summaries = load.run(viewers, database=work / "kpis.duckdb") if viewers else []
        uploads = [
            (n_leads, *upload_peak_memory_mb(work / "leads_export.csv")),
            (3 * n_leads, *upload_peak_memory_mb(tripled_export(work / "leads_export.csv"))),
        ]
    rows.append(
        Row(
            "peak memory (MB, app: import + Overview)",
            n_leads,
            app_memory,
            None,
            f"< {MEMORY_BUDGET_MB:g} MB",
            app_memory < MEMORY_BUDGET_MB,
        )
    )
    rows += [
        Row(
            "upload import: memory added (MB) vs file (MB)",
            rows_in_file,
            added,
            size,
            f"<= {UPLOAD_MEMORY_RATIO:g}x file",
            added <= UPLOAD_MEMORY_RATIO * size,
        )
        for rows_in_file, added, size in uploads
    ]
    rows.append(
        Row("peak memory (MB, harness incl. generator and pandas)", n_leads, peak_memory_mb())
    )
    return {
        "n_leads": n_leads,
        "table_rows": sizes,
        "generate_seconds": round(generate_s, 2),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
        "load": viewer_summaries,
    }


def pages_only(database: Path, repeats: int, viewers: Sequence[int] = ()) -> dict[str, Any]:
    """The page totals, the Explore and SQL console rows (and the load driver's runs) on an
    existing database, read-only: the quick loop while working on a page."""
    con = model.connect(database, read_only=True)
    try:
        sizes = store.table_counts(con)
        rows = bench_explore(con, clock.today(), repeats) + bench_pages(con, clock.today(), repeats)
    finally:
        con.close()
    rows += bench_sql_console(database, sizes.get("leads", 0), repeats)
    return _existing_database_report(
        sizes, rows, load=load.run(viewers, database=database) if viewers else []
    )


def _existing_database_report(
    sizes: dict[str, int], rows: list[Row], **extra: Any
) -> dict[str, Any]:
    """The report (as `run` returns it) of rows timed on an existing database of `sizes`
    (nothing generated), with the `extra` entries."""
    return {
        "n_leads": sizes.get("leads", 0),
        "table_rows": sizes,
        "generate_seconds": 0,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
        "load": [],
        **extra,
    }


def pad_to_design_sizes(con: store.Connection, n_leads: int) -> dict[str, int]:
    """Opportunities padded to `OPPORTUNITIES_PER_LEAD` and touchpoints to
    `TOUCHPOINTS_PER_LEAD` per lead (DESIGN section 8's 300k and 2 M at 1 M leads); returns
    how many of each there are."""
    return {
        "opportunities": pad_opportunities(con, round(OPPORTUNITIES_PER_LEAD * n_leads)),
        "touchpoints": pad_touchpoints(con, TOUCHPOINTS_PER_LEAD * n_leads),
    }


def channels_only(database: Path, repeats: int) -> dict[str, Any]:
    """On an existing database, which it writes to: opportunities and touchpoints padded to
    DESIGN's sizes (`pad_to_design_sizes`; nothing is added when they are there), then the
    Channels, Attribution, Explore and SQL console rows and every page total."""
    con = model.connect(database)
    try:
        started = time.perf_counter()
        pad_to_design_sizes(con, int(store.scalar(con, "SELECT count(*) FROM leads")))
        pad_s = time.perf_counter() - started
        sizes = store.table_counts(con)
        today = clock.today()
        rows = bench_channels(con, today, repeats) + bench_attribution(con, today, repeats)
        rows += bench_explore(con, today, repeats)
        rows += bench_pages(con, today, repeats)
    finally:
        con.close()
    rows += bench_sql_console(database, sizes.get("leads", 0), repeats)  # once closed: see there
    return _existing_database_report(sizes, rows, pad_seconds=round(pad_s, 2))


def format_report(report: dict[str, Any]) -> str:
    """The report as a text table."""
    lines = [
        f"Alignment benchmark: {report['n_leads']:,} leads "
        + ", ".join(f"{n:,} {t}" for t, n in report["table_rows"].items())
        + f" (generated in {report['generate_seconds']} s)",
        f"{'operation':<48} {'rows':>10} {'median ms':>10} {'baseline ms':>12} {'ratio':>7}"
        "  budget",
    ]
    for row in report["rows"]:
        base = f"{row['baseline_ms']:.1f}" if row["baseline_ms"] is not None else "–"
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "–"
        verdict = {True: "ok", False: "OVER", None: ""}[row["ok"]]
        lines.append(
            f"{row['operation']:<48} {row['rows']:>10,} {row['median_ms']:>10.1f} {base:>12} "
            f"{ratio:>7}  {row['budget']} {verdict}"
        )
    lines += [load.format_summary(summary) for summary in report.get("load", [])]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="alignment bench", description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    parser.add_argument(
        "--viewers",
        metavar="N[,N]",
        default="",
        help="then drive N viewers at once (the load driver, 60 s each) against the app served "
        "on the benchmark's database, e.g. --viewers 10,20",
    )
    parser.add_argument(
        "--pages",
        metavar="DB",
        help="only the page totals, Explore and SQL console rows (and --viewers), on an "
        "existing database, read-only",
    )
    parser.add_argument(
        "--channels",
        metavar="DB",
        help="only the Channels, Attribution, Explore and SQL console rows and the page totals, "
        "on an existing database, after padding its opportunities and touchpoints to DESIGN's "
        "sizes (writes)",
    )
    parser.add_argument("--probe-memory", nargs=2, metavar=("DB", "CSV"), help=argparse.SUPPRESS)
    parser.add_argument("--probe-upload", metavar="CSV", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe_upload:
        added, size = probe_upload(Path(args.probe_upload))
        print(f"{added:.1f} {size:.1f}")
        return 0
    if args.probe_memory:
        print(probe_memory(Path(args.probe_memory[0]), Path(args.probe_memory[1])))
        return 0
    viewers = [int(v) for v in args.viewers.split(",") if v.strip()]
    if args.channels:
        report = channels_only(Path(args.channels), args.repeats)
    elif args.pages:
        report = pages_only(Path(args.pages), args.repeats, viewers)
    else:
        report = run(args.leads, repeats=args.repeats, viewers=viewers)
    print(format_report(report))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"written to {path}")
    over = [r["operation"] for r in report["rows"] if r["ok"] is False]
    load_errors = [s for s in report["load"] if s["changes"]["errors"] or s["opens"]["errors"]]
    return 1 if over or load_errors else 0


if __name__ == "__main__":
    sys.exit(main())
