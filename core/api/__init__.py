"""Shared REST API plumbing: errors, conditional requests, throttling, pagination, permissions."""
