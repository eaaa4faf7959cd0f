"""The SLA contract: the marketing-sales commitments of DESIGN section 1 as plain values.

A `Contract` is one version of the written SLA: its five commitments (each with an owner, a
target and the threshold below which it is missed), who counts as high-intent, when the
response clock starts, which activities count as a touch, the attempt window, and the business
calendars response time is measured in. Versions take effect from a date, so a period is judged
by the terms in effect when it started (`contract_for`).

This module only holds the values and their defaults; reading and writing them (TOML files and
the database) lives in `model.sla_contract_io`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

Owner = Literal["marketing", "sales"]
ClockStart = Literal["mql", "created", "assigned"]
Status = Literal["met", "at risk", "missed"]

COMMITMENTS: tuple[str, ...] = (
    "mql_volume",
    "mql_to_sql",
    "response_time",
    "attempts",
    "documentation",
)
"""The five commitments, in the order the scorecard lists them."""

COMMITMENT_LABEL: dict[str, str] = {
    "mql_volume": "Marketing delivers qualified leads",
    "mql_to_sql": "Marketing ensures lead quality",
    "response_time": "Sales acts promptly",
    "attempts": "Sales works leads thoroughly",
    "documentation": "Sales closes the loop",
}

CLOCK_STARTS: dict[str, str] = {
    "mql": "when the lead became an MQL",
    "created": "when the lead was created",
    "assigned": "when the lead was assigned to its owner (falls back to MQL time when not mapped)",
}

WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Working-day names, Monday = 0 as in `date.weekday()`."""


@dataclass(frozen=True)
class Calendar:
    """A business calendar: when a region's sales team works.

    Open on `working_days` (Monday = 0) from `opens` to `closes` local time in `time_zone`,
    except the public holidays of `country` / `subdivision` (the `holidays` package) and the
    `closed_dates`. `always_open` makes it a 24/7 calendar (clock time: every day, all hours,
    no holidays). `regions` lists the lead regions that use it.
    """

    name: str
    time_zone: str = "UTC"
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    country: str | None = None
    subdivision: str | None = None
    closed_dates: tuple[date, ...] = ()
    regions: tuple[str, ...] = ()
    always_open: bool = False


@dataclass(frozen=True)
class Commitment:
    """One commitment: who owns it, the target, and where "at risk" turns into "missed".

    Met when the actual is at least `target`; at risk when it is at least `at_risk` (below the
    target); missed below `at_risk`. Units: MQLs per month for `mql_volume`, a share (0-1) for
    the others.
    """

    owner: Owner
    target: float
    at_risk: float

    def status(self, actual: float | None) -> Status | None:
        """met / at risk / missed for an actual value; None when there is no actual."""
        if actual is None:
            return None
        if actual >= self.target:
            return "met"
        return "at risk" if actual >= self.at_risk else "missed"


@dataclass(frozen=True)
class HighIntent:
    """Which leads are high-intent (the tighter response target): a lead is when its score is at
    least `score_at_least`, or its channel is one of `channels`, or its campaign one of
    `campaigns`, or (`use_flag`) its own `high_intent` column says so."""

    score_at_least: float | None = None
    channels: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    use_flag: bool = True


def default_calendars() -> tuple[Calendar, ...]:
    """One calendar, UTC, Monday to Friday 09:00-17:00, no public holidays."""
    return (Calendar("default"),)


@dataclass(frozen=True)
class Contract:
    """One version of the SLA contract, in effect from `effective_from` (inclusive)."""

    effective_from: date = date(2000, 1, 1)
    mql_volume: Commitment = Commitment("marketing", 150, 135)
    mql_to_sql: Commitment = Commitment("marketing", 0.25, 0.22)
    response_time: Commitment = Commitment("sales", 0.9, 0.8)
    attempts: Commitment = Commitment("sales", 0.9, 0.8)
    documentation: Commitment = Commitment("sales", 1.0, 0.95)
    response_hours: float = 4.0
    high_intent_response_hours: float = 1.0
    high_intent: HighIntent = field(default_factory=HighIntent)
    clock_start: ClockStart = "mql"
    touch_types: tuple[str, ...] = ("call", "email", "meeting", "linkedin")
    """Activity types that count as a touch (case-insensitive); empty: every type."""
    touch_directions: tuple[str, ...] = ("outbound", "two-way")
    """Directions that count (case-insensitive); an activity without a direction counts when
    `count_unknown_direction`."""
    count_unknown_direction: bool = True
    attempt_days: int = 14
    attempt_count: int = 6
    calendars: tuple[Calendar, ...] = field(default_factory=default_calendars)
    default_calendar: str = "default"
    """Calendar of leads whose region no calendar lists."""

    def commitment(self, key: str) -> Commitment:
        """The commitment called `key` (one of COMMITMENTS)."""
        if key not in COMMITMENTS:
            raise KeyError(key)
        return getattr(self, key)

    def calendar(self, name: str) -> Calendar:
        """The calendar called `name`."""
        for calendar in self.calendars:
            if calendar.name == name:
                return calendar
        raise KeyError(name)


def contract_for(versions: Sequence[Contract], day: date) -> Contract:
    """The version in effect on `day`: the latest with `effective_from` <= day; the earliest
    version when `day` is before all of them, the default contract when there are none."""
    ordered = sorted(versions, key=lambda c: c.effective_from)
    if not ordered:
        return Contract()
    in_effect = [c for c in ordered if c.effective_from <= day]
    return in_effect[-1] if in_effect else ordered[0]


def calendar_key(contract: Contract, name: str) -> str:
    """The key of one of a version's calendars in the business-calendar table
    (`<effective_from>/<name>`): versions may define calendars of the same name differently."""
    return f"{contract.effective_from.isoformat()}/{name}"


def calendar_keys(versions: Sequence[Contract]) -> dict[str, Calendar]:
    """Every calendar of every version (the default contract's when there are none), by key."""
    return {
        calendar_key(contract, calendar.name): calendar
        for contract in (versions or (Contract(),))
        for calendar in contract.calendars
    }
