"""Casting text to typed values in DuckDB: the SQL for each column kind, and reading the formats
of a column from its data (date formats and day/month order, decimal comma or point).

Everything is read as text first; these expressions turn a cleaned text column into a
timestamp, number, integer, boolean or date, giving NULL where a value cannot be read so the
loader can report it as a reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from alignment.store import Connection, quote_identifier, quote_literal

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
DAY_FIRST_FORMATS: list[str] = _dated(["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y"])
MONTH_FIRST_FORMATS: list[str] = _dated(["%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y"])
TEXT_MONTH_FORMATS: list[str] = [
    "%d %b, %Y %H:%M:%S",
    "%d %b, %Y %H:%M",
    "%d %b, %Y",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%a, %d %b %Y %H:%M:%S",
]
MONTH_ONLY_FORMATS: list[str] = ["%Y-%m", "%b %Y", "%B %Y", "%m/%Y", "%Y%m"]

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
}

DAY_FIRST_EVIDENCE = r"^\s*(1[3-9]|2[0-9]|3[01])[/.-](0?[1-9]|1[0-2])[/.-]\d{2,4}"
MONTH_FIRST_EVIDENCE = r"^\s*(0?[1-9]|1[0-2])[/.-](1[3-9]|2[0-9]|3[01])[/.-]\d{2,4}"
NUMERIC_DATE = r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
EPOCH_MILLISECONDS = r"^\d{12,13}$"


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


def _format_list(formats: list[str]) -> str:
    return "[" + ", ".join(quote_literal(f) for f in formats) + "]"


@dataclass(frozen=True)
class TimestampFormat:
    """How one column's timestamps are written: a format family and its formats, best first."""

    family: str
    formats: tuple[str, ...]

    @property
    def label(self) -> str:
        return FAMILY_LABEL.get(self.family, self.family)


def timestamp_sql(value_sql: str, fmt: TimestampFormat, timezone: str) -> str:
    """SQL: TIMESTAMPTZ from cleaned text. Values with an offset (or `Z`) keep it; naive values
    are read in `timezone` and stored as UTC. NULL when the value does not fit the format."""
    if fmt.family == "epoch":
        return (
            f"CASE WHEN regexp_matches({value_sql}, {quote_literal(EPOCH_MILLISECONDS)}) "
            f"THEN to_timestamp(try_cast({value_sql} AS BIGINT) / 1000) END"
        )
    aware = (
        f"try_strptime(regexp_replace({value_sql}, 'Z$', '+00:00'), "
        f"{_format_list(ISO_AWARE_FORMATS)})"
    )
    naive_formats = list(fmt.formats) + [f for f in ISO_FORMATS if f not in fmt.formats]
    naive = f"try_strptime({value_sql}, {_format_list(naive_formats)})"
    if timezone == "UTC":  # the same instant, without a time-zone conversion (~2x faster)
        local = f"make_timestamptz(epoch_us({naive}))"
    else:
        local = f"timezone({quote_literal(timezone)}, {naive})"
    return f"coalesce({local}, {aware})"


def date_sql(value_sql: str, fmt: TimestampFormat) -> str:
    """SQL: the first day of the month (DATE) for month-grain fields such as spend months."""
    formats = list(fmt.formats) + [
        f for f in ISO_FORMATS + MONTH_ONLY_FORMATS if f not in fmt.formats
    ]
    return f"CAST(date_trunc('month', try_strptime({value_sql}, {_format_list(formats)})) AS DATE)"


def number_sql(value_sql: str, decimal_comma: bool) -> str:
    """SQL: DOUBLE from amounts like `$22,700.00`, `1.234,50 €`, `(300)` (negative), `12 %`."""
    stripped = f"regexp_replace({value_sql}, '[^0-9.,()+-]', '', 'g')"
    if decimal_comma:
        normalised = f"replace(replace({stripped}, '.', ''), ',', '.')"
    else:
        normalised = f"replace({stripped}, ',', '')"
    unsigned = f"try_cast(trim(replace(replace({normalised}, '(', ''), ')', '')) AS DOUBLE)"
    written = f"CASE WHEN {value_sql} LIKE '(%)' THEN -{unsigned} ELSE {unsigned} END"
    if decimal_comma:
        return written
    return f"coalesce(try_cast({value_sql} AS DOUBLE), {written})"  # plain numbers: fast path


def integer_sql(value_sql: str, decimal_comma: bool) -> str:
    """SQL: BIGINT from a whole number written like an amount (`1,000`); NULL for fractions."""
    number = number_sql(value_sql, decimal_comma)
    written = f"CASE WHEN {number} = round({number}) THEN CAST({number} AS BIGINT) END"
    if decimal_comma:
        return written
    return f"coalesce(try_cast({value_sql} AS BIGINT), {written})"  # plain integers: fast path


def boolean_sql(value_sql: str) -> str:
    """SQL: BOOLEAN from Yes/No, TRUE/FALSE, 1/0, Y/N, checked/unchecked (any case)."""
    true_words = ", ".join(quote_literal(w) for w in TRUE_WORDS)
    false_words = ", ".join(quote_literal(w) for w in FALSE_WORDS)
    lowered = f"lower({value_sql})"
    return (
        f"CASE WHEN {lowered} IN ({true_words}) THEN TRUE "
        f"WHEN {lowered} IN ({false_words}) THEN FALSE END"
    )


# ---- reading formats from the data --------------------------------------------------------
def decimal_evidence(con: Connection, table: str, column: str) -> tuple[int, int]:
    """(values ending in a comma and one or two digits, values ending in a point and one or two
    digits) over a column: `1.234,50` and `12,5` are comma evidence, `22,700.00` point."""
    col = quote_identifier(column)
    row = con.execute(  # `contains` first: most values have neither mark, and it is cheap
        f"SELECT count(*) FILTER (WHERE contains({col}, ',') "
        f"AND regexp_matches({col}, ',\\d{{1,2}}\\D*$')), "
        f"count(*) FILTER (WHERE contains({col}, '.') "
        f"AND regexp_matches({col}, '\\.\\d{{1,2}}\\D*$')) "
        f"FROM {quote_identifier(table)}"
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def reads_as_decimal_comma(comma_values: int, point_values: int) -> bool:
    """Decimal comma when some value has comma evidence and none has point evidence."""
    return bool(comma_values) and not point_values


def detect_decimal_comma(con: Connection, table: str, column: str) -> bool:
    """True when the column writes decimals with a comma (`1.234,50`, `12,5`): some value ends in
    a comma and one or two digits and none ends in a point and one or two digits."""
    return reads_as_decimal_comma(*decimal_evidence(con, table, column))


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
value is tried against some 40 formats)."""

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


def _evidence_expressions() -> tuple[list[str], list[tuple[str, str | None]]]:
    """The aggregates `date_evidence_of` computes per column, and which family / format each
    of the per-family ones counts."""
    expressions: list[str] = ["count(*)"]
    layout: list[tuple[str, str | None]] = []
    for family, formats in FAMILIES.items():
        shape = _FAMILY_SHAPE.get(family, "TRUE")
        expressions.append(
            f"count(CASE WHEN {shape} THEN try_strptime(v, {_format_list(formats)}) END)"
        )
        layout.append((family, None))
        for fmt in formats:
            expressions.append(
                f"count(CASE WHEN {shape} THEN try_strptime(v, {quote_literal(fmt)}) END)"
            )
            layout.append((family, fmt))
    expressions += [
        f"count(CASE WHEN year_first THEN try_strptime(regexp_replace(v, 'Z$', '+00:00'), "
        f"{_format_list(ISO_AWARE_FORMATS)}) END)",
        f"count(*) FILTER (WHERE regexp_matches(v, {quote_literal(EPOCH_MILLISECONDS)}))",
        f"count(*) FILTER (WHERE regexp_matches(v, {quote_literal(DAY_FIRST_EVIDENCE)}))",
        f"count(*) FILTER (WHERE regexp_matches(v, {quote_literal(MONTH_FIRST_EVIDENCE)}))",
    ]
    return expressions, layout


def date_evidence_of(con: Connection, table: str, columns: list[str]) -> dict[str, DateEvidence]:
    """`date_evidence` of several columns of `table` in one query (one row per column: a query
    with some 80 aggregates costs more to plan than to run on a few hundred values)."""
    tbl = quote_identifier(table)
    samples = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {i} AS c, {quote_identifier(col)} AS v FROM {tbl} "
        f"WHERE {quote_identifier(col)} IS NOT NULL LIMIT {SAMPLE_SIZE})"
        for i, col in enumerate(columns)
    )
    shapes = ", ".join(f"regexp_matches(v, {quote_literal(r)}) AS {n}" for n, r in _SHAPES.items())
    expressions, layout = _evidence_expressions()
    rows = con.execute(
        f"SELECT c, {', '.join(expressions)} FROM (SELECT c, v, {shapes} FROM ({samples})) "
        "GROUP BY c"
    ).fetchall()
    found = {int(row[0]): row[1:] for row in rows}
    result: dict[str, DateEvidence] = {}
    for i, column in enumerate(columns):
        row = found.get(i)
        if not row or not row[0]:
            result[column] = DateEvidence(None, 0, 0, 0, 0, (), ())
            continue
        result[column] = _read_evidence(con, tbl, column, row, layout)
    return result


def _read_evidence(
    con: Connection,
    tbl: str,
    column: str,
    row: tuple[Any, ...],
    layout: list[tuple[str, str | None]],
) -> DateEvidence:
    """A column's `DateEvidence` from its row of `date_evidence_of` aggregates."""
    sample_size = int(row[0])
    scores: dict[str, int] = {}
    per_format: dict[str, list[tuple[int, str]]] = {f: [] for f in FAMILIES}
    for (family, fmt), count in zip(layout, row[1 : 1 + len(layout)], strict=True):
        if fmt is None:
            scores[family] = int(count)
        elif count:
            per_format[family].append((int(count), fmt))
    aware, epoch, day_first, month_first = (int(v) for v in row[1 + len(layout) :])
    scores["iso"] += aware
    scores["epoch"] = epoch
    per_format["epoch"] = []
    for family in per_format:
        per_format[family].sort(reverse=True)
    preference = ["iso", "text", "dmy", "mdy", "epoch", "month"]
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
    """The formats of a family, those seen in the sample first."""
    if family == "epoch":
        return TimestampFormat("epoch", ())
    formats = FAMILIES[family]
    ordered = [f for f in used if f in formats] + [f for f in formats if f not in used]
    return TimestampFormat(family, tuple(ordered))
