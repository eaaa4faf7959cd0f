"""The metrics layer: every number the app, the CLI and the packs show, computed in DuckDB.

`registry` declares each metric once (measure or ratio, label, unit, one-sentence definition);
`compile` turns registry entries, periods and filters into one SQL statement with named
parameters; `overview`, `funnel`, `rejections`, `quality`, `conversion` and `records` are the
computations each screen needs (one function per question, a `Selection` in, a polars frame
or plain values out); `dimensions` holds the breakdown columns. No formatting here: numbers
are written for people by `alignment.present`."""
