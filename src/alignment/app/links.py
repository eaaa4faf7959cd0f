"""Shared links: what a link's query string asks the sidebar for, and what of it can be applied.

The sidebar's widgets are bound to the URL (`bind="query-params"`), which stores each value as
the widget shows it (`?grain=Quarter&period=Q3+2026&channel=Email`). On a session's first run,
Streamlit 1.67 seeds a bound widget from the URL only when the value is one of the widget's
options as displayed (`SessionState._seed_widget_from_url`): a selectbox or segmented-control
value that is not one of its labels, and every multiselect value that is not an option, is
removed from the URL (`_clear_url_param`) with nothing but a debug log, and the widget shows its
default. So `?period=2026-Q1` (the CLI's spelling), `?grain=quarter` or `?channel=Nonexistent`
silently showed another view. (A value put in session state instead is shown, but Streamlit
does not write it into the URL on that first run, so the link in the address bar would no
longer reproduce the view.)

`resolve` reads the link's raw values before any widget exists and rewrites them as the widgets
spell them: the CLI's spellings and other letter case become the option they mean, values that
cannot be applied are dropped, and one notice names those and what is shown instead. The
sidebar (`sidebar.sidebar_view`) writes the rewritten values into `st.query_params` and reruns, so
the widgets are seeded from a URL they accept and the address bar shows the view. Plain values
only: the Streamlit glue is in `sidebar.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from alignment.periods import COMPARISONS, GRAINS, Comparison, Grain, Period
from alignment.present.text import markdown_text

LINK_KEYS: tuple[str, ...] = ("grain", "period", "compare")
"""The sidebar's single-value URL keys (the dimension filters are the multi-value ones)."""


@dataclass(frozen=True)
class Choices:
    """What the sidebar can show: the period keys of each grain (from `sidebar.period_options`),
    the default period key of each grain, the labels of the dimension filters and the values
    each one has in the data."""

    period_options: Callable[[Grain], Sequence[str]]
    default_period: Callable[[Grain], str]
    dimension_values: Mapping[str, Sequence[str]]
    dimension_labels: Mapping[str, str]
    default_grain: Grain = "month"
    default_comparison: Comparison = "previous"


@dataclass(frozen=True)
class Resolution:
    """How to rewrite the link: URL key -> the values it should hold, as the widgets spell them
    (an empty list removes the key), for the keys that change; and what could not be applied."""

    values: dict[str, list[str]] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    @property
    def notice(self) -> str | None:
        """One line of Markdown naming every value that was not applied and what is shown
        instead (values from the link are escaped), or None when everything applied."""
        if not self.ignored:
            return None
        return "Not applied from this link: " + "; ".join(self.ignored) + "."


def _last(values: Sequence[str] | None) -> str | None:
    return values[-1] if values else None


def _quoted(value: str) -> str:
    return f"“{markdown_text(value)}”"


def _range(options: Sequence[str]) -> str:
    """`the data runs from October 2016 to December 2017`, from a grain's period keys."""
    dated = [Period.parse(k) for k in options if k != "all"]
    if not dated:
        return "the data has no dates"
    return f"the data runs from {dated[-1].label} to {dated[0].label}"


def _grain(raw: str) -> Grain | None:
    text = raw.strip().lower()
    return next((g for g in GRAINS if text == g), None)


def _comparison(raw: str) -> Comparison | None:
    text = " ".join(raw.replace("_", " ").replace("-", " ").split()).lower()
    for key, label in COMPARISONS.items():
        if text in (key.replace("_", " "), label.lower()):
            return key
    return None


def grain_label(grain: Grain) -> str:
    """How the grain selector shows (and the URL stores) a grain: `Quarter`."""
    return grain.capitalize()


def resolve(params: Mapping[str, Sequence[str]], choices: Choices) -> Resolution:
    """What a link's query parameters (key -> every value given, as in the URL) mean for the
    sidebar: see the module docstring. Keys the sidebar does not own are left alone."""
    values: dict[str, list[str]] = {}
    ignored: list[str] = []

    grain: Grain = choices.default_grain
    raw_grain = _last(params.get("grain"))
    grain_given = raw_grain is not None and _grain(raw_grain) is not None
    if raw_grain is not None:
        found = _grain(raw_grain)
        if found is None:
            values["grain"] = []
            if raw_grain.strip():
                ignored.append(
                    f"grain {_quoted(raw_grain)} (use month, quarter or week: showing "
                    f"{grain_label(choices.default_grain)})"
                )
        else:
            grain = found
            if raw_grain != grain_label(found):
                values["grain"] = [grain_label(found)]

    raw_period = _last(params.get("period"))
    if raw_period is not None:
        try:
            period: Period | None = Period.parse(raw_period) if raw_period.strip() else None
        except ValueError:
            period = None
        if period is None:
            values["period"] = []
            if raw_period.strip():
                ignored.append(
                    f"period {_quoted(raw_period)} (not a period: use 2026-03, 2026-Q1, "
                    "2026-W09 or all; showing "
                    f"{Period.parse(choices.default_period(grain)).label})"
                )
        else:
            if not period.is_all and period.grain != grain:
                if grain_given:
                    ignored.append(
                        f"grain {_quoted(raw_grain or '')} ({period.label} is a "
                        f"{period.grain}: showing {grain_label(period.grain)})"
                    )
                grain = period.grain
                values["grain"] = [grain_label(grain)]
            if period.key in choices.period_options(grain):
                if raw_period != period.label:
                    values["period"] = [period.label]
            else:
                values["period"] = []
                ignored.append(
                    f"period {_quoted(raw_period)} (outside the data: "
                    f"{_range(choices.period_options(grain))}; showing "
                    f"{Period.parse(choices.default_period(grain)).label})"
                )

    raw_compare = _last(params.get("compare"))
    if raw_compare is not None:
        found_comparison = _comparison(raw_compare)
        if found_comparison is None:
            values["compare"] = []
            if raw_compare.strip():
                ignored.append(
                    f"comparison {_quoted(raw_compare)} (use previous, last_year or none: "
                    f"showing {COMPARISONS[choices.default_comparison]})"
                )
        elif raw_compare != COMPARISONS[found_comparison]:
            values["compare"] = [COMPARISONS[found_comparison]]

    for dimension, known in choices.dimension_values.items():
        raw_values = list(params.get(dimension, ()))
        if not raw_values:
            continue
        by_key: dict[str, list[str]] = {}
        for value in known:
            by_key.setdefault(" ".join(value.split()).lower(), []).append(value)
        kept: list[str] = []
        unknown: list[str] = []
        for raw in raw_values:
            if raw in known:
                found_value: str | None = raw
            else:
                matches = by_key.get(" ".join(raw.split()).lower(), [])
                found_value = matches[0] if len(matches) == 1 else None
            if found_value is None:
                if raw.strip():
                    unknown.append(raw)
            elif found_value not in kept:
                kept.append(found_value)
        if kept != raw_values:
            values[dimension] = kept
        if unknown:
            label = choices.dimension_labels.get(dimension, dimension).lower()
            shown = (
                f"showing {', '.join(markdown_text(v) for v in kept)}"
                if kept
                else f"showing every {label}"
            )
            names = ", ".join(_quoted(v) for v in unknown)
            ignored.append(f"{label} {names} (not in the data: {shown})")
    return Resolution(values=values, ignored=tuple(ignored))
