"""Persistence adapters behind one Store protocol."""
