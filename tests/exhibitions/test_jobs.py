"""Import and large exports as jobs: the progress page (htmx and without JavaScript), the owner rule on
every path, the export job's file equal to the direct export, and the streamed CSV's constant memory."""

import csv
import datetime as dt
import io
import tracemalloc

import pytest
from django.test import TestCase
from openpyxl import load_workbook

from core.models import Job
from exhibitions import exporting
from exhibitions.columns import HEADERS
from exhibitions.models import Exhibition
from tests.exhibitions.test_import import (  # noqa: F401 (fixture)
    ZH_HEADERS,
    confirm,
    csv_bytes,
    row,
    upload,
    venue,
    xlsx,
)
from tests.factories import ExhibitionFactory, UserFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def other_staff(db):
    from core.roles import Role
    from core.services import user_set_role

    return user_set_role(username="other-staff", role=Role.STAFF, password="Pw-for-tests-123")


def running_job(user, kind=Job.Kind.IMPORT_PREVIEW, **fields) -> Job:
    return Job.objects.create(
        kind=kind,
        created_by=user,
        status=Job.Status.RUNNING,
        done=30,
        total=120,
        params={"filename": "city.xlsx", "language": "en"},
        **fields,
    )


def get_all(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def export(client, fmt: str, query: str = "") -> object:
    """GET an export; a job's redirect is followed through the job's page to its download."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(f"/exhibitions/export/{fmt}/{query}")
    return response


# --- the progress page ----------------------------------------------------------------------------------


def test_a_running_import_shows_an_accessible_progress_bar_that_polls(staff_client, staff_user):
    job = running_job(staff_user)
    page = staff_client.get(f"/exhibitions/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="progressbar"' in html and 'aria-valuenow="25"' in html
    assert 'aria-valuemin="0"' in html and 'aria-valuemax="100"' in html
    assert 'aria-live="polite"' in html and "Checking rows: 30 of 120 (25%)" in html
    assert f'hx-get="/exhibitions/jobs/{job.pk}/"' in html and 'hx-trigger="every 1s"' in html
    # Without JavaScript: the page reloads itself, and says how to come back.
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert 'id="job-reload"' in html
    assert 'id="import-form"' not in html  # no second upload while this one is checked

    partial = staff_client.get(f"/exhibitions/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en", **HTMX)
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert 'aria-valuenow="25"' in partial.content.decode()
    Job.objects.filter(pk=job.pk).update(done=60)
    assert 'aria-valuenow="50"' in staff_client.get(f"/exhibitions/jobs/{job.pk}/", **HTMX).content.decode()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, result={"ok": True, "rows": []})
    done = staff_client.get(f"/exhibitions/jobs/{job.pk}/", **HTMX)
    assert done["HX-Refresh"] == "true", "finished: the whole page reloads to show the outcome"
    assert "http-equiv" not in staff_client.get(f"/exhibitions/jobs/{job.pk}/").content.decode()


def test_a_queued_job_says_it_waits_for_a_worker(client, city_official):
    client.force_login(city_official)
    job = Job.objects.create(kind=Job.Kind.EXPORT_CSV, created_by=city_official, params={"language": "en"})
    html = client.get(f"/exhibitions/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting for a background worker" in html and 'aria-valuenow="0"' in html


# --- the owner rule -------------------------------------------------------------------------------------


def test_nobody_else_can_poll_or_download_a_job(client, staff_user, other_staff, city_official, settings):
    settings.EXPOPLAN_EXPORT_JOB_ROWS = 1
    ExhibitionFactory.create_batch(2)
    client.force_login(staff_user)
    response = export(client, "csv")
    assert response.status_code == 302
    job = Job.objects.get()
    urls = [
        f"/exhibitions/jobs/{job.pk}/",
        f"/exhibitions/jobs/{job.pk}/download/",
    ]
    assert [client.get(url).status_code for url in urls] == [200, 200]
    for user in (other_staff, city_official):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404], user
        assert client.get(urls[0], **HTMX).status_code == 404
    client.logout()
    assert all(client.get(url).status_code == 302 for url in urls)  # to sign in
    client.force_login(UserFactory(username="unknown-job"))  # no role: no page at all
    assert client.get("/exhibitions/jobs/00000000-0000-0000-0000-000000000000/").status_code == 403


def test_nobody_else_can_confirm_a_preview(client, staff_user, other_staff, venue):  # noqa: F811
    client.force_login(staff_user)
    preview = upload(client, xlsx(ZH_HEADERS, [row("OWN-1", "自己的导入")]), "own.xlsx")
    assert preview.context["token"]
    client.force_login(other_staff)
    assert client.get(f"/exhibitions/jobs/{preview.context['token']}/").status_code == 404
    response = confirm(client, preview, follow=True)
    assert "expired" in response.content.decode() or "过期" in response.content.decode()
    assert not Job.objects.filter(kind=Job.Kind.IMPORT_COMMIT).exists()
    assert not Exhibition.objects.exists()


def test_an_import_job_needs_the_staff_role(client, staff_user, city_official):
    job = running_job(city_official)  # e.g. a former staff member's
    client.force_login(city_official)
    assert client.get(f"/exhibitions/jobs/{job.pk}/").status_code == 403


# --- import through jobs ----------------------------------------------------------------------------------


def test_import_through_jobs_from_upload_to_the_list(staff_client, staff_user, venue):  # noqa: F811
    rows = [
        row(f"J-{i}", f"作业导入展{i}", start=f"2025-{1 + i % 12:02d}-01", end=f"2025-{1 + i % 12:02d}-02")
        for i in range(150)
    ]
    preview = upload(staff_client, xlsx(ZH_HEADERS, rows), "jobs.xlsx", confirm_over_capacity="on")
    check = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    assert check.status == Job.Status.SUCCEEDED and (check.done, check.total) == (150, 150)
    assert check.params["confirm_over_capacity"] is True and check.input_file
    assert preview.context["result"].created == 150 and preview.context["token"] == str(check.pk)
    assert 'id="confirm-import"' in preview.content.decode()
    response = confirm(staff_client, preview)
    commit = Job.objects.get(kind=Job.Kind.IMPORT_COMMIT)
    assert response["Location"] == f"/exhibitions/jobs/{commit.pk}/"
    assert commit.status == Job.Status.SUCCEEDED and commit.result["created"] == 150
    assert Exhibition.objects.count() == 150
    check.refresh_from_db()
    assert not check.input_file, "the uploaded file is gone once imported"
    # The finished import's page is the list with the message, as before jobs.
    landing = staff_client.get(response["Location"], follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert landing.redirect_chain[-1][0] == "/exhibitions/"
    assert "Import finished: 150 created, 0 updated." in landing.content.decode()
    # The preview's page now says it was imported, and offers no second import.
    again = staff_client.get(f"/exhibitions/jobs/{check.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="import-already"' in again and 'id="confirm-import"' not in again


def test_an_upload_that_cannot_be_imported_is_not_kept(staff_client, venue, settings):  # noqa: F811
    upload(staff_client, xlsx(ZH_HEADERS, [row("B-1", "坏批次", batch="nope")]), "bad.xlsx")
    # Not a spreadsheet at all: refused before anything is stored (no job, no file).
    assert upload(staff_client, b"%PDF-1.4 not a spreadsheet", "report.xlsx").status_code == 400
    # A spreadsheet the import check cannot read: the check job fails, its upload goes.
    upload(staff_client, csv_bytes(["名称"], [["甲"]]), "no-columns.csv")
    checks = Job.objects.filter(kind=Job.Kind.IMPORT_PREVIEW)
    assert sorted(checks.values_list("status", flat=True)) == [Job.Status.FAILED, Job.Status.SUCCEEDED]
    assert not any(job.input_file for job in checks)
    assert not any(path.is_file() for path in (settings.MEDIA_ROOT / "jobs").rglob("*"))


def test_a_commit_that_fails_shows_every_row_error(staff_client, venue):  # noqa: F811
    existing = ExhibitionFactory(external_ref="F-1", venue=venue, gross_area_m2=15_000, status="planned")
    preview = upload(staff_client, xlsx(ZH_HEADERS, [row("F-1", "改名", area="30000")]), "f.xlsx")
    Exhibition.objects.filter(pk=existing.pk).update(version=5)  # changed by somebody meanwhile
    page = confirm(staff_client, preview, follow=True)
    assert page.context["job"].status == Job.Status.FAILED
    assert 'id="import-errors"' in page.content.decode()
    assert [e.row for e in page.context["result"].errors] == [2]
    assert Exhibition.objects.get().gross_area_m2 == 15_000


# --- export jobs ---------------------------------------------------------------------------------------


def _rows(count: int) -> None:
    """`count` exhibitions, fast (no history, no factories per row)."""
    market, dalian = batch("market"), city("dalian")
    hall = VenueFactory(city=dalian)
    Exhibition.objects.bulk_create(
        Exhibition(
            name_zh=f"=批量展{i}",
            batch=market,
            city=dalian,
            venue=hall,
            start_date=dt.date(2024, 1 + i % 12, 1 + i % 28),
            end_date=dt.date(2024, 1 + i % 12, 1 + i % 28),
            gross_area_m2=10_000 + i,
            status="held",
            notes="备注" * 10,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_job_gives_the_same_file_as_the_direct_export(staff_client, settings, fmt):
    _rows(30)
    ExhibitionFactory(name_zh="其他年", start_date=dt.date(2023, 5, 1))
    direct = get_all(staff_client.get(f"/exhibitions/export/{fmt}/?year=2024"))
    settings.EXPOPLAN_EXPORT_JOB_ROWS = 29
    response = export(staff_client, fmt, "?year=2024")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exhibitions/jobs/{job.pk}/"
    assert job.kind == f"export_{fmt}" and job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total, job.result["rows"]) == (30, 30, 30)
    page = staff_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="export-download"' in page and "30 exhibitions" in page
    download = staff_client.get(f"/exhibitions/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{job.params["filename"]}"'
    assert "no-store" in download["Cache-Control"]
    body = get_all(download)
    if fmt == "csv":
        assert body == direct
        assert list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[0] == HEADERS
    else:

        def cells(content):
            return [[c.value for c in r] for r in load_workbook(io.BytesIO(content)).active.iter_rows()]

        assert cells(body) == cells(direct)
        assert cells(body)[0] == HEADERS and cells(body)[1][2].startswith("'=")  # neutralised


def test_an_export_below_the_threshold_downloads_at_once_and_streams(staff_client):
    _rows(3)
    response = staff_client.get("/exhibitions/export/csv/")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="exhibitions-')
    assert not Job.objects.exists()


def test_a_city_official_gets_their_own_export_job(client, city_official, settings):
    settings.EXPOPLAN_EXPORT_JOB_ROWS = 1
    _rows(3)
    client.force_login(city_official)
    response = export(client, "xlsx")
    job = Job.objects.get()
    assert job.created_by == city_official and job.status == Job.Status.SUCCEEDED
    assert client.get(response["Location"]).status_code == 200
    assert client.get(f"/exhibitions/jobs/{job.pk}/download/").status_code == 200


def _peak_while_streaming(client, rows: int) -> int:
    Exhibition.objects.all().delete()
    _rows(rows)
    response = client.get("/exhibitions/export/csv/")
    assert response.streaming
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in response.streaming_content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > rows * 100
    return peak


def test_the_streamed_csv_export_uses_constant_memory(staff_client, settings):
    """5× the rows, the same peak memory: rows are fetched CHUNK_SIZE at a time and sent on. (The peak
    holds two chunks, the one being written and the next being fetched, from 2 × CHUNK_SIZE rows on.)"""
    settings.EXPOPLAN_EXPORT_JOB_ROWS = 100_000
    small = _peak_while_streaming(staff_client, 2 * exporting.CHUNK_SIZE)
    large = _peak_while_streaming(staff_client, 10 * exporting.CHUNK_SIZE)
    assert large < small * 1.05, (small, large)
