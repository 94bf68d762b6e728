"""REST API v1 for targets, allocations and progress."""
