"""Fuzz tests (hypothesis) of the value parsers: for any text, a number or date is either the one
a person reads in the column's style / format, or a reject (NULL), never something else.

The reference readings are written here in plain Python, independently of the SQL in
`ingest.values`: a small tokenizer for numbers, `datetime.strptime` for dates. Values are
batched (one DuckDB query per example) on one connection for the module."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alignment.ingest import values
from alignment.ingest.values import NumberStyle

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
YEARS = (1990, 2036)


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


def evaluate(duck: duckdb.DuckDBPyConnection, sql_of_v: str, texts: Sequence[str]) -> list:
    """`sql_of_v` (an expression over `v`) for each text, in one query, in order."""
    texts = list(texts)
    rows = duck.execute(
        f"SELECT {sql_of_v} FROM (SELECT unnest(?::VARCHAR[]) AS v, "
        "generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
        [texts, texts],
    ).fetchall()
    return [r[0] for r in rows]


# ---- numbers: how a person reads them -----------------------------------------------------
EDGE = " \t\n\r\f"  # the white space a value may have around it
SPACES = (" ", "\u00a0", "\u202f")  # one may separate a number from its currency, sign or %
GROUPS = {".": (",", *SPACES, "'", "’"), ",": (".", *SPACES)}


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _split_exponent(text: str) -> tuple[str, str] | None:
    """(mantissa, `e<power>`, or "" without an exponent); None for a malformed exponent."""
    at = next((i for i, c in enumerate(text) if c in "eE"), None)
    if at is None:
        return text, ""
    power = text[at + 1 :]
    if not _ascii_digits(power[1:] if power[:1] in ("+", "-") else power):
        return None
    return text[:at], "e" + power


def _digits(text: str, decimal: str) -> float | None:
    """The number `text` writes in this decimal style, else None: a first group of one to three
    digits (not starting with 0) and groups of three after one kind of separator, with
    decimals after the mark; or plain digits with an optional mark and exponent."""
    split = _split_exponent(text)
    if split is None:
        return None
    mantissa, exponent = split
    whole, mark, fraction = mantissa.partition(decimal)
    if fraction and not _ascii_digits(fraction):
        return None
    separators = {c for c in whole if not c.isdigit()}
    if separators:
        separator = separators.pop()
        if exponent or separators or separator not in GROUPS[decimal] or (mark and not fraction):
            return None
        first, *rest = whole.split(separator)
        if not (1 <= len(first) <= 3 and first[0] != "0" and all(len(g) == 3 for g in rest)):
            return None
        whole = first + "".join(rest)
    if whole and not _ascii_digits(whole) or not whole and not fraction:
        return None
    number = float(f"{whole or '0'}.{fraction or '0'}{exponent}")
    return number if math.isfinite(number) else None


def _strip_one_space(text: str, *, start: bool) -> str:
    if start and text[:1] in SPACES:
        return text[1:]
    if not start and text[-1:] in SPACES:
        return text[:-1]
    return text


def person_reads(text: str, decimal: str, spellings: Sequence[str]) -> float | None:
    """The number a person reads in `text` in a column writing `decimal` and (optionally) one
    of `spellings` as its currency, else None."""
    rest = text.strip(EDGE)
    negative = False
    parentheses = rest.startswith("(") and rest.endswith(")") and len(rest) >= 2
    signed = False
    if parentheses:
        negative = True
        rest = _strip_one_space(_strip_one_space(rest[1:-1], start=True), start=False)
    elif rest[:1] in ("-", "+"):
        negative, signed = rest[0] == "-", True
        rest = _strip_one_space(rest[1:], start=True)
    leading = next(
        (s for s in sorted(spellings, key=len, reverse=True) if rest.startswith(s)), None
    )
    trailing = next((s for s in sorted(spellings, key=len, reverse=True) if rest.endswith(s)), None)
    if leading:
        rest = _strip_one_space(rest[len(leading) :], start=True)
        if rest[:1] in ("-", "+") and not (signed or parentheses):
            negative = rest[0] == "-"
            rest = _strip_one_space(rest[1:], start=True)
        number = _digits(rest, decimal)
    elif trailing:
        number = _digits(_strip_one_space(rest[: -len(trailing)], start=False), decimal)
    elif rest.endswith("%"):
        number = _digits(_strip_one_space(rest[:-1], start=False), decimal)
    else:
        number = _digits(rest, decimal)
    if number is None:
        return None
    return -number if negative else number


STYLES = [
    NumberStyle(".", None),
    NumberStyle(".", "$"),
    NumberStyle(",", "€"),
    NumberStyle(",", None),
    NumberStyle(".", "US$"),
]
NUMBER_ALPHABET = "0123456789.,-+() %$€'’eE\u00a0\u202fUSDEURx\t"


def _spellings(style: NumberStyle) -> tuple[str, ...]:
    return next((g for g in values.CURRENCIES if g[0] == style.currency), ())


def _same(result: float | None, expected: float | None) -> bool:
    if result is None or expected is None:
        return result is None and expected is None
    return result == expected or math.isclose(result, expected, rel_tol=1e-15)


@FUZZ
@given(
    style=st.sampled_from(STYLES),
    texts=st.lists(
        st.one_of(st.text(NUMBER_ALPHABET, max_size=14), st.text(max_size=8)), max_size=40
    ),
)
@example(style=STYLES[1], texts=["3 x 500", "12/31/2026", "€ 1.000", "1.234,56", "NaN", "-inf"])
def test_any_text_is_the_number_a_person_reads_or_a_reject(
    duck: duckdb.DuckDBPyConnection, style: NumberStyle, texts: list[str]
) -> None:
    result = evaluate(duck, values.number_sql("v", style), texts)
    for text, number in zip(texts, result, strict=True):
        expected = person_reads(text, style.decimal, _spellings(style))
        # what the person reads, or a reject when the person reads no number in this style
        assert _same(number, expected), (text, number, expected)


@FUZZ
@given(style=st.sampled_from(STYLES), texts=st.lists(st.text(NUMBER_ALPHABET, max_size=12)))
def test_the_fast_path_reads_exactly_what_the_grammar_reads(
    duck: duckdb.DuckDBPyConnection, style: NumberStyle, texts: list[str]
) -> None:
    both = evaluate(
        duck,
        f"[{values.number_sql('v', style)}, "
        f"{values._grammar_sql('v', style.decimal, _spellings(style))}]",
        texts,
    )
    for text, (fast, grammar) in zip(texts, both, strict=True):
        assert fast == grammar or (fast is not None and math.isnan(fast)), (text, fast, grammar)


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[NumberStyle, str, float]:
    """A number and how an export of some style writes it: grouped or not, with a sign,
    parentheses, a currency before or after, or an exponent."""
    style = draw(st.sampled_from(STYLES))
    whole = draw(st.integers(min_value=0, max_value=10**13))
    fraction = draw(st.text("0123456789", max_size=6))
    separator = draw(st.sampled_from(("", *GROUPS[style.decimal])))
    grouped = f"{whole:,}".replace(",", separator) if separator else str(whole)
    digits = grouped + (style.decimal + fraction if fraction else "")
    value = float(f"{whole}.{fraction or '0'}")
    if not separator and draw(st.booleans()):
        exponent = draw(st.integers(min_value=-20, max_value=20))
        digits += draw(st.sampled_from("eE")) + f"{exponent:+d}"
        value = float(f"{whole}.{fraction or '0'}e{exponent}")
    space = draw(st.sampled_from(("", *SPACES)))
    mark = draw(st.sampled_from(_spellings(style))) if style.currency else None
    placed = digits
    if mark is not None:
        placed = draw(st.sampled_from((f"{mark}{space}{digits}", f"{digits}{space}{mark}", digits)))
    negative = draw(st.booleans())
    if negative:
        placed = draw(st.sampled_from((f"-{placed}", f"({placed})", f"-{space}{placed}")))
        value = -value
    return style, placed, value


@FUZZ
@given(numbers=st.lists(written_numbers(), min_size=1, max_size=30))
def test_numbers_written_in_their_style_read_back(
    duck: duckdb.DuckDBPyConnection, numbers: list[tuple[NumberStyle, str, float]]
) -> None:
    for style in {s for s, _, _ in numbers}:
        texts = [t for s, t, _ in numbers if s == style]
        expected = [v for s, _, v in numbers if s == style]
        result = evaluate(duck, values.number_sql("v", style), texts)
        for text, number, value in zip(texts, result, expected, strict=True):
            assert _same(number, value), (style, text, number, value)


# ---- dates ----------------------------------------------------------------------------------
LAYOUTS: dict[str, list[str]] = {
    "iso": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y/%m/%d %H:%M"],
    "dmy": ["%d/%m/%Y %H:%M", "%d.%m.%Y", "%d/%m/%y %I:%M %p", "%d-%m-%Y %H:%M:%S"],
    "mdy": ["%m/%d/%Y %I:%M %p", "%m/%d/%y", "%m-%d-%Y %H:%M"],
    "text": [
        "%d %b %Y",
        "%d %b, %Y %H:%M:%S",
        "%b %d, %Y %I:%M %p",
        "%b %d %Y %I:%M%p",
        "%d-%b-%y",
        "%d-%b-%Y %H:%M",
        "%B %d, %Y",
        "%d %B %Y %H:%M",
        "%a, %d %b %Y %H:%M:%S",
        "%A, %B %d, %Y %I:%M:%S %p",
    ],
}
"""Layouts exports write, per format family (the text family's with commas, dashes and
weekdays, as Zoho, Pipedrive, Dynamics 365 and others write them)."""


def _truncate(moment: datetime, layout: str) -> datetime:
    """The instant a layout keeps of `moment` (no seconds, no time)."""
    if "%H" not in layout and "%I" not in layout:
        return moment.replace(hour=0, minute=0, second=0)
    if "%S" not in layout:
        return moment.replace(second=0)
    return moment


@FUZZ
@given(
    family=st.sampled_from(sorted(LAYOUTS)),
    moments=st.lists(
        st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2036, 12, 31, 23, 59)),
        min_size=1,
        max_size=20,
    ),
    data=st.data(),
)
def test_a_date_written_in_a_supported_layout_reads_back_to_the_same_instant(
    duck: duckdb.DuckDBPyConnection, family: str, moments: list[datetime], data: st.DataObject
) -> None:
    layouts = [data.draw(st.sampled_from(LAYOUTS[family])) for _ in moments]
    texts = [m.strftime(layout) for m, layout in zip(moments, layouts, strict=True)]
    fmt = values.family_formats(family, ())
    result = evaluate(duck, values.timestamp_sql("v", fmt, "UTC", YEARS), texts)
    expected = [
        _truncate(m.replace(microsecond=0), lay).replace(tzinfo=UTC)
        for m, lay in zip(moments, layouts, strict=True)
    ]
    assert result == expected, list(zip(texts, result, expected, strict=True))


def _normalised(text: str, family: str) -> str:
    """What a reader of this family looks at: for month names, the weekday dropped and the
    punctuation between the parts made spaces."""
    if family != "text":
        return text
    text = re.sub(r"^\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", "", text, flags=re.I)
    words = text.replace(",", " ").replace("/", " ").replace("-", " ")
    words = re.sub(r"\.(\s|$)", r" \1", words).split(" ")
    english = {w: m for m, names in values.MONTH_WORDS.items() for w in names}
    return " ".join(english.get(w.lower(), "" if w.lower() == "de" else w) for w in words)


def python_reads(text: str, fmt: values.TimestampFormat) -> datetime | None:
    """What `datetime.strptime` reads in `text` with the column's formats (first that reads,
    as the SQL tries them; ISO formats after the family's), within the years."""
    text = text.strip(" ")
    attempts = [(f, _normalised(text, fmt.family)) for f in fmt.formats]
    attempts += [(f, text) for f in values.ISO_FORMATS if f not in fmt.formats]
    for layout, candidate in attempts:
        try:
            moment = datetime.strptime(candidate.strip(), layout)
        except ValueError:
            continue
        return moment.replace(tzinfo=UTC) if YEARS[0] <= moment.year <= YEARS[1] else None
    aware = re.sub(r"Z$", "+00:00", text)
    aware = re.sub(r"([+-]\d\d)$", r"\g<1>00", aware)  # `+02`: hours only
    for layout in values.ISO_AWARE_FORMATS:
        try:
            moment = datetime.strptime(aware, layout).astimezone(UTC)
        except ValueError:
            continue
        return moment if YEARS[0] <= moment.year <= YEARS[1] else None
    return None


@st.composite
def near_dates(draw: st.DrawFn, family: str) -> str:
    """A date in one of the family's layouts with a few characters changed, inserted or
    removed: mostly not a date, sometimes another valid one."""
    moment = draw(st.datetimes(min_value=datetime(1985, 1, 1), max_value=datetime(2040, 1, 1)))
    text = list(moment.strftime(draw(st.sampled_from(LAYOUTS[family]))))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        position = draw(st.integers(min_value=0, max_value=len(text)))
        change = draw(st.sampled_from(("insert", "replace", "delete")))
        character = draw(st.sampled_from(list("0123456789 /-.:,AMPTZ+aprJunX")))
        if change == "insert":
            text.insert(position, character)
        elif text and position < len(text):
            if change == "replace":
                text[position] = character
            else:
                del text[position]
    return "".join(text)


@FUZZ
@given(family=st.sampled_from(sorted(LAYOUTS)), data=st.data())
def test_any_text_is_the_date_strptime_reads_or_a_reject(
    duck: duckdb.DuckDBPyConnection, family: str, data: st.DataObject
) -> None:
    texts = data.draw(
        st.lists(st.one_of(near_dates(family), st.text(max_size=12)), min_size=1, max_size=30)
    )
    fmt = values.family_formats(family, ())
    result = evaluate(duck, values.timestamp_sql("v", fmt, "UTC", YEARS), texts)
    for text, moment in zip(texts, result, strict=True):
        expected = python_reads(text, fmt)
        assert moment is None or moment == expected, (text, moment, expected)


def test_a_serial_date_reads_back_to_the_day_and_time(duck: duckdb.DuckDBPyConnection) -> None:
    # every 997th day of the sane years, at a time of day in whole seconds
    days = range(values.excel_serial(datetime(1990, 1, 1).date()), 50_000, 997)
    moments = [
        datetime(1899, 12, 30, tzinfo=UTC) + timedelta(days=d, seconds=(d * 7919) % 86_400)
        for d in days
    ]
    texts = [
        f"{(m - datetime(1899, 12, 30, tzinfo=UTC)) / timedelta(days=1):.10f}" for m in moments
    ]
    fmt = values.family_formats("serial", ())
    assert evaluate(duck, values.timestamp_sql("v", fmt, "UTC", YEARS), texts) == moments
