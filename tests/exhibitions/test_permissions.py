"""Every role × every browser route and method (SPEC §5), enforced on the server.

The matrix of the whole workspace, not only of exhibitions: dashboards, reports, accounts, venues,
targets. tests/test_routes.py fails when a route of the project is in neither this matrix nor the API's.
A write a role may make answers 302 (saved) with valid data, or 200 with the form's errors with invalid
data: either way the request got past every permission check. Refused writes answer 403 (or the sign-in).
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile

from core.models import Job
from exhibitions.models import Batch, Exhibition
from tests.factories import BrandFactory, ExhibitionFactory, OrganizerFactory, TargetFactory, VenueFactory, city
from tests.permissions import Case, check, everyone, matrix, page

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def objects(db, staff_user):
    dalian_venue = VenueFactory(city=city("dalian"))
    return {
        "staff_job": staff_job(staff_user),
        "other_city": ExhibitionFactory(venue=VenueFactory(city=city("shenyang"))),
        "own_draft": ExhibitionFactory(venue=dalian_venue, status=Exhibition.Status.PLANNED),
        "own_held": ExhibitionFactory(venue=dalian_venue, status=Exhibition.Status.HELD),
        "venue": dalian_venue,
        "organizer": OrganizerFactory(),
        "brand": BrandFactory(),
        "target": TargetFactory(year=YEAR),
    }


def staff_job(user) -> Job:
    """A finished export job of the staff user's, with its file: nobody else may see or download it."""
    job = Job(kind=Job.Kind.EXPORT_CSV, created_by=user, status=Job.Status.SUCCEEDED, result={"rows": 0})
    job.file.save("exhibitions.csv", ContentFile(b"\xef\xbb\xbf"), save=False)
    job.save()
    return job


def new_exhibition(status: str):
    """The create form's data: a new exhibition at the Dalian venue."""

    def data(o):
        return {
            "name_zh": "矩阵测试展",
            "batch": Batch.objects.get(code="market").pk,
            "city": o["venue"].city_id,
            "venue": o["venue"].pk,
            "start_date": dt.date(YEAR, 9, 1),
            "end_date": dt.date(YEAR, 9, 3),
            "gross_area_m2": 12_000,
            "status": status,
        }

    return data


def pk(name):
    return lambda o: {"pk": o[name].pk}


STAFF_ONLY = page(city_official=403)
STAFF_WRITES = page(staff=200, city_official=403)  # invalid data: staff get the form back with errors
STAFF_SAVES = page(staff=302, city_official=403)
MISSING = page(staff=404, city_official=404)
NO_SUCH = {"pk": 999_999}
AUDITOR_ONLY = page(staff=403, city_official=403, auditor=200)

CASES = [
    # -- no sign-in needed
    Case("healthz", everyone(200)),
    Case("login", everyone(200)),
    Case("login", everyone(200), "post", data={"username": "staff", "password": "wrong"}, label="wrong password"),
    Case("logout", everyone(302), "post"),
    Case("set_language", everyone(302), "post", data={"language": "en", "next": "/"}),
    # -- the signed-in user's own account: every role
    Case("password_change", page(api_client=200, sysadmin=200, secadmin=200, auditor=200)),
    Case(
        "password_change",
        page(api_client=200, sysadmin=200, secadmin=200, auditor=200),
        "post",
        data={"old_password": "wrong"},
    ),
    Case("password_change_done", page(api_client=200, sysadmin=200, secadmin=200, auditor=200)),
    # -- the security administrator's page (policy, unlocking, ending sessions): the security administrator only
    Case("security", page(staff=403, city_official=403, secadmin=200)),
    Case("security_unlock", page(staff=403, city_official=403, secadmin=302), "post", data={"username": "nobody"}),
    Case(
        "security_end_session",
        page(staff=403, city_official=403, secadmin=302),
        "post",
        data={"user": 999_999, "session": "0" * 64},  # no such session: "already ended"
    ),
    # -- two-factor sign-in (core/two_factor.py): staff and the three administrators, verified when they get
    # here; city officials and API clients have none. Verified: the verify page sends on, the setup page
    # (set up already) to the manage page; a wrong current code on the manage page shows the form again.
    Case("two_factor_verify", page(staff=302, city_official=403, sysadmin=302, secadmin=302, auditor=302)),
    Case(
        "two_factor_verify",
        page(staff=302, city_official=403, sysadmin=302, secadmin=302, auditor=302),
        "post",
        data={"code": "123456"},
    ),
    Case("two_factor_setup", page(staff=302, city_official=403, sysadmin=302, secadmin=302, auditor=302)),
    Case(
        "two_factor_setup",
        page(staff=302, city_official=403, sysadmin=302, secadmin=302, auditor=302),
        "post",
        data={"code": "123456"},
    ),
    Case("two_factor_manage", page(city_official=403, sysadmin=200, secadmin=200, auditor=200)),
    Case(
        "two_factor_manage",
        page(city_official=403, sysadmin=200, secadmin=200, auditor=200),
        "post",
        data={"code": "not-a-code", "action": "recovery_codes"},
    ),
    # -- dashboards: every business role reads every city's (not the three administrators); city officials
    # land on their own city; the three administrators on their own pages (reports.views.ADMIN_HOMES)
    Case("reports:home", page(city_official=302, api_client=200, sysadmin=302, secadmin=302, auditor=302)),
    Case("reports:province", page(api_client=200), query={"year": YEAR}),
    Case("reports:city", page(api_client=200), kwargs={"city_slug": "dalian"}, label="own city"),
    # Another city's dashboard: aggregates, which every business role reads (SPEC §5), read-only.
    Case("reports:city", page(api_client=200), kwargs={"city_slug": "shenyang"}, label="other"),
    Case("reports:recompute", page(staff=302, city_official=403), "post", data={"year": YEAR}),
    Case("reports:status", STAFF_ONLY, query={"year": YEAR}),
    # -- reports: staff every report, city officials their own city's, API clients none
    Case("reports:index", page()),
    Case("reports:monthly", page(), query={"year": YEAR, "month": 6, "city": "dalian"}, label="own city"),
    Case("reports:monthly", STAFF_ONLY, query={"year": YEAR, "month": 6}, label="province"),
    # -- exhibitions: everyone reads; officials write their own city's planned ones
    Case("exhibitions:list", page()),
    Case("exhibitions:list", page(), query={"year": 2024, "city": "dalian", "counts": "true"}, label="filtered"),
    Case("exhibitions:export", page(), kwargs={"fmt": "csv"}),
    Case("exhibitions:export", page(), kwargs={"fmt": "xlsx"}, query={"year": 2024}, label="xlsx"),
    Case("exhibitions:detail", page(), kwargs=pk("other_city")),
    Case("exhibitions:detail", MISSING, kwargs=NO_SUCH, label="missing"),
    Case("exhibitions:venue_options", page(), query=lambda o: {"city": o["venue"].city_id}),
    Case("exhibitions:create", page()),
    Case(
        "exhibitions:create",
        page(staff=302, city_official=302),
        "post",
        data=new_exhibition("planned"),
        label="planned in own city",
    ),
    Case(
        "exhibitions:create",
        page(staff=302, city_official=200),  # officials: a form error, nothing saved
        "post",
        data=new_exhibition("held"),
        label="held",
    ),
    Case("exhibitions:edit", page(city_official=403), kwargs=pk("other_city"), label="other city"),
    Case("exhibitions:edit", page(), kwargs=pk("own_draft"), label="own planned"),
    Case("exhibitions:edit", page(city_official=403), kwargs=pk("own_held"), label="own held"),
    Case("exhibitions:edit", MISSING, kwargs=NO_SUCH, label="missing"),
    Case(
        "exhibitions:edit",
        STAFF_WRITES,
        "post",
        kwargs=pk("other_city"),
        data={"version": 1},
        label="other city",
    ),
    Case("exhibitions:delete", page(city_official=403), kwargs=pk("other_city"), label="other city"),
    Case("exhibitions:delete", page(), kwargs=pk("own_draft"), label="own planned"),
    Case(
        "exhibitions:delete",
        STAFF_WRITES,
        "post",
        kwargs=pk("other_city"),
        data=lambda o: {"version": o["other_city"].version},  # no confirmation tick: nothing deleted
        label="other city",
    ),
    Case("exhibitions:import", STAFF_ONLY),
    Case("exhibitions:import", page(staff=400, city_official=403), "post", data={}),
    Case("exhibitions:import_template", STAFF_ONLY, kwargs={"fmt": "xlsx"}),
    # -- jobs: only the user who started one (here staff) sees its page and downloads its file
    Case("exhibitions:job", page(city_official=404), kwargs=pk("staff_job")),
    Case("exhibitions:job_download", page(city_official=404), kwargs=pk("staff_job")),
    # -- reference data: everyone reads, staff write
    Case("exhibitions:organizer_list", page()),
    Case("exhibitions:organizer_detail", page(), kwargs=pk("organizer")),
    Case("exhibitions:organizer_create", STAFF_ONLY),
    Case("exhibitions:organizer_create", STAFF_SAVES, "post", data={"name_zh": "矩阵主办方"}),
    Case("exhibitions:organizer_edit", STAFF_ONLY, kwargs=pk("organizer")),
    Case("exhibitions:organizer_edit", STAFF_SAVES, "post", kwargs=pk("organizer"), data={"name_zh": "改名"}),
    Case("exhibitions:brand_list", page()),
    Case("exhibitions:brand_detail", page(), kwargs=pk("brand")),
    Case("exhibitions:brand_create", STAFF_ONLY),
    Case("exhibitions:brand_create", STAFF_WRITES, "post", data={}),
    Case("exhibitions:brand_edit", STAFF_ONLY, kwargs=pk("brand")),
    Case("exhibitions:brand_edit", STAFF_WRITES, "post", kwargs=pk("brand"), data={}),
    Case("venues:list", page()),
    Case("venues:detail", page(), kwargs=pk("venue")),
    Case("venues:create", STAFF_ONLY),
    Case("venues:create", STAFF_WRITES, "post", data={}),
    Case("venues:edit", STAFF_ONLY, kwargs=pk("venue")),
    Case("venues:edit", STAFF_WRITES, "post", kwargs=pk("venue"), data={"name_zh": ""}),
    Case("targets:list", page()),
    Case("targets:detail", page(), kwargs={"year": YEAR}),
    Case("targets:create", STAFF_ONLY),
    Case("targets:create", STAFF_WRITES, "post", data={}),
    Case("targets:edit", STAFF_ONLY, kwargs={"year": YEAR}),
    Case("targets:edit", STAFF_WRITES, "post", kwargs={"year": YEAR}, data={}),
    # -- the audit log: the audit administrator only (SPEC §12)
    Case("audit", AUDITOR_ONLY),
    Case("audit", AUDITOR_ONLY, query={"action": "permission_denied", "date_from": "2025-01-01"}, label="filtered"),
    Case("audit_export", AUDITOR_ONLY),
]


@matrix(CASES)
def test_permission_matrix(case, role, client, role_users, sign_in, objects):
    if role_users[role] is not None:
        sign_in(client, role_users[role])
    check(case, role=role, client=client, objects=objects)
