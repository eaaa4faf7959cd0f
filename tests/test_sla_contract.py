"""The SLA contract as a file and in the database (`model.sla_contract_io`): every validation
rule, the TOML round trip, bad files refused with their line and reason, and stored versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment import model
from alignment.db import store
from alignment.model import sla_contract_io as io
from alignment.model.sla_contract import (
    Calendar,
    Commitment,
    Contract,
    HighIntent,
    contract_for,
)
from alignment.model.sla_contract_io import ContractError, from_toml, to_toml, validate

DEFAULT = Contract()

RICH = Contract(
    effective_from=date(2026, 7, 1),
    mql_volume=Commitment("marketing", 212.5, 190),
    mql_to_sql=Commitment("marketing", 0.275, 0.2),
    response_time=Commitment("sales", 0.95, 0.9),
    attempts=Commitment("sales", 0.85, 0.07),
    documentation=Commitment("sales", 1.0, 1.0),
    response_hours=8,
    high_intent_response_hours=0.5,
    high_intent=HighIntent(
        score_at_least=80, channels=("Events", "Webinars"), campaigns=('Q3 "Launch"',)
    ),
    clock_start="assigned",
    touch_types=("call", "email", "LinkedIn InMail"),
    touch_directions=("outbound",),
    count_unknown_direction=False,
    attempt_days=10,
    attempt_count=5,
    calendars=(
        Calendar(
            "Berlin",
            time_zone="Europe/Berlin",
            working_days=(0, 1, 2, 3),
            opens=time(8, 30),
            closes=time(17, 45, 30),
            country="DE",
            subdivision="BY",
            closed_dates=(date(2026, 12, 24), date(2026, 12, 31)),
            regions=("DACH", "Central Europe"),
        ),
        Calendar(
            "New York",
            time_zone="America/New_York",
            country="US",
            regions=("NA",),
        ),
        Calendar("follow the sun", always_open=True, working_days=(), regions=("APAC",)),
    ),
    default_calendar="New York",
)


# ---- validation: one rule at a time -----------------------------------------------------------
def _calendar(contract: Contract, **changes: object) -> Contract:
    return replace(contract, calendars=(replace(contract.calendars[0], **changes),))


RULES = [
    pytest.param(
        replace(DEFAULT, mql_volume=Commitment("marketing", -5, -10)),
        [
            "mql_volume target must not be negative (got -5)",
            "mql_volume at_risk must not be negative (got -10)",
        ],
        id="negative target",
    ),
    pytest.param(
        replace(DEFAULT, mql_volume=Commitment("marketing", 100, 120)),
        ["mql_volume at_risk (120) must not be above its target (100)"],
        id="at risk above target",
    ),
    pytest.param(
        replace(DEFAULT, mql_to_sql=Commitment("marketing", 0.2, 0.3)),
        ["mql_to_sql at_risk (30 %) must not be above its target (20 %)"],
        id="at risk above target, share",
    ),
    pytest.param(
        replace(DEFAULT, response_time=Commitment("sales", 1.5, -0.1)),
        [
            "response_time target must be between 0 and 100 % (got 150 %)",
            "response_time at_risk must be between 0 and 100 % (got -10 %)",
        ],
        id="share outside 0-100",
    ),
    pytest.param(
        replace(DEFAULT, attempts=Commitment("support", 0.9, 0.8)),  # type: ignore[arg-type]
        ["attempts owner must be marketing or sales (got 'support')"],
        id="owner",
    ),
    pytest.param(
        replace(DEFAULT, response_hours=-4, high_intent_response_hours=0),
        [
            "response_hours must be more than 0 (got -4)",
            "high_intent_response_hours must be more than 0 (got 0)",
        ],
        id="response hours",
    ),
    pytest.param(
        replace(DEFAULT, response_hours=2, high_intent_response_hours=3),
        [
            "high_intent_response_hours (3) must not be more than response_hours (2): "
            "high-intent leads get the tighter target"
        ],
        id="high-intent hours above normal",
    ),
    pytest.param(
        replace(DEFAULT, attempt_days=0),
        ["attempt_days must be at least 1 (got 0: a window of 0 days holds no attempt)"],
        id="window of 0 days",
    ),
    pytest.param(
        replace(DEFAULT, attempt_count=0),
        ["attempt_count must be at least 1 (got 0)"],
        id="attempt count",
    ),
    pytest.param(
        replace(DEFAULT, clock_start="first touch"),  # type: ignore[arg-type]
        ["clock_start must be one of mql, created, assigned (got 'first touch')"],
        id="clock start",
    ),
    pytest.param(
        _calendar(DEFAULT, opens=time(17), closes=time(9)),
        [
            "calendar 'default' closes at 09:00, at or before it opens (17:00): "
            "closing before opening"
        ],
        id="closing before opening",
    ),
    pytest.param(
        _calendar(DEFAULT, opens=time(9), closes=time(9)),
        [
            "calendar 'default' closes at 09:00, at or before it opens (09:00): "
            "closing before opening"
        ],
        id="closing when opening",
    ),
    pytest.param(
        _calendar(DEFAULT, time_zone="Europe/Atlantis"),
        [
            "calendar 'default': unknown time zone 'Europe/Atlantis' (use an IANA name such as "
            "Europe/Berlin, America/New_York or UTC)"
        ],
        id="unknown time zone",
    ),
    pytest.param(
        _calendar(DEFAULT, country="XX"),
        [
            "calendar 'default': unknown holidays country 'XX' (use an ISO code such as US, "
            "DE or GB)"
        ],
        id="unknown country",
    ),
    pytest.param(
        _calendar(DEFAULT, country="NL", subdivision="ZZ"),
        [
            "calendar 'default': NL has no holidays subdivision 'ZZ' (known: "
            + ", ".join(holidays.list_supported_countries()["NL"])  # Midden, Noord, Zuid
            + ")"
        ],
        id="unknown subdivision",
    ),
    pytest.param(
        _calendar(DEFAULT, subdivision="CA"),
        ["calendar 'default': subdivision 'CA' needs a holidays country"],
        id="subdivision without country",
    ),
    pytest.param(
        _calendar(DEFAULT, working_days=()),
        ["calendar 'default' has no working days"],
        id="no working days",
    ),
    pytest.param(
        replace(DEFAULT, calendars=(Calendar("default"), Calendar("Default"))),
        ["calendar 'Default' is defined twice (calendar names must differ)"],
        id="duplicate calendar names",
    ),
    pytest.param(
        replace(DEFAULT, default_calendar="London"),
        ["default_calendar 'London' is not one of the calendars ('default')"],
        id="default calendar missing",
    ),
    pytest.param(
        replace(
            DEFAULT,
            calendars=(Calendar("default", regions=("EMEA",)), Calendar("b", regions=("emea",))),
        ),
        [
            "region 'emea' is listed in two calendars ('default' and 'b'): a region uses one "
            "calendar"
        ],
        id="region in two calendars",
    ),
    pytest.param(
        replace(DEFAULT, calendars=()),
        ["there must be at least one calendar"],
        id="no calendars",
    ),
]


def test_the_default_and_the_rich_contract_are_valid() -> None:
    assert validate(DEFAULT) == []
    assert validate(RICH) == []


@pytest.mark.parametrize(("contract", "expected"), RULES)
def test_each_rule_is_reported_in_words(contract: Contract, expected: list[str]) -> None:
    assert validate(contract) == expected


def test_a_24_7_calendar_needs_no_working_days_or_hours() -> None:
    contract = _calendar(DEFAULT, always_open=True, working_days=(), opens=time(0), closes=time(0))
    assert validate(contract) == []


def test_a_known_subdivision_passes() -> None:
    # Bavaria (BY) is a German state in the holidays package
    assert validate(_calendar(DEFAULT, country="DE", subdivision="BY")) == []


# ---- TOML round trip --------------------------------------------------------------------------
def test_round_trip_of_the_default_and_a_rich_contract() -> None:
    assert from_toml(to_toml(DEFAULT)) == DEFAULT
    assert from_toml(to_toml(RICH)) == RICH


def test_the_file_writes_shares_as_percentages_and_explains_each_key() -> None:
    text = to_toml(RICH)
    assert "[commitments.mql_to_sql]\n" in text
    assert "target = 27.5\nat_risk = 20\n" in text  # 0.275 -> 27.5 %, 0.2 -> 20 %
    assert 'working_days = "Mon-Thu"' in text
    assert "closed_dates = [2026-12-24, 2026-12-31]" in text
    assert 'campaigns = ["Q3 \\"Launch\\""]' in text
    assert "# Sales acts promptly: percent of MQLs first touched" in text


def test_keys_left_out_take_the_defaults() -> None:
    result = from_toml("effective_from = 2026-03-01\n[commitments.mql_volume]\ntarget = 200\n")
    expected = replace(
        DEFAULT, effective_from=date(2026, 3, 1), mql_volume=Commitment("marketing", 200, 135)
    )
    assert result == expected


def _unique_texts(**kwargs: int) -> st.SearchStrategy[list[str]]:
    return st.lists(
        st.text(min_size=1).filter(str.strip),
        unique_by=lambda s: " ".join(s.split()).casefold(),
        **kwargs,
    )


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    """Valid contracts with any text, any finite numbers and any dates."""

    def commitment(share: bool) -> Commitment:
        number = st.floats(0, 1) if share else st.floats(0, 1e9)
        low, high = sorted([draw(number), draw(number)])
        return Commitment(draw(st.sampled_from(["marketing", "sales"])), high, low)

    normal = draw(st.floats(min_value=1e-6, max_value=1e6))
    names = draw(_unique_texts(min_size=1, max_size=3))
    regions = draw(_unique_texts(max_size=6))
    calendars = []
    for index, name in enumerate(names):
        opens, closes = sorted(draw(st.lists(st.times(), min_size=2, max_size=2, unique=True)))
        country, subdivision = draw(
            st.sampled_from([(None, None), ("US", None), ("US", "CA"), ("DE", "BY"), ("GB", "ENG")])
        )
        calendars.append(
            Calendar(
                name,
                time_zone=draw(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"])),
                working_days=tuple(
                    sorted(draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)))
                ),
                opens=opens,
                closes=closes,
                country=country,
                subdivision=subdivision,
                closed_dates=tuple(draw(st.lists(st.dates(), max_size=3))),
                regions=tuple(regions[index :: len(names)]),
                always_open=draw(st.booleans()),
            )
        )
    return Contract(
        effective_from=draw(st.dates()),
        mql_volume=commitment(False),
        mql_to_sql=commitment(True),
        response_time=commitment(True),
        attempts=commitment(True),
        documentation=commitment(True),
        response_hours=normal,
        high_intent_response_hours=draw(st.floats(min_value=1e-7, max_value=normal)),
        high_intent=HighIntent(
            score_at_least=draw(st.none() | st.floats(allow_nan=False, allow_infinity=False)),
            channels=tuple(draw(st.lists(st.text()))),
            campaigns=tuple(draw(st.lists(st.text()))),
            use_flag=draw(st.booleans()),
        ),
        clock_start=draw(st.sampled_from(["mql", "created", "assigned"])),
        touch_types=tuple(draw(st.lists(st.text()))),
        touch_directions=tuple(draw(st.lists(st.text()))),
        count_unknown_direction=draw(st.booleans()),
        attempt_days=draw(st.integers(1, 10_000)),
        attempt_count=draw(st.integers(1, 10_000)),
        calendars=tuple(calendars),
        default_calendar=draw(st.sampled_from(names)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contracts())
def test_round_trip_of_any_valid_contract(contract: Contract) -> None:
    assert validate(contract) == []
    assert from_toml(to_toml(contract)) == contract


def test_the_round_trip_property_can_fail() -> None:
    # the property compares every field: a contract that differs in one share is not equal
    text = to_toml(RICH).replace("target = 27.5", "target = 27.4")
    assert from_toml(text) != RICH


@given(st.integers(0, 10**6))
def test_percent_conversion_is_exact_for_percentages_as_typed(tenthousandths: int) -> None:
    # a percentage typed with up to 4 decimals (27.5, 33.3333) is the share written with two
    # more (0.275, 0.333333), and back: no 27.500000000000004 on screen or in the file
    percent = Decimal(tenthousandths) / 10_000
    share = io.percent_to_share(float(percent))
    assert share == float(percent / 100)
    assert io.share_to_percent(share) == float(percent)


# ---- bad files: file name, line and reason ----------------------------------------------------
def _refused(text: str) -> list[str]:
    with pytest.raises(ContractError) as error:
        from_toml(text, file_name="sla.toml")
    return error.value.problems


GOOD_HEAD = "effective_from = 2026-01-01\nresponse_hours = 4\n"


def test_a_syntax_error_names_tomllibs_line() -> None:
    text = GOOD_HEAD + "attempt_days = \n"  # line 3: a key without a value
    assert _refused(text) == ["sla.toml, line 3: invalid value (column 16): this is not valid TOML"]


def test_an_unknown_key_is_refused_with_its_line_and_a_suggestion() -> None:
    text = GOOD_HEAD + "\n[commitments.response_time]\ntarget = 90\nat_rsk = 80\n"
    # line 1 effective_from, 2 response_hours, 3 blank, 4 the table, 5 target, 6 the typo
    assert _refused(text) == [
        "sla.toml, line 6: unknown key 'at_rsk' in [response_time]: did you mean 'at_risk'? "
        "(known: owner, target, at_risk)"
    ]


def test_an_unknown_top_level_key_is_refused() -> None:
    assert _refused(GOOD_HEAD + "respons_hours = 2\n") == [
        "sla.toml, line 3: unknown key 'respons_hours': did you mean 'response_hours'? (known: "
        "effective_from, response_hours, high_intent_response_hours, clock_start, touch_types, "
        "touch_directions, count_unknown_direction, attempt_days, attempt_count, "
        "default_calendar, commitments, high_intent, calendars)"
    ]


def test_a_negative_target_is_refused_at_its_line() -> None:
    text = GOOD_HEAD + "[commitments.mql_volume]\nowner = 'marketing'\ntarget = -150\n"
    # lines: 3 the table, 4 owner, 5 target; the default at_risk (135) is then above the target,
    # but that rule waits for a valid target
    assert _refused(text) == ["sla.toml, line 5: mql_volume target must not be negative (got -150)"]


def test_a_window_of_0_days_is_refused_at_its_line() -> None:
    assert _refused(GOOD_HEAD + "attempt_count = 6\nattempt_days = 0\n") == [
        "sla.toml, line 4: attempt_days must be at least 1 (got 0: a window of 0 days holds no "
        "attempt)"
    ]


def test_closing_before_opening_is_refused_at_its_line() -> None:
    text = (
        GOOD_HEAD
        + 'default_calendar = "London"\n'  # 3
        + "\n[[calendars]]\n"  # 4 blank, 5
        + 'name = "default"\n'  # 6
        + "\n[[calendars]]\n"  # 7 blank, 8: the second calendar
        + 'name = "London"\n'  # 9
        + 'time_zone = "Europe/London"\n'  # 10
        + "opens = 18:00:00\n"  # 11
        + "closes = 08:00:00\n"  # 12
    )
    assert _refused(text) == [
        "sla.toml, line 12: calendar 'London' closes at 08:00, at or before it opens (18:00): "
        "closing before opening"
    ]


def test_an_unknown_time_zone_is_refused_at_its_line() -> None:
    text = GOOD_HEAD + '[[calendars]]\nname = "default"\ntime_zone = "CET+1"\n'
    assert _refused(text) == [
        "sla.toml, line 5: calendar 'default': unknown time zone 'CET+1' (use an IANA name such "
        "as Europe/Berlin, America/New_York or UTC)"
    ]


def test_response_hours_below_zero_is_refused_at_its_line() -> None:
    text = "# a comment\neffective_from = 2026-01-01\nresponse_hours = -4\n"
    assert _refused(text) == ["sla.toml, line 3: response_hours must be more than 0 (got -4)"]


def test_effective_from_that_is_not_a_date() -> None:
    assert _refused("\n\neffective_from = 'first of May'\n") == [
        "sla.toml, line 3: effective_from is not a date (write YYYY-MM-DD; got the text "
        "'first of May')"
    ]
    assert _refused("effective_from = 2026-05-01T09:00:00\n") == [
        "sla.toml, line 1: effective_from is not a date: it has a time of day (2026-05-01T09:00:00)"
    ]


def test_values_of_the_wrong_kind_are_refused_each_at_its_line() -> None:
    text = (
        "attempt_days = 14.5\n"  # 1
        "count_unknown_direction = 'yes'\n"  # 2
        "[high_intent]\n"  # 3
        "channels = 'Events'\n"  # 4
        "[[calendars]]\n"  # 5
        'name = "default"\n'  # 6
        'working_days = "Mon-Fry"\n'  # 7
    )
    assert _refused(text) == [
        "sla.toml, line 1: attempt_days must be a whole number (got the number 14.5)",
        "sla.toml, line 2: count_unknown_direction must be true or false (got the text 'yes')",
        'sla.toml, line 4: high_intent channels must be a list of texts, e.g. ["a", "b"] (got '
        "the text 'Events')",
        "sla.toml, line 7: calendar 1 working_days: 'Fry' is not a day (use Mon, Tue, Wed, Thu, "
        "Fri, Sat, Sun)",
    ]


def test_a_rule_about_a_key_not_written_names_the_file_only() -> None:
    # default_calendar is left out (so it is "default") and no calendar has that name
    text = '[[calendars]]\nname = "London"\n'
    assert _refused(text) == [
        "sla.toml: default_calendar 'default' is not one of the calendars ('London')"
    ]


def test_key_lines_follows_tables_arrays_dotted_keys_and_skips_strings() -> None:
    text = (
        "a = 1\n"  # 1
        'b = """\n'  # 2: a multi-line string starts
        "c = 2\n"  # 3: inside the string, not a key
        '"""\n'  # 4
        "[t]\n"  # 5
        "x.y = 3\n"  # 6: dotted key inside [t]
        "[[arr]]\n"  # 7
        "[[arr]]\n"  # 8
        "'q k' = 4\n"  # 9
    )
    assert io.key_lines(text) == {
        ("a",): 1,
        ("b",): 2,
        ("t",): 5,
        ("t", "x", "y"): 6,
        ("arr", 0): 7,
        ("arr", 1): 8,
        ("arr", 1, "q k"): 9,
    }


# ---- weekdays and dates as text ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon-Fri", (0, 1, 2, 3, 4)),
        ("mon, TUE,thu", (0, 1, 3)),
        ("Sat-Mon", (0, 5, 6)),  # wraps past Sunday
        ("Monday - Wednesday, Friday", (0, 1, 2, 4)),
        ("", ()),
    ],
)
def test_parse_weekdays(text: str, expected: tuple[int, ...]) -> None:
    assert io.parse_weekdays(text) == expected


def test_parse_weekdays_names_the_word_that_is_not_a_day() -> None:
    with pytest.raises(ValueError, match="'Mo' is not a day"):
        io.parse_weekdays("Mo-Fr")


def test_format_weekdays_writes_runs_of_three_as_ranges() -> None:
    assert io.format_weekdays((0, 1, 2, 3, 4)) == "Mon-Fri"
    assert io.format_weekdays((0, 1, 3, 5, 6)) == "Mon, Tue, Thu, Sat, Sun"
    assert io.format_weekdays(()) == ""


def test_parse_dates_keeps_the_order_and_names_a_bad_date() -> None:
    assert io.parse_dates("2026-12-31, 2026-12-24") == (date(2026, 12, 31), date(2026, 12, 24))
    with pytest.raises(ValueError, match="'2026-13-01' is not a date"):
        io.parse_dates("2026-12-24, 2026-13-01")


# ---- stored versions --------------------------------------------------------------------------
@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    connection = model.connect(tmp_path / "contract.duckdb")
    yield connection
    connection.close()


def test_nothing_saved_means_no_versions_and_the_default_terms(con: store.Connection) -> None:
    assert io.load_versions(con) == ()
    assert io.current(con, date(2026, 5, 1)) == DEFAULT


def test_two_versions_are_stored_and_the_right_one_is_in_effect(con: store.Connection) -> None:
    january = replace(DEFAULT, effective_from=date(2026, 1, 1))
    july = RICH  # effective from 2026-07-01
    assert io.save_version(con, july) == (
        "SLA contract effective from 2026-07-01 saved (it is a new version)."
    )
    io.save_version(con, january)
    assert io.load_versions(con) == (january, july)  # sorted by effective date
    assert io.current(con, date(2026, 6, 30)) == january
    assert io.current(con, date(2026, 7, 1)) == july
    assert io.current(con, date(2025, 12, 1)) == january  # before all: the earliest
    assert contract_for(io.load_versions(con), date(2027, 1, 1)) == july
    body = store.scalar(
        con, "SELECT body FROM sla_contracts WHERE effective_from = DATE '2026-07-01'"
    )
    assert body == to_toml(RICH)


def test_saving_the_same_date_again_replaces_that_version(con: store.Connection) -> None:
    io.save_version(con, RICH)
    changed = replace(RICH, attempt_days=7)
    assert io.save_version(con, changed) == (
        "SLA contract effective from 2026-07-01 saved (it replaces the terms saved for that date)."
    )
    assert io.load_versions(con) == (changed,)
    assert store.scalar(con, "SELECT count(*) FROM sla_contracts") == 1


def test_an_invalid_contract_is_not_saved(con: store.Connection) -> None:
    bad = replace(RICH, attempt_days=0, response_hours=-1)
    with pytest.raises(ContractError) as error:
        io.save_version(con, bad)
    assert error.value.problems == [
        "The SLA contract was not saved: response_hours must be more than 0 (got -1)",
        "attempt_days must be at least 1 (got 0: a window of 0 days holds no attempt)",
    ]
    assert io.load_versions(con) == ()


def test_a_save_whose_follow_up_fails_stores_nothing(
    con: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the business-calendar rebuild runs inside the save's transaction: its failure rolls back
    io.save_version(con, DEFAULT)

    def fail(con: store.Connection) -> None:
        raise RuntimeError("calendar table")

    monkeypatch.setattr(io, "_after_contracts_changed", fail)
    with pytest.raises(RuntimeError):
        io.save_version(con, replace(DEFAULT, attempt_count=3))
    with pytest.raises(RuntimeError):
        io.delete_version(con, DEFAULT.effective_from)
    assert io.load_versions(con) == (DEFAULT,)


def test_delete_a_version(con: store.Connection) -> None:
    january = replace(DEFAULT, effective_from=date(2026, 1, 1))
    io.save_version(con, january)
    io.save_version(con, RICH)
    assert io.delete_version(con, date(2026, 7, 1)) == (
        "SLA contract version effective from 2026-07-01 deleted; 1 version remains."
    )
    assert io.load_versions(con) == (january,)
    assert io.delete_version(con, date(2026, 1, 1)) == (
        "SLA contract version effective from 2026-01-01 deleted; no version is left, so the "
        "default terms apply."
    )
    with pytest.raises(ContractError, match="no SLA contract version effective from 2026-01-01"):
        io.delete_version(con, date(2026, 1, 1))
