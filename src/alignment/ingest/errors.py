"""Errors the import pipeline reports to users: always naming the file, and the row and column
when there is one, so the message alone says what to fix."""

from __future__ import annotations


class IngestError(Exception):
    """A file that cannot be imported (or an import that cannot be deleted), with where it
    went wrong. `str(error)` is the sentence shown to the user."""

    def __init__(
        self,
        message: str,
        *,
        file_name: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file_name = file_name
        self.row = row
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.file_name:
            where.append(self.file_name)
        if self.row is not None:
            where.append(f"row {self.row:,}")
        if self.column:
            where.append(f"column {self.column!r}")
        return (", ".join(where) + ": " if where else "") + self.message


class AmbiguousDateOrderError(IngestError):
    """Dates like 03/04/2026 where nothing in the file decides between day-first and
    month-first. `columns` holds example values per column; the user must choose the order."""

    def __init__(self, file_name: str, columns: dict[str, list[str]]) -> None:
        self.columns = columns
        names = ", ".join(repr(c) for c in columns)
        super().__init__(
            f"the dates in {names} could be day-first (31/12) or month-first (12/31) and no value "
            "decides it. Choose the day / month order (CLI: --date-order dmy or mdy).",
            file_name=file_name,
        )
