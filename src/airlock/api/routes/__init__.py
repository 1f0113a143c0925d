"""Route groups of the HTTP API, one module each."""
