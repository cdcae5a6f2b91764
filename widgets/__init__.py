"""Thin ipywidgets UI over kb (what-if explorer arrives with a later issue)."""
