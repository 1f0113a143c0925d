"""Renderers that turn result values into JSON, tables and HTML."""
