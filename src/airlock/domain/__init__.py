"""Pure domain values: principals, projects, boundary requests and decisions."""
