"""Personal data: which columns hold it and how it is masked (DESIGN section 7).

Names and e-mail addresses are masked in presenter mode (a shared screen) and in the review pack
by default. Masking keeps enough to tell records apart in a meeting (an initial, the e-mail
domain) and nothing that identifies the person.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from alignment.model.facts import NOT_SET

PERSONAL_NAME_COLUMNS: tuple[str, ...] = (
    "name",
    "full_name",
    "first_name",
    "last_name",
    "owner",
    "manager",
)
"""Columns holding a person's name (any frame a page shows or downloads): the lead's, and the
sales owner's and manager's (colleagues are people too, on a shared screen)."""

PERSON_DIMENSIONS: frozenset[str] = frozenset({"owner"})
"""Breakdowns whose values are people's names: masked with `masked_labels`, which keeps the
values apart (a chart would merge two values that read the same)."""

EMAIL_COLUMNS: tuple[str, ...] = ("email", "e_mail", "email_address")
"""Columns holding an e-mail address."""

MASK = "•••"


def mask_name(expression: pl.Expr) -> pl.Expr:
    """`Ada Lovelace` -> `A•••`; missing stays missing; a value masked already (`A••• 2`, from
    `masked_labels`) stays as it is, so masking twice keeps labels apart; `(not set)` (no owner)
    is nobody's name and stays."""
    return (
        pl.when(expression.str.contains(MASK, literal=True) | (expression == NOT_SET))
        .then(expression)
        .when(expression.str.strip_chars().str.len_chars() > 0)
        .then(expression.str.strip_chars().str.slice(0, 1) + pl.lit(MASK))
    )


def mask_email(expression: pl.Expr) -> pl.Expr:
    """`ada@example.com` -> `•••@example.com` (the domain is the company, not the person)."""
    domain = expression.str.extract(r"@([^@\s]+)\s*$", 1)
    return (
        pl.when(domain.is_not_null())
        .then(pl.lit(MASK + "@") + domain)
        .when(expression.str.strip_chars().str.len_chars() > 0)
        .then(pl.lit(MASK))
    )


def mask_personal_data(frame: pl.DataFrame) -> pl.DataFrame:
    """The same frame (one row per input row) with names and e-mails masked."""
    masks = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        if name.lower() in PERSONAL_NAME_COLUMNS:
            masks.append(mask_name(pl.col(name)).alias(name))
        elif name.lower() in EMAIL_COLUMNS:
            masks.append(mask_email(pl.col(name)).alias(name))
    return frame.with_columns(masks) if masks else frame


def masked_labels(values: Sequence[str | None]) -> dict[str, str]:
    """Each distinct value -> its masked label, in first-seen order: `Ada Lovelace` -> `A•••`,
    a second value with the same initial -> `A••• 2`, so the labels stay distinct."""
    labels: dict[str, str] = {}
    seen: dict[str, int] = {}
    for value in values:
        if value is None or value in labels:
            continue
        if value == NOT_SET:
            labels[value] = value
            continue
        stripped = value.strip()
        base = (stripped[:1] + MASK) if stripped else MASK
        seen[base] = seen.get(base, 0) + 1
        labels[value] = base if seen[base] == 1 else f"{base} {seen[base]}"
    return labels


def mask_dimension(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """The same frame (same rows, same order) with the values of `column`, a breakdown by
    person, replaced by `masked_labels`; other frames and columns unchanged."""
    if column not in frame.columns or frame.schema[column] != pl.String:
        return frame
    labels = masked_labels(frame[column].to_list())
    return frame.with_columns(pl.col(column).replace_strict(labels, default=None))


def mask_person(value: str) -> str:
    """One person's name or e-mail as text (a filter value, a caption): an e-mail address as
    `mask_email`, anything else as `mask_name`."""
    expression = mask_email if "@" in value else mask_name
    masked = pl.select(expression(pl.lit(value, pl.String))).item()
    return masked if masked is not None else MASK
