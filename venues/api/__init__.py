"""REST API v1 for cities and venues."""
