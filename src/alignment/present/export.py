"""Spreadsheet safety: tables and downloads that no spreadsheet runs as a formula.

Text starting with = + - @ (or a tab / carriage return) could run as a formula in Excel or
Sheets; it is prefixed with a single quote (OWASP "CSV injection"). This covers the CSV bytes of
the pages' download buttons and every table the app shows, because the table toolbar's own
"Download as CSV" exports what the table holds. Text that already starts with quotes before
such a character gets one more, so `restore` gives back exactly the original: an editor can
show neutralised text and save what was stored. Numbers are left alone.
"""

from __future__ import annotations

import io
import re

import polars as pl

FORMULA_START = r"^'*[=+\-@\t\r]"
"""Text a spreadsheet could read as a formula (after any quotes already in front)."""
NEUTRALISED = r"^'+[=+\-@\t\r]"
"""Text `neutralise` prefixed (one quote too many for the original)."""

_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


def neutralise_value(value: str) -> str:
    """One text value, prefixed with `'` when a spreadsheet could run it."""
    return "'" + value if re.match(FORMULA_START, value) else value


def restore_value(value: str) -> str:
    """The inverse of `neutralise_value`: the value as stored."""
    return value[1:] if re.match(NEUTRALISED, value) else value


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """The same frame (one row per input row) with every text cell and column name that could
    start a formula prefixed by `'`; categorical columns become text."""
    text_columns = [name for name, dtype in frame.schema.items() if isinstance(dtype, _TEXT_TYPES)]
    cells = frame.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text_columns
    )
    return cells.rename({name: neutralise_value(name) for name in cells.columns})


def restore(frame: pl.DataFrame) -> pl.DataFrame:
    """The inverse of `neutralise` for text (what an editor returns, as it is to be stored)."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    cells = frame.with_columns(
        pl.when(pl.col(name).str.contains(NEUTRALISED))
        .then(pl.col(name).str.slice(1))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )
    return cells.rename({name: restore_value(name) for name in cells.columns})


def safe_csv(frame: pl.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel detects the encoding) with formulas neutralised."""
    return b"\xef\xbb\xbf" + neutralise(frame).write_csv().encode("utf-8")


def parquet(frame: pl.DataFrame) -> bytes:
    """Parquet bytes of `frame`, types kept (a spreadsheet does not open Parquet, so nothing is
    neutralised)."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()
