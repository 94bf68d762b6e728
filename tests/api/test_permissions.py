"""Every API route and method × role (staff, city official, API client, anonymous): status and scoping (SPEC §5).

tests/test_routes.py fails when a route of the project is in neither this matrix nor the pages'.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.audit import Action, record
from core.roles import VIEW
from exhibitions.models import Exhibition
from tests.api.conftest import token_client
from tests.factories import BrandFactory, UserFactory
from tests.permissions import Case, check, endpoint, everyone, matrix

STAFF_WRITES = endpoint(city_official=403, api_client=403)  # the staff status is given per case
YEAR = "2024"


@pytest.fixture
def objects(dataset) -> dict:
    return {**dataset, "brand": BrandFactory(), "audit_event": record(Action.EXPORT, username="someone")}


def new_exhibition(venue: str, status: str = "planned", **changes):
    def body(o):
        return {
            "name": "新展会",
            "batch": "market",
            "venue": o[venue].pk,
            "start_date": "2024-10-01",
            "end_date": "2024-10-03",
            "gross_area_m2": 15_000,
            "status": status,
            **changes,
        }

    return body


def pk(name):
    return lambda o: {"pk": o[name].pk}


NEW_VENUE = {"slug": "new-hall", "name": "新馆", "city": "dalian", "indoor_area_m2": 8000}
OFFICIAL_MAY = endpoint(api_client=403)  # staff and officials (own city, planned) write; API clients never
AUDITOR_ONLY = endpoint(staff=403, city_official=403, api_client=403, auditor=200)

CASES = [
    # The schema and its docs: any role, the three administrators included (the auditor's client uses it).
    Case("api-schema", endpoint(sysadmin=200, secadmin=200, auditor=200)),
    Case("api-docs", endpoint(sysadmin=200, secadmin=200, auditor=200)),
    Case("v1:not-found", everyone(404)),  # /api/v1/ and any unknown path under it: a JSON 404
    Case("api-not-found", everyone(404)),  # /api and anything else under /api/ (e.g. /api/v2/…)
    Case("v1:city-list", endpoint()),
    Case("v1:city-detail", endpoint(), kwargs={"slug": "dalian"}),
    Case("v1:batch-list", endpoint()),
    Case("v1:batch-detail", endpoint(), kwargs={"code": "market"}),
    Case("v1:organizer-list", endpoint()),
    Case("v1:organizer-detail", endpoint(), kwargs=pk("organizer")),
    Case("v1:brand-list", endpoint()),
    Case("v1:brand-detail", endpoint(), kwargs=lambda o: {"slug": o["brand"].slug}),
    Case("v1:progress", endpoint(), query={"year": YEAR}),
    Case("v1:progress", endpoint(), query={"year": YEAR, "city": "shenyang"}, label="another city"),
    Case("v1:progress-history", endpoint(), query={"year": YEAR}),
    # -- venues and targets: everyone reads, staff write
    Case("v1:venue-list", endpoint()),
    Case("v1:venue-detail", endpoint(), kwargs=pk("dalian")),
    Case("v1:venue-list", {**STAFF_WRITES, "staff": 201}, "post", json=NEW_VENUE),
    Case("v1:venue-detail", STAFF_WRITES, "patch", kwargs=pk("dalian"), json={"is_professional": False}),
    Case("v1:venue-detail", STAFF_WRITES, "put", kwargs=pk("dalian"), json={**NEW_VENUE, "slug": "dl-expo"}),
    Case("v1:target-list", endpoint()),
    Case("v1:target-detail", endpoint(), kwargs={"year": YEAR}),
    Case(
        "v1:target-list",
        {**STAFF_WRITES, "staff": 201},
        "post",
        json={"year": 2026, "exhibitions": 300, "gross_area_m2": 4_000_000},
    ),
    Case(
        "v1:target-detail",
        STAFF_WRITES,
        "patch",
        kwargs={"year": YEAR},
        json={"allocations": [{"city": "dalian", "exhibitions": 3, "gross_area_m2": 100_000}]},
        label="allocations",
    ),
    Case(
        "v1:target-detail",
        STAFF_WRITES,
        "put",
        kwargs={"year": YEAR},
        json={"year": 2024, "exhibitions": 12, "gross_area_m2": 600_000},
    ),
    # -- exhibitions: everyone reads; city officials write their own city's planned ones
    Case("v1:exhibition-list", endpoint()),
    Case("v1:exhibition-detail", endpoint(), kwargs=pk("sy_held")),
    Case(
        "v1:exhibition-list",
        endpoint(staff=201, city_official=201, api_client=403),
        "post",
        json=new_exhibition("dalian"),
        label="planned in own city",
    ),
    Case(
        "v1:exhibition-list",
        {**STAFF_WRITES, "staff": 201},
        "post",
        json=new_exhibition("shenyang"),
        label="planned in another city",
    ),
    Case(
        "v1:exhibition-list",
        {**STAFF_WRITES, "staff": 201},
        "post",
        json=new_exhibition("dalian", status="held"),
        label="held in own city",
    ),
    Case(
        "v1:exhibition-detail",
        OFFICIAL_MAY,
        "patch",
        kwargs=pk("dl_planned"),
        json={"gross_area_m2": 18_000, "version": 1},
        label="own city planned",
    ),
    Case(
        "v1:exhibition-detail",
        STAFF_WRITES,
        "patch",
        kwargs=pk("dl_planned"),
        json={"status": "confirmed", "version": 1},
        label="confirm own planned (leaves the draft scope)",
    ),
    Case(
        "v1:exhibition-detail",
        STAFF_WRITES,
        "patch",
        kwargs=pk("dl_held"),
        json={"gross_area_m2": 18_000, "version": 1},
        label="own city held",
    ),
    Case(
        "v1:exhibition-detail",
        STAFF_WRITES,
        "put",
        kwargs=pk("sy_planned"),
        json=new_exhibition("shenyang", name="改名", version=1),
        label="another city planned",
    ),
    Case(
        "v1:exhibition-detail",
        OFFICIAL_MAY,
        "put",
        kwargs=pk("dl_planned"),
        json=new_exhibition("dalian", name="改名", version=1),
        label="own city planned",
    ),
    Case(
        "v1:exhibition-detail",
        endpoint(staff=204, city_official=204, api_client=403),
        "delete",
        kwargs=pk("dl_planned"),
        label="own city planned",
    ),
    Case("v1:exhibition-detail", {**STAFF_WRITES, "staff": 204}, "delete", kwargs=pk("sy_held"), label="held"),
    # -- the audit log: the audit administrator only (SPEC §12); read-only
    Case("v1:audit-event-list", AUDITOR_ONLY),
    Case("v1:audit-event-list", AUDITOR_ONLY, query={"action": "export", "user": "some"}, label="filtered"),
    Case("v1:audit-event-detail", AUDITOR_ONLY, kwargs=pk("audit_event")),
]


@matrix(CASES)
def test_permission_matrix(case, role, clients, objects):
    before = Exhibition.objects.count()
    response = check(case, role=role, client=clients[role], objects=objects)
    if response.status_code >= 400:
        assert Exhibition.objects.count() == before  # nothing half-written
        # the one error shape, everywhere under /api/ (the schema and the docs included)
        assert set(response.json()["error"]) >= {"status", "code", "message", "fields"}
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ["staff", "city_official", "api_client"])
def test_every_role_reads_what_for_user_allows(clients, dataset, role, role_users):
    response = clients[role].get("/api/v1/exhibitions/?page_size=500")
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == set(Exhibition.objects.for_user(role_users[role], VIEW).values_list("pk", flat=True))
    assert len(ids) == 5  # everyone reads everything (SPEC §5)


def test_signed_in_user_without_role_gets_403(db, dataset):
    client = token_client(UserFactory(username="nobody"))
    assert client.get("/api/v1/exhibitions/").status_code == 403
    assert client.get("/api/v1/progress/?year=2024").status_code == 403


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_a_role(db, url, sign_in):
    nobody = UserFactory(username="nobody")
    response = token_client(nobody).get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    session = APIClient()
    sign_in(session, nobody)
    assert session.get(url).status_code == 403


def test_city_official_edit_keeps_row_unchanged_when_refused(clients, dataset):
    row = dataset["dl_planned"]
    response = clients["city_official"].patch(
        f"/api/v1/exhibitions/{row.pk}/", {"status": "held", "gross_area_m2": 11_111, "version": 1}, format="json"
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert (row.status, row.gross_area_m2, row.version) == ("planned", 20_000, 1)
