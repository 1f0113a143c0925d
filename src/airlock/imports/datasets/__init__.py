"""Data ingress: bounded dataset readers and the poisoning scan (pure)."""
