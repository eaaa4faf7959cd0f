"""The sidebar: the global filters (grain, period, comparison, dimension filters), bound to the
URL, and the `Selection` they make; what a link asks for that cannot be applied (see `links`);
the period list and its default; the span of a trend for the selection.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from alignment import clock, periods
from alignment.app import links, presenter
from alignment.app.cache import cached
from alignment.app.routing import VIEW_KEY
from alignment.filters import DIMENSIONS, Filters
from alignment.metrics import dimensions
from alignment.periods import ALL_TIME, COMPARISONS, GRAINS, Grain, Period
from alignment.screens import frame
from alignment.selection import Selection

DIMENSION_LABELS: dict[str, str] = {d: dimensions.DIMENSION_LABELS[d] for d in DIMENSIONS}
"""The filter dimensions' labels, as the funnel's breakdowns write them."""


def choices() -> frame.Choices:
    """The data's date range and each dimension's values (cached until the data changes)."""
    return cached(frame.choices)


def default_period(grain: Grain, earliest: date | None, latest: date | None, today: date) -> Period:
    """The period a meeting most likely reviews: the latest complete period with data
    (`periods.latest_complete`)."""
    return periods.latest_complete(grain, earliest, latest, today)


def period_options(
    grain: Grain, earliest: date | None, latest: date | None, today: date
) -> list[str]:
    """Period keys for the selector, newest first: every period of the grain from the data's
    earliest to its latest event date (no cap: the selector is searchable), then `all`. With
    no dated data, the last complete period (the default) and `all`."""
    if earliest is None or latest is None:
        return [default_period(grain, earliest, latest, today).key, "all"]
    return [p.key for p in periods.periods_between(grain, earliest, latest)] + ["all"]


LINK_READ_KEY = "_link_read"
LINK_PENDING_KEY = "_link_pending"
LINK_NOTICE_KEY = "_link_notice"
"""Session keys: the link was read (once per session); the notice of a link rewritten on the
run before; the notice with the view it came with (shown until the selection changes)."""


def _apply_link(
    earliest: date | None,
    latest: date | None,
    today: date,
    dimension_values: dict[str, list[str]],
) -> str | None:
    """On a session's first run, before any sidebar widget exists: read what the link asks for
    (`links.resolve`). When it needs rewriting (CLI spellings, other letter case, values that
    cannot be applied), write the widgets' spellings into the URL and rerun, so the widgets
    are seeded from values they accept and the address bar reproduces the view. Returns the
    notice of what could not be applied, on the run that draws the widgets (else None)."""
    if LINK_PENDING_KEY in st.session_state:
        notice: str | None = st.session_state.pop(LINK_PENDING_KEY)
        return notice
    if st.session_state.get(LINK_READ_KEY):
        return None
    st.session_state[LINK_READ_KEY] = True
    params = {key: st.query_params.get_all(key) for key in (*links.LINK_KEYS, *DIMENSIONS)}
    link_choices = links.Choices(
        period_options=lambda grain: period_options(grain, earliest, latest, today),
        default_period=lambda grain: default_period(grain, earliest, latest, today).key,
        dimension_values=dimension_values,
        dimension_labels=DIMENSION_LABELS,
    )
    resolution = links.resolve(params, link_choices)
    if not resolution.values:
        return resolution.notice
    for key, values in resolution.values.items():
        if values:
            st.query_params[key] = values
        elif key in st.query_params:
            del st.query_params[key]
    st.session_state[LINK_PENDING_KEY] = resolution.notice
    st.rerun()


def sidebar_view() -> Selection:
    """Draw the global filters in the sidebar (bound to the URL) and return the selection.
    On a session's first run the link's values are read first (see `links`): CLI spellings
    are applied, and what cannot be is kept for `link_notice`."""
    data = choices()
    earliest, latest = data.earliest, data.latest
    today = clock.today()
    notice = _apply_link(earliest, latest, today, data.dimension_values)
    sidebar = st.sidebar
    sidebar.toggle(
        "Presenter mode",
        key=presenter.PRESENT_KEY,
        help="For a shared screen: larger type, names and e-mails masked, no banners or "
        "delete buttons. A link with `?present=1` opens in presenter mode.",
    )
    presenter.keep_in_link()
    sidebar.markdown("**Period**")
    grain: Grain = (
        sidebar.segmented_control(
            "Grain",
            list(GRAINS),
            default="month",
            key="grain",
            bind="query-params",
            format_func=links.grain_label,
            label_visibility="collapsed",
            required=True,
        )
        or "month"
    )
    options = period_options(grain, earliest, latest, today)
    default_key = default_period(grain, earliest, latest, today).key
    period_key = sidebar.selectbox(
        "Period",
        options,
        index=options.index(default_key) if default_key in options else 0,
        key="period",
        bind="query-params",
        format_func=lambda k: Period.parse(k).label,
        help="Every month, quarter or week from the data's first to its last event date; "
        "type to search.",
    )
    if period_key and (to_date := periods.to_date_note(Period.parse(period_key), today)):
        sidebar.caption(f":material/hourglass_top: {to_date}")
    comparison = sidebar.selectbox(
        "Compare with",
        list(COMPARISONS),
        key="compare",
        bind="query-params",
        format_func=COMPARISONS.__getitem__,
    )
    sidebar.markdown("**Filters**")
    selected: dict[str, list[str]] = {}
    for dimension in DIMENSIONS:
        selected[dimension] = sidebar.multiselect(
            DIMENSION_LABELS[dimension],
            data.dimension_values[dimension],
            key=dimension,
            bind="query-params",
            placeholder="All",
        )
    period = Period.parse(period_key) if period_key else ALL_TIME
    view = Selection(
        period, comparison or "previous", Filters(**{d: tuple(v) for d, v in selected.items()})
    )
    if notice:
        st.session_state[LINK_NOTICE_KEY] = (notice, view)
    return view


def link_notice() -> None:
    """One line at the top of the page naming what the link asked for that could not be
    applied, and what is shown instead; it stays until the selection changes."""
    stored = st.session_state.get(LINK_NOTICE_KEY)
    if not stored:
        return
    text, view = stored
    if st.session_state.get(VIEW_KEY) != view:
        del st.session_state[LINK_NOTICE_KEY]
        return
    st.warning(text, icon=":material/link_off:")


def data_span() -> tuple[date | None, date | None, date]:
    """(earliest, latest) event date of the data and today: what a trend window needs."""
    data = choices()
    return data.earliest, data.latest, clock.today()


def trend_span(last: Period, shown: int, grain: str = "month") -> str:
    """What a trend of `shown` periods ending with `last` shows, for its title:
    `Jun 2025 – Nov 2026`."""
    first = last.shift(1 - shown)

    def label(period: Period) -> str:  # `Mar 2026`, as the trend's axis writes months
        if grain == "month" and period.first_day is not None:
            return f"{period.first_day:%b %Y}"
        return period.label

    return label(last) if shown == 1 else f"{label(first)} – {label(last)}"
