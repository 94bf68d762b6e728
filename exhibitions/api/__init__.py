"""REST API v1 for exhibitions, batches, organisers and brands."""
