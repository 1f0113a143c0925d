"""Default files that `airlock init` copies into a new home."""
