"""The Funnel's tables for people: conversion by a dimension, time to convert by a dimension
and lead acceptance against its target, from the frames of `metrics.funnel` (one row per value
of the dimension), with rates, intervals and days formatted by `present.format` and the
too-few-to-tell marker."""

from __future__ import annotations

import polars as pl

from alignment.metrics import registry
from alignment.metrics.dimensions import DIMENSION_LABELS
from alignment.present import format
from alignment.stats import MIN_N

TOO_FEW_TEXT = "too few to tell"
"""What a row says when its n is below `stats.MIN_N` (or its interval too wide to rank)."""

ACCEPTANCE_DEFINITION = registry.page_metric("lead_acceptance").definition

WHATIF_NOTE = (
    "Volume: scored leads created in the period at or above the threshold. Expected rate: the "
    "MQL → SQL of past MQLs at or above it (n = {n}); leads below today's bar that would newly "
    "qualify have no SQL history, so lowering the threshold makes this optimistic."
)


def display_by_dimension(rows: pl.DataFrame, dimension: str, *, flow: bool = False) -> pl.DataFrame:
    """One step of `conversion_by_dimension` as a table for people: one row per value, in
    the frame's order, with n, converted, the rate (or flow ratio), its 95 % interval and the
    too-few-to-tell marker."""
    rate_name = "Flow ratio" if flow else "Conversion"
    return pl.DataFrame(
        {
            DIMENSION_LABELS[dimension]: [str(v) for v in rows[dimension].to_list()],
            "n": rows["n"].to_list(),
            "Converted": rows["converted"].to_list(),
            rate_name: [format.rate(v) for v in rows["rate"].to_list()],
            "95 % interval": [
                "–" if flow else format.rate_interval(lo, hi)
                for lo, hi in zip(
                    rows["rate_low"].to_list(), rows["rate_high"].to_list(), strict=True
                )
            ],
            "Note": [TOO_FEW_TEXT if t else "" for t in rows["too_few"].to_list()],
        },
        schema={
            DIMENSION_LABELS[dimension]: pl.String,
            "n": pl.Int64,
            "Converted": pl.Int64,
            rate_name: pl.String,
            "95 % interval": pl.String,
            "Note": pl.String,
        },
    )


def display_time_to_convert(rows: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """`time_to_convert(by=dimension)` as a table for people: one row per value."""
    return pl.DataFrame(
        {
            DIMENSION_LABELS[dimension]: [str(v) for v in rows[dimension].to_list()],
            "n": rows["n"].to_list(),
            "Median": [format.days(v) for v in rows["median_days"].to_list()],
            "p75": [format.days(v) for v in rows["p75_days"].to_list()],
            "p90": [format.days(v) for v in rows["p90_days"].to_list()],
            "Note": [TOO_FEW_TEXT if n < MIN_N else "" for n in rows["n"].to_list()],
        },
        schema={
            DIMENSION_LABELS[dimension]: pl.String,
            "n": pl.Int64,
            "Median": pl.String,
            "p75": pl.String,
            "p90": pl.String,
            "Note": pl.String,
        },
    )


def display_acceptance(rows: pl.DataFrame, dimension: str, target: float) -> pl.DataFrame:
    """`lead_acceptance(by=dimension)` as a table for people, with the status against the
    target: met (rate >= target), missed (the whole 95 % interval is below it), at risk
    (below the target but the interval reaches it) or too few to tell."""

    def status(rate: float | None, high: float | None, decided: int) -> str:
        if rate is None or decided < MIN_N:
            return TOO_FEW_TEXT
        if rate >= target:
            return "met"
        return "missed" if high is not None and high < target else "at risk"

    decided = (rows["accepted"] + rows["rejected"]).to_list()
    return pl.DataFrame(
        {
            DIMENSION_LABELS[dimension]: [str(v) for v in rows[dimension].to_list()],
            "MQLs": rows["mqls"].to_list(),
            "Accepted": rows["accepted"].to_list(),
            "Rejected": rows["rejected"].to_list(),
            "Pending": rows["pending"].to_list(),
            "Acceptance": [format.rate(v) for v in rows["acceptance_rate"].to_list()],
            "95 % interval": [
                format.rate_interval(lo, hi)
                for lo, hi in zip(
                    rows["acceptance_rate_low"].to_list(),
                    rows["acceptance_rate_high"].to_list(),
                    strict=True,
                )
            ],
            "Status": [
                status(r, h, d)
                for r, h, d in zip(
                    rows["acceptance_rate"].to_list(),
                    rows["acceptance_rate_high"].to_list(),
                    decided,
                    strict=True,
                )
            ],
        },
        schema={
            DIMENSION_LABELS[dimension]: pl.String,
            "MQLs": pl.Int64,
            "Accepted": pl.Int64,
            "Rejected": pl.Int64,
            "Pending": pl.Int64,
            "Acceptance": pl.String,
            "95 % interval": pl.String,
            "Status": pl.String,
        },
    )
