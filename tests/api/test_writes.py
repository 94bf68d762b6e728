"""Writes of versioned rows: a precondition is required (428), a change that alters nothing writes
nothing, a conference may have no area, and every demo row can be written back as read."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from exhibitions.models import Batch, Exhibition
from exhibitions.services import exhibition_update
from exhibitions.validators import venue_overlap
from targets.models import ProgressDataMark
from tests.factories import ExhibitionFactory, VenueFactory

URL = "/api/v1/exhibitions/"
READ_ONLY = {"id", "counts", "created_at", "updated_at"}


def detail(row) -> str:
    return f"{URL}{row.pk}/"


def marks() -> dict:
    return dict(ProgressDataMark.objects.values_list("year", "version"))


@pytest.mark.parametrize("method", ["put", "patch"])
def test_write_without_version_or_if_match_is_428_and_writes_nothing(clients, dataset, method):
    row = dataset["dl_planned"]
    body = clients["staff"].get(detail(row)).json()
    body = {key: value for key, value in body.items() if key not in READ_ONLY | {"version"}}
    body["notes"] = "blind overwrite"
    response = getattr(clients["staff"], method)(detail(row), body, format="json")
    assert response.status_code == 428, response.content
    error = response.json()["error"]
    assert error["code"] == "precondition_required" and error["status"] == 428 and error["fields"] == {}
    assert "version" in error["message"] and "If-Match" in error["message"]
    row.refresh_from_db()
    assert (row.notes, row.version, row.history.count()) == ("", 1, 1)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_version_or_if_match_is_enough(clients, dataset, method):
    row = dataset["dl_planned"]
    read = clients["staff"].get(detail(row))
    body = {key: value for key, value in read.json().items() if key not in READ_ONLY | {"version"}}
    by_header = getattr(clients["staff"], method)(
        detail(row), {**body, "notes": "by If-Match"}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert by_header.status_code == 200, by_header.content
    by_body = getattr(clients["staff"], method)(detail(row), {**body, "notes": "by body", "version": 2}, format="json")
    assert by_body.status_code == 200, by_body.content
    assert by_body.json()["version"] == 3
    stale = getattr(clients["staff"], method)(detail(row), {**body, "notes": "stale", "version": 2}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["current_version"] == 3
    stale_etag = getattr(clients["staff"], method)(detail(row), body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert stale_etag.status_code == 412


def test_a_body_that_is_no_object_stays_400(clients, dataset):
    response = clients["staff"].patch(detail(dataset["dl_planned"]), [1, 2], format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_version_null_is_400_naming_it(clients, dataset):
    response = clients["staff"].patch(detail(dataset["dl_planned"]), {"version": None}, format="json")
    assert response.status_code == 400 and "version" in response.json()["error"]["fields"]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_write_that_changes_nothing_keeps_version_history_and_figures(
    clients, dataset, method, django_capture_on_commit_callbacks
):
    row = dataset["sy_held"]
    read = clients["staff"].get(detail(row))
    before_marks, history = marks(), row.history.count()
    body = read.json() if method == "put" else {"notes": row.notes, "gross_area_m2": row.gross_area_m2}
    with django_capture_on_commit_callbacks() as callbacks:
        response = getattr(clients["staff"], method)(detail(row), {**body, "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == read.json()  # same version, same updated_at
    assert response["ETag"] == read["ETag"]
    assert callbacks == []  # no recompute requested
    assert marks() == before_marks  # no year marked changed
    row.refresh_from_db()
    assert (row.version, row.history.count(), row.updated_at) == (1, history, parse_datetime(read.json()["updated_at"]))
    # The version is still checked: a no-op based on an old version is a conflict like any other.
    clients["staff"].patch(detail(row), {"notes": "changed", "version": 1}, format="json")
    stale = getattr(clients["staff"], method)(detail(row), {**body, "version": 1}, format="json")
    assert stale.status_code == 409


def test_service_update_without_a_change_writes_nothing(staff_user, dataset, django_capture_on_commit_callbacks):
    row = dataset["dl_held"]
    same = {"notes": row.notes, "venue": row.venue, "city": row.city, "batch": row.batch, "status": row.status}
    with django_capture_on_commit_callbacks() as callbacks:
        saved = exhibition_update(actor=staff_user, exhibition=row, data=same, expected_version=1)
    assert saved.version == 1 and row.history.count() == 1 and callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        changed = exhibition_update(actor=staff_user, exhibition=row, data={"notes": "new"}, expected_version=1)
    assert changed.version == 2 and row.history.count() == 2 and callbacks


@pytest.mark.parametrize(
    ("batch_code", "area", "status"),
    [("conference", 0, 201), ("market", 0, 400), ("brand", 0, 400), ("conference", -1, 400), ("market", 1, 201)],
)
def test_only_a_conference_may_have_no_gross_area(clients, dataset, batch_code, area, status):
    response = clients["staff"].post(
        URL,
        {
            "name": "会议",
            "batch": batch_code,
            "venue": dataset["dalian"].pk,
            "start_date": "2024-11-05",
            "end_date": "2024-11-06",
            "gross_area_m2": area,
        },
        format="json",
    )
    assert response.status_code == status, response.content
    if status == 400:
        assert list(response.json()["error"]["fields"]) == ["gross_area_m2"]


def test_an_edit_that_does_not_touch_the_overlap_needs_no_capacity_confirmation(clients, db):
    hall = VenueFactory(indoor_area_m2=20_000, outdoor_area_m2=0)
    day = dt.date(2024, 6, 1)
    first = ExhibitionFactory(venue=hall, start_date=day, gross_area_m2=15_000)
    second = ExhibitionFactory(venue=hall, start_date=day, gross_area_m2=15_000)  # stored beyond capacity
    assert venue_overlap(second).over_capacity
    notes = clients["staff"].patch(detail(second), {"notes": "checked", "version": 1}, format="json")
    assert notes.status_code == 200, notes.content
    bigger = clients["staff"].patch(detail(second), {"gross_area_m2": 16_000, "version": 2}, format="json")
    assert bigger.status_code == 400 and "confirm_over_capacity" in bigger.json()["error"]["fields"]
    moved = clients["staff"].patch(detail(first), {"end_date": "2024-06-04", "version": 1}, format="json")
    assert moved.status_code == 400 and "confirm_over_capacity" in moved.json()["error"]["fields"]


@pytest.fixture
def demo_rows(db) -> list[Exhibition]:
    """The data `make run` seeds (this year and last, default count and seed); of every batch a spread
    sample, plus every row with no gross area and every row sharing its venue beyond capacity."""
    year = timezone.localdate().year
    call_command("seed_demo", "--year", str(year - 1), "--year", str(year), stdout=StringIO())
    rows = list(Exhibition.objects.select_related("batch", "venue").order_by("pk"))
    sample = {}
    for code in Batch.objects.values_list("code", flat=True):
        of_batch = [row for row in rows if row.batch.code == code]
        sample.update({row.pk: row for row in of_batch[:: max(1, len(of_batch) // 8)]})
    sample.update({row.pk: row for row in rows if row.gross_area_m2 == 0 or row.is_outbound})
    crowded = [row for row in rows if (overlap := venue_overlap(row)) is not None and overlap.over_capacity]
    sample.update({row.pk: row for row in crowded[:10]})
    return list(sample.values())


def test_every_sampled_demo_row_can_be_put_back_as_read_and_its_notes_patched(clients, demo_rows):
    assert {row.batch.code for row in demo_rows} == {"brand", "resident", "market", "conference"}
    assert any(row.gross_area_m2 == 0 for row in demo_rows)
    # Zero area only where the batch does not count as an exhibition (conferences).
    assert {row.batch.code for row in demo_rows if row.gross_area_m2 == 0} == {"conference"}
    staff = clients["staff"]
    for row in demo_rows:
        read = staff.get(detail(row))
        assert read.status_code == 200
        put = staff.put(detail(row), read.json(), format="json")
        assert put.status_code == 200, (row.external_ref, put.content)
        assert put.json() == read.json()  # unchanged: same version, nothing written
        patched = staff.patch(detail(row), {"notes": "checked", "version": read.json()["version"]}, format="json")
        assert patched.status_code == 200, (row.external_ref, patched.content)
        assert patched.json()["version"] == read.json()["version"] + 1
