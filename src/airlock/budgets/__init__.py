"""Byte budgets and the time-to-exfiltrate they imply (pure)."""
