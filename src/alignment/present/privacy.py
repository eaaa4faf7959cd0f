"""Personal data: which columns hold it and how it is masked (DESIGN section 7).

Names and e-mail addresses are masked in presenter mode (a shared screen) and in the review pack
by default. Masking keeps enough to tell records apart in a meeting (an initial, the e-mail
domain) and nothing that identifies the person.
"""

from __future__ import annotations

import polars as pl

PERSONAL_NAME_COLUMNS: tuple[str, ...] = ("name", "full_name", "first_name", "last_name")
"""Columns holding a person's name (any frame a page shows or downloads)."""

EMAIL_COLUMNS: tuple[str, ...] = ("email", "e_mail", "email_address")
"""Columns holding an e-mail address."""

MASK = "•••"


def mask_name(expression: pl.Expr) -> pl.Expr:
    """`Ada Lovelace` -> `A•••`; missing stays missing."""
    return pl.when(expression.str.strip_chars().str.len_chars() > 0).then(
        expression.str.strip_chars().str.slice(0, 1) + pl.lit(MASK)
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


def mask_person(value: str) -> str:
    """One person's name or e-mail as text (a filter value, a caption): an e-mail address as
    `mask_email`, anything else as `mask_name`."""
    expression = mask_email if "@" in value else mask_name
    masked = pl.select(expression(pl.lit(value, pl.String))).item()
    return masked if masked is not None else MASK
