"""REST API v1 (SPEC §6): the router lives here; serializers and views live in each app's `api/`."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
