"""Reading, checking and storing the SLA contract (`model.sla_contract`).

Owns three things:
- the TOML file of one version (`to_toml`, `from_toml`): a commented document users keep in
  version control and edit by hand; every problem in a file is reported with the file name, the
  line and the reason (`ContractError`), and unknown keys are refused so a typo never passes;
- the rules a contract must satisfy (`validate`), shared by the file, the Settings page and the
  database;
- the stored versions (`sla_contracts`, one row per version, its TOML text as the body):
  `load_versions`, `current`, `save_version`, `delete_version`.

Shares (every commitment but `mql_volume`) are 0-1 in `Contract` and percentages in the file
and on screen; the conversion goes through decimal text so a file round-trips exactly.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

import holidays

from alignment import clock
from alignment.db import store
from alignment.db.store import Connection
from alignment.model import business_time
from alignment.model.sla_contract import (
    CLOCK_STARTS,
    COMMITMENT_LABEL,
    COMMITMENTS,
    WEEKDAYS,
    Calendar,
    Commitment,
    Contract,
    HighIntent,
    calendar_keys,
    contract_for,
)

OWNERS: tuple[str, ...] = ("marketing", "sales")
SHARE_COMMITMENTS: tuple[str, ...] = tuple(k for k in COMMITMENTS if k != "mql_volume")
"""Commitments whose target is a share (0-1 in `Contract`, percent in the file and on screen)."""

Key = tuple[str | int, ...]
"""Where a value is written in the file: ("commitments", "mql_to_sql", "target"),
("calendars", 0, "closes"), ("response_hours",)."""


class ContractError(ValueError):
    """A contract that cannot be read or saved. `problems` holds one sentence per problem (from
    a file, each starts with the file name and line: `sla.toml, line 12: ...`)."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# ---- the rules --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One broken rule: the key it concerns (to find its line in a file) and the sentence."""

    key: Key
    message: str


def share_to_percent(share: float) -> float:
    """0.25 -> 25.0, through the shortest decimal text of the share (no 25.000000000000004)."""
    if not math.isfinite(share):
        return share * 100
    return float(Decimal(repr(float(share))) * 100)


def percent_to_share(percent: float | Decimal | int) -> float:
    """25 -> 0.25, through decimal text (the inverse of `share_to_percent` on every float)."""
    if isinstance(percent, float):
        if not math.isfinite(percent):
            return percent / 100
        percent = Decimal(repr(percent))
    return float(Decimal(percent) / 100)


def _shown(value: float, *, share: bool) -> str:
    """A number as a message quotes it: 150, 4.5, 25 % (shares as percentages)."""
    if share:
        return f"{_decimal_text(share_to_percent(value))} %"
    return _decimal_text(value)


@cache
def _known_time_zone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@cache
def _holiday_problem(country: str, subdivision: str | None) -> tuple[str, str] | None:
    """Why the `holidays` package cannot give this country / subdivision's public holidays, as
    (the key at fault, the reason); None when it can."""
    try:
        holidays.country_holidays(country)
    except NotImplementedError:
        return "country", (
            f"unknown holidays country {country!r} (use an ISO code such as US, DE or GB)"
        )
    if subdivision is None:
        return None
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        known = holidays.list_supported_countries().get(country, [])
        listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        return "subdivision", (
            f"{country} has no holidays subdivision {subdivision!r} (known: {listed or 'none'})"
        )
    return None


def _fold(text: str) -> str:
    """How names and regions are compared: ignoring case and surrounding spaces."""
    return " ".join(text.split()).casefold()


def _commitment_problems(key: str, commitment: Commitment) -> list[Problem]:
    share = key in SHARE_COMMITMENTS
    problems: list[Problem] = []
    if commitment.owner not in OWNERS:
        problems.append(
            Problem(
                ("commitments", key, "owner"),
                f"{key} owner must be marketing or sales (got {commitment.owner!r})",
            )
        )
    bad_number = False
    for name in ("target", "at_risk"):
        value = getattr(commitment, name)
        where = ("commitments", key, name)
        if not math.isfinite(value):
            problems.append(Problem(where, f"{key} {name} must be a number (got {value})"))
            bad_number = True
        elif share and not 0 <= value <= 1:
            problems.append(
                Problem(
                    where,
                    f"{key} {name} must be between 0 and 100 % (got {_shown(value, share=True)})",
                )
            )
            bad_number = True
        elif value < 0:
            problems.append(
                Problem(
                    where, f"{key} {name} must not be negative (got {_shown(value, share=False)})"
                )
            )
            bad_number = True
    if not bad_number and commitment.at_risk > commitment.target:
        problems.append(
            Problem(
                ("commitments", key, "at_risk"),
                f"{key} at_risk ({_shown(commitment.at_risk, share=share)}) must not be above "
                f"its target ({_shown(commitment.target, share=share)})",
            )
        )
    return problems


def _calendar_problems(calendars: Sequence[Calendar], default: str) -> list[Problem]:
    problems: list[Problem] = []
    if not calendars:
        problems.append(Problem(("calendars",), "there must be at least one calendar"))
    names: dict[str, int] = {}
    regions: dict[str, str] = {}
    for index, calendar in enumerate(calendars):

        def at(field: str, index: int = index) -> Key:
            return ("calendars", index, field)

        label = f"calendar {calendar.name!r}" if calendar.name else f"calendar {index + 1}"
        if not calendar.name.strip():
            problems.append(Problem(at("name"), f"calendar {index + 1} has no name"))
        elif _fold(calendar.name) in names:
            problems.append(
                Problem(at("name"), f"{label} is defined twice (calendar names must differ)")
            )
        else:
            names[_fold(calendar.name)] = index
        if not _known_time_zone(calendar.time_zone):
            problems.append(
                Problem(
                    at("time_zone"),
                    f"{label}: unknown time zone {calendar.time_zone!r} (use an IANA name such "
                    "as Europe/Berlin, America/New_York or UTC)",
                )
            )
        if any(day not in range(7) for day in calendar.working_days):
            problems.append(
                Problem(at("working_days"), f"{label}: working days must be Mon to Sun")
            )
        elif not calendar.always_open and not calendar.working_days:
            problems.append(Problem(at("working_days"), f"{label} has no working days"))
        if not calendar.always_open and calendar.closes <= calendar.opens:
            problems.append(
                Problem(
                    at("closes"),
                    f"{label} closes at {calendar.closes:%H:%M}, at or before it opens "
                    f"({calendar.opens:%H:%M}): closing before opening",
                )
            )
        if calendar.country is not None:
            fault = _holiday_problem(calendar.country, calendar.subdivision)
            if fault is not None:
                problems.append(Problem(at(fault[0]), f"{label}: {fault[1]}"))
        elif calendar.subdivision is not None:
            problems.append(
                Problem(
                    at("subdivision"),
                    f"{label}: subdivision {calendar.subdivision!r} needs a holidays country",
                )
            )
        for region in calendar.regions:
            if not region.strip():
                problems.append(Problem(at("regions"), f"{label} lists an empty region"))
                continue
            first = regions.setdefault(_fold(region), calendar.name)
            if first != calendar.name:
                problems.append(
                    Problem(
                        at("regions"),
                        f"region {region!r} is listed in two calendars ({first!r} and "
                        f"{calendar.name!r}): a region uses one calendar",
                    )
                )
    if calendars and default not in {c.name for c in calendars}:
        listed = ", ".join(repr(c.name) for c in calendars)
        problems.append(
            Problem(
                ("default_calendar",),
                f"default_calendar {default!r} is not one of the calendars ({listed})",
            )
        )
    return problems


def broken_rules(contract: Contract) -> list[Problem]:
    """Every rule `contract` breaks, with the key each concerns (see `validate`)."""
    found: list[Problem] = []
    for key in COMMITMENTS:
        found.extend(_commitment_problems(key, contract.commitment(key)))
    normal, tight = contract.response_hours, contract.high_intent_response_hours
    for name, hours in (("response_hours", normal), ("high_intent_response_hours", tight)):
        if not (math.isfinite(hours) and hours > 0):
            found.append(
                Problem((name,), f"{name} must be more than 0 (got {_decimal_text(hours)})")
            )
    if math.isfinite(normal) and math.isfinite(tight) and 0 < normal < tight:
        found.append(
            Problem(
                ("high_intent_response_hours",),
                f"high_intent_response_hours ({_decimal_text(tight)}) must not be more than "
                f"response_hours ({_decimal_text(normal)}): high-intent leads get the tighter "
                "target",
            )
        )
    score = contract.high_intent.score_at_least
    if score is not None and not math.isfinite(score):
        found.append(
            Problem(
                ("high_intent", "score_at_least"),
                f"high_intent score_at_least must be a number (got {score})",
            )
        )
    if contract.clock_start not in CLOCK_STARTS:
        found.append(
            Problem(
                ("clock_start",),
                f"clock_start must be one of {', '.join(CLOCK_STARTS)} "
                f"(got {contract.clock_start!r})",
            )
        )
    if contract.attempt_days < 1:
        found.append(
            Problem(
                ("attempt_days",),
                f"attempt_days must be at least 1 (got {contract.attempt_days}: a window of "
                f"{contract.attempt_days} days holds no attempt)",
            )
        )
    if contract.attempt_count < 1:
        found.append(
            Problem(
                ("attempt_count",),
                f"attempt_count must be at least 1 (got {contract.attempt_count})",
            )
        )
    found.extend(_calendar_problems(contract.calendars, contract.default_calendar))
    return found


def validate(contract: Contract) -> list[str]:
    """One readable sentence per rule `contract` breaks (empty: it is valid): targets and at-risk
    thresholds (not negative, shares within 0-100 %, at-risk not above the target, owner
    marketing or sales), response hours above 0 with high-intent hours at most the normal ones,
    a clock start of mql / created / assigned, an attempt window of at least 1 day and 1 attempt,
    and calendars (named, distinct, known IANA time zone and holidays country / subdivision,
    working days, closing after opening, each region in one calendar, the default among them)."""
    return [p.message for p in broken_rules(contract)]


# ---- weekdays and dates as text ---------------------------------------------------------------
_DAY_NUMBER = {name.casefold(): number for number, name in enumerate(WEEKDAYS)}


def _day(text: str) -> int:
    word = text.strip().casefold()[:3]
    if len(text.strip()) < 3 or word not in _DAY_NUMBER:
        raise ValueError(f"{text.strip()!r} is not a day (use {', '.join(WEEKDAYS)})")
    return _DAY_NUMBER[word]


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Working days written as text, `Mon-Fri`, `Mon, Tue, Thu` or `Sat-Mon` (a range may wrap
    past Sunday), case-insensitive, full names allowed -> day numbers (Monday = 0), sorted,
    each once. Raises ValueError naming the word that is not a day."""
    days: set[int] = set()
    for part in re.split(r"[,;/]|\s+and\s+", text):
        if not part.strip():
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first), _day(last)
            days.update((start + step) % 7 for step in range((end - start) % 7 + 1))
        else:
            days.update(_day(word) for word in part.split())
    return tuple(sorted(days))


def format_weekdays(days: Iterable[int]) -> str:
    """Day numbers -> `Mon-Fri`, `Mon, Tue, Thu` (runs of three or more days as a range)."""
    ordered = sorted(set(days))
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        names = [WEEKDAYS[d] if d in range(7) else str(d) for d in run]
        parts.extend([f"{names[0]}-{names[-1]}"] if len(run) >= 3 else names)
    return ", ".join(parts)


def parse_dates(text: str) -> tuple[date, ...]:
    """Dates written as text, `2026-12-24, 2026-12-31` (commas, semicolons or spaces between)
    -> dates, in the order written. Raises ValueError naming the one that is not a date."""
    found: list[date] = []
    for word in re.split(r"[,;\s]+", text):
        if not word:
            continue
        try:
            found.append(date.fromisoformat(word))
        except ValueError:
            raise ValueError(f"{word!r} is not a date (write YYYY-MM-DD)") from None
    return tuple(found)


def format_dates(days: Iterable[date]) -> str:
    """Dates -> `2026-12-24, 2026-12-31`."""
    return ", ".join(d.isoformat() for d in days)


def parse_list(text: str) -> tuple[str, ...]:
    """Values written as text separated by commas -> the values, stripped, empty ones left out."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


# ---- writing the file -------------------------------------------------------------------------
def _decimal_text(value: float | Decimal) -> str:
    """A number as TOML writes it, as short as reads back the same: 150, 0.25, 1e-20, inf."""
    number = float(value)
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    exact = value if isinstance(value, Decimal) else Decimal(repr(number))
    exact = exact.normalize()
    if exact == 0:
        return "0"
    if -7 <= exact.adjusted() <= 15:
        return format(exact, "f")
    return str(exact).lower()


def _percent(share: float) -> str:
    """A share as the percentage the file holds; `percent_to_share` reads back the same float."""
    if not math.isfinite(share):
        return _decimal_text(share * 100)
    return _decimal_text(Decimal(repr(float(share))) * 100)


def _string(text: str) -> str:
    """A TOML basic string (quotes, backslashes and control characters escaped)."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _time(value: time) -> str:
    return value.replace(tzinfo=None).isoformat()


COMMITMENT_UNIT: dict[str, str] = {
    "mql_volume": "MQLs per month",
    "mql_to_sql": "percent of MQLs that became SQLs (MQL to SQL conversion)",
    "response_time": "percent of MQLs first touched within response_hours business hours",
    "attempts": "percent of MQLs given attempt_count touches within attempt_days days",
    "documentation": "percent of rejected MQLs whose rejection reason is documented",
}
"""What each commitment's target measures, in the file's units."""


def to_toml(contract: Contract) -> str:
    """One version as a commented TOML document (the file users keep and edit by hand):
    comments explain each key and its unit; shares are written as percentages. `from_toml`
    reads it back to an equal contract."""
    c = contract
    lines = [
        "# Alignment SLA contract: one version of the written marketing-sales SLA.",
        "# Keep this file in version control and edit it by hand, then upload it on the Settings",
        "# page (tab SLA contract) to save it as a version. A key left out takes its default;",
        "# an unknown key is refused, so a typo never passes silently.",
        "",
        "# The date this version takes effect (inclusive, YYYY-MM-DD). A period is judged by the",
        "# version in effect when it started; a version with a later date takes over from then.",
        f"effective_from = {c.effective_from.isoformat()}",
        "",
        "# Response time target, in business hours (open hours of the lead's calendar, below),",
        "# from the clock start to the first qualifying sales touch.",
        f"response_hours = {_decimal_text(c.response_hours)}",
        "# The tighter target for high-intent leads (see [high_intent]): at most response_hours.",
        f"high_intent_response_hours = {_decimal_text(c.high_intent_response_hours)}",
        "",
        "# When the response clock starts:",
        *(f'#   "{key}"{" " * (9 - len(key))}{text}' for key, text in CLOCK_STARTS.items()),
        f"clock_start = {_string(c.clock_start)}",
        "",
        "# Which sales activities count as a touch (case-insensitive). touch_types: activity",
        "# types (an empty list counts every type); touch_directions: directions. An activity",
        "# with no direction counts when count_unknown_direction is true.",
        f"touch_types = {_strings(c.touch_types)}",
        f"touch_directions = {_strings(c.touch_directions)}",
        f"count_unknown_direction = {_bool(c.count_unknown_direction)}",
        "",
        "# Attempt window: a lead is worked thoroughly when it gets at least attempt_count",
        "# touches within attempt_days calendar days after it became an MQL (or is resolved",
        "# before the last of them was due).",
        f"attempt_days = {c.attempt_days}",
        f"attempt_count = {c.attempt_count}",
        "",
        "# The calendar of leads whose region no calendar lists (a name under [[calendars]]).",
        f"default_calendar = {_string(c.default_calendar)}",
        "",
        "# The five commitments. Each has an owner (marketing or sales), a target and an at_risk",
        "# threshold: met at or above the target, at risk from at_risk up to the target, missed",
        "# below at_risk.",
    ]
    for key in COMMITMENTS:
        commitment = c.commitment(key)
        value = _decimal_text if key == "mql_volume" else _percent
        lines += [
            "",
            f"[commitments.{key}]",
            f"# {COMMITMENT_LABEL[key]}: {COMMITMENT_UNIT[key]}.",
            f"owner = {_string(commitment.owner)}",
            f"target = {value(commitment.target)}",
            f"at_risk = {value(commitment.at_risk)}",
        ]
    hi = c.high_intent
    score = (
        f"score_at_least = {_decimal_text(hi.score_at_least)}"
        if hi.score_at_least is not None
        else "# score_at_least = 80    (no score threshold: remove the # to set one)"
    )
    lines += [
        "",
        "# High-intent leads get high_intent_response_hours: a lead is high-intent when its score",
        "# is at least score_at_least, or its channel is in channels, or its campaign in",
        "# campaigns, or (use_flag = true) its own high_intent column says so.",
        "[high_intent]",
        score,
        f"channels = {_strings(hi.channels)}",
        f"campaigns = {_strings(hi.campaigns)}",
        f"use_flag = {_bool(hi.use_flag)}",
        "",
        "# Business calendars: when each region's sales team works; response time counts only",
        "# their open hours. One [[calendars]] block per calendar:",
        "#   time_zone      an IANA name (Europe/Berlin, America/New_York, UTC)",
        '#   working_days   "Mon-Fri", or days one by one: "Mon, Tue, Thu"',
        "#   opens, closes  local opening hours (HH:MM:SS), closes after opens",
        '#   country        public holidays of this country (ISO code: "US", "DE", "GB"),',
        '#   subdivision    and of this state or region of it ("CA", "BY"); leave out for none',
        "#   closed_dates   more days the team is closed ([2026-12-24, 2026-12-31])",
        "#   regions        the lead regions that use this calendar",
        "#   always_open    true: a 24/7 calendar (clock time, every day, no holidays)",
    ]
    for calendar in c.calendars:
        lines += [
            "",
            "[[calendars]]",
            f"name = {_string(calendar.name)}",
            f"time_zone = {_string(calendar.time_zone)}",
            f"working_days = {_string(format_weekdays(calendar.working_days))}",
            f"opens = {_time(calendar.opens)}",
            f"closes = {_time(calendar.closes)}",
        ]
        if calendar.country is not None:
            lines.append(f"country = {_string(calendar.country)}")
        if calendar.subdivision is not None:
            lines.append(f"subdivision = {_string(calendar.subdivision)}")
        lines += [
            f"closed_dates = [{', '.join(d.isoformat() for d in calendar.closed_dates)}]",
            f"regions = {_strings(calendar.regions)}",
            f"always_open = {_bool(calendar.always_open)}",
        ]
    return "\n".join(lines) + "\n"


# ---- reading the file -------------------------------------------------------------------------
_BARE_OR_QUOTED = r"(?:[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_DOTTED = rf"{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*"
_TABLE_LINE = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=")
_SYNTAX_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_BARE_OR_QUOTED, dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def key_lines(text: str) -> dict[Key, int]:
    """Where each key and table of a TOML document is written: its path (array-of-tables blocks
    numbered from 0, as in the parsed data) -> line number, counting from 1. Keys inside
    multi-line strings are not keys, and keys inside inline tables are not listed (their
    parent is)."""
    found: dict[Key, int] = {}
    table: Key = ()
    arrays: dict[Key, int] = {}
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:  # inside a multi-line string: nothing here is a key
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if header := _TABLE_LINE.match(line):
            path = _split_key(header.group(2))
            if header.group(1) == "[[":
                arrays[path] = arrays.get(path, -1) + 1
                table = (*path, arrays[path])
            else:
                table = path
            found.setdefault(table, number)
            continue
        if key := _KEY_LINE.match(line):
            found.setdefault((*table, *_split_key(key.group(1))), number)
            rest = line[key.end() :]
            for quotes in ('"""', "'''"):
                if rest.count(quotes) % 2 == 1:
                    in_string = quotes
    return found


def _line_of(lines: dict[Key, int], key: Key) -> int | None:
    """The line of `key`, or of the nearest table above it that is written (None: neither)."""
    for end in range(len(key), 0, -1):
        if key[:end] in lines:
            return lines[key[:end]]
    return None


def _name(key: Key) -> str:
    """How a message names a key: `response_hours`, `mql_to_sql target`, `calendar 2 closes`."""
    if key and key[0] == "commitments":
        return " ".join(str(k) for k in key[1:])
    if key and key[0] == "calendars" and len(key) > 1:
        return f"calendar {int(key[1]) + 1}" + (f" {key[2]}" if len(key) > 2 else "")
    if key and key[0] == "high_intent" and len(key) > 1:
        return f"high_intent {key[1]}"
    return ".".join(str(k) for k in key)


class _Reader:
    """Reads the parsed document into a `Contract`, collecting every problem with its line."""

    def __init__(self, text: str, file_name: str) -> None:
        self.file_name = file_name
        self.lines = key_lines(text)
        self._found: list[tuple[float, str]] = []

    def fail(self, key: Key, reason: str) -> None:
        line = _line_of(self.lines, key)
        where = f"{self.file_name}, line {line}" if line is not None else self.file_name
        self._found.append((line if line is not None else math.inf, f"{where}: {reason}"))

    @property
    def problems(self) -> list[str]:
        """The problems found so far, in the order of their lines (those with none last)."""
        return [message for _, message in sorted(self._found, key=lambda found: found[0])]

    def table(self, data: Any, key: Key, known: Sequence[str]) -> dict[str, Any]:
        """`data` as a table whose keys are all `known`; unknown keys are problems."""
        if not isinstance(data, dict):
            self.fail(key, f"{_name(key)} must be a table (got {_kind(data)})")
            return {}
        for name in data:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f": did you mean {close[0]!r}?" if close else ""
                where = f" in [{_name(key)}]" if key else ""
                allowed = ", ".join(known)
                self.fail((*key, name), f"unknown key {name!r}{where}{hint} (known: {allowed})")
        return {name: value for name, value in data.items() if name in known}

    def value(
        self, data: dict[str, Any], key: Key, read: Callable[[Any], Any], default: Any
    ) -> Any:
        name = key[-1]
        if name not in data:
            return default
        try:
            return read(data[name])
        except ValueError as error:
            # "must be ..." / "is not ..." continue the key's name; a reason of its own
            # ("'Fry' is not a day") follows a colon
            reason = str(error)
            joiner = " " if reason.startswith(("must ", "is ")) else ": "
            self.fail(key, f"{_name(key)}{joiner}{reason}")
            return default


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal | float):
        return f"the number {_decimal_text(value)}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, datetime):
        return f"the date and time {value.isoformat()}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, time):
        return f"the time {value.isoformat()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _read_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"must be a number (got {_kind(value)})")
    return float(value)


def _read_share(value: Any) -> float:
    _read_number(value)
    return percent_to_share(value)


def _read_whole(value: Any) -> int:
    number = _read_number(value)
    if not number.is_integer():
        raise ValueError(f"must be a whole number (got {_kind(value)})")
    return int(value)


def _read_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text in quotes (got {_kind(value)})")
    return value


def _read_flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false (got {_kind(value)})")
    return value


def _read_texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'must be a list of texts, e.g. ["a", "b"] (got {_kind(value)})')
    return tuple(value)


def _read_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"is not a date: it has a time of day ({value.isoformat()})")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"is not a date (write YYYY-MM-DD; got {_kind(value)})")


def _read_time(value: Any) -> time:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"is not a time of day (write HH:MM:SS; got {_kind(value)})")


def _read_dates(value: Any) -> tuple[date, ...]:
    if not isinstance(value, list):
        raise ValueError(f"must be a list of dates, e.g. [2026-12-24] (got {_kind(value)})")
    return tuple(_read_date(v) for v in value)


def _read_weekdays(value: Any) -> tuple[int, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ", ".join(value)
    if not isinstance(value, str):
        raise ValueError(f'must be days as text, e.g. "Mon-Fri" (got {_kind(value)})')
    return parse_weekdays(value)


_TOP_KEYS = (
    "effective_from",
    "response_hours",
    "high_intent_response_hours",
    "clock_start",
    "touch_types",
    "touch_directions",
    "count_unknown_direction",
    "attempt_days",
    "attempt_count",
    "default_calendar",
    "commitments",
    "high_intent",
    "calendars",
)
_COMMITMENT_KEYS = ("owner", "target", "at_risk")
_HIGH_INTENT_KEYS = ("score_at_least", "channels", "campaigns", "use_flag")
CALENDAR_KEYS: tuple[str, ...] = (
    "name",
    "time_zone",
    "working_days",
    "opens",
    "closes",
    "country",
    "subdivision",
    "closed_dates",
    "regions",
    "always_open",
)


def _read_calendar(reader: _Reader, data: Any, index: int) -> Calendar | None:
    key: Key = ("calendars", index)
    table = reader.table(data, key, CALENDAR_KEYS)
    if not table and not isinstance(data, dict):
        return None
    blank = Calendar("")
    name = reader.value(table, (*key, "name"), _read_text, "")
    country = reader.value(table, (*key, "country"), _read_text, None)
    subdivision = reader.value(table, (*key, "subdivision"), _read_text, None)
    return Calendar(
        name=name,
        time_zone=reader.value(table, (*key, "time_zone"), _read_text, blank.time_zone),
        working_days=reader.value(
            table, (*key, "working_days"), _read_weekdays, blank.working_days
        ),
        opens=reader.value(table, (*key, "opens"), _read_time, blank.opens),
        closes=reader.value(table, (*key, "closes"), _read_time, blank.closes),
        country=country,
        subdivision=subdivision,
        closed_dates=reader.value(table, (*key, "closed_dates"), _read_dates, ()),
        regions=reader.value(table, (*key, "regions"), _read_texts, ()),
        always_open=reader.value(table, (*key, "always_open"), _read_flag, False),
    )


def from_toml(text: str, *, file_name: str = "contract.toml") -> Contract:
    """Read one version from its TOML text (`to_toml`'s format; keys left out take the defaults
    of `Contract()`). Raises `ContractError` listing every problem as `<file>, line <n>:
    <reason>`: TOML syntax (tomllib's line), unknown keys, values of the wrong kind, and every
    rule of `validate` (at the line where the key is written)."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        place = _SYNTAX_PLACE.search(message)
        reason = _SYNTAX_PLACE.sub("", message).strip() or "invalid TOML"
        if place and place.group(1):
            where = f"{file_name}, line {place.group(1)}"
            reason = f"{reason} (column {place.group(2)}): this is not valid TOML"
        else:
            where = f"{file_name}, at the end"
            reason = f"{reason}: this is not valid TOML"
        raise ContractError(f"{where}: {reason[:1].lower()}{reason[1:]}") from None
    reader = _Reader(text, file_name)
    base = Contract()
    top = reader.table(data, (), _TOP_KEYS)

    def read(name: str, how: Callable[[Any], Any]) -> Any:
        return reader.value(top, (name,), how, getattr(base, name))

    commitments: dict[str, Commitment] = {}
    given = reader.table(top.get("commitments", {}), ("commitments",), COMMITMENTS)
    for key in COMMITMENTS:
        default = base.commitment(key)
        where: Key = ("commitments", key)
        table = reader.table(given.get(key, {}), where, _COMMITMENT_KEYS)
        number = _read_number if key == "mql_volume" else _read_share
        commitments[key] = Commitment(
            owner=reader.value(table, (*where, "owner"), _read_text, default.owner),
            target=reader.value(table, (*where, "target"), number, default.target),
            at_risk=reader.value(table, (*where, "at_risk"), number, default.at_risk),
        )
    hi_table = reader.table(top.get("high_intent", {}), ("high_intent",), _HIGH_INTENT_KEYS)
    hi_default = base.high_intent

    def hi(name: str, how: Callable[[Any], Any]) -> Any:
        return reader.value(hi_table, ("high_intent", name), how, getattr(hi_default, name))

    high_intent = HighIntent(
        score_at_least=hi("score_at_least", _read_number),
        channels=hi("channels", _read_texts),
        campaigns=hi("campaigns", _read_texts),
        use_flag=hi("use_flag", _read_flag),
    )
    calendars = base.calendars
    if "calendars" in top:
        if isinstance(top["calendars"], list):
            read_calendars = [
                _read_calendar(reader, entry, index) for index, entry in enumerate(top["calendars"])
            ]
            calendars = tuple(c for c in read_calendars if c is not None)
        else:
            reader.fail(
                ("calendars",),
                "calendars must be [[calendars]] blocks (got " + _kind(top["calendars"]) + ")",
            )
    contract = Contract(
        effective_from=read("effective_from", _read_date),
        **commitments,
        response_hours=read("response_hours", _read_number),
        high_intent_response_hours=read("high_intent_response_hours", _read_number),
        high_intent=high_intent,
        clock_start=read("clock_start", _read_text),
        touch_types=read("touch_types", _read_texts),
        touch_directions=read("touch_directions", _read_texts),
        count_unknown_direction=read("count_unknown_direction", _read_flag),
        attempt_days=read("attempt_days", _read_whole),
        attempt_count=read("attempt_count", _read_whole),
        calendars=calendars,
        default_calendar=read("default_calendar", _read_text),
    )
    if reader.problems:
        raise ContractError(reader.problems)
    for problem in broken_rules(contract):
        reader.fail(problem.key, problem.message)
    if reader.problems:
        raise ContractError(reader.problems)
    return contract


def from_toml_bytes(data: bytes, *, file_name: str = "contract.toml") -> Contract:
    """`from_toml` of a file's bytes (an upload): UTF-8, with or without a byte-order mark.
    Raises `ContractError` when it is not text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ContractError(
            f"{file_name}: this is not a text file in UTF-8 (byte {error.start + 1} cannot be "
            "read): save the contract as TOML text"
        ) from None
    return from_toml(text, file_name=file_name)


# ---- the stored versions ----------------------------------------------------------------------
def load_versions(con: Connection) -> tuple[Contract, ...]:
    """Every saved version (one per effective date), sorted by `effective_from`; empty when none
    is saved."""
    rows = con.execute(
        "SELECT effective_from, body FROM sla_contracts ORDER BY effective_from"
    ).fetchall()
    return tuple(
        from_toml(body, file_name=f"the saved version of {day.isoformat()}") for day, body in rows
    )


def current(con: Connection, day: date) -> Contract:
    """The version in effect on `day` (`contract_for`); the default contract when none is
    saved."""
    return contract_for(load_versions(con), day)


CALENDARS_FINGERPRINT_SETTING = "business_calendars_fingerprint"
"""Settings key of what the business-calendar table was built from."""


def refresh_business_calendars(con: Connection) -> None:
    """(Re)build the business-calendar tables (`model.business_time`) from the calendars of
    every stored version (the default contract's when none is stored) when they changed since
    they were built: tens of thousands of rows, rebuilt only when a contract changes."""
    calendars = calendar_keys(load_versions(con))
    fingerprint = hashlib.sha256(
        (repr(sorted(calendars.items())) + business_time.TABLES_VERSION).encode()
    ).hexdigest()[:16]
    if store.get_setting(con, CALENDARS_FINGERPRINT_SETTING) == fingerprint:
        return
    business_time.write_calendar_table(con, calendars)
    store.set_setting(con, CALENDARS_FINGERPRINT_SETTING, fingerprint)


def _after_contracts_changed(con: Connection) -> None:
    """Keep what is derived from the contracts in step, inside the transaction that saved or
    deleted a version: the business-calendar tables."""
    refresh_business_calendars(con)


def not_saved(problems: Sequence[str]) -> ContractError:
    """The error of a contract not saved for these problems (the first sentence says so)."""
    return ContractError([f"The SLA contract was not saved: {problems[0]}", *problems[1:]])


def require_valid(contract: Contract) -> None:
    """Raise `not_saved(validate(contract))` when the contract breaks a rule."""
    found = validate(contract)
    if found:
        raise not_saved(found)


def save_version(con: Connection, contract: Contract) -> str:
    """Validate and store one version (replacing the version with the same `effective_from`), in
    one transaction; returns a one-sentence confirmation. Raises `ContractError` listing every
    problem (`validate`) and stores nothing."""
    require_valid(contract)
    day = contract.effective_from
    with store.transaction(con, changes_data={"sla_contracts"}):
        replaced = bool(
            store.scalar(
                con, "SELECT count(*) FROM sla_contracts WHERE effective_from = $day", {"day": day}
            )
        )
        con.execute(
            "INSERT INTO sla_contracts (effective_from, body, saved_at) "
            "VALUES ($day, $body, $saved_at) "
            "ON CONFLICT (effective_from) DO UPDATE SET body = excluded.body, "
            "saved_at = excluded.saved_at",
            {"day": day, "body": to_toml(contract), "saved_at": clock.now()},
        )
        _after_contracts_changed(con)
    how = "replaces the terms saved for that date" if replaced else "is a new version"
    return f"SLA contract effective from {day.isoformat()} saved (it {how})."


def delete_version(con: Connection, effective_from: date) -> str:
    """Delete the version in effect from `effective_from` (one transaction); returns a
    one-sentence confirmation. Raises `ContractError` when there is no such version."""
    with store.transaction(con, changes_data={"sla_contracts"}):
        deleted = con.execute(
            "DELETE FROM sla_contracts WHERE effective_from = $day RETURNING effective_from",
            {"day": effective_from},
        ).fetchall()
        if not deleted:
            raise ContractError(
                f"There is no SLA contract version effective from {effective_from.isoformat()} "
                "to delete."
            )
        _after_contracts_changed(con)
        left = int(store.scalar(con, "SELECT count(*) FROM sla_contracts"))
    rest = (
        f"{left} version{'s' if left != 1 else ''} remain{'s' if left == 1 else ''}"
        if left
        else "no version is left, so the default terms apply"
    )
    return f"SLA contract version effective from {effective_from.isoformat()} deleted; {rest}."
