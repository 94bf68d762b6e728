"""What an integrating system does with the client generated from docs/openapi.yaml (openapi-python-client).

Run by tests/api/test_generated_client.py in a virtualenv holding only the generated package and its
dependencies, against a live server: EXPOPLAN_URL, EXPOPLAN_TOKEN (a staff token) and EXPOPLAN_YEAR.
Every status is one the schema declares (`raise_on_unexpected_status`), every body parses into its model.
docs/api.md shows the same calls.
"""

from __future__ import annotations

import datetime as dt
import os

from expo_plan_api_client import AuthenticatedClient
from expo_plan_api_client.api.exhibitions import (
    exhibitions_create,
    exhibitions_destroy,
    exhibitions_list,
    exhibitions_partial_update,
    exhibitions_retrieve,
    exhibitions_update,
)
from expo_plan_api_client.api.progress import progress_retrieve
from expo_plan_api_client.api.venues import venues_list
from expo_plan_api_client.models import (
    Error,
    Exhibition,
    ExhibitionRequest,
    ExhibitionStatusEnum,
    PaginatedExhibitionList,
    PaginatedVenueList,
    PatchedExhibitionRequest,
    Progress,
)

YEAR = int(os.environ["EXPOPLAN_YEAR"])
client = AuthenticatedClient(
    base_url=os.environ["EXPOPLAN_URL"],  # the schema's paths start with /api/v1/
    token=os.environ["EXPOPLAN_TOKEN"],
    prefix="Token",
    raise_on_unexpected_status=True,
)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"scenario failed: {what}")


# 1. A filtered list: counted events of Shenyang and Dalian this year, confirmed or held, largest first.
page = exhibitions_list.sync(
    client=client,
    year=YEAR,
    city=["shenyang", "dalian"],
    status=[ExhibitionStatusEnum.CONFIRMED, ExhibitionStatusEnum.HELD],
    counts=True,
    ordering="-gross_area_m2",
    page_size=20,
)
check(isinstance(page, PaginatedExhibitionList), f"list: {page!r}")
check(page.count > 0 and 0 < len(page.results) <= 20, f"list count {page.count}, {len(page.results)} rows")
for row in page.results:
    check(row.city in {"shenyang", "dalian"} and row.start_date.year == YEAR, f"row {row.id} outside the filter")
    check(row.status in {ExhibitionStatusEnum.CONFIRMED, ExhibitionStatusEnum.HELD} and row.counts, f"row {row.id}")
areas = [row.gross_area_m2 for row in page.results]
check(areas == sorted(areas, reverse=True), "ordering=-gross_area_m2")

# 2. Progress of the province and of one city.
province = progress_retrieve.sync(client=client, year=YEAR)
check(isinstance(province, Progress), f"province progress: {province!r}")
check(province.year == YEAR and province.achieved.exhibitions > 0, "province achieved")
dalian = progress_retrieve.sync(client=client, year=YEAR, city="dalian")
check(isinstance(dalian, Progress), f"city progress: {dalian!r}")
check(dalian.scope != province.scope, f"scopes {dalian.scope} / {province.scope}")
check(dalian.achieved.exhibitions <= province.achieved.exhibitions, "a city within the province")

# 3. Create an exhibition in a Dalian venue.
venues = venues_list.sync(client=client, city=["dalian"], is_professional=True)
check(isinstance(venues, PaginatedVenueList) and venues.results, f"venues: {venues!r}")
venue = venues.results[0]
created = exhibitions_create.sync(
    client=client,
    body=ExhibitionRequest(
        name="大连生成客户端博览会",
        name_en="Dalian Generated Client Expo",
        batch="market",
        venue=venue.id,
        start_date=dt.date(YEAR, 10, 20),
        end_date=dt.date(YEAR, 10, 22),
        gross_area_m2=12_000,
        status=ExhibitionStatusEnum.PLANNED,
        confirm_over_capacity=True,
    ),
)
check(isinstance(created, Exhibition), f"create: {created!r}")
check(created.city == "dalian" and created.version == 1 and created.venue == venue.id, f"created {created!r}")

# 4. Update with the version read: PUT of the row as read (with one change), then a PATCH.
body = ExhibitionRequest.from_dict({**created.to_dict(), "gross_area_m2": 15_000, "confirm_over_capacity": True})
put = exhibitions_update.sync(created.id, client=client, body=body)
check(isinstance(put, Exhibition), f"put: {put!r}")
check(put.gross_area_m2 == 15_000 and put.version == created.version + 1, f"put {put!r}")
patched = exhibitions_partial_update.sync(
    created.id, client=client, body=PatchedExhibitionRequest(notes="Confirmed by phone.", version=put.version)
)
check(isinstance(patched, Exhibition), f"patch: {patched!r}")
check(patched.notes == "Confirmed by phone." and patched.version == put.version + 1, f"patch {patched!r}")

# 5. A stale version: 409, nothing written, the current version named.
stale = exhibitions_partial_update.sync_detailed(
    created.id, client=client, body=PatchedExhibitionRequest(notes="Lost update.", version=put.version)
)
check(stale.status_code == 409 and isinstance(stale.parsed, Error), f"stale: {stale.status_code} {stale.content!r}")
check(stale.parsed.error.code == "version_conflict", stale.parsed.error.code)
check(stale.parsed.error.current_version == patched.version, f"current_version {stale.parsed.error.current_version}")
check(exhibitions_retrieve.sync(created.id, client=client).notes == "Confirmed by phone.", "stale write applied")

# 6. Bad input: 400 naming the field (a body field, then a query parameter).
bad = exhibitions_create.sync_detailed(
    client=client,
    body=ExhibitionRequest(
        name_en="Ends before it starts",
        batch="market",
        venue=venue.id,
        start_date=dt.date(YEAR, 11, 5),
        end_date=dt.date(YEAR, 11, 1),
        gross_area_m2=5_000,
    ),
)
check(bad.status_code == 400 and isinstance(bad.parsed, Error), f"bad create: {bad.status_code} {bad.content!r}")
check("end_date" in bad.parsed.error.fields.additional_properties, f"fields {bad.parsed.error.fields.to_dict()}")
bad = exhibitions_list.sync_detailed(client=client, year=YEAR, month=13)
check(bad.status_code == 400 and isinstance(bad.parsed, Error), f"bad filter: {bad.status_code} {bad.content!r}")
check(list(bad.parsed.error.fields.additional_properties) == ["month"], f"fields {bad.parsed.error.fields.to_dict()}")

# 7. Delete with the ETag just read (If-Match).
read = exhibitions_retrieve.sync_detailed(created.id, client=client)
deleted = exhibitions_destroy.sync_detailed(created.id, client=client, if_match=read.headers["ETag"])
check(deleted.status_code == 204, f"delete: {deleted.status_code} {deleted.content!r}")

print(f"scenario passed: {page.count} listed, exhibition {created.id} created, updated to v{patched.version}, deleted")
