"""Casting text to typed values in DuckDB: the SQL for each column kind, and reading the formats
of a column from its data (date formats and day / month order, decimal mark and currency).

Everything is read as text first; these expressions turn a cleaned text column into a
timestamp, number, integer, boolean or date, giving NULL where a value cannot be read so the
loader can report it as a reject. Nothing is guessed from a value alone: a number is read only
when it is written fully in its column's style (decimal mark, thousands groups, currency), a
date only in its column's format family and within the years a CRM record can have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from alignment.db.store import Connection, quote_identifier, quote_literal

PLACEHOLDERS: tuple[str, ...] = (
    "",
    "select",
    "#n/a",
    "n/a",
    "null",
    "(blank)",
    "-",
    "--",
    "none selected",
)
"""Cell values meaning "no value" (compared trimmed and lower-cased): HubSpot / Salesforce /
X Education style `Select` picklist placeholders, spreadsheet `#N/A`, empty strings."""

TRUE_WORDS = ("yes", "y", "true", "t", "1", "1.0", "x", "checked", "won")
FALSE_WORDS = ("no", "n", "false", "f", "0", "0.0", "unchecked")

DateOrder = Literal["auto", "dmy", "mdy", "ymd"]

FIRST_YEAR = 1990
YEARS_AHEAD = 10
EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's serial dates (serial 1 is 1900-01-01; Excel counts a 29 February 1900 that
did not exist, so from March 1900 on a serial is the number of days since 1899-12-30)."""


def sane_years(today: date | None = None) -> tuple[int, int]:
    """(first, last) year a date in an export can have: 1990 to ten years after today. Other
    years are typos or misread values (`46085` read as year 4608), and are rejected."""
    return FIRST_YEAR, (today or date.today()).year + YEARS_AHEAD


def excel_serial(day: date) -> int:
    """The Excel serial number of a day (`2026-03-04` -> 46085)."""
    return (day - EXCEL_EPOCH).days


def _dated(prefixes: list[str]) -> list[str]:
    """Each date format followed by the same with the common time-of-day suffixes."""
    times = [" %H:%M:%S.%f", " %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", ""]
    return [p + t for p in prefixes for t in times]


ISO_FORMATS: list[str] = [
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
]
ISO_AWARE_FORMATS: list[str] = [
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S%z",
]
# Two-digit years first: `%Y` reads `26` as the year 26, `%y` does not read `2026`.
DAY_FIRST_FORMATS: list[str] = _dated(["%d/%m/%y", "%d.%m.%y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"])
MONTH_FIRST_FORMATS: list[str] = _dated(["%m/%d/%y", "%m/%d/%Y", "%m-%d-%Y"])
TEXT_MONTH_TIMES: list[str] = [
    "",
    " %H:%M",
    " %H:%M:%S",
    " %H:%M:%S.%f",
    " %I:%M %p",
    " %I:%M%p",
    " %I:%M:%S %p",
    " %I:%M:%S%p",
]
TEXT_MONTH_FORMATS: list[str] = [
    d + t
    for d in ["%d %b %y", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y"]
    for t in TEXT_MONTH_TIMES
]
"""Dates with a month name, read from the value after `month_text_sql` (weekday dropped;
commas, dashes, slashes and abbreviation points made spaces): `15 Apr 2021`, `15 Apr, 2021`,
`Apr 15, 2021`, `15-Apr-21`, `April 15, 2021`, `Thu, 15 Apr 2021 10:30:00`, `15 Apr 2021 10:30AM`
(`%b` reads only abbreviations, `%B` only full names; DuckDB matches them in any case)."""
MONTH_ONLY_FORMATS: list[str] = ["%Y-%m", "%b %Y", "%B %Y", "%m/%Y", "%Y%m"]

GUARDED_FORMATS: dict[str, str] = {"%Y%m": r"\d{6}"}
"""Formats tried only on values of this exact shape: `%Y%m` would read `46085` (an Excel serial
date) as May 4608."""

FAMILIES: dict[str, list[str]] = {
    "iso": ISO_FORMATS,
    "dmy": DAY_FIRST_FORMATS,
    "mdy": MONTH_FIRST_FORMATS,
    "text": TEXT_MONTH_FORMATS,
    "month": MONTH_ONLY_FORMATS,
}
FAMILY_LABEL: dict[str, str] = {
    "iso": "year-month-day (ISO)",
    "dmy": "day/month/year",
    "mdy": "month/day/year",
    "text": "day and month name",
    "month": "month only",
    "epoch": "Unix epoch milliseconds",
    "serial": "Excel serial day number",
}

DAY_FIRST_EVIDENCE = r"^\s*(1[3-9]|2[0-9]|3[01])[/.-](0?[1-9]|1[0-2])[/.-]\d{2,4}"
MONTH_FIRST_EVIDENCE = r"^\s*(0?[1-9]|1[0-2])[/.-](1[3-9]|2[0-9]|3[01])[/.-]\d{2,4}"
NUMERIC_DATE = r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
EPOCH_MILLISECONDS = r"^\d{12,13}$"
EXCEL_SERIAL = r"\d{5}(?:\.\d+)?"
"""An Excel serial date as exported: a five-digit day number (1990 to 2173), and the time of
day as a fraction."""

_WEEKDAY = r"^\s*(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+"
_DATE_PUNCTUATION = r"[,/-]|\.(?:\s|$)"
MONTH_WORDS: dict[str, tuple[str, ...]] = {
    "Jan": ("janvier", "janeiro", "januar", "jänner", "janv", "enero", "jän", "ene"),
    "Feb": ("février", "fevereiro", "febrero", "februar", "févr", "fevr", "fev"),
    "Mar": ("março", "marzo", "mars", "märz", "mär", "mrz"),
    "Apr": ("avril", "abril", "avr", "abr"),
    "May": ("mayo", "maio", "mai"),
    "Jun": ("junio", "junho", "juni", "juin"),
    "Jul": ("juillet", "julio", "julho", "juli", "juil"),
    "Aug": ("agosto", "août", "aout", "ago"),
    "Sep": ("septiembre", "septembre", "setembro", "set"),
    "Oct": ("octubre", "octobre", "outubro", "oktober", "okt", "out"),
    "Dec": ("décembre", "diciembre", "dezember", "dezembro", "déc", "dic", "dez"),
}
"""French, German, Spanish and Portuguese month names and abbreviations that are not also
English ones (`nov`, `sept`, `april` are), by English abbreviation; longest first, so a
name is not cut at an accented letter (RE2's word boundary is ASCII only)."""
_FOREIGN_MONTH = (
    r"(?i)\b(?:" + "|".join(w for words in MONTH_WORDS.values() for w in words) + r"|de)\b"
)


def clean_text(column_sql: str) -> str:
    """SQL: the trimmed value, or NULL for empty strings and placeholders such as `Select`."""
    trimmed = f"trim({column_sql})"
    placeholders = ", ".join(quote_literal(p) for p in PLACEHOLDERS)
    return f"CASE WHEN lower({trimmed}) IN ({placeholders}) THEN NULL ELSE {trimmed} END"


CSV_NULL_STRINGS: tuple[str, ...] = (
    "",
    "Select",
    "select",
    "SELECT",
    "NULL",
    "null",
    "Null",
    "#N/A",
    "N/A",
    "n/a",
    "(blank)",
    "-",
    "--",
)
"""The placeholders, as spelled in exports, for DuckDB's CSV reader (`nullstr`): matched while
reading, which is much faster than a per-value SQL check."""


def clean_text_fast(column_sql: str) -> str:
    """SQL: `clean_text` for columns read with `CSV_NULL_STRINGS` as NULL (the reader has
    already removed the placeholders): trimmed, NULL when only spaces. Only values that start
    or end with a space are trimmed: `trim` copies every string, which costs about 0.7 s per
    million rows of a typical export, and most values need nothing."""
    spaced = f"prefix({column_sql}, ' ') OR suffix({column_sql}, ' ')"
    return f"CASE WHEN {spaced} THEN nullif(trim({column_sql}), '') ELSE {column_sql} END"


def _format_list(formats: Sequence[str]) -> str:
    return "[" + ", ".join(quote_literal(f) for f in formats) + "]"


def _bind(value_sql: str, name: str, body: str) -> str:
    """SQL: `body` with `name` bound to the value of `value_sql`, computed once per row."""
    return f"list_transform([{value_sql}], lambda {name}: {body})[1]"


# ---- numbers ------------------------------------------------------------------------------
DecimalMark = Literal[".", ","]

CURRENCIES: tuple[tuple[str, ...], ...] = (
    ("$",),
    ("US$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥",),
    ("JPY",),
    ("CN¥", "CNY", "RMB"),
    ("₹", "INR"),
    ("R$", "BRL"),
    ("C$", "CA$", "CAD"),
    ("A$", "AU$", "AUD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("S$", "SGD"),
    ("MX$", "MXN"),
    ("CHF",),
    ("kr",),
    ("SEK",),
    ("NOK",),
    ("DKK",),
    ("ISK",),
    ("zł", "PLN"),
    ("Kč", "CZK"),
    ("Ft", "HUF"),
    ("RON",),
    ("BGN",),
    ("₩", "KRW"),
    ("₽", "RUB"),
    ("₺", "TRY"),
    ("₪", "ILS"),
    ("₱", "PHP"),
    ("฿", "THB"),
    ("₫", "VND"),
    ("₴", "UAH"),
    ("₦", "NGN"),
    ("ZAR",),
    ("ARS",),
    ("CLP",),
    ("COP",),
    ("PEN",),
    ("TWD",),
    ("IDR",),
    ("MYR",),
    ("AED",),
    ("SAR",),
    ("QAR",),
    ("KWD",),
    ("EGP",),
    ("KES",),
    ("MAD",),
)
"""Currency marks an amount may carry before or after it, grouped by currency (the first of a
group is how it is named in messages). `$` stays apart from `USD`: several currencies write it."""

CURRENCY_OF: dict[str, str] = {spelling: group[0] for group in CURRENCIES for spelling in group}

_SPACES = "[ \u00a0\u202f]"  # space, no-break space, narrow no-break space (French exports)
_EXPONENT = r"(?:[eE][-+]?\d+)?"
_GROUPED_POINT = (
    r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?"
    rf"|[1-9]\d{{0,2}}(?:{_SPACES}\d{{3}})+(?:\.\d+)?"
    r"|[1-9]\d{0,2}(?:['’]\d{3})+(?:\.\d+)?"
)
_GROUPED_COMMA = (
    r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?" rf"|[1-9]\d{{0,2}}(?:{_SPACES}\d{{3}})+(?:,\d+)?"
)
DIGITS: dict[str, str] = {
    ".": rf"{_GROUPED_POINT}|\d+(?:\.\d*)?{_EXPONENT}|\.\d+{_EXPONENT}",
    ",": rf"{_GROUPED_COMMA}|\d+(?:,\d*)?{_EXPONENT}|,\d+{_EXPONENT}",
}
"""The digits of a number in each decimal style: groups of three after a first group of one to
three digits (`1,234.56`, `1 234.56`, `1'234.56`; `1.234,56`, `1 234,56`), or no groups with an
optional exponent (`1234.5`, `1.5E+05`; `1234,5`, `1,5E+05`)."""
_THOUSANDS: dict[str, str] = {".": "[, \u00a0\u202f'’]", ",": "[. \u00a0\u202f]"}
_PLAIN: dict[str, str] = {".": r"[-+]?\d{1,15}(?:\.\d{1,15})?", ",": r"[-+]?\d{1,15}(?:,\d{1,15})?"}
"""Plain numbers (`1234`, `-12.5`), read with a bare cast: most values of most columns, and much
cheaper than the full grammar, which reads them alike (a fuzz test checks it). Fifteen digits at
most: longer ones take the grammar's path, which rejects what overflows."""
_NEGATIVE = r"^[^0-9.,]*[-(]"  # a minus or an opening parenthesis before the digits
_NON_FINITE = r"\s*[-+]?(?i:nan|inf|infinity)\s*"


@dataclass(frozen=True)
class NumberStyle:
    """How one column writes its numbers: the decimal mark and the currency its amounts carry
    (None: no currency mark; a value with one is then a reject)."""

    decimal: DecimalMark = "."
    currency: str | None = None

    @property
    def example(self) -> str:
        """A number written in this style, for messages."""
        return "1,234.56" if self.decimal == "." else "1.234,56"

    @property
    def whole_example(self) -> str:
        return "1,234" if self.decimal == "." else "1.234"


def _currency_pattern(spellings: Sequence[str]) -> str:
    ordered = sorted(spellings, key=lambda s: (-len(s), s))  # `US$` before `$`
    return "(?:" + "|".join(re.escape(s) for s in ordered) + ")"


def _spellings(currency: str | None) -> tuple[str, ...]:
    if currency is None:
        return ()
    return next((group for group in CURRENCIES if group[0] == currency), (currency,))


ANY_CURRENCY = _currency_pattern(list(CURRENCY_OF))


def number_pattern(decimal: DecimalMark, spellings: Sequence[str]) -> str:
    """The regular expression a whole value must match to be a number in this style: an
    optional sign (`-`, `+`, or accounting parentheses), the digits, an optional currency mark
    before or after them (with or without a space; a sign may follow a leading mark: `$-5`),
    or a `%` after them instead of a currency mark."""
    space = f"{_SPACES}?"
    digits = f"(?:{DIGITS[decimal]})"
    if spellings:
        mark = _currency_pattern(spellings)
        unsigned = f"(?:{mark}{space}{digits}|{digits}{space}{mark}|{digits}(?:{space}%)?)"
        body = (
            rf"\({space}{unsigned}{space}\)|(?:[-+]{space})?{unsigned}"
            rf"|{mark}{space}[-+]{space}{digits}"
        )
    else:
        unsigned = f"{digits}(?:{space}%)?"
        body = rf"\({space}{unsigned}{space}\)|(?:[-+]{space})?{unsigned}"
    return rf"\s*(?:{body})\s*"


def _grammar_sql(value_sql: str, decimal: DecimalMark, spellings: Sequence[str]) -> str:
    """SQL: DOUBLE of a value that matches `number_pattern`, else NULL (no fast path)."""
    digits = f"regexp_extract({value_sql}, {quote_literal(DIGITS[decimal])})"
    bare = f"regexp_replace({digits}, {quote_literal(_THOUSANDS[decimal])}, '', 'g')"
    if decimal == ",":
        bare = f"replace({bare}, ',', '.')"
    sign = f"CASE WHEN regexp_matches({value_sql}, {quote_literal(_NEGATIVE)}) THEN -1 ELSE 1 END"
    finite = _bind(
        f"{sign} * CAST({bare} AS DOUBLE)", "n__", "CASE WHEN isfinite(n__) THEN n__ END"
    )
    pattern = quote_literal(number_pattern(decimal, spellings))
    return f"CASE WHEN regexp_full_match({value_sql}, {pattern}) THEN {finite} END"


def _number_sql(value_sql: str, decimal: DecimalMark, spellings: Sequence[str]) -> str:
    plain = _PLAIN[decimal]
    cast = value_sql if decimal == "." else f"replace({value_sql}, ',', '.')"
    return (
        f"CASE WHEN regexp_full_match({value_sql}, {quote_literal(plain)}) "
        f"THEN CAST({cast} AS DOUBLE) ELSE {_grammar_sql(value_sql, decimal, spellings)} END"
    )


def number_sql(value_sql: str, style: NumberStyle = NumberStyle()) -> str:
    """SQL: DOUBLE from a number written in the column's style: `$22,700.00`, `(300)` (negative),
    `1.5E+05`, `12 %` (read as 12), `1.234,50 €` and `1 234,56` in a decimal-comma column. NULL
    for anything else: other text (`3 x 500`, `12/31/2026`), the other decimal style, another
    currency than the column's, NaN and infinity."""
    return _number_sql(value_sql, style.decimal, _spellings(style.currency))


def integer_sql(value_sql: str, style: NumberStyle = NumberStyle()) -> str:
    """SQL: BIGINT from a whole number written in the column's style (`1,000`, `1.000,00` in a
    decimal-comma column); NULL for fractions and for what `number_sql` does not read."""
    whole = "CASE WHEN n__ = trunc(n__) AND abs(n__) < 9e18 THEN CAST(n__ AS BIGINT) END"
    return (
        rf"CASE WHEN regexp_full_match({value_sql}, '[-+]?\d{{1,18}}') "
        f"THEN CAST({value_sql} AS BIGINT) "
        f"ELSE {_bind(number_sql(value_sql, style), 'n__', whole)} END"
    )


def number_reason_sql(
    value_sql: str, style: NumberStyle, kind: Literal["number", "integer"] = "number"
) -> str:
    """SQL: why a value `number_sql` / `integer_sql` did not read is a reject, for the rejects
    list (evaluated on rejected values only)."""
    written = (
        f"not a whole number written like {style.whole_example}"
        if kind == "integer"
        else f"not a number written like {style.example}"
    )
    column = f"a column of {style.currency} amounts" if style.currency else "a column of amounts"
    column += "" if style.currency else " without a currency"
    own = ", ".join(quote_literal(s) for s in _spellings(style.currency)) or "''"
    other = (
        f"regexp_full_match({value_sql}, "
        f"{quote_literal(number_pattern(style.decimal, list(CURRENCY_OF)))})"
    )
    currency = f"regexp_extract({value_sql}, {quote_literal(ANY_CURRENCY)})"
    return (
        f"CASE WHEN regexp_full_match({value_sql}, {quote_literal(_NON_FINITE)}) "
        f"THEN {quote_literal('not a finite number (NaN or infinity cannot be added up)')} "
        f"WHEN {other} AND {currency} <> '' AND {currency} NOT IN ({own}) "
        f"THEN 'an amount in ' || {currency} || "
        f"{quote_literal(f' in {column}: amounts in two currencies cannot be added up')} "
        f"ELSE {quote_literal(written)} END"
    )


@dataclass(frozen=True)
class NumberEvidence:
    """What a column's values say about how its numbers are written."""

    point: int  # values only a decimal point reads: `12.5`, `1,234.56`, `0.125`, `1,234,567`
    comma: int  # values only a decimal comma reads: `12,5`, `1.234,56`, `0,125`, `1.234.567`
    point_or_thousands: int  # `1.234`: 1.234 with a decimal point, 1234 with a decimal comma
    comma_or_thousands: int  # `1,234`: 1234 with a decimal point, 1.234 with a decimal comma
    currencies: tuple[tuple[str, int], ...] = ()  # (currency, values), most used first

    @property
    def decides(self) -> bool:
        """Whether some value can be read in one decimal style only."""
        return bool(self.point or self.comma)

    @property
    def numbers(self) -> int:
        """Values that read as a number in some style (with any currency): what could change
        the column's style when they are rejects."""
        return (
            self.point
            + self.comma
            + self.point_or_thousands
            + self.comma_or_thousands
            + sum(n for _, n in self.currencies)
        )


def number_evidence_of(
    con: Connection, table: str, columns: Mapping[str, str], where: Mapping[str, str] | None = None
) -> dict[str, NumberEvidence]:
    """`NumberEvidence` of several columns of `table` in one query: `columns` maps a name (the
    key of the result) to the column of `table` holding its text; `where` may restrict a
    column's values (an SQL condition over the table's columns)."""
    if not columns:
        return {}
    tbl = quote_identifier(table)
    names = list(columns)
    samples = " UNION ALL ".join(
        f"SELECT {i} AS c, {quote_identifier(columns[name])} AS v FROM {tbl} "
        f"WHERE {quote_identifier(columns[name])} IS NOT NULL"
        + (f" AND ({where[name]})" if where and name in where else "")
        for i, name in enumerate(names)
    )
    every = list(CURRENCY_OF)
    point = _number_sql("v", ".", every)
    comma = _number_sql("v", ",", every)
    rows = con.execute(
        "SELECT c, count(*) FILTER (WHERE p IS NOT NULL AND k IS NULL), "
        "count(*) FILTER (WHERE k IS NOT NULL AND p IS NULL), "
        "count(*) FILTER (WHERE p <> k AND contains(v, '.')), "
        "count(*) FILTER (WHERE p <> k AND contains(v, ',')), "
        "histogram(m) FILTER (WHERE m <> '' AND (p IS NOT NULL OR k IS NOT NULL)) "
        f"FROM (SELECT c, v, {point} AS p, {comma} AS k, "
        f"regexp_extract(v, {quote_literal(ANY_CURRENCY)}) AS m FROM ({samples})) GROUP BY c"
    ).fetchall()
    found = {int(row[0]): row[1:] for row in rows}
    result: dict[str, NumberEvidence] = {}
    for i, name in enumerate(names):
        row = found.get(i)
        if row is None:
            result[name] = NumberEvidence(0, 0, 0, 0)
            continue
        counts: dict[str, int] = {}
        for spelling, n in (row[4] or {}).items():
            currency = CURRENCY_OF.get(spelling, spelling)
            counts[currency] = counts.get(currency, 0) + int(n)
        ranked = tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        result[name] = NumberEvidence(int(row[0]), int(row[1]), int(row[2]), int(row[3]), ranked)
    return result


def number_style(evidence: NumberEvidence) -> tuple[NumberStyle, str | None]:
    """A column's number style from its evidence, and a note for the import summary when the
    decimal mark was not decided by a value that only one style reads.

    The decimal mark most values need (a decimal point on a tie); without any such value,
    values like `1.234` (a single mark followed by exactly three digits) are taken as thousands
    (1234): amounts with three decimals are rarer than whole amounts with a thousands mark. The
    currency is the one most values carry; values in another currency are rejects."""
    note = None
    if evidence.comma > evidence.point:
        decimal: DecimalMark = ","
    elif evidence.point or not evidence.point_or_thousands or evidence.comma_or_thousands:
        decimal = "."
    else:
        decimal = ","
        note = (
            "no value shows a decimal mark, so a point followed by three digits was read as a "
            "thousands separator (1.234 = 1234)"
        )
    currency = evidence.currencies[0][0] if evidence.currencies else None
    return NumberStyle(decimal, currency), note


def boolean_sql(value_sql: str) -> str:
    """SQL: BOOLEAN from Yes/No, TRUE/FALSE, 1/0, Y/N, checked/unchecked (any case)."""
    true_words = ", ".join(quote_literal(w) for w in TRUE_WORDS)
    false_words = ", ".join(quote_literal(w) for w in FALSE_WORDS)
    lowered = f"lower({value_sql})"
    return (
        f"CASE WHEN {lowered} IN ({true_words}) THEN TRUE "
        f"WHEN {lowered} IN ({false_words}) THEN FALSE END"
    )


# ---- dates --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimestampFormat:
    """How one column's timestamps are written: a format family and its formats, best first."""

    family: str
    formats: tuple[str, ...]

    @property
    def label(self) -> str:
        return FAMILY_LABEL.get(self.family, self.family)


def month_text_sql(value_sql: str) -> str:
    """SQL: a date with a month name made readable by `TEXT_MONTH_FORMATS`: a leading weekday
    dropped (`Thu, `), commas, dashes, slashes and abbreviation points made spaces
    (`Apr 15, 2021` -> `Apr 15  2021`, `15-Apr-21` -> `15 Apr 21`; a space in a format reads
    any run of spaces), and French, German, Spanish or Portuguese month names made English
    (`15 avr. 2021`, `15. März 2021`, `15 de abr. de 2021`, `15/abr/2021`): only in values
    that have one, the translation is a dozen replacements."""
    no_weekday = f"regexp_replace({value_sql}, {quote_literal(_WEEKDAY)}, '')"
    spaced = f"regexp_replace({no_weekday}, {quote_literal(_DATE_PUNCTUATION)}, ' ', 'g')"
    english = "s__"
    for month, words in MONTH_WORDS.items():
        pattern = r"(?i)\b(?:" + "|".join(words) + r")\b"
        english = f"regexp_replace({english}, {quote_literal(pattern)}, '{month}', 'g')"
    english = f"regexp_replace({english}, '(?i)\\bde\\b', ' ', 'g')"  # 15 de abr de 2021
    return _bind(
        spaced,
        "s__",
        f"CASE WHEN regexp_matches(s__, {quote_literal(_FOREIGN_MONTH)}) THEN {english} "
        "ELSE s__ END",
    )


_GUARD_PARTS: dict[str, str] = {
    "%d": r"\d{1,2}",
    "%m": r"\d{1,2}",
    "%b": "[A-Za-z]+",
    "%B": "[A-Za-z]+",
    "%y": r"\d{2}(?:\D|$)",
    " ": r"\s+",
}


def format_guard(fmt: str) -> str | None:
    """The regular expression a value must match (from its start) before `fmt` is tried, or
    None: the `GUARDED_FORMATS` shapes, and exactly two digits for a two-digit year (DuckDB's
    `%y` also reads `0` as 2000, `01-Jan-0` as a date)."""
    if fmt in GUARDED_FORMATS:
        return f"^{GUARDED_FORMATS[fmt]}$"
    if "%y" not in fmt:
        return None
    head = fmt[: fmt.index("%y") + 2]
    tokens = re.findall(r"%.|.", head, flags=re.DOTALL)
    return r"^\s*" + "".join(_GUARD_PARTS.get(t) or re.escape(t) for t in tokens)


def strptime_sql(value_sql: str, formats: Sequence[str]) -> str:
    """SQL: `try_strptime` over a list of formats in order (the first that reads wins), a
    format with a `format_guard` tried only on values of its shape."""
    parts: list[str] = []
    free: list[str] = []
    for fmt in formats:
        guard = format_guard(fmt)
        if guard is None:
            free.append(fmt)
            continue
        if free:
            parts.append(f"try_strptime({value_sql}, {_format_list(free)})")
            free = []
        parts.append(
            f"CASE WHEN regexp_matches({value_sql}, {quote_literal(guard)}) "
            f"THEN try_strptime({value_sql}, {quote_literal(fmt)}) END"
        )
    if free:
        parts.append(f"try_strptime({value_sql}, {_format_list(free)})")
    if not parts:
        return "CAST(NULL AS TIMESTAMP)"
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def _serial_sql(value_sql: str) -> str:
    """SQL: TIMESTAMP of an Excel serial date (`46085.4375` -> 2026-03-04 10:30), to the
    millisecond (Excel keeps no finer time)."""
    milliseconds = f"CAST(round(CAST({value_sql} AS DOUBLE) * 86400000) AS BIGINT)"
    return (
        f"CASE WHEN regexp_full_match({value_sql}, {quote_literal(EXCEL_SERIAL)}) "
        f"THEN TIMESTAMP '{EXCEL_EPOCH.isoformat()}' + to_microseconds({milliseconds} * 1000) END"
    )


def _naive_sql(value_sql: str, fmt: TimestampFormat, extra: Sequence[str] = ()) -> str:
    """SQL: TIMESTAMP (no time zone) of a value in the family's formats, or ISO, or `extra`."""
    fallback = [f for f in [*ISO_FORMATS, *extra] if f not in fmt.formats]
    if fmt.family == "serial":
        return f"coalesce({_serial_sql(value_sql)}, {strptime_sql(value_sql, fallback)})"
    if fmt.family == "text":
        text = strptime_sql(month_text_sql(value_sql), fmt.formats)
        return f"coalesce({text}, {strptime_sql(value_sql, fallback)})"
    return strptime_sql(value_sql, [*fmt.formats, *fallback])


def _aware_sql(value_sql: str) -> str:
    """SQL: TIMESTAMPTZ of an ISO value with an offset or `Z`."""
    return (
        f"try_strptime(regexp_replace({value_sql}, 'Z$', '+00:00'), "
        f"{_format_list(ISO_AWARE_FORMATS)})"
    )


def _epoch_sql(value_sql: str) -> str:
    return (
        f"CASE WHEN regexp_matches({value_sql}, {quote_literal(EPOCH_MILLISECONDS)}) "
        f"THEN to_timestamp(try_cast({value_sql} AS BIGINT) / 1000) END"
    )


def _within(
    value_sql: str, years: tuple[int, int] | None, type_name: str, *, lazy: bool = False
) -> str:
    """SQL: the timestamp when its year is within `years`, else NULL.

    The expression is repeated and DuckDB computes it once (common-subexpression elimination:
    as fast as the bare parse, where binding it with a lambda costs some 20 % more). But that
    hoists it out of a lazy context such as the second argument of `coalesce`, computing it
    for every row: `lazy` binds it with a lambda instead, evaluated only where it is needed."""
    if years is None:
        return value_sql
    suffix = "+00" if type_name == "TIMESTAMPTZ" else ""
    low = f"{type_name} '{years[0]:04d}-01-01 00:00:00{suffix}'"
    high = f"{type_name} '{years[1] + 1:04d}-01-01 00:00:00{suffix}'"
    if lazy:
        return _bind(value_sql, "t__", f"CASE WHEN t__ >= {low} AND t__ < {high} THEN t__ END")
    return f"CASE WHEN {value_sql} >= {low} AND {value_sql} < {high} THEN {value_sql} END"


def timestamp_sql(
    value_sql: str,
    fmt: TimestampFormat,
    timezone: str,
    years: tuple[int, int] | None = None,
) -> str:
    """SQL: TIMESTAMPTZ from cleaned text. Values with an offset (or `Z`) keep it; naive values
    are read in `timezone` and stored as UTC. NULL when the value does not fit the format, or
    (with `years`) when its year is outside that range (as written; in UTC for a value with
    an offset)."""
    if fmt.family == "epoch":
        return _within(_epoch_sql(value_sql), years, "TIMESTAMPTZ")
    naive = _within(_naive_sql(value_sql, fmt), years, "TIMESTAMP")
    aware = _within(_aware_sql(value_sql), years, "TIMESTAMPTZ", lazy=True)
    if timezone == "UTC":  # the same instant, without a time-zone conversion (~2x faster)
        local = f"make_timestamptz(epoch_us({naive}))"
    else:
        local = f"timezone({quote_literal(timezone)}, {naive})"
    return f"coalesce({local}, {aware})"


def date_sql(value_sql: str, fmt: TimestampFormat, years: tuple[int, int] | None = None) -> str:
    """SQL: the first day of the month (DATE) for month-grain fields such as spend months."""
    naive = _within(_naive_sql(value_sql, fmt, MONTH_ONLY_FORMATS), years, "TIMESTAMP")
    return f"CAST(date_trunc('month', {naive}) AS DATE)"


def date_reason_sql(
    value_sql: str,
    fmt: TimestampFormat,
    years: tuple[int, int],
    reason: str,
    kind: Literal["timestamp", "date"] = "timestamp",
) -> str:
    """SQL: why a value `timestamp_sql` / `date_sql` did not read is a reject (evaluated on
    rejected values only): its year when it is a date outside `years`, else `reason`."""
    if fmt.family == "epoch":
        parsed = f"timezone('UTC', {_epoch_sql(value_sql)})"
    else:
        extra = MONTH_ONLY_FORMATS if kind == "date" else ()
        parsed = (
            f"coalesce({_naive_sql(value_sql, fmt, extra)}, "
            f"timezone('UTC', {_aware_sql(value_sql)}))"
        )
    outside = f" is outside the years {years[0]}–{years[1]} a date here can have"
    # a year below 1000 is a misread (`%Y/%m/%d` reads `01/02/26` as 26 February of the
    # year 1), not a date in another year: the value is simply not written in the format
    return (
        f"CASE WHEN year({parsed}) >= 1000 THEN 'the year ' || year({parsed}) || "
        f"{quote_literal(outside)} ELSE {quote_literal(reason)} END"
    )


# ---- reading date formats from the data ---------------------------------------------------
@dataclass(frozen=True)
class DateEvidence:
    """What a column's values say about how its dates are written."""

    family: str | None  # best family on the sample, None when nothing parses
    parsed: int  # sample values the best family reads
    sample_size: int
    day_first_values: int  # whole column: values only day-first can read (13/02/2026)
    month_first_values: int  # whole column: values only month-first can read (02/13/2026)
    formats: tuple[str, ...]  # formats of the family that read sample values, most used first
    examples: tuple[str, ...]  # a few sample values, when the family is unclear (None / numeric)


SAMPLE_SIZE = 200
"""Non-empty values of a column the format detection reads (a failed parse costs ~5 µs, and each
value is tried against some 100 formats)."""

_SHAPES: dict[str, str] = {
    "year_first": r"^\d{4}",
    "day_or_month_first": r"^\d{1,2}[/.-]",
    "has_letters": "[A-Za-z]",
}
"""Cheap tests of a value's shape, so formats that cannot read it are not tried (a failed
`try_strptime` is the slow part of reading a column's format)."""
_FAMILY_SHAPE: dict[str, str] = {
    "iso": "year_first",
    "dmy": "day_or_month_first",
    "mdy": "day_or_month_first",
    "text": "has_letters",
}
"""The shape every value of a family has (month-only formats take several shapes)."""
_FAMILY_VALUE: dict[str, str] = {"text": "tv"}
"""The column of the sample a family reads: text-month dates after `month_text_sql`."""


def order_evidence(con: Connection, table: str, column: str) -> tuple[int, int]:
    """(values only day-first can read, values only month-first can read) over a whole column."""
    col = quote_identifier(column)
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE regexp_matches({col}, ?)), "
        f"count(*) FILTER (WHERE regexp_matches({col}, ?)) FROM {quote_identifier(table)}",
        [DAY_FIRST_EVIDENCE, MONTH_FIRST_EVIDENCE],
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def date_evidence(con: Connection, table: str, column: str) -> DateEvidence:
    """Read a column's date formats from its values in `table` (a sample of the file): which
    family parses them, which formats are used, and whether a value decides the day / month
    order (the loader checks the whole column again when the sample does not)."""
    return date_evidence_of(con, table, [column])[column]


def _epoch_us(day: date) -> int:
    return (day - date(1970, 1, 1)).days * 86_400_000_000


def _sane(parsed_sql: str, years: tuple[int, int]) -> str:
    """SQL: `parsed_sql` is a date within `years`. Tested on `epoch_us` with one reference to
    the parse (BETWEEN would parse twice; `year()` makes a query of many such tests several
    times slower to plan)."""
    low = _epoch_us(date(years[0], 1, 1))
    high = _epoch_us(date(years[1] + 1, 1, 1))
    return f"abs(2 * epoch_us({parsed_sql}) - {low + high}) < {high - low}"


def _first_format(family: str, years: tuple[int, int]) -> str:
    """SQL: the position (1-based) in the family's formats of the first format that reads the
    sample value `v` as a date within `years`, NULL when none does or the value does not have
    the family's shape. One CASE per family: the parses stop at the first that reads."""
    shape = _FAMILY_SHAPE.get(family, "TRUE")
    value = _FAMILY_VALUE.get(family, "v")
    whens = " ".join(
        f"WHEN {_sane(strptime_sql(value, [fmt]), years)} THEN {i}"
        for i, fmt in enumerate(FAMILIES[family], start=1)
    )
    return f"CASE WHEN {shape} THEN CASE {whens} END END"


def _evidence_expressions(years: tuple[int, int]) -> tuple[list[str], list[str]]:
    """The per-value expressions (over the sample's `v` and shape columns) and the per-column
    aggregates of `date_evidence_of`: the sample size, one histogram of `_first_format` per
    family, then ISO-with-offset, epoch and Excel serial values, and values only day-first /
    month-first can read. Only dates within `years` count: `01/02/26` is not a date of the
    year 26, `46085` not one of May 4608."""
    per_value = [f"{_first_format(family, years)} AS {family}_first" for family in FAMILIES]
    low, high = (excel_serial(date(years[0], 1, 1)), excel_serial(date(years[1] + 1, 1, 1)))
    serial = f"regexp_full_match(v, {quote_literal(EXCEL_SERIAL)})"
    aware = _sane(_aware_sql("v"), years)
    aggregates = [
        "count(*)",
        *(f"histogram({family}_first)" for family in FAMILIES),
        f"count(CASE WHEN year_first THEN CASE WHEN {aware} THEN 1 END END)",
        f"count(CASE WHEN {_sane(_epoch_sql('v'), years)} THEN 1 END)",
        f"count(CASE WHEN {serial} THEN CASE WHEN CAST(v AS DOUBLE) >= {low} "
        f"AND CAST(v AS DOUBLE) < {high} THEN 1 END END)",
        f"count(*) FILTER (WHERE regexp_matches(v, {quote_literal(DAY_FIRST_EVIDENCE)}))",
        f"count(*) FILTER (WHERE regexp_matches(v, {quote_literal(MONTH_FIRST_EVIDENCE)}))",
    ]
    return per_value, aggregates


def date_evidence_of(
    con: Connection, table: str, columns: list[str], years: tuple[int, int] | None = None
) -> dict[str, DateEvidence]:
    """`date_evidence` of several columns of `table` in one query (one row per column: a query
    over some 120 formats costs more to plan than to run on a few hundred values). Only dates
    within `years` (default `sane_years()`) count."""
    tbl = quote_identifier(table)
    samples = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {i} AS c, {quote_identifier(col)} AS v FROM {tbl} "
        f"WHERE {quote_identifier(col)} IS NOT NULL LIMIT {SAMPLE_SIZE})"
        for i, col in enumerate(columns)
    )
    shapes = ", ".join(f"regexp_matches(v, {quote_literal(r)}) AS {n}" for n, r in _SHAPES.items())
    text = f"CASE WHEN regexp_matches(v, {quote_literal(_SHAPES['has_letters'])}) "
    text += f"THEN {month_text_sql('v')} END AS tv"
    per_value, aggregates = _evidence_expressions(years or sane_years())
    rows = con.execute(
        f"SELECT c, {', '.join(aggregates)} FROM (SELECT c, v, year_first, {', '.join(per_value)} "
        f"FROM (SELECT c, v, {shapes}, {text} FROM ({samples}))) GROUP BY c"
    ).fetchall()
    found = {int(row[0]): row[1:] for row in rows}
    result: dict[str, DateEvidence] = {}
    for i, column in enumerate(columns):
        row = found.get(i)
        if not row or not row[0]:
            result[column] = DateEvidence(None, 0, 0, 0, 0, (), ())
            continue
        result[column] = _read_evidence(con, tbl, column, row)
    return result


def _read_evidence(con: Connection, tbl: str, column: str, row: tuple[Any, ...]) -> DateEvidence:
    """A column's `DateEvidence` from its row of `date_evidence_of` aggregates."""
    sample_size = int(row[0])
    scores: dict[str, int] = {}
    per_format: dict[str, list[tuple[int, str]]] = {}
    for family, histogram in zip(FAMILIES, row[1 : 1 + len(FAMILIES)], strict=True):
        counts = {int(k): int(n) for k, n in (histogram or {}).items()}
        scores[family] = sum(counts.values())
        per_format[family] = [(n, FAMILIES[family][i - 1]) for i, n in sorted(counts.items())]
    aware, epoch, serial, day_first, month_first = (int(v) for v in row[1 + len(FAMILIES) :])
    scores["iso"] += aware
    scores["epoch"] = epoch
    scores["serial"] = serial
    per_format["epoch"] = per_format["serial"] = []
    for family in per_format:
        per_format[family].sort(key=lambda item: -item[0])  # most used first, ties in list order
    preference = ["iso", "text", "dmy", "mdy", "epoch", "serial", "month"]
    best = max(preference, key=lambda f: (scores[f], -preference.index(f)))
    if scores[best] == 0:
        best_family: str | None = None
    elif best in ("dmy", "mdy") and scores["dmy"] == scores["mdy"]:
        best_family = "numeric"  # both orders read the sample: decided by the whole column
    else:
        best_family = best
    if best_family == "numeric":
        used = [f for _, f in per_format["dmy"]] + [f for _, f in per_format["mdy"]]
    elif best_family:
        used = [f for _, f in per_format[best_family]]
    else:
        used = []
    examples: tuple[str, ...] = ()
    if best_family in (None, "numeric"):  # shown to the user only when the format is unclear
        col = quote_identifier(column)
        examples = tuple(
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT v FROM (SELECT {col} AS v FROM {tbl} WHERE {col} IS NOT NULL "
                f"LIMIT {SAMPLE_SIZE}) LIMIT 5"
            ).fetchall()
        )
    return DateEvidence(
        best_family, scores[best], sample_size, day_first, month_first, tuple(used), examples
    )


def numeric_order(evidence: DateEvidence) -> str | None:
    """dmy / mdy when the whole column decides it (values over 12 on one side only), the
    majority when both occur (the other values are reported as rejects), else None."""
    if evidence.day_first_values and not evidence.month_first_values:
        return "dmy"
    if evidence.month_first_values and not evidence.day_first_values:
        return "mdy"
    if evidence.day_first_values or evidence.month_first_values:
        return "dmy" if evidence.day_first_values >= evidence.month_first_values else "mdy"
    return None


def family_formats(family: str, used: tuple[str, ...]) -> TimestampFormat:
    """The formats of a family, those seen in the sample first; a two-digit-year format seen
    in the sample is kept before its four-digit twin (`%Y` would read `26` as the year 26)."""
    if family in ("epoch", "serial"):
        return TimestampFormat(family, ())
    formats = FAMILIES[family]
    ordered = [f for f in used if f in formats] + [f for f in formats if f not in used]
    for short in [f for f in ordered if "%y" in f and f in used]:
        long = short.replace("%y", "%Y")
        if long in ordered and ordered.index(long) < ordered.index(short):
            ordered.remove(short)
            ordered.insert(ordered.index(long), short)
    return TimestampFormat(family, tuple(ordered))
