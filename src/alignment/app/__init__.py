"""The Streamlit glue, and the only package that imports streamlit. Pages import what they need
from it; the numbers themselves come from `alignment.screens` (plain functions, one per section
of a page), each read through the one cached call.

- `database`: the database handle (one per file and process), the data version, the guard
  that turns an unusable database into a message, the notice of a newly created file.
- `cache`: `cached(function, *args, **kwargs)`, the one cached call every read goes through.
- `sidebar`: the global filters bound to the URL and the `Selection` they make, period defaults,
  trend spans; `links` reads what a shared link asks for (plain values).
- `presenter`: presenter mode (style, masking).
- `routing`: the router's hand-over to the page it runs.
- `widgets`: tables that hold no live formula, CSV downloads, one-shot messages, confirmations.
- `imports`: uploads, the import history, deleting imports, the demo banner.
- `edits`: writes from the Settings and Funnel pages (maps, acceptance target).
- `process`: what the server process loads (and keeps from the garbage collector) at start-up.
"""

from alignment.app import process

process.prepare()  # before any page code runs: see `process`
