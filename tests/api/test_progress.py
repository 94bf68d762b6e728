"""GET /api/v1/progress/ equals the snapshot and has exactly the SPEC §6 keys; history; conditional GET."""

from __future__ import annotations

import datetime as dt

import pytest

from targets.models import ProgressSnapshot, Target
from targets.rules import counted
from targets.selectors import progress_get, snapshot_latest
from tests.factories import ExhibitionFactory

TOP_KEYS = {
    "year",
    "scope",
    "computed_at",
    "stale",
    "rules",
    "goal",
    "achieved",
    "committed",
    "pipeline",
    "expected_to_date",
    "forecast",
    "by_city",
    "by_batch",
    "by_month",
    "other",
}
MEASURE = {"exhibitions", "gross_area_m2"}
RULES_KEYS = {
    "year",
    "large_min_gross_area_m2",
    "professional_venue_min_indoor_m2",
    "as_of",
    "expected_basis",
    "forecast_conversion_rate",
    "forecast_formula",
}


def _assert_measure(value) -> None:
    assert set(value) == MEASURE
    assert all(isinstance(v, int) and not isinstance(v, bool) for v in value.values())


def _assert_spec_shape(body: dict) -> None:
    assert set(body) == TOP_KEYS
    assert set(body["rules"]) == RULES_KEYS
    for key in ("goal", "achieved", "committed", "pipeline", "expected_to_date", "forecast"):
        _assert_measure(body[key])
    for item in body["by_city"]:
        assert set(item) == {"city", "goal", "achieved", "committed", "pipeline", "percent"}
        for key in ("goal", "achieved", "committed", "pipeline"):
            _assert_measure(item[key])
        assert set(item["percent"]) == MEASURE
    assert [set(item) for item in body["by_batch"]] == [{"batch", "achieved", "committed", "pipeline"}] * len(
        body["by_batch"]
    )
    assert {item["batch"] for item in body["by_batch"]} == {"brand", "resident", "market", "conference"}
    assert [item["month"] for item in body["by_month"]] == list(range(1, 13))
    for item in body["by_month"]:
        assert set(item) == {"month", "achieved", "committed", "pipeline", "plan_cumulative"}
        for key in ("achieved", "committed", "pipeline", "plan_cumulative"):
            _assert_measure(item[key])
    assert set(body["other"]) == {"conferences", "outbound", "international", "green", "digital", "flagship"}


def test_province_progress_equals_snapshot_field_for_field(clients, dataset):
    response = clients["api_client"].get("/api/v1/progress/?year=2024")
    assert response.status_code == 200
    body = response.json()
    _assert_spec_shape(body)
    expected = progress_get(year=2024)
    assert body == {key: expected[key] for key in TOP_KEYS}
    assert body["scope"] == "province"
    assert len(body["by_city"]) == 15
    # The figures themselves (SPEC §3): held 2 × 20,000 m²; + planned Dalian 20,000 m² in the pipeline.
    assert body["achieved"] == {"exhibitions": 2, "gross_area_m2": 40_000}
    assert body["committed"] == {"exhibitions": 2, "gross_area_m2": 40_000}
    assert body["pipeline"] == {"exhibitions": 3, "gross_area_m2": 60_000}
    target = dataset["target"]
    assert body["goal"] == {"exhibitions": target.exhibitions, "gross_area_m2": target.gross_area_m2}
    assert body["pipeline"]["exhibitions"] == counted(2024).count()  # the list's counts filter agrees


def test_city_progress_for_any_city_read_only(clients, dataset):
    response = clients["city_official"].get("/api/v1/progress/?year=2024&city=shenyang")
    assert response.status_code == 200
    body = response.json()
    _assert_spec_shape(body)
    assert body["scope"] == "shenyang"
    assert [item["city"] for item in body["by_city"]] == ["shenyang"]
    assert body["achieved"] == {"exhibitions": 1, "gross_area_m2": 20_000}
    expected = progress_get(year=2024, city_slug="shenyang")
    assert body == {key: expected[key] for key in TOP_KEYS}
    assert clients["city_official"].post("/api/v1/progress/?year=2024", {}).status_code == 403  # read-only
    assert clients["staff"].post("/api/v1/progress/?year=2024", {}).json()["error"]["status"] == 405


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("year=abc", "year"),
        ("year=1999", "year"),
        ("year=2024&city=atlantis", "city"),
        ("year=2024&city=a%20b", "city"),
    ],
)
def test_bad_progress_query_is_400_naming_the_parameter(clients, dataset, query, field):
    response = clients["staff"].get(f"/api/v1/progress/?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_progress_etag_last_modified_and_304_until_data_changes(clients, dataset):
    client = clients["api_client"]
    first = client.get("/api/v1/progress/?year=2024")
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag and last_modified
    assert client.get("/api/v1/progress/?year=2024", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A date alone cannot prove the figures current (the snapshot may have gone stale): only the ETag counts.
    assert client.get("/api/v1/progress/?year=2024", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 200
    assert client.get("/api/v1/progress/?year=2024&city=dalian", HTTP_IF_NONE_MATCH=etag).status_code == 200

    ExhibitionFactory(venue=dataset["dalian"], start_date=dt.date(2024, 7, 1))  # the snapshot is now stale
    again = client.get("/api/v1/progress/?year=2024", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again.json()["stale"] is True
    assert again["ETag"] != etag


def test_progress_poll_reads_the_cached_answer_not_the_snapshot(clients, dataset):
    """A poll reads the snapshot's head and the answer's bytes kept under it: no payload is loaded, and
    a new snapshot or a change of freshness is a new answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from targets.services import progress_recompute

    client = clients["api_client"]
    first = client.get("/api/v1/progress/?year=2024&city=dalian")
    with CaptureQueriesContext(connection) as polled:
        again = client.get("/api/v1/progress/?year=2024&city=dalian")
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert again["Content-Type"] == "application/json"
    assert not [q for q in polled.captured_queries if '"payload"' in q["sql"]]
    assert client.get("/api/v1/progress/?year=2024").json()["scope"] == "province"  # its own answer

    ExhibitionFactory(venue=dataset["dalian"], start_date=dt.date(2024, 7, 1))
    stale = client.get("/api/v1/progress/?year=2024&city=dalian")
    assert stale.json()["stale"] is True and stale["ETag"] != first["ETag"]
    snapshot = progress_recompute(year=2024)
    fresh = client.get("/api/v1/progress/?year=2024&city=dalian")
    assert fresh.json()["stale"] is False
    assert fresh["ETag"] not in (first["ETag"], stale["ETag"])
    assert snapshot.payload["scopes"]["dalian"]["pipeline"] == fresh.json()["pipeline"]
    assert fresh.json()["pipeline"]["exhibitions"] == first.json()["pipeline"]["exhibitions"] + 1


def test_history_lists_snapshots_newest_first(clients, dataset):
    from targets.services import progress_recompute

    assert ProgressSnapshot.objects.filter(year=2024).count() == 1  # the dataset's writes requested it
    progress_recompute(year=2024)
    progress_recompute(year=2024)
    response = clients["api_client"].get("/api/v1/progress/history/?year=2024&page_size=1")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 1 and body["next"]
    item = body["results"][0]
    assert set(item) == {
        "id",
        "year",
        "scope",
        "computed_at",
        "duration_ms",
        "goal",
        "achieved",
        "committed",
        "pipeline",
        "expected_to_date",
        "forecast",
    }
    latest = snapshot_latest(year=2024)
    assert item["id"] == latest.pk
    assert item["achieved"] == latest.payload["scopes"]["province"]["achieved"]
    city = clients["api_client"].get("/api/v1/progress/history/?year=2024&city=dalian").json()
    assert city["results"][0]["scope"] == "dalian"
    assert city["results"][0]["goal"] == latest.payload["scopes"]["dalian"]["goal"]
    assert clients["api_client"].get("/api/v1/progress/history/?year=2024&city=nowhere").status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/progress/", "/api/v1/progress/history/"])
@pytest.mark.parametrize("city", [None, "dalian"])
def test_a_year_without_snapshot_is_404_no_snapshot_and_nothing_is_written(clients, dataset, path, city):
    """Reads never write: a year nobody has entered anything for has no figures to show."""
    before = ProgressSnapshot.objects.count()
    query = "year=2040" + (f"&city={city}" if city else "")
    response = clients["api_client"].get(f"{path}?{query}")
    assert response.status_code == 404, response.content
    error = response.json()["error"]
    assert error["code"] == "no_snapshot" and error["status"] == 404 and error["message"]
    assert ProgressSnapshot.objects.count() == before
    unknown_city = clients["api_client"].get(f"{path}?year=2040&city=atlantis")
    assert unknown_city.status_code == 400 and "city" in unknown_city.json()["error"]["fields"]


def test_the_default_year_without_snapshot_is_404_too(clients, db):
    response = clients["staff"].get("/api/v1/progress/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "no_snapshot"
    assert not ProgressSnapshot.objects.exists()


def test_creating_a_target_computes_the_first_snapshot(clients, dataset, django_capture_on_commit_callbacks):
    """The 404 lasts until the year's first write commits: a new target requests its recompute."""
    assert clients["staff"].get("/api/v1/progress/?year=2031").status_code == 404
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = clients["staff"].post(
            "/api/v1/targets/", {"year": 2031, "exhibitions": 40, "gross_area_m2": 900_000}, format="json"
        )
    assert created.status_code == 201, created.content
    assert callbacks  # the recompute was requested on commit, not computed by a read
    assert Target.objects.filter(year=2031).exists()
    response = clients["api_client"].get("/api/v1/progress/?year=2031")
    assert response.status_code == 200, response.content
    assert response.json()["goal"] == {"exhibitions": 40, "gross_area_m2": 900_000}
    history = clients["api_client"].get("/api/v1/progress/history/?year=2031").json()
    assert history["count"] == 1
