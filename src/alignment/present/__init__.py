"""The presentation layer: pure functions from the metric frames to what people read. `format`
(one formatter per unit), `tiles`, `funnel_tables` and `sentences` (text), `charts`,
`funnel_charts` and `rejection_charts` (plotly figures), `text` (escaping values for Markdown and
plotly), `export` and `privacy` (CSV downloads, masking), `importing` (the import screen's
tables and messages). Nothing here reads the database or imports Streamlit."""
