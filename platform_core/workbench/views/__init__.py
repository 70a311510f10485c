"""Workbench pages, one module per journey; each view is a thin adapter."""
