"""What each screen computes: for every page, plain functions (no Streamlit) from a connection and
the values of the selection to plain data (frames, dicts), one per section the page draws, and
`default_view`, everything the page's default view shows.

The app caches each section call (`alignment.app.cache.cached`), keyed by these values; the
benchmark times each page's `default_view` (`alignment.devtools.bench.bench_pages`). Every
metric call the app makes is made here, so a change of the metric functions' signatures is a
change in this package only. No SQL here: the numbers come from `alignment.metrics` (and the
map coverage from `alignment.model.maps`).

Modules: `frame` (the sidebar's choices, on every page), `overview`, `funnel`, `rejections`,
`quality` (the Data quality page and the trust notes beside KPIs), `settings` (the map
editors).
"""
