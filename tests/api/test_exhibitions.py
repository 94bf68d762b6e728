"""Exhibitions API: filters, ordering, pagination, conditional GET, writes and version conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from core.api.plumbing import ApiPagination
from exhibitions.models import Exhibition
from targets.rules import counted

URL = "/api/v1/exhibitions/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_fields_and_slugs(clients, dataset):
    row = dataset["dl_planned"]
    body = clients["api_client"].get(f"{URL}{row.pk}/").json()
    assert body["name"] == row.name_zh and body["name_en"] == row.name_en
    assert (body["batch"], body["city"], body["venue"]) == ("market", "dalian", dataset["dalian"].pk)
    assert body["organizer"] == dataset["organizer"].pk
    assert body["version"] == 1 and body["counts"] is True
    assert body["start_date"] == "2024-06-01"
    spec_fields = {
        "name",
        "name_en",
        "batch",
        "city",
        "venue",
        "start_date",
        "end_date",
        "gross_area_m2",
        "net_area_m2",
        "status",
        "is_international",
        "is_green",
        "is_digital",
        "is_flagship",
        "is_outbound",
        "destination_country",
        "version",
    }
    assert spec_fields <= set(body)
    assert "confirm_over_capacity" not in body  # write-only


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("year=2024", {"sy_held", "sy_planned", "dl_planned", "dl_held"}),
        ("city=dalian", {"dl_planned", "dl_held", "dl_2025"}),
        ("city=dalian&city=shenyang&year=2025", {"dl_2025"}),
        ("status=planned", {"sy_planned", "dl_planned"}),
        ("status=held&status=confirmed", {"sy_held", "dl_held", "dl_2025"}),
        ("batch=market", {"sy_held", "sy_planned", "dl_planned", "dl_held", "dl_2025"}),
        ("batch=conference", set()),
        ("counts=true&year=2024", {"sy_held", "dl_planned", "dl_held"}),
        ("counts=false&year=2024", {"sy_planned"}),
        ("search=Dalian-only", set()),
    ],
)
def test_filters(clients, dataset, query, expected):
    got = set(ids(clients["api_client"].get(f"{URL}?{query}")))
    assert got == {dataset[name].pk for name in expected}


def test_counts_filter_equals_the_counting_rule(clients, dataset):
    got = set(ids(clients["api_client"].get(f"{URL}?counts=true&year=2024&page_size=500")))
    assert got == set(counted(2024).values_list("pk", flat=True))


def test_venue_and_search_filters(clients, dataset):
    assert set(ids(clients["staff"].get(f"{URL}?venue={dataset['shenyang'].pk}"))) == {
        dataset["sy_held"].pk,
        dataset["sy_planned"].pk,
    }
    row = dataset["dl_held"]
    assert ids(clients["staff"].get(f"{URL}?search={row.name_en}")) == [row.pk]


def test_ordering(clients, dataset):
    by_area = clients["staff"].get(f"{URL}?ordering=-gross_area_m2,start_date").json()["results"]
    areas = [row["gross_area_m2"] for row in by_area]
    assert areas == sorted(areas, reverse=True) and by_area[0]["id"] == dataset["dl_2025"].pk
    default = clients["staff"].get(URL).json()["results"]
    assert [row["start_date"] for row in default] == sorted(row["start_date"] for row in default)
    for field in ("start_date", "gross_area_m2", "name_zh", "updated_at", "id"):
        assert clients["staff"].get(f"{URL}?ordering=-{field}").status_code == 200
    bad = clients["staff"].get(f"{URL}?ordering=notes")
    assert bad.status_code == 400 and "ordering" in bad.json()["error"]["fields"]


def test_pagination_count_and_max_page_size(clients, dataset, monkeypatch):
    body = clients["staff"].get(f"{URL}?page_size=2").json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"] and body["previous"] is None
    last = clients["staff"].get(f"{URL}?page_size=2&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert clients["staff"].get(f"{URL}?page=9").status_code == 404
    assert ApiPagination.page_size == 50


@pytest.mark.parametrize("url", [URL, "/api/v1/venues/", "/api/v1/cities/", "/api/v1/progress/history/?year=2024"])
def test_page_size_above_the_maximum_is_400_naming_it_and_the_maximum(clients, dataset, monkeypatch, url):
    """Not capped silently (the page would disagree with its own `next` link): 400 naming the field."""
    joiner = "&" if "?" in url else "?"
    assert clients["staff"].get(f"{url}{joiner}page_size=500").status_code == 200
    refused = clients["staff"].get(f"{url}{joiner}page_size=501")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["page_size"]
    assert "500" in error["fields"]["page_size"][0]
    monkeypatch.setattr(ApiPagination, "max_page_size", 3)
    body = clients["staff"].get(f"{url}{joiner}page_size=3").json()
    assert len(body["results"]) <= 3 and ("page_size=3" in body["next"] if body["next"] else True)
    assert "3" in clients["staff"].get(f"{url}{joiner}page_size=4").json()["error"]["fields"]["page_size"][0]


def test_list_etag_304_and_change(clients, dataset):
    client = clients["api_client"]
    first = client.get(f"{URL}?year=2024")
    etag = first["ETag"]
    assert etag and first["Last-Modified"]
    assert client.get(f"{URL}?year=2024", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(f"{URL}?year=2025", HTTP_IF_NONE_MATCH=etag).status_code == 200  # other filter, other ETag
    clients["staff"].patch(f"{URL}{dataset['sy_held'].pk}/", {"visitors": 1000, "version": 1}, format="json")
    after = client.get(f"{URL}?year=2024", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag


def test_list_etag_changes_with_the_target_thresholds(clients, dataset):
    first = clients["api_client"].get(f"{URL}?year=2024")
    target = dataset["target"]
    target.large_min_gross_area_m2 = 25_000
    target.save()
    again = clients["api_client"].get(f"{URL}?year=2024", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert not any(row["counts"] for row in again.json()["results"])


def test_list_if_modified_since_is_not_trusted_after_a_delete(clients, dataset):
    client = clients["api_client"]
    first = client.get(f"{URL}?year=2024")
    clients["staff"].delete(f"{URL}{dataset['sy_planned'].pk}/")  # max(updated_at) stays the same
    after = client.get(f"{URL}?year=2024", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert after.status_code == 200 and after.json()["count"] == 3
    assert client.get(f"{URL}?year=2024", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_detail_etag_304(clients, dataset):
    url = f"{URL}{dataset['sy_held'].pk}/"
    first = clients["api_client"].get(url)
    assert clients["api_client"].get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert clients["api_client"].get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert clients["api_client"].get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_create_returns_201_with_location_and_history(clients, dataset, staff_user):
    response = clients["staff"].post(
        URL,
        {
            "name": "沈阳新展",
            "name_en": "Shenyang New Expo",
            "batch": "brand",
            "venue": dataset["shenyang"].pk,
            "start_date": "2024-11-01",
            "end_date": "2024-11-03",
            "gross_area_m2": 25_000,
            "status": "confirmed",
            "is_green": True,
            "external_ref": "EXT-1",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["city"] == "shenyang" and body["version"] == 1 and body["counts"] is True
    assert response["Location"].endswith(f"{URL}{body['id']}/")
    saved = Exhibition.objects.get(pk=body["id"])
    assert saved.created_by == staff_user and saved.history.count() == 1


def test_outbound_exhibition_with_organising_city(clients, dataset):
    response = clients["staff"].post(
        URL,
        {
            "name": "出境展",
            "batch": "market",
            "city": "dalian",
            "start_date": "2024-04-01",
            "end_date": "2024-04-05",
            "gross_area_m2": 3000,
            "is_outbound": True,
            "destination_country": "Japan",
            "is_rcep": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["venue"] is None and response.json()["counts"] is False


def test_version_conflict_409(clients, dataset):
    row = dataset["sy_planned"]
    url = f"{URL}{row.pk}/"
    assert clients["staff"].patch(url, {"gross_area_m2": 12_000, "version": 1}, format="json").status_code == 200
    stale = clients["staff"].patch(url, {"gross_area_m2": 13_000, "version": 1}, format="json")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "version_conflict" and error["current_version"] == 2
    row.refresh_from_db()
    assert (row.gross_area_m2, row.version) == (12_000, 2)


def test_if_match_412_on_put_patch_delete(clients, dataset):
    row = dataset["sy_planned"]
    url = f"{URL}{row.pk}/"
    etag = clients["staff"].get(url)["ETag"]
    ok = clients["staff"].patch(url, {"notes": "first"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok["ETag"] != etag
    for method in ("patch", "put", "delete"):
        body = {"notes": "second"} if method != "delete" else None
        response = getattr(clients["staff"], method)(url, body, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 412, method
        assert response.json()["error"]["code"] == "precondition_failed"
    row.refresh_from_db()
    assert row.notes == "first" and row.version == 2
    assert clients["staff"].delete(url, HTTP_IF_MATCH=ok["ETag"]).status_code == 204
    assert not Exhibition.objects.filter(pk=row.pk).exists()


def test_put_replaces_and_bumps_version(clients, dataset):
    row = dataset["dl_held"]
    response = clients["staff"].put(
        f"{URL}{row.pk}/",
        {
            "name": "改名展",
            "batch": "resident",
            "venue": dataset["dalian"].pk,
            "start_date": "2024-04-02",
            "end_date": "2024-04-04",
            "gross_area_m2": 21_000,
            "status": "held",
            "version": 1,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert (row.name_zh, row.batch.code, row.start_date, row.version) == ("改名展", "resident", dt.date(2024, 4, 2), 2)


def test_venue_over_capacity_needs_confirmation(clients, dataset):
    body = {
        "name": "超大展",
        "batch": "market",
        "venue": dataset["shenyang"].pk,
        "start_date": "2024-03-01",
        "end_date": "2024-03-02",
        "gross_area_m2": 50_000,  # + 20,000 already there > 60,000 capacity
    }
    refused = clients["staff"].post(URL, body, format="json")
    assert refused.status_code == 400
    assert "confirm_over_capacity" in refused.json()["error"]["fields"]
    assert clients["staff"].post(URL, {**body, "confirm_over_capacity": True}, format="json").status_code == 201


def test_staff_writes_venue_and_target_with_allocations(clients, dataset):
    venue = clients["staff"].post(
        "/api/v1/venues/",
        {"slug": "anshan-hall", "name": "鞍山馆", "city": "anshan", "indoor_area_m2": 9000, "is_professional": True},
        format="json",
    )
    assert venue.status_code == 201, venue.content
    assert venue.json()["city"] == "anshan" and venue.json()["capacity_m2"] == 9000
    duplicate = clients["staff"].post(
        "/api/v1/venues/", {"slug": "anshan-hall", "name": "x", "city": "anshan"}, format="json"
    )
    assert duplicate.status_code == 400 and "slug" in duplicate.json()["error"]["fields"]

    target = clients["staff"].put(
        "/api/v1/targets/2024/",
        {
            "year": 2024,
            "exhibitions": 12,
            "gross_area_m2": 600_000,
            "allocations": [
                {"city": "dalian", "exhibitions": 5, "gross_area_m2": 250_000},
                {"city": "shenyang", "exhibitions": 7, "gross_area_m2": 350_000},
            ],
        },
        format="json",
    )
    assert target.status_code == 200, target.content
    assert {a["city"]: a["exhibitions"] for a in target.json()["allocations"]} == {"dalian": 5, "shenyang": 7}
    twice = clients["staff"].patch(
        "/api/v1/targets/2024/",
        {"allocations": [{"city": "dalian", "exhibitions": 1, "gross_area_m2": 1}] * 2},
        format="json",
    )
    assert twice.status_code == 400 and "allocations" in twice.json()["error"]["fields"]
    shrink = clients["staff"].patch(
        "/api/v1/targets/2024/",
        {"allocations": [{"city": "dalian", "exhibitions": 5, "gross_area_m2": 1}]},
        format="json",
    )
    assert [a["city"] for a in shrink.json()["allocations"]] == ["dalian"]


def test_venue_filters(clients, dataset):
    rows = clients["api_client"].get("/api/v1/venues/?city=dalian&is_professional=true&page_size=500").json()
    assert rows["count"] >= 1
    assert {row["city"] for row in rows["results"]} == {"dalian"}
    assert dataset["dalian"].pk in {row["id"] for row in rows["results"]}
    both = clients["api_client"].get("/api/v1/venues/?city=dalian&city=shenyang&page_size=500").json()["results"]
    assert {row["city"] for row in both} == {"dalian", "shenyang"}
