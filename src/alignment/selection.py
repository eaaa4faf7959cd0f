"""What a view shows: a period, what to compare it with, and the global filters, as one value.

Every metric function takes a `Selection` (or, for the simplest calls, a bare `Period`, which
selects that period alone: no filters, no comparison). It is hashable, so the app caches results
by it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from alignment.filters import NO_FILTERS, Filters
from alignment.periods import ALL_TIME, COMPARISONS, Comparison, Period


@dataclass(frozen=True)
class Selection:
    """The period, what to compare it with, and the filters."""

    period: Period = ALL_TIME
    comparison: Comparison = "previous"
    filters: Filters = NO_FILTERS

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise ValueError(
                f"unknown comparison {self.comparison!r}: use {', '.join(COMPARISONS)}"
            )

    @property
    def comparison_period(self) -> Period | None:
        """The period to compare with (None for no comparison, or for all time)."""
        return self.period.comparison(self.comparison)

    def at(self, period: Period) -> Selection:
        """The same selection for another period."""
        return replace(self, period=period)

    @property
    def alone(self) -> Selection:
        """The same period and filters without a comparison: what a section that compares
        nothing is keyed by, so that changing the comparison does not compute it again."""
        return replace(self, comparison="none")

    def describe(self) -> str:
        """One line for captions: `March 2026 vs February 2026 · channel: Email`."""
        other = self.comparison_period
        text = self.period.label + (f" vs {other.label}" if other else "")
        return text + ("" if self.filters.is_empty else f" · {self.filters.describe()}")


def selection_of(value: Selection | Period) -> Selection:
    """A `Selection` as is, or the selection of a bare `Period` (no filters, no comparison)."""
    return value if isinstance(value, Selection) else Selection(value, comparison="none")


def period_and_filters(selection: Selection | Period) -> tuple[Period, Filters]:
    """The period and filters of a selection (of a bare period: no filters)."""
    chosen = selection_of(selection)
    return chosen.period, chosen.filters
