"""Every endpoint × role (staff, city official, API client, anonymous): status and scoping (SPEC §5)."""

from __future__ import annotations

import pytest

from core.roles import VIEW
from exhibitions.models import Exhibition
from tests.api.conftest import ROLES, token_client
from tests.factories import UserFactory

ALL_READ = {"staff": 200, "city_official": 200, "api_client": 200, "anonymous": 401}
STAFF_ONLY = {"staff": None, "city_official": 403, "api_client": 403, "anonymous": 401}


def _new_exhibition(dataset, *, venue: str, status: str = "planned") -> dict:
    return {
        "name": "新展会",
        "batch": "market",
        "venue": dataset[venue].pk,
        "start_date": "2024-10-01",
        "end_date": "2024-10-03",
        "gross_area_m2": 15_000,
        "status": status,
    }


# (label, method, url(dataset), body(dataset) | None, {role: expected status})
CASES = [
    ("cities list", "get", lambda d: "/api/v1/cities/", None, ALL_READ),
    ("city detail", "get", lambda d: "/api/v1/cities/dalian/", None, ALL_READ),
    ("batches list", "get", lambda d: "/api/v1/batches/", None, ALL_READ),
    ("batch detail", "get", lambda d: "/api/v1/batches/market/", None, ALL_READ),
    ("venues list", "get", lambda d: "/api/v1/venues/", None, ALL_READ),
    ("venue detail", "get", lambda d: f"/api/v1/venues/{d['dalian'].pk}/", None, ALL_READ),
    ("organizers list", "get", lambda d: "/api/v1/organizers/", None, ALL_READ),
    ("organizer detail", "get", lambda d: f"/api/v1/organizers/{d['organizer'].pk}/", None, ALL_READ),
    ("brands list", "get", lambda d: "/api/v1/brands/", None, ALL_READ),
    ("targets list", "get", lambda d: "/api/v1/targets/", None, ALL_READ),
    ("target detail", "get", lambda d: "/api/v1/targets/2024/", None, ALL_READ),
    ("exhibitions list", "get", lambda d: "/api/v1/exhibitions/", None, ALL_READ),
    ("exhibition detail", "get", lambda d: f"/api/v1/exhibitions/{d['sy_held'].pk}/", None, ALL_READ),
    ("progress", "get", lambda d: "/api/v1/progress/?year=2024", None, ALL_READ),
    ("progress of another city", "get", lambda d: "/api/v1/progress/?year=2024&city=shenyang", None, ALL_READ),
    ("progress history", "get", lambda d: "/api/v1/progress/history/?year=2024", None, ALL_READ),
    (
        "create venue",
        "post",
        lambda d: "/api/v1/venues/",
        lambda d: {"slug": "new-hall", "name": "新馆", "city": "dalian", "indoor_area_m2": 8000},
        {**STAFF_ONLY, "staff": 201},
    ),
    (
        "edit venue",
        "patch",
        lambda d: f"/api/v1/venues/{d['dalian'].pk}/",
        lambda d: {"is_professional": False},
        {**STAFF_ONLY, "staff": 200},
    ),
    (
        "create target",
        "post",
        lambda d: "/api/v1/targets/",
        lambda d: {"year": 2026, "exhibitions": 300, "gross_area_m2": 4_000_000},
        {**STAFF_ONLY, "staff": 201},
    ),
    (
        "edit target and allocations",
        "patch",
        lambda d: "/api/v1/targets/2024/",
        lambda d: {"allocations": [{"city": "dalian", "exhibitions": 3, "gross_area_m2": 100_000}]},
        {**STAFF_ONLY, "staff": 200},
    ),
    (
        "create planned exhibition in own city",
        "post",
        lambda d: "/api/v1/exhibitions/",
        lambda d: _new_exhibition(d, venue="dalian"),
        {"staff": 201, "city_official": 201, "api_client": 403, "anonymous": 401},
    ),
    (
        "create planned exhibition in another city",
        "post",
        lambda d: "/api/v1/exhibitions/",
        lambda d: _new_exhibition(d, venue="shenyang"),
        {"staff": 201, "city_official": 403, "api_client": 403, "anonymous": 401},
    ),
    (
        "create held exhibition in own city",
        "post",
        lambda d: "/api/v1/exhibitions/",
        lambda d: _new_exhibition(d, venue="dalian", status="held"),
        {"staff": 201, "city_official": 403, "api_client": 403, "anonymous": 401},
    ),
    (
        "edit planned exhibition of own city",
        "patch",
        lambda d: f"/api/v1/exhibitions/{d['dl_planned'].pk}/",
        lambda d: {"gross_area_m2": 18_000},
        {"staff": 200, "city_official": 200, "api_client": 403, "anonymous": 401},
    ),
    (
        "confirm own planned exhibition (leaves the draft scope)",
        "patch",
        lambda d: f"/api/v1/exhibitions/{d['dl_planned'].pk}/",
        lambda d: {"status": "confirmed"},
        {"staff": 200, "city_official": 403, "api_client": 403, "anonymous": 401},
    ),
    (
        "edit held exhibition of own city",
        "patch",
        lambda d: f"/api/v1/exhibitions/{d['dl_held'].pk}/",
        lambda d: {"gross_area_m2": 18_000},
        {"staff": 200, "city_official": 403, "api_client": 403, "anonymous": 401},
    ),
    (
        "edit planned exhibition of another city",
        "put",
        lambda d: f"/api/v1/exhibitions/{d['sy_planned'].pk}/",
        lambda d: {**_new_exhibition(d, venue="shenyang"), "name": "改名"},
        {"staff": 200, "city_official": 403, "api_client": 403, "anonymous": 401},
    ),
    (
        "delete planned exhibition of own city",
        "delete",
        lambda d: f"/api/v1/exhibitions/{d['dl_planned'].pk}/",
        None,
        {"staff": 204, "city_official": 204, "api_client": 403, "anonymous": 401},
    ),
    (
        "delete held exhibition",
        "delete",
        lambda d: f"/api/v1/exhibitions/{d['sy_held'].pk}/",
        None,
        {"staff": 204, "city_official": 403, "api_client": 403, "anonymous": 401},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("label", "method", "url", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_permission_matrix(clients, dataset, role, label, method, url, body, expected):
    before = Exhibition.objects.count()
    client = clients[role]
    kwargs = {"format": "json"} if body else {}
    response = getattr(client, method)(url(dataset), body(dataset) if body else None, **kwargs)
    assert response.status_code == expected[role], (label, role, response.content[:400])
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"status", "code", "message", "fields"}
        assert Exhibition.objects.count() == before  # nothing half-written
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ["staff", "city_official", "api_client"])
def test_every_role_reads_what_for_user_allows(clients, dataset, role, staff_user, city_official, api_client_user):
    users = {"staff": staff_user, "city_official": city_official, "api_client": api_client_user}
    response = clients[role].get("/api/v1/exhibitions/?page_size=500")
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == set(Exhibition.objects.for_user(users[role], VIEW).values_list("pk", flat=True))
    assert len(ids) == 5  # everyone reads everything (SPEC §5)


def test_signed_in_user_without_role_gets_403(db, dataset):
    client = token_client(UserFactory(username="nobody"))
    assert client.get("/api/v1/exhibitions/").status_code == 403
    assert client.get("/api/v1/progress/?year=2024").status_code == 403


def test_city_official_edit_keeps_row_unchanged_when_refused(clients, dataset):
    row = dataset["dl_planned"]
    response = clients["city_official"].patch(
        f"/api/v1/exhibitions/{row.pk}/", {"status": "held", "gross_area_m2": 11_111}, format="json"
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert (row.status, row.gross_area_m2, row.version) == ("planned", 20_000, 1)
