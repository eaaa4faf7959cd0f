"""Downloads: CSV bytes that are safe to open in a spreadsheet.

Text cells starting with = + - @ (or a tab / carriage return) could run as formulas in Excel or
Sheets; they are prefixed with a single quote (OWASP "CSV injection"). Numbers are left alone.
"""

from __future__ import annotations

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """The same frame with every text cell that could start a formula prefixed by `'`."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


def safe_csv(frame: pl.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel detects the encoding) with formulas neutralised."""
    return b"\xef\xbb\xbf" + neutralise(frame).write_csv().encode("utf-8")
