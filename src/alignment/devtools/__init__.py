"""Developer tools, apart from the product: the demo data generator (`demo`), the benchmark
harness (`bench`, `python -m alignment bench`) and the load driver (`load`: N viewers over
Streamlit's websocket)."""
