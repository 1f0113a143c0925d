"""Egress: inspection of what tries to leave the enclave (pure)."""
