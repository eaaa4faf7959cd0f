"""The storage layer: the DuckDB file, its migrations and connections (`store`) and the
canonical tables' columns (`schema`). It imports nothing above it: the model layer is handed in
when a database is opened (see `alignment.model`)."""
