"""Command-line interface: `alignment import | kpis | funnel | rejections | sla | channels |
report | demo | bench | sql` (also `python -m alignment`).

Used by automation and by our own checks, so the spellings are stable. Every command exits 0 on
success and non-zero with a one-line reason on failure. The reports (`kpis`, `funnel`,
`rejections`, `sla`, `channels`, and `report`, which writes the review pack) open the database
read-only, so they run while the app has it open; `import` and `demo` need it to themselves and
say so when another program holds it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shlex
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from alignment import clock, model
from alignment.db import schema, store
from alignment.filters import DIMENSIONS, NO_FILTERS, Filters
from alignment.periods import Comparison, Period
from alignment.selection import Selection


class CliError(Exception):
    """A failure reported to the user as one line, with exit status 1."""


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _clean(value: Any) -> Any:
    """NaN -> None (also inside dicts and lists) so the JSON output is valid JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _frame_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dicts()]


def _print_json(payload: Any) -> None:
    print(json.dumps(payload, indent=2, default=_json_default))


def _print_table(frame: pl.DataFrame) -> None:
    with pl.Config(
        tbl_rows=200,
        tbl_cols=40,
        tbl_width_chars=200,
        fmt_str_lengths=40,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
    ):
        print(frame)


# ---- import -----------------------------------------------------------------------------
def _read_mapping(path: str) -> dict[str, str]:
    """The `--mapping` JSON object; CliError when it cannot be read, is not an object of
    strings, or names a field twice (JSON would keep only the last column silently)."""

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise CliError(
                f"{path}: the mapping names {', '.join(map(repr, repeated))} more than once; "
                "a field is filled from one column, so keep one of them."
            )
        return dict(pairs)

    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=no_repeats)
    except (OSError, json.JSONDecodeError) as exc:
        raise CliError(f"cannot read mapping file {path}: {exc}") from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise CliError(
            f'{path}: the mapping must be a JSON object {{"canonical_field": "source column", ...}}'
        )
    return mapping


def _refusal(file_name: str, columns: list[str], proposal: Any) -> str:
    """Why the CLI does not import a guess, what the file could be, and how to say which."""
    from alignment.ingest.mapping import CONFIDENT, candidates
    from alignment.present.importing import object_type_label

    name = shlex.quote(file_name)
    lines = [
        f"{file_name}: not sure what this file holds: the best guess is {proposal.label} "
        f"({object_type_label(proposal.object_type)}) at {proposal.confidence:.0%}, below "
        f"{CONFIDENT:.0%}; nothing was imported.",
        "  it could be (preset, what, records, confidence):",
    ]
    for preset, label, object_type, confidence in candidates(columns):
        lines.append(f"    {preset:<30} {label:<40} {object_type:<14} {confidence:.0%}")
    example = dict(list(proposal.mapping.items())[:3]) or {"external_id": columns[0]}
    lines += [
        "  say what it is, with one of:",
        f"    alignment import {name} --source PRESET            (a preset above, e.g. "
        f"--source {proposal.preset or 'generic_leads'})",
        f"    alignment import {name} --object {proposal.object_type} --source SYSTEM"
        "   (the record type and the system it came from, e.g. zoho)",
        f"    alignment import {name} --object {proposal.object_type} --mapping MAPPING.json"
        f"   (MAPPING.json: {json.dumps(example, ensure_ascii=False)}, ...)",
    ]
    return "\n".join(lines)


ImportPlan = tuple[Path, str | None, dict[str, str] | None, list[str]]
"""(file, record type, mapping, notes for the import's warnings) of one file to import."""


def _remembered(db: str | None, columns: list[str]) -> bool:
    """Whether a mapping was confirmed before for this header (read without writing)."""
    from alignment.ingest import saved_mapping

    path = store.database_path(db)
    if not path.exists():
        return False
    con = model.connect(path, read_only=True)
    try:
        return saved_mapping(con, columns) is not None
    except Exception:  # not an Alignment database yet: nothing is remembered
        return False
    finally:
        con.close()


def _plan_imports(args: argparse.Namespace, mapping: dict[str, str] | None) -> list[ImportPlan]:
    """Read every file's header and settle what it holds before anything is imported: a file
    whose record type is only guessed (below the confidence threshold, not remembered, not
    given) stops the command with the candidates and how to choose."""
    from alignment.ingest import IngestError, propose_mapping, sniff
    from alignment.ingest.mapping import normalise_mapping, object_type_for_mapping
    from alignment.ingest.presets import preset as preset_named

    source = None if args.source == "auto" else args.source
    chosen = preset_named(source)
    plans: list[ImportPlan] = []
    for file_name in args.files:
        path = Path(file_name)
        if not path.is_file():
            raise CliError(f"{file_name}: no such file")
        object_type = args.object or (chosen.object_type if chosen else None)
        if mapping is None and object_type is not None:
            plans.append((path, args.object, None, []))
            continue
        try:
            columns = sniff(path, path.name).columns
            if mapping is not None:
                object_type = object_type or object_type_for_mapping(columns, mapping)
                if object_type is None:
                    plans.append((path, None, mapping, []))
                else:
                    normalised, notes = normalise_mapping(object_type, mapping, path.name)
                    plans.append((path, object_type, normalised, notes))
                continue
            proposal = propose_mapping(columns, source_system=source)
        except IngestError as exc:
            raise CliError(str(exc)) from exc
        if proposal.needs_choice and not (source is None and _remembered(args.db, columns)):
            raise CliError(_refusal(file_name, columns, proposal))
        plans.append((path, None, None, []))
    return plans


def cmd_import(args: argparse.Namespace) -> int:
    from alignment.ingest import IngestError, import_file

    mapping = _read_mapping(args.mapping) if args.mapping else None
    plans = _plan_imports(args, mapping)
    con = model.connect(args.db)
    results = []
    try:
        for path, object_type, file_mapping, notes in plans:
            try:
                result = import_file(
                    con,
                    path,
                    path.name,
                    object_type=object_type,
                    source_system=None if args.source == "auto" else args.source,
                    mapping=file_mapping,
                    timezone=args.timezone,
                    date_order=args.date_order,
                )
            except IngestError as exc:
                raise CliError(str(exc)) from exc
            # the notes of a renamed derived field are the import's first warnings
            result.warnings = [*notes, *result.warnings]
            results.append(result)
    finally:
        con.close()
    if args.json:
        payload = [r.to_json() for r in results]
        _print_json(payload[0] if len(payload) == 1 else payload)
    else:
        for r in results:
            print(
                f"{r.file_name}: {r.status} as {r.source_system} {r.object_type} "
                f"(import #{r.import_id}): {r.rows_read:,} read, {r.rows_loaded:,} loaded "
                f"({r.rows_inserted:,} new, {r.rows_updated:,} updated), "
                f"{r.rows_rejected:,} rejected"
            )
            for warning in r.warnings:
                print(f"  warning: {warning}")
    return 0


# ---- reports ----------------------------------------------------------------------------
@contextlib.contextmanager
def _report_database(
    args: argparse.Namespace, comparison: Comparison = "none", filters: Filters = NO_FILTERS
) -> Iterator[tuple[Selection, store.Connection]]:
    """The selection a report command asks for (its `--period`; no comparison and no filters
    unless given) and the database opened read-only for it (closed afterwards)."""
    try:
        selection = Selection(Period.parse(args.period), comparison=comparison, filters=filters)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    db_path = store.database_path(args.db)
    if not db_path.exists():
        raise CliError(f"{db_path}: no such database (import files or run `alignment demo`)")
    con = model.connect(db_path, read_only=True)
    try:
        yield selection, con
    finally:
        con.close()


def cmd_kpis(args: argparse.Namespace) -> int:
    from alignment.metrics.overview import kpis

    with _report_database(args) as (selection, con):
        frame = kpis(con, selection, by=args.by)
    period = selection.period
    if args.json:
        if args.by:
            _print_json({"period": period.key, "by": args.by, "rows": _frame_records(frame)})
        else:
            row = _frame_records(frame)[0] if frame.height else {}
            _print_json({"period": period.key, **row})
    else:
        print(f"KPIs for {period.label}" + (f" by {args.by}" if args.by else ""))
        _print_table(
            frame
            if args.by
            else frame.transpose(include_header=True, header_name="kpi", column_names=["value"])
        )
    return 0


def rejections_report(
    con: store.Connection,
    selection: Selection,
    *,
    by: str | None = None,
    kind: str = "leads",
    level: str = "standard",
) -> dict[str, Any]:
    """What the Rejections page shows for a period, as plain data (for `alignment
    rejections`): the Pareto (or with `by` the reason x dimension matrix), the documentation
    counts and the patterns."""
    from alignment.metrics import rejections
    from alignment.screens import rejections as screen

    options: dict[str, Any] = {"kind": kind, "level": level}
    pareto_frame = rejections.pareto(con, selection, **options)
    docs = rejections.documentation(pareto_frame)
    result: dict[str, Any] = {
        "period": selection.period.key,
        "kind": kind,
        "level": level,
        "total": docs.total,
        "undocumented": docs.undocumented,
        "undocumented_share": docs.undocumented_share,
        "documentation_rate": docs.documentation_rate,
        "documentation_target": rejections.DOCUMENTATION_TARGET,
    }
    if by is None:
        result["pareto"] = pareto_frame.drop("previous_n", "previous_share").to_dicts()
    else:
        result["by"] = by
        matrix = rejections.reason_matrix(con, selection, by, **options)
        result["matrix"] = matrix.to_dicts()
    result["patterns"] = screen.patterns(con, selection, kind, level).to_dicts()
    return result


def cmd_rejections(args: argparse.Namespace) -> int:
    from alignment.metrics import rejections
    from alignment.present import format

    kind = "opportunities" if args.lost else "leads"
    level = "raw" if args.raw else "standard"
    with _report_database(args) as (selection, con):
        result = rejections_report(con, selection, by=args.by, kind=kind, level=level)
    if args.json:
        _print_json(
            {
                k: [{n: _clean(v) for n, v in row.items()} for row in value]
                if isinstance(value, list)
                else _clean(value)
                for k, value in result.items()
            }
        )
        return 0
    noun = rejections.NOUNS[kind]
    heading = "Rejection reasons" if kind == "leads" else "Closed-lost reasons"
    print(
        f"{heading}, {selection.period.label}" + (f" by {args.by}" if args.by else "") + ": "
        f"{result['total']:,} {noun}, "
        f"{format.rate(result['documentation_rate'])} documented (target 100 %)"
    )
    rows = result["matrix"] if args.by else result["pareto"]
    if rows:
        _print_table(pl.DataFrame(rows).drop("undocumented", strict=False))
    print("Patterns:")
    for pattern in result["patterns"]:
        print(f"  - {pattern['sentence']}")
    if not result["patterns"]:
        print("  none: no reason stands out in any channel, segment or channel x segment")
    return 0


def cmd_funnel(args: argparse.Namespace) -> int:
    from alignment.metrics import funnel
    from alignment.present import format, funnel_tables, sentences
    from alignment.stats import MIN_N

    if args.window is not None and args.window <= 0:
        raise CliError(f"--window must be a positive number of days, got {args.window}")
    window = args.window if args.view == "cohort" else None
    options: dict[str, Any] = {
        "view": args.view,
        "first_stage": args.first_stage,
        "window_days": window,
    }
    with _report_database(args) as (selection, con):
        stages = funnel.stage_funnel(con, selection, **options)
        maturity = funnel.maturity(con, selection, first_stage=args.first_stage, window_days=window)
        rows = (
            funnel.conversion_by_dimension(con, selection, dimension=args.by, **options)
            if args.by
            else None
        )
        acceptance = funnel.lead_acceptance(con, selection)
        target = funnel.acceptance_target(con)
        time_to_sql = funnel.time_to_convert(con, selection, from_stage="mql", to_stage="sql")
    period = selection.period
    if args.json:
        _print_json(
            {
                "period": period.key,
                "view": args.view,
                "first_stage": args.first_stage,
                "window_days": window,
                "maturity": {k: _clean(v) for k, v in maturity.items()},
                "stages": _frame_records(stages),
                "by": args.by,
                "rows": _frame_records(rows) if rows is not None else None,
                "lead_acceptance": {**_frame_records(acceptance)[0], "target": target},
                "time_mql_to_sql": _frame_records(time_to_sql)[0],
            }
        )
        return 0
    first = funnel.STAGE_LABEL[args.first_stage]
    if args.view == "cohort":
        heading = f"Cohort conversion, {first}s of {period.label}"
        heading += f", within {window} days" if window else " (converted so far)"
    else:
        heading = f"Flow ratios, stage entries in {period.label} (not conversion rates)"
    print(heading)
    _print_table(stages)
    if maturity["maturing"]:
        print(
            f"still maturing: {maturity['age_days']:.0f} days old, final after "
            f"{maturity['threshold_days']:.0f} days ({maturity['basis']})"
        )
    if rows is not None:
        print(f"By {args.by} ({funnel_tables.TOO_FEW_TEXT}: n < {MIN_N} or a wide interval)")
        _print_table(rows)
    row = acceptance.row(0, named=True)
    print(
        f"Lead acceptance: {format.rate(row['acceptance_rate'])} "
        f"(target {format.rate(target)}); {sentences.acceptance(row)}"
    )
    ttc = time_to_sql.row(0, named=True)
    print(
        f"MQL to SQL: median {format.days(ttc['median_days'])}, p75 "
        f"{format.days(ttc['p75_days'])}, p90 {format.days(ttc['p90_days'])} "
        f"(n = {ttc['n']:,})"
    )
    return 0


def cmd_attribution(args: argparse.Namespace) -> int:
    from alignment.metrics import attribution
    from alignment.present import format

    models = [args.model] if args.model else list(attribution.MODELS)
    with _report_database(args) as (selection, con):
        channels = attribution.channel_credit(con, selection)
        totals = attribution.reconciliation(con, selection)
        influenced = attribution.influenced_revenue(con, selection)
    totals = totals.filter(pl.col("model").is_in(models))
    columns = ["channel", "touches", "opportunities", *models, *(f"rank_{m}" for m in models)]
    if args.model is None:
        columns.append("rank_spread")
    channels = channels.select(columns)
    if args.model is not None:  # one model: its ranking; all: linear order, as computed
        channels = channels.sort(args.model, "channel", descending=[True, False])
    if args.json:
        _print_json(
            {
                "period": selection.period.key,
                "models": models,
                "channels": _frame_records(channels),
                "reconciliation": _frame_records(totals),
                "influenced_revenue": _clean(influenced),
            }
        )
        return 0
    names = ", ".join(attribution.MODELS[m] for m in models)
    print(f"Channel credit, opportunities created in {selection.period.label} ({names})")
    _print_table(channels)
    for row in totals.iter_rows(named=True):
        print(
            f"{row['label']}: {format.currency(row['attributed'])} credited of "
            f"{format.currency(row['attributed_amount'])} attributable; "
            f"{format.currency(row['unattributed_amount'])} unattributed "
            f"({row['unattributed_opportunities']:,} opportunities without touches)"
        )
    print(
        f"Marketing-influenced revenue: {format.currency(influenced['influenced_revenue'])} of "
        f"{format.currency(influenced['won_amount'])} won "
        f"({influenced['influenced_deals']:,} of {influenced['won_deals']:,} won deals)"
    )
    return 0


# ---- demo -------------------------------------------------------------------------------
def sla_report(
    con: store.Connection,
    selection: Selection,
    *,
    by: str | None = None,
    contract: Any = None,
) -> dict[str, Any]:
    """What `alignment sla` prints: per commitment its owner, target, actual, n and status, the
    median and p90 response time in business hours, and with `by` one row per group."""
    from alignment.metrics import sla

    card, summary = sla.review(con, selection, contract=contract)
    terms = contract or sla.contract_for_period(con, selection.period, clock.today())
    result: dict[str, Any] = {
        "period": selection.period.key,
        "contract_effective_from": terms.effective_from.isoformat(),
        "touch_source": sla.touch_source(con),
        "commitments": {
            row["commitment"]: {
                "label": row["label"],
                "owner": row["owner"],
                "target": row["target"],
                "at_risk": row["at_risk"],
                "actual": row["actual"],
                "n": row["n"],
                "status": row["status"],
                "note": row["note"],
            }
            for row in card.to_dicts()
        },
        "response_hours": {
            "median": summary["median_hours"],
            "p90": summary["p90_hours"],
            "within": summary["within"],
            "late": summary["late"],
            "open_breaches": summary["open_breaches"],
            "pending": summary["pending"],
        },
    }
    if by:
        result["by"] = by
        result["rows"] = sla.response_by(con, selection, by, contract=contract).to_dicts()
    return result


def _contract_file(path: str | None) -> Any:
    """The contract in a TOML file (`--contract`), or None; a bad file is a CliError naming the
    line and the reason."""
    if path is None:
        return None
    from alignment.model import sla_contract_io

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from exc
    try:
        return sla_contract_io.from_toml(text, file_name=Path(path).name)
    except sla_contract_io.ContractError as exc:
        raise CliError(str(exc)) from exc


def cmd_sla(args: argparse.Namespace) -> int:
    from alignment.present import format, sla_tables

    contract = _contract_file(args.contract)
    with _report_database(args) as (selection, con):
        if contract is not None:
            _calendars_for(con, contract)
        result = sla_report(con, selection, by=args.by, contract=contract)
    if args.json:
        _print_json(_clean(result))
        return 0
    hours = result["response_hours"]
    print(
        f"SLA for {selection.period.label} (contract from "
        f"{result['contract_effective_from']}; touches from {result['touch_source']})"
    )
    card = pl.DataFrame(
        [
            {
                "commitment": key,
                "unit": "count" if key == "mql_volume" else "rate",
                "comparison_actual": None,
                **value,
            }
            for key, value in result["commitments"].items()
        ]
    )
    _print_table(sla_tables.display_scorecard(card).drop("Previous"))
    print(
        f"Response time (business hours): median {format.hours(hours['median'])}, "
        f"p90 {format.hours(hours['p90'])}; {hours['open_breaches']:,} open breaches, "
        f"{hours['pending']:,} pending"
    )
    if args.by:
        from alignment.metrics import sla

        frame = pl.DataFrame(result["rows"]) if result["rows"] else pl.DataFrame()
        if frame.height:
            _print_table(sla_tables.display_breakdown(frame, args.by, sla.BY_LABELS[args.by]))
    return 0


def cmd_channels(args: argparse.Namespace) -> int:
    from alignment.metrics import channels

    with _report_database(args) as (selection, con):
        frame = channels.channel_table(con, selection, view=args.view, by=args.by)
    period = selection.period
    if args.json:
        _print_json(
            {
                "period": period.key,
                "view": args.view,
                "by": args.by,
                "rows": _frame_records(frame),
            }
        )
    else:
        print(f"Channels for {period.label} ({args.view} view) by {args.by}")
        _print_table(frame)
    return 0


def _calendars_for(con: store.Connection, contract: Any) -> None:
    """Make the business calendars of a contract read from a file available to this read-only
    connection (temporary tables shadow the stored ones for this session)."""
    from alignment.model import business_time
    from alignment.model.sla_contract import calendar_keys

    business_time.write_calendar_table(con, calendar_keys((contract,)), temporary=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from alignment.devtools import demo

    con = model.connect(args.db)
    try:
        if demo.has_demo(con):
            demo.remove_demo(con)
        import_id = demo.load_demo(con, n_leads=args.leads)
        counts = store.table_counts(con)
    finally:
        con.close()
    summary = ", ".join(f"{n:,} {t}" for t, n in counts.items())
    print(f"demo data loaded (import #{import_id}) into {store.database_path(args.db)}: {summary}")
    return 0


# ---- bench ------------------------------------------------------------------------------
def cmd_bench(args: argparse.Namespace) -> int:
    from alignment.devtools import bench

    return bench.main(["--leads", str(args.leads)] + (["--json", args.json] if args.json else []))


# ---- report ---------------------------------------------------------------------------
COMPARE_CHOICES: dict[str, Comparison] = {
    "previous": "previous",
    "last-year": "last_year",
    "none": "none",
}
"""`alignment report --compare` spellings and the comparison each selects."""


def cmd_report(args: argparse.Namespace) -> int:
    from alignment.screens import pack

    filters = Filters(**{d: tuple(getattr(args, d) or ()) for d in DIMENSIONS})
    comparison = COMPARE_CHOICES[args.compare]
    with _report_database(args, comparison, filters) as (selection, con):
        content = pack.render(con, selection, args.format, masked=not args.unmasked)
    out = Path(args.out or pack.file_name(selection, args.format))
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise CliError(f"{out}: {exc.strerror or exc}") from exc
    masking = "not masked" if args.unmasked else "names and e-mails masked"
    print(f"review pack for {selection.period.label} written to {out} ({masking})")
    return 0


def _json_text(value: Any) -> Any:
    try:
        return _json_default(value)
    except TypeError:
        return str(value)


def cmd_sql(args: argparse.Namespace) -> int:
    """One console query on the database (read-only sandbox): its rows as a table or JSON;
    exit 2 with the reason when the query is refused, 1 when it fails or runs out of time."""
    from alignment.metrics import sql_console

    limit = sql_console.ROW_LIMIT if args.limit is None else args.limit
    seconds = sql_console.SECONDS if args.seconds is None else args.seconds
    if limit < 0 or seconds <= 0:
        raise CliError("--limit must be 0 or more and --seconds more than 0")
    db_path = store.database_path(args.db)
    if not db_path.exists():
        raise CliError(f"{db_path}: no such database (import files or run `alignment demo`)")
    try:
        result = sql_console.run(db_path, args.query, row_limit=limit, seconds=seconds)
    except sql_console.Refused as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 2
    if result.frame.width == 0:  # failed in DuckDB or stopped at the time limit
        raise CliError(result.message)
    if args.json:  # any type a query returns (decimals, intervals, blobs) as text
        payload = {
            "rows": _frame_records(result.frame),
            "truncated": result.truncated,
            "elapsed_seconds": round(result.elapsed, 3),
        }
        print(json.dumps(payload, indent=2, default=lambda v: _json_text(v)))
    else:
        _print_table(result.frame)
        print(result.message, file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alignment", description="Alignment: a shared view of the revenue funnel."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="import CSV / XLSX exports into the database")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", help="database file (default: $ALIGNMENT_DB or data/alignment.duckdb)")
    p.add_argument("--object", choices=schema.OBJECT_TYPES, help="what the file holds")
    p.add_argument(
        "--source",
        default="auto",
        help="auto, a source system (hubspot, ...) or a preset name (salesforce_leads, ...)",
    )
    p.add_argument(
        "--mapping",
        metavar="MAPPING.json",
        help='JSON object {"canonical_field": "source column", ...}',
    )
    p.add_argument("--timezone", default="UTC", help="time zone of naive timestamps")
    p.add_argument("--date-order", default="auto", choices=("auto", "dmy", "mdy", "ymd"))
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("kpis", help="print the KPIs for a period")
    p.add_argument("--db")
    p.add_argument("--period", default="all", help="2026-03, 2026-Q1, 2026-W09 or all")
    p.add_argument("--by", choices=DIMENSIONS, help="one row per value of a dimension")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser("rejections", help="print rejection (or lost) reasons and patterns")
    p.add_argument("--db")
    p.add_argument("--period", default="all", help="2026-03, 2026-Q1, 2026-W09 or all")
    p.add_argument("--by", choices=DIMENSIONS, help="reason x dimension instead of the Pareto")
    p.add_argument("--lost", action="store_true", help="opportunities' closed-lost reasons")
    p.add_argument("--raw", action="store_true", help="reasons as exported (no reason map)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rejections)

    p = sub.add_parser("funnel", help="print the stage funnel (cohort or flow) for a period")
    p.add_argument("--db")
    p.add_argument("--period", default="all", help="2026-03, 2026-Q1, 2026-W09 or all")
    p.add_argument(
        "--by",
        choices=(*DIMENSIONS, "campaign", "industry", "employee_band", "country"),
        help="conversion of each step by a dimension",
    )
    p.add_argument("--view", choices=("cohort", "flow"), default="cohort")
    p.add_argument("--window", type=int, metavar="DAYS", help="conversion window (cohort view)")
    p.add_argument(
        "--first-stage",
        default="mql",
        choices=("lead", "mql", "sal", "sql", "opportunity"),
        help="the cohort stage (default mql)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_funnel)

    p = sub.add_parser("attribution", help="print channel credit under the attribution models")
    p.add_argument("--db")
    p.add_argument("--period", default="all", help="2026-03, 2026-Q1, 2026-W09 or all")
    p.add_argument(
        "--model",
        choices=("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay"),
        help="show one model only (default: every model side by side)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_attribution)

    p = sub.add_parser("sla", help="print the SLA scorecard for a period")
    p.add_argument("--db")
    p.add_argument("--period", default="all", help="2026-03, 2026-Q1, 2026-W09 or all")
    p.add_argument(
        "--by",
        choices=("week", "team", "owner", "channel", "segment", "region", "tier"),
        help="also print response and attempts per group",
    )
    p.add_argument("--contract", metavar="FILE.toml", help="judge by this contract file instead")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sla)

    p = sub.add_parser("channels", help="print win rate, deal size and pipeline by channel")
    p.add_argument("--db")
    p.add_argument("--period", default="all", help="2026-03, 2026-Q1, 2026-W09 or all")
    p.add_argument(
        "--view",
        choices=("period", "cohort"),
        default="period",
        help="deals closed in the period (period) or created in it (cohort)",
    )
    p.add_argument(
        "--by", choices=(*DIMENSIONS, "product"), default="channel", help="one row per value"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_channels)

    p = sub.add_parser("demo", help="(re)load the demo dataset")
    p.add_argument("--db")
    p.add_argument("--leads", type=int, default=20_000)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("bench", help="run the benchmark harness")
    p.add_argument("--leads", type=int, default=1_000_000)
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("report", help="write the review pack (HTML or PowerPoint) for a period")
    p.add_argument("--db")
    p.add_argument("--period", required=True, help="2026-03, 2026-Q1, 2026-W09 or all")
    p.add_argument(
        "--compare",
        choices=tuple(COMPARE_CHOICES),
        default="previous",
        help="compare with the previous period (default), the same period last year, or none",
    )
    p.add_argument("--format", choices=("html", "pptx"), default="html")
    p.add_argument("--out", metavar="FILE", help="default: review-pack-<period>.<format>")
    for dimension in DIMENSIONS:
        p.add_argument(
            f"--{dimension}",
            action="append",
            metavar="VALUE",
            help=f"only this {dimension} (repeat for several)",
        )
    p.add_argument(
        "--unmasked", action="store_true", help="show owner names and e-mails (masked by default)"
    )
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("sql", help="run one read-only query in the SQL console's sandbox")
    p.add_argument("query", help="one SELECT, WITH, VALUES, DESCRIBE, SHOW or SUMMARIZE")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=None, help="rows at most (default 10,000)")
    p.add_argument("--seconds", type=float, default=None, help="time limit (default 10)")
    p.set_defaults(func=cmd_sql)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `alignment` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CliError, store.DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a one-line reason, never a traceback, for automation
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
