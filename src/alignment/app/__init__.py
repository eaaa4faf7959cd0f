"""The Streamlit glue, and the only package that imports streamlit. Pages import what they need
from it; the numbers themselves come from `alignment.screens` (plain functions, one per section
of a page), each read through the one cached call.

- `database`: the database handle (one per file and process), the data version, the guard
  that turns an unusable database into a message, the notice of a newly created file.
- `cache`: `cached(function, *args, **kwargs)`, the one cached call every read goes through.
- `sidebar`: the global filters bound to the URL and the `View` they select, period defaults,
  trend spans; `links` reads what a shared link asks for (plain values).
- `presenter`: presenter mode (style, masking).
- `routing`: the router's hand-over to the page it runs.
- `widgets`: tables that hold no live formula, CSV downloads, one-shot messages, confirmations.
- `imports`: uploads, the import history, deleting imports, the demo banner.
- `edits`: writes from the Settings and Funnel pages (maps, acceptance target).
"""

# Sessions run on their own threads, and plotly looks pandas up in `sys.modules` (without
# importing it) while Streamlit imports it lazily: the first sessions of a fresh server could
# see a half-imported pandas ("partially initialized module 'pandas' has no attribute
# 'Series'"). Importing it here, before any page code runs, closes that window.
import pandas  # noqa: F401
