"""The SLA in words and tables: the text of each scorecard tile (value, target, status, n,
change), the scorecard and breakdown tables of the page and the CLI, the target line of an
Overview tile, and the sentence that says where touches come from. Pure functions over the
frames of `metrics.sla`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from alignment.metrics import registry
from alignment.model.sla_contract import COMMITMENT_LABEL, Contract
from alignment.present import format
from alignment.stats import MIN_N

COMMITMENT_METRIC: dict[str, str] = {
    "mql_volume": "mql_volume",
    "mql_to_sql": "mql_to_sql",
    "response_time": "response_within_sla",
    "attempts": "attempt_compliance",
    "documentation": "sla_documentation",
}
"""The registry metric that defines each commitment's actual."""

STATUS_BADGE: dict[str, str] = {
    "met": ":green-badge[:material/check_circle: Met]",
    "at risk": ":orange-badge[:material/warning: At risk]",
    "missed": ":red-badge[:material/cancel: Missed]",
}
"""How each status reads on a page (Streamlit Markdown badges: colour and word, never colour
alone)."""

NO_STATUS = ":gray-badge[No data]"
NO_TARGET_BADGE = ":gray-badge[No target]"
FEW_BADGE = ":gray-badge[:material/help: Too few to tell]"
"""The status of a rate over fewer than `stats.MIN_N` records: its interval is too wide for a
verdict."""
MATURING_BADGE = ":gray-badge[:material/hourglass_top: Still maturing]"
"""The MQL -> SQL status while the period's cohort is still maturing: its conversion will still
rise, so a miss is not final."""

OWNER_LABEL: dict[str, str] = {"marketing": "Marketing", "sales": "Sales"}

NO_ACTIVITIES = (
    "No sales activities are imported, so response time and follow-up attempts cannot be "
    "measured. On the Import page, upload an activities export that has the activity date, its "
    "type (call, email, meeting, LinkedIn), its direction when there is one and the lead's id "
    "or e-mail: Outreach (Prospects > Activities export), Salesloft (Activities > Calls / Emails "
    "export) or a Salesforce Tasks and Events report (with Lead ID / Email). A HubSpot contacts "
    "export with **Date of first engagement** and **Number of times contacted** also works."
)
"""What the SLA page says when no touches can be found (names the exports and their columns)."""

LEAD_FIELDS_NOTE = (
    "No activities are imported, so touches come from the leads' own fields: response time "
    "runs to **Date of first engagement**, and attempts are the **Number of times contacted** "
    "(counted over the lead's whole life, not only the attempt window). Import an activities "
    "export for exact figures."
)


def _unit(row: dict[str, Any]) -> str:
    return "count" if row["unit"] == "count" else "rate"


def _plural(count: int, noun: str) -> str:
    """`1 decided MQL`, `2 decided MQLs` (the noun's last word takes the s)."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def target_text(row: dict[str, Any]) -> str:
    """`target 150 (at risk below 135)` / `target 25 % (at risk below 22 %)`; `no target` when
    there is none (MQL volume over all time)."""
    unit = _unit(row)
    if row["target"] is None:
        return "no target"
    return (
        f"target {format.value(unit, row['target'])} "  # type: ignore[arg-type]
        f"(at risk below {format.value(unit, row['at_risk'])})"  # type: ignore[arg-type]
    )


def status_badge(status: str | None) -> str:
    """The Markdown badge of a status."""
    return STATUS_BADGE.get(status or "", NO_STATUS)


@dataclass(frozen=True)
class SlaTile:
    """The text of one commitment's tile."""

    commitment: str
    label: str
    owner: str
    value: str
    delta: str | None
    badge: str
    caption: str
    help: str
    breaches: int | None = None
    """Leads breaching it (the breach list's length); None for the commitments measured in
    aggregate (MQL volume, MQL -> SQL)."""


def scorecard_tiles(
    card: pl.DataFrame,
    contract: Contract,
    summary: dict[str, Any] | None = None,
    *,
    maturing: bool = False,
) -> list[SlaTile]:
    """One tile per scorecard row: value, change against the comparison, status badge, a
    caption with the terms, target and n (`n = 48 decided MQLs`) and, with the period's
    response `summary`, how many leads breach it. While the cohort is `maturing`, MQL -> SQL
    is marked so instead of with its status (it will still rise)."""
    terms = {
        "mql_volume": "MQLs handed over",
        "mql_to_sql": "MQL → SQL (MQL cohort)",
        "response_time": (
            f"first touch within {format.hours(contract.response_hours)} "
            f"({format.hours(contract.high_intent_response_hours)} high-intent), business time"
        ),
        "attempts": (
            f"{contract.attempt_count} touches within {contract.attempt_days} days of MQL"
        ),
        "documentation": "rejected MQLs with a documented reason",
    }
    counted = {
        "mql_volume": "MQL",
        "mql_to_sql": "MQL",
        "response_time": "decided MQL",
        "attempts": "MQL",
        "documentation": "rejected MQL",
    }
    tiles = []
    for row in card.to_dicts():
        key = row["commitment"]
        unit = _unit(row)
        delta = None
        if row["comparison_actual"] is not None or row["comparison_status"] is not None:
            delta = format.delta(unit, row["actual"], row["comparison_actual"])  # type: ignore[arg-type]
        caption = f"{row['label']}: {terms[key]} · {target_text(row)}"
        few = key != "mql_volume" and row["n"] < MIN_N and row["actual"] is not None
        if key != "mql_volume":
            caption += f" · n = {_plural(row['n'], counted[key])}"
            if key == "attempts":
                caption += " past their window" if row["n"] != 1 else " past its window"
            if few and row.get("low") is not None:
                caption += f" · 95 % CI {format.rate_interval(row['low'], row['high'])}"
        if row["note"]:
            caption += f" · {row['note']}"
        badge = FEW_BADGE if few else status_badge(row["status"])
        if row["target"] is None:
            badge = NO_TARGET_BADGE
        if maturing and key == "mql_to_sql":
            badge = MATURING_BADGE
            caption += " · the cohort is still maturing: judge it when final"
        breaches = None
        if summary is not None and key == "response_time":
            breaches = int(summary["late"] + summary["open_breaches"])
        elif summary is not None and key == "attempts":
            breaches = int(summary["attempts_short"])
        elif key == "documentation" and not format.is_missing(row["actual"]):
            breaches = round(row["n"] * (1 - row["actual"]))
        tiles.append(
            SlaTile(
                commitment=key,
                label=registry.metric(COMMITMENT_METRIC[key]).label,
                owner=OWNER_LABEL.get(row["owner"], row["owner"]),
                value=format.value(unit, row["actual"]),  # type: ignore[arg-type]
                delta=delta,
                badge=badge,
                caption=caption,
                help=registry.metric(COMMITMENT_METRIC[key]).definition,
                breaches=breaches,
            )
        )
    return tiles


def status_text(row: dict[str, Any]) -> str:
    """A scorecard row's status as written: met / at risk / missed, `not judged` when there is
    no status but a note says why (a rate implied by flags, a monthly target over all time),
    else `no data`."""
    return row["status"] or ("not judged" if row["note"] else "no data")


def overview_target(card: pl.DataFrame, kpi: str, *, maturing: bool = False) -> str | None:
    """The target line of an Overview KPI tile that has a commitment (`mqls`, `mql_to_sql`):
    `Target 150 · Met` (`· still maturing` for MQL -> SQL while the cohort matures); None for
    other KPIs or without a scorecard row."""
    commitment = {"mqls": "mql_volume", "mql_to_sql": "mql_to_sql"}.get(kpi)
    if commitment is None:
        return None
    rows = card.filter(pl.col("commitment") == commitment).to_dicts()
    if not rows:
        return None
    row = rows[0]
    status = status_text(row).capitalize()
    if maturing and kpi == "mql_to_sql":
        status = "Still maturing"
    if row["target"] is None:
        return None
    note = f" ({row['note']})" if row["note"] else ""
    return f"Target {format.value(_unit(row), row['target'])} · {status}{note}"  # type: ignore[arg-type]


def display_scorecard(card: pl.DataFrame) -> pl.DataFrame:
    """The scorecard as people read it: one row per commitment with Commitment, Side (the team
    that owns it: Sales or Marketing, never a person, so never masked), Target,
    Actual, n, Status, Previous (the comparison's actual) and Note, all text."""
    rows = []
    for row in card.to_dicts():
        unit = _unit(row)
        rows.append(
            {
                "Commitment": row["label"],
                "Side": OWNER_LABEL.get(row["owner"], row["owner"]),
                "Target": format.value(unit, row["target"]),  # type: ignore[arg-type]
                "Actual": format.value(unit, row["actual"]),  # type: ignore[arg-type]
                "n": format.count(row["n"]),
                "Status": status_text(row),
                "Previous": format.value(unit, row["comparison_actual"]),  # type: ignore[arg-type]
                "Note": row["note"] or "",
            }
        )
    return pl.DataFrame(rows, schema={c: pl.String for c in rows[0]} if rows else None)


def display_breakdown(frame: pl.DataFrame, by: str, label: str) -> pl.DataFrame:
    """Within-SLA and attempt shares per group as text: the group, MQLs, Within SLA (share of
    decided, with n and interval), Late, Open breaches, Pending, Median and p90 business hours,
    Attempts compliant (share of decided, with n)."""
    rows = []
    for row in frame.to_dicts():
        group = row[by]
        rows.append(
            {
                label: group.strftime("%d %b %Y") if hasattr(group, "strftime") else str(group),
                "MQLs": format.count(row["mqls"]),
                "Within SLA": format.rate(row["within_share"]),
                "n (decided)": format.count(row["within_n"]),
                "95 % CI": format.rate_interval(row["within_share_low"], row["within_share_high"]),
                "Late": format.count(row["late"]),
                "Open breaches": format.count(row["open_breaches"]),
                "Pending": format.count(row["pending"]),
                "Median": format.hours(row["median_hours"]),
                "p90": format.hours(row["p90_hours"]),
                "Attempts compliant": format.rate(row["attempt_compliance"]),
                "n (attempts)": format.count(row["attempt_n"]),
            }
        )
    columns = [
        label,
        "MQLs",
        "Within SLA",
        "n (decided)",
        "95 % CI",
        "Late",
        "Open breaches",
        "Pending",
        "Median",
        "p90",
        "Attempts compliant",
        "n (attempts)",
    ]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns})


def summary_sentence(summary: dict[str, Any], contract: Contract) -> str:
    """The response commitment in one sentence: `412 of 480 decided MQLs (86 %) were first
    touched within target; median 1.2 business hours, p90 9.5; 12 open breaches, 30 pending.`"""
    decided = int(summary["within_n"] or 0)
    if not summary["mqls"]:
        return "No MQLs in this period."
    if not decided:
        return f"None of the {summary['mqls']:,} MQLs has a decided response yet."
    return (
        f"{summary['within']:,} of {decided:,} decided MQLs "
        f"({format.rate(summary['within_share'])}) were first touched within target; median "
        f"{format.hours(summary['median_hours'])}, p90 {format.hours(summary['p90_hours'])} "
        f"in business time; {summary['open_breaches']:,} open breaches, "
        f"{summary['pending']:,} still within target and not touched yet."
    )


BREACH_WHAT: dict[str, str] = {
    "response_time": "response (first touched after the target, or not touched and past it)",
    "attempts": "follow-up attempts (fewer than K touches in the window, not resolved)",
    "documentation": "documentation (rejected without a documented reason)",
}


def breach_choice(commitment: str) -> str:
    """How the breach list's commitment picker names a commitment."""
    return f"{COMMITMENT_LABEL[commitment]}: {BREACH_WHAT[commitment]}"


def breach_caption(commitment: str, total: int, period_label: str) -> str:
    """`31 leads of March 2026 breached ...; open breaches first.`"""
    order = (
        "open breaches first, then by business hours"
        if commitment == "response_time"
        else "fewest attempts first"
        if commitment == "attempts"
        else "latest rejection first"
    )
    return f"{total:,} MQLs of {period_label} breached {BREACH_WHAT[commitment]}; {order}."
