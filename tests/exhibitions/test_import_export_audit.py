"""Imports, exports and report downloads are audited (SPEC §12): who, from where, which file or filter,
how many rows, the outcome; downloads are never cached (Cache-Control: no-store)."""

import datetime as dt
import io

import pytest
from django.test import TestCase

from core.models import AuditEvent
from tests.exhibitions.test_import import ZH_HEADERS, row, upload, venue, xlsx  # noqa: F401 (fixture)
from tests.factories import ExhibitionFactory

pytestmark = pytest.mark.django_db
Action, Outcome = AuditEvent.Action, AuditEvent.Outcome
ADDRESS = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "audit-test"}


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("at", "id"))


def test_an_import_check_and_commit_are_audited(client, staff_user, venue):  # noqa: F811
    client.force_login(staff_user)
    file = io.BytesIO(xlsx(ZH_HEADERS, [row("A-1", "审计展"), row("A-2", "审计展二")]))
    file.name = "audit.xlsx"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/exhibitions/import/", {"file": file}, **ADDRESS)
    preview = client.get(response["Location"])
    assert preview.context["result"].ok
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/exhibitions/import/", {"action": "confirm", "token": preview.context["token"]}, **ADDRESS)
    check, commit = events(Action.IMPORT)
    for event in (check, commit):
        assert (event.username, event.role, event.outcome) == ("staff", "staff", Outcome.SUCCESS)
        assert (event.address, event.user_agent) == ("203.0.113.9", "audit-test")  # the upload's, not the worker's
        assert event.object_type == "core.job"
        assert event.detail["file"] == "audit.xlsx" and event.detail["rows"] == 2 and event.detail["errors"] == 0
    assert check.detail["step"] == "check" and commit.detail["step"] == "commit"
    assert commit.detail["created"] == 2


def test_a_check_with_row_errors_is_a_failure_with_the_error_count(client, staff_user, venue):  # noqa: F811
    client.force_login(staff_user)
    upload(client, xlsx(ZH_HEADERS, [row("B-1", "坏", batch="nope"), row("B-2", "坏", city_="nowhere")]), "bad.xlsx")
    (event,) = events(Action.IMPORT)
    assert event.outcome == Outcome.FAILURE and event.detail["errors"] == 2 and event.detail["rows"] == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_audited_with_its_filter_and_rows(client, staff_user, fmt):
    ExhibitionFactory(start_date=dt.date(2024, 5, 1))
    ExhibitionFactory(start_date=dt.date(2023, 5, 1))
    client.force_login(staff_user)
    response = client.get(f"/exhibitions/export/{fmt}/?year=2024", **ADDRESS)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (event,) = events(Action.EXPORT)
    assert (event.username, event.address, event.outcome) == ("staff", "203.0.113.9", Outcome.SUCCESS)
    assert event.detail["format"] == fmt and event.detail["filter"] == "year=2024" and event.detail["rows"] == 1


def test_an_export_job_is_audited_when_started(client, staff_user, settings, tmp_path):
    settings.EXPOPLAN_EXPORT_JOB_ROWS = 0
    ExhibitionFactory(start_date=dt.date(2024, 5, 1))
    client.force_login(staff_user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get("/exhibitions/export/csv/")
    assert response.status_code == 302
    (event,) = events(Action.EXPORT)
    assert event.object_type == "core.job" and event.detail["rows"] == 1
    download = client.get(response["Location"] + "download/")
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]


def test_the_import_template_is_not_cached(client, staff_user):
    client.force_login(staff_user)
    for fmt in ("csv", "xlsx"):
        assert "no-store" in client.get(f"/exhibitions/import/template.{fmt}")["Cache-Control"]


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_a_report_download_is_audited(client, staff_user, fmt):
    from targets.services import progress_recompute

    snapshot = progress_recompute(year=2024, as_of=dt.date(2024, 6, 30))
    client.force_login(staff_user)
    response = client.get(f"/reports/monthly/?year=2024&month=5&format={fmt}&snapshot={snapshot.pk}", **ADDRESS)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (event,) = events(Action.REPORT_DOWNLOAD)
    assert (event.username, event.address) == ("staff", "203.0.113.9")
    assert event.object_id == str(snapshot.pk)
    assert event.detail == {
        "format": fmt,
        "year": 2024,
        "month": 5,
        "city": "",
        "file": f"expoplan-report-2024-05-province-s{snapshot.pk}",
    }


def test_the_html_report_is_no_download(client, staff_user):
    from targets.services import progress_recompute

    snapshot = progress_recompute(year=2024, as_of=dt.date(2024, 6, 30))
    client.force_login(staff_user)
    assert client.get(f"/reports/monthly/?year=2024&month=5&snapshot={snapshot.pk}").status_code == 200
    assert not events(Action.REPORT_DOWNLOAD)
