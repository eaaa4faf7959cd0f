"""Dimensions a metric can be broken down by: their labels and their SQL over each fact model.

The global filter dimensions (channel, segment, region, team, owner) exist on both `lead_facts`
(alias `l`) and `opp_facts` (alias `o`); the funnel adds campaign, industry, employee band and
country, which only leads carry, and the Channels page product, which only opportunities
carry. Missing values read `(not set)`, so they stay visible.
"""

from __future__ import annotations

from alignment.filters import DIMENSIONS
from alignment.model.facts import NOT_SET
from alignment.sql import quote_literal

FUNNEL_DIMENSIONS: tuple[str, ...] = (
    *DIMENSIONS,
    "campaign",
    "industry",
    "employee_band",
    "country",
)
"""Dimensions a lead metric can be broken down by (the global filter dimensions and more)."""

OPP_DIMENSIONS: tuple[str, ...] = (*DIMENSIONS, "product")
"""Dimensions an opportunity metric can be broken down by (the global filter dimensions and the
opportunity's product)."""

DIMENSION_LABELS: dict[str, str] = {
    "channel": "Channel",
    "segment": "Segment",
    "region": "Region",
    "team": "Team",
    "owner": "Owner",
    "campaign": "Campaign",
    "industry": "Industry",
    "employee_band": "Employee band",
    "country": "Country",
    "product": "Product",
}
"""How each dimension is labelled (the same on every page)."""

EMPLOYEE_BANDS: tuple[tuple[int | None, str], ...] = (
    (10, "1–10"),
    (50, "11–50"),
    (200, "51–200"),
    (1000, "201–1,000"),
    (5000, "1,001–5,000"),
    (None, "5,001+"),
)
"""(largest employee count, label) of each company-size band, smallest first."""


def check_dimension(dimension: str, allowed: tuple[str, ...] = FUNNEL_DIMENSIONS) -> str:
    """`dimension` if it is one of `allowed`, else ValueError naming the choices."""
    if dimension not in allowed:
        raise ValueError(f"unknown dimension {dimension!r}: use one of {', '.join(allowed)}")
    return dimension


def dimension_sql(dimension: str, model: str = "leads") -> str:
    """The SQL expression of a dimension over `lead_facts l` (model `leads`) or `opp_facts o`
    (model `opportunities`: `OPP_DIMENSIONS`)."""
    if model == "opportunities":
        check_dimension(dimension, OPP_DIMENSIONS)
        if dimension == "product":
            return f"coalesce(nullif(trim(o.product), ''), {quote_literal(NOT_SET)})"
        return f"o.{dimension}"
    check_dimension(dimension)
    not_set = quote_literal(NOT_SET)
    if dimension in (*DIMENSIONS, "campaign"):
        return f"l.{dimension}"  # the model already fills these with (not set)
    if dimension in ("industry", "country"):
        return f"coalesce(nullif(trim(l.{dimension}), ''), {not_set})"
    cases = " ".join(
        f"WHEN l.employees <= {limit} THEN {quote_literal(label)}"
        for limit, label in EMPLOYEE_BANDS
        if limit is not None
    )
    return (
        f"CASE WHEN l.employees IS NULL OR l.employees < 1 THEN {not_set} {cases} "
        f"ELSE {quote_literal(EMPLOYEE_BANDS[-1][1])} END"
    )
