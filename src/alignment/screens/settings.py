"""The Settings page: the SLA contract tab (its versions, which one is in effect, and the editor's
tables and form read back into a `Contract`) and, for each mapping table, its rows, how much of
the data it covers and the values in the data that no row covers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import polars as pl

from alignment import clock
from alignment.db.store import Connection
from alignment.model import maps
from alignment.model import sla_contract_io as io
from alignment.model.sla_contract import (
    COMMITMENT_LABEL,
    COMMITMENTS,
    Calendar,
    Commitment,
    Contract,
    HighIntent,
    contract_for,
)

# ---- the SLA contract tab ---------------------------------------------------------------------
UNIT_SHOWN: dict[str, str] = {
    "mql_volume": "MQLs per month",
    "mql_to_sql": "% of MQLs that become SQLs",
    "response_time": "% of MQLs touched within the response hours",
    "attempts": "% of MQLs given the attempts within the window",
    "documentation": "% of rejected MQLs with a documented reason",
}
"""The unit of each commitment's target and at-risk threshold as the editor shows them."""


def _percent_text(share: float) -> str:
    return f"{io.share_to_percent(share):g} %"


def _hours_text(hours: float) -> str:
    return f"{hours:g} h"


def contract_summary(contract: Contract) -> str:
    """The terms of one version in one line (what the versions table shows)."""
    c = contract
    calendars = len(c.calendars)
    return " · ".join(
        [
            f"{c.mql_volume.target:g} MQLs a month",
            f"MQL to SQL {_percent_text(c.mql_to_sql.target)}",
            f"{_percent_text(c.response_time.target)} touched within "
            f"{_hours_text(c.response_hours)} "
            f"(high-intent {_hours_text(c.high_intent_response_hours)})",
            f"{_percent_text(c.attempts.target)} given {c.attempt_count} touches in "
            f"{c.attempt_days} days",
            f"{_percent_text(c.documentation.target)} of rejections documented",
            f"clock from {c.clock_start}",
            f"{calendars} calendar{'s' if calendars != 1 else ''}",
        ]
    )


def contract_tab(con: Connection, today: date) -> dict[str, Any]:
    """The SLA contract tab: `versions` (every saved version, by effective date), `in_effect`
    (the version in effect on `today`, the default terms when none is saved), `saved` (whether
    any is) and `table` (one row per saved version: effective_from, status, summary)."""
    versions = io.load_versions(con)
    in_effect = contract_for(versions, today)
    rows = [
        {
            "effective_from": version.effective_from,
            "status": "in effect today"
            if version == in_effect
            else ("upcoming" if version.effective_from > today else "earlier"),
            "summary": contract_summary(version),
        }
        for version in versions
    ]
    table = pl.DataFrame(
        rows, schema={"effective_from": pl.Date, "status": pl.String, "summary": pl.String}
    )
    return {"versions": versions, "in_effect": in_effect, "saved": bool(versions), "table": table}


def commitments_table(contract: Contract) -> pl.DataFrame:
    """The commitments editor's rows, one per commitment in scorecard order: commitment (key),
    label, owner, target and at_risk in the unit shown (MQLs per month, or percent for the
    shares), unit."""
    rows = []
    for key in COMMITMENTS:
        commitment = contract.commitment(key)
        shown = (lambda v: float(v)) if key == "mql_volume" else io.share_to_percent
        rows.append(
            {
                "commitment": key,
                "label": COMMITMENT_LABEL[key],
                "owner": commitment.owner,
                "target": shown(commitment.target),
                "at_risk": shown(commitment.at_risk),
                "unit": UNIT_SHOWN[key],
            }
        )
    return pl.DataFrame(rows)


def calendars_table(contract: Contract) -> pl.DataFrame:
    """The calendars editor's rows, one per calendar: name, time_zone, working_days (text such
    as `Mon-Fri`), opens, closes, country, subdivision, closed_dates and regions (text, comma
    separated), always_open."""
    rows = [
        {
            "name": c.name,
            "time_zone": c.time_zone,
            "working_days": io.format_weekdays(c.working_days),
            "opens": c.opens,
            "closes": c.closes,
            "country": c.country,
            "subdivision": c.subdivision,
            "closed_dates": io.format_dates(c.closed_dates),
            "regions": ", ".join(c.regions),
            "always_open": c.always_open,
        }
        for c in contract.calendars
    ]
    schema = {
        "name": pl.String,
        "time_zone": pl.String,
        "working_days": pl.String,
        "opens": pl.Time,
        "closes": pl.Time,
        "country": pl.String,
        "subdivision": pl.String,
        "closed_dates": pl.String,
        "regions": pl.String,
        "always_open": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)


@dataclass(frozen=True)
class ContractForm:
    """The editor's single values, as the widgets return them (None: left empty)."""

    effective_from: date | None
    response_hours: float | None
    high_intent_response_hours: float | None
    score_at_least: float | None
    channels: str
    campaigns: str
    use_flag: bool
    clock_start: str
    touch_types: Sequence[str]
    touch_directions: Sequence[str]
    count_unknown_direction: bool
    attempt_days: int | None
    attempt_count: int | None
    default_calendar: str | None


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value).strip()


def _time_cell(value: Any, default: time) -> time:
    if _blank(value):
        return default
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{str(value).strip()!r} is not a time of day (write HH:MM)") from None


def _number_cell(value: Any) -> float | None:
    if _blank(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _calendar_from_row(row: Mapping[str, Any], label: str, problems: list[str]) -> Calendar:
    blank = Calendar("")

    def read(column: str, parse: Any, default: Any) -> Any:
        value = row.get(column)
        if _blank(value):
            return default
        try:
            return parse(value)
        except ValueError as error:
            problems.append(f"{label}, {column.replace('_', ' ')}: {error}")
            return default

    return Calendar(
        name=_text(row.get("name")) or "",
        time_zone=_text(row.get("time_zone")) or "",
        working_days=read("working_days", lambda v: io.parse_weekdays(str(v)), ()),
        opens=read("opens", lambda v: _time_cell(v, blank.opens), blank.opens),
        closes=read("closes", lambda v: _time_cell(v, blank.closes), blank.closes),
        country=_text(row.get("country")),
        subdivision=_text(row.get("subdivision")),
        closed_dates=read("closed_dates", lambda v: io.parse_dates(str(v)), ()),
        regions=io.parse_list(_text(row.get("regions")) or ""),
        always_open=bool(row.get("always_open") or False),
    )


def contract_from_form(
    form: ContractForm,
    commitments: Sequence[Mapping[str, Any]],
    calendars: Sequence[Mapping[str, Any]],
) -> Contract:
    """The contract the editor describes: the form's single values, the commitments editor's
    rows (targets in the unit shown: percent for shares) and the calendars editor's rows (rows
    left wholly empty are ignored). Raises `io.ContractError` listing every value that cannot be
    read (an empty target, a day or date that is not one); the rules themselves are checked
    when it is saved (`io.validate`)."""
    problems: list[str] = []
    base = Contract()
    read_commitments: dict[str, Commitment] = {}
    by_key = {row.get("commitment"): row for row in commitments}
    for key in COMMITMENTS:
        row = by_key.get(key, {})
        values: dict[str, float] = {}
        for column in ("target", "at_risk"):
            number = _number_cell(row.get(column))
            if number is None:
                problems.append(f"{key}: the {column.replace('_', ' ')} is empty")
                number = getattr(base.commitment(key), column)
            elif key != "mql_volume":
                number = io.percent_to_share(number)
            values[column] = number
        owner = _text(row.get("owner")) or base.commitment(key).owner
        read_commitments[key] = Commitment(owner, values["target"], values["at_risk"])  # type: ignore[arg-type]
    read_calendars: list[Calendar] = []
    for number, row in enumerate(calendars, start=1):
        if all(_blank(row.get(c)) or row.get(c) is False for c in io.CALENDAR_KEYS):
            continue  # a new row left blank
        name = _text(row.get("name"))
        label = f"calendar row {number}" + (f" ({name!r})" if name else "")
        read_calendars.append(_calendar_from_row(row, label, problems))
    singles = {
        "effective from": form.effective_from,
        "response hours": form.response_hours,
        "high-intent response hours": form.high_intent_response_hours,
        "attempt window days": form.attempt_days,
        "attempts": form.attempt_count,
    }
    problems.extend(f"the {name} is empty" for name, value in singles.items() if value is None)
    if problems:
        raise io.not_saved(problems)
    return Contract(
        effective_from=form.effective_from or base.effective_from,
        **read_commitments,
        response_hours=float(form.response_hours or 0),
        high_intent_response_hours=float(form.high_intent_response_hours or 0),
        high_intent=HighIntent(
            score_at_least=None if form.score_at_least is None else float(form.score_at_least),
            channels=io.parse_list(form.channels),
            campaigns=io.parse_list(form.campaigns),
            use_flag=form.use_flag,
        ),
        clock_start=form.clock_start,  # type: ignore[arg-type]
        touch_types=tuple(t.strip() for t in form.touch_types if t.strip()),
        touch_directions=tuple(d.strip() for d in form.touch_directions if d.strip()),
        count_unknown_direction=form.count_unknown_direction,
        attempt_days=int(form.attempt_days or 0),
        attempt_count=int(form.attempt_count or 0),
        calendars=tuple(read_calendars),
        default_calendar=form.default_calendar or "",
    )


# ---- the map tabs -----------------------------------------------------------------------------
def map_tab(con: Connection, name: str) -> dict[str, Any]:
    """One map's tab: `rows` (the stored rows, one per raw value), `coverage` (records with a
    raw value, how many the map covers, distinct and uncovered values) and `unmapped` (one row
    per raw value no row covers, with its count)."""
    return {
        "rows": maps.read_map(con, name),
        "coverage": maps.coverage(con, name),
        "unmapped": maps.unmapped_values(con, name),
    }


def default_view(con: Connection, today: date | None = None) -> dict[str, Any]:
    """Every tab (the page draws all tabs at once): the SLA contract's and every map's."""
    return {
        "contract": contract_tab(con, today or clock.today()),
        **{name: map_tab(con, name) for name in maps.MAP_NAMES},
    }
