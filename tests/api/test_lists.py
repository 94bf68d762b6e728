"""Every list is paginated alike: `count`, `next`, `previous`, `results` (SPEC §6)."""

from __future__ import annotations

import pytest

from exhibitions.models import Batch
from targets.models import Target
from tests.factories import TargetFactory
from venues.models import City

PAGE_KEYS = {"count", "next", "previous", "results"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cities/",
        "/api/v1/batches/",
        "/api/v1/targets/",
        "/api/v1/venues/",
        "/api/v1/organizers/",
        "/api/v1/brands/",
        "/api/v1/exhibitions/",
        "/api/v1/progress/history/?year=2024",
    ],
)
def test_every_list_is_a_page(clients, dataset, url):
    body = clients["api_client"].get(url).json()
    assert set(body) == PAGE_KEYS
    assert isinstance(body["results"], list) and body["count"] >= len(body["results"]) >= 1


def test_cities_batches_and_targets_pages(clients, dataset):
    client = clients["api_client"]
    cities = client.get("/api/v1/cities/?page_size=5").json()
    assert cities["count"] == City.objects.count() == 15
    assert [c["slug"] for c in cities["results"]] == list(City.objects.values_list("slug", flat=True)[:5])
    assert cities["previous"] is None and "page=2" in cities["next"] and "page_size=5" in cities["next"]
    rest = client.get(cities["next"]).json()
    assert rest["results"][0]["slug"] == City.objects.values_list("slug", flat=True)[5]

    batches = client.get("/api/v1/batches/").json()
    assert [b["code"] for b in batches["results"]] == list(Batch.objects.values_list("code", flat=True))
    assert batches["count"] == 4 and batches["next"] is None

    TargetFactory(year=2025, exhibitions=1, gross_area_m2=1)
    targets = client.get("/api/v1/targets/?page_size=1").json()
    assert targets["count"] == Target.objects.count() == 2
    assert [t["year"] for t in targets["results"]] == [2025]  # newest first
    assert [t["year"] for t in client.get(targets["next"]).json()["results"]] == [2024]


def test_paginated_reference_lists_keep_their_etags(clients, dataset):
    client = clients["api_client"]
    for url in ("/api/v1/cities/", "/api/v1/batches/", "/api/v1/targets/"):
        first = client.get(url)
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # The ETag hashes the page as sent: another page is another representation.
    first = client.get("/api/v1/cities/")
    assert client.get("/api/v1/cities/?page_size=2", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
