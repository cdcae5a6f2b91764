"""Thin ipywidgets UI over kb: the what-if explorer (explorer.py, its builder lines in
fact_line.py) and the clause graph view (graph_view.py)."""
