"""Airlock: the boundary guard of an enclave that holds frontier AI model weights."""

__version__ = "0.1.0"
