"""Reading a CSV export's rows as text with DuckDB, without losing or merging a row silently.

Owns the UTF-8 file DuckDB reads (the export itself through a link with a plain name, so a file
called `*.csv` is never read as a pattern; Windows-1252 / UTF-16 exports transcoded; a UTF-8
export with a few lines in another encoding repaired line by line and those lines reported),
the `read_csv` call (strict CSV, short rows padded, a few spare columns so a row with more values
than the header is seen instead of cut), what DuckDB's CSV errors mean to the user, and the
check that every record of the file is one row: a quote left open swallows the rows after it
into one value, which is reported with its line instead of loaded.
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from alignment.db.store import quote_literal
from alignment.ingest import values
from alignment.ingest.errors import IngestError
from alignment.ingest.sniff import REPAIR_ERRORS, SniffedTable, Source, repairs

SPARE_COLUMNS = 8
"""Columns read beyond the header's, so a row with a few values too many is reported as a
reject instead of having its last values cut off (more than this fails the import)."""

SPARE_PREFIX = "__spare_"
TRANSCODE_CHUNK = 16 * 1024 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longest record DuckDB reads (long notes fields), and the buffer it reads the file with (an
explicit buffer: the default for this line limit is far larger, which made reading the sample of
the first rows read most of the file)."""


@dataclass
class TextFile:
    """The UTF-8 file DuckDB reads for an export, and how it was made."""

    path: Path
    repaired_lines: list[int] = field(default_factory=list)
    """1-based lines of a UTF-8 export that were not UTF-8 (read as Windows-1252)."""
    parallel: bool = True
    """DuckDB's parallel CSV reader; turned off for files with line breaks inside values,
    which it cannot read together with padding of short rows."""


def spare_columns() -> list[str]:
    return [f"{SPARE_PREFIX}{i}" for i in range(1, SPARE_COLUMNS + 1)]


def _linked(path: Path, workdir: Path) -> Path:
    """A link to the export with a plain name: DuckDB reads a path as a glob pattern, so a file
    named `*.csv` or `x[ab].csv` would read other files."""
    target = workdir / "export.csv"
    if target.exists() or target.is_symlink():
        target.unlink()
    try:
        target.symlink_to(path.resolve())
    except OSError:  # a file system without links: copy it
        target.write_bytes(path.read_bytes())
    return target


def text_file(source: Source, sniffed: SniffedTable, workdir: Path) -> TextFile:
    """The export as a UTF-8 file DuckDB can read (the export itself, through a link, when it
    already is one on disk)."""
    if sniffed.encoding in ("utf-8", "utf-8-sig"):
        if isinstance(source, Path):
            return TextFile(_linked(source, workdir))
        target = workdir / "export.csv"
        target.write_bytes(source)
        return TextFile(target)
    target = workdir / "export.csv"
    _transcode(source, sniffed.encoding, target, "replace")
    return TextFile(target)


def repaired_text_file(source: Source, workdir: Path) -> TextFile:
    """A UTF-8 export with lines that are not UTF-8: those lines are read as Windows-1252 (the
    rest stays UTF-8) and listed, so `José` stays `José` on every other line."""
    target = workdir / "repaired.csv"
    lines = _transcode(source, "utf-8", target, REPAIR_ERRORS, report_repairs=True)
    return TextFile(target, repaired_lines=lines)


def _chunks(source: Source) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    with open(source, "rb") as handle:
        while chunk := handle.read(TRANSCODE_CHUNK):
            yield chunk


def _transcode(
    source: Source, encoding: str, target: Path, errors: str, *, report_repairs: bool = False
) -> list[int]:
    """Write `source` decoded from `encoding` as UTF-8 to `target`; with `report_repairs`,
    return the 1-based lines where the error handler stepped in. (A sequence cut by a chunk
    boundary is carried over by the incremental decoder; it holds no line break.)"""
    repaired: set[int] = set()
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    line = 1
    repairs.offsets = [] if report_repairs else None
    try:
        with open(target, "w", encoding="utf-8", newline="") as out:
            for chunk in _chunks(source):
                out.write(decoder.decode(chunk))
                if report_repairs:
                    repaired.update(line + n for n in repairs.offsets)
                    repairs.offsets = []
                line += chunk.count(b"\n")
            out.write(decoder.decode(b"", final=True))
            if report_repairs:
                repaired.update(line + n for n in repairs.offsets)
    finally:
        repairs.offsets = None
    return sorted(repaired)


def csv_relation(text: TextFile, sniffed: SniffedTable) -> str:
    """SQL relation yielding the file's records as text: one column per header column, in file
    order, then the spare columns (NULL unless a row has more values than the header)."""
    names = [*sniffed.columns, *spare_columns()]
    columns = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in names) + "}"
    delimiter = sniffed.delimiter or ","
    return (
        f"read_csv({quote_literal(str(text.path))}, delim={quote_literal(delimiter)}, "
        f"quote='\"', escape='\"', header=true, skip={int(sniffed.header_row)}, "
        f"columns={columns}, auto_detect=false, null_padding=true, strict_mode=true, "
        f"parallel={'true' if text.parallel else 'false'}, "
        f"max_line_size={MAX_LINE_BYTES}, buffer_size={2 * MAX_LINE_BYTES}, "
        f"nullstr=[{', '.join(quote_literal(v) for v in values.CSV_NULL_STRINGS)}])"
    )


# ---- what DuckDB's CSV errors mean ---------------------------------------------------------
@dataclass(frozen=True)
class CsvError:
    """A DuckDB CSV error, classified."""

    kind: str  # parallel_newlines / invalid_unicode / open_quote / too_many_values / other
    line: int | None
    text: str  # the line as DuckDB quotes it (cut), or the first line of the message


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_ORIGINAL = re.compile(r"Original Line: (.*?)(?:\n\S|\n\n|$)", re.S)


def classify(exc: BaseException) -> CsvError:
    message = str(exc)
    found = _LINE.search(message)
    line = int(found[1]) if found else None
    original = _ORIGINAL.search(message)
    text = (original[1] if original else message.strip().splitlines()[0]).strip()
    if "does not support null_padding in conjunction with quoted new lines" in message:
        return CsvError("parallel_newlines", line, text)
    if "Invalid unicode" in message:
        return CsvError("invalid_unicode", line, text)
    if "unterminated quote" in message:
        return CsvError("open_quote", line, text)
    if "Expected Number of Columns" in message:
        return CsvError("too_many_values", line, text)
    return CsvError("other", line, text)


def _shown(text: str, limit: int = 80) -> str:
    flat = " ⏎ ".join(part for part in text.splitlines() if part.strip())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def read_error(error: CsvError, sniffed: SniffedTable) -> IngestError:
    """The message for a CSV the file's structure makes unreadable (nothing is imported)."""
    if error.kind == "open_quote":
        message = (
            f"a quoted value starting on line {error.line} is not closed where it should be "
            f"({_shown(error.text)}), so the rows after it would be read as part of one value. "
            'Fix the quotes on that line (a quote inside a quoted value is written twice: "") '
            "and import again."
        )
    elif error.kind == "too_many_values":
        message = (
            f"line {error.line} has more values than the header's {len(sniffed.columns)} "
            f"columns ({_shown(error.text)}). Check the delimiters and quotes on that line."
        )
    else:
        message = f"the file cannot be read as CSV ({_shown(error.text, 200)})."
    return IngestError(message, file_name=sniffed.file_name, row=None)


# ---- every record is one row -------------------------------------------------------------
def line_count(path: Path) -> int:
    """Lines in a text file (a last line without a line break counts)."""
    count = 0
    last = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(TRANSCODE_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (1 if last not in (b"", b"\n") else 0)


@dataclass
class RecordLayout:
    """Where the file's records are: the spreadsheet row of each non-blank record (when it
    differs from the record's position: values over several lines, blank lines), and the
    first record whose value swallowed lines that look like rows of the file."""

    rows: list[int] | None = None
    swallowed: tuple[int, str, str] | None = None  # (row, column, value)


def record_layout(
    text: TextFile, sniffed: SniffedTable, records: int, lines: int | None = None
) -> RecordLayout:
    """Compare the file's `lines` (counted here when not given) with the `records` DuckDB
    read. When every record is one line
    (the usual case), nothing more is done. Otherwise the file is parsed again here to find
    each record's spreadsheet row and to check multi-line values: a value whose lines after
    the first have as many delimiters as a row of the file most likely holds rows a quote left
    open swallowed."""
    if lines is None:
        lines = line_count(text.path)
    if lines - sniffed.header_row - 1 == records:
        return RecordLayout()
    delimiter = sniffed.delimiter or ","
    width = len(sniffed.columns)
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    rows: list[int] = []
    swallowed = None
    try:
        with open(text.path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            for index, record in enumerate(reader):
                if index <= sniffed.header_row or not record:
                    continue
                row = index + 1
                rows.append(row)
                if swallowed is None and width >= 3:
                    swallowed = _swallowed(record, row, sniffed.columns, delimiter, width)
    finally:
        csv.field_size_limit(previous_limit)
    return RecordLayout(rows=rows, swallowed=swallowed)


def _swallowed(
    record: list[str], row: int, columns: list[str], delimiter: str, width: int
) -> tuple[int, str, str] | None:
    for position, value in enumerate(record):
        if "\n" not in value:
            continue
        for part in value.splitlines()[1:]:
            if part.count(delimiter) >= width - 1:
                name = columns[position] if position < len(columns) else f"value {position + 1}"
                return row, name, value
    return None


def swallowed_error(found: tuple[int, str, str], sniffed: SniffedTable) -> IngestError:
    row, column, value = found
    lines = value.count("\n") + 1
    return IngestError(
        f"this value runs over {lines:,} lines that look like rows of the file "
        f"({_shown(value)}): a quote was most likely opened and not closed on this row, "
        "swallowing the rows after it. Fix the quotes on that row and import again.",
        file_name=sniffed.file_name,
        row=row,
        column=column,
    )


def repaired_warning(lines: list[int]) -> str:
    shown = ", ".join(f"{n:,}" for n in lines[:10]) + (" …" if len(lines) > 10 else "")
    return (
        f"{len(lines):,} line(s) of this UTF-8 file are not valid UTF-8 (line {shown}); they "
        "were read as Windows-1252. Check the names on those lines."
    )
