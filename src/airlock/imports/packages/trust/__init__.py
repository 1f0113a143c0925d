"""The pinned Sigstore trust root (package data)."""
