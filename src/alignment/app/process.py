"""Once per server process, before any session runs: import what the pages use and take it out
of the garbage collector's way.

Sessions run on their own threads. Streamlit imports pandas lazily, and plotly looks it up in
`sys.modules` without importing it, so the first sessions of a fresh server could see a
half-imported pandas ("partially initialized module 'pandas' has no attribute 'Series'").

Streamlit runs a full garbage collection after every script run (`runner.postScriptGC`): with
the libraries the pages use loaded (about 140,000 objects), that is some 90 ms of one core, with
the interpreter lock held, per rerun of every viewer. Frozen (`gc.freeze`), the objects loaded
at start-up are never scanned again, and the collection after a run only sees what runs create.
"""

from __future__ import annotations

import gc
import importlib

PRELOADED: tuple[str, ...] = (
    "pandas",
    "pyarrow",
    "polars",
    "duckdb",
    "plotly.graph_objects",
    "plotly.io",
    "streamlit",
    "alignment.ingest",
    "alignment.metrics.funnel",
    "alignment.metrics.overview",
    "alignment.metrics.quality",
    "alignment.metrics.rejections",
    "alignment.present.charts",
    "alignment.present.funnel_charts",
    "alignment.present.importing",
    "alignment.present.rejection_charts",
    "alignment.present.tiles",
    "alignment.screens.funnel",
    "alignment.screens.overview",
    "alignment.screens.quality",
    "alignment.screens.rejections",
    "alignment.screens.settings",
)
"""What the pages import, loaded before any of them runs."""

_prepared = False


def prepare() -> None:
    """Import `PRELOADED`, collect what importing left behind, and freeze the rest (once)."""
    global _prepared
    if _prepared:
        return
    for name in PRELOADED:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    _prepared = True
