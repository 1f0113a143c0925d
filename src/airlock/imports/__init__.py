"""Ingress: vetting of datasets and software that enter the enclave (pure)."""
