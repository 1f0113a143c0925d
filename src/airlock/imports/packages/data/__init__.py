"""Data shipped with the package vetting (the typosquat check's popular names)."""
