"""Tamper-evident ledger: RFC 9162 Merkle math, checkpoints and receipts (pure)."""
