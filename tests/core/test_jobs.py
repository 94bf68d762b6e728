"""Jobs (core/jobs.py): lifecycle, progress, failures, the owner rule and cleaning up old files."""

import datetime as dt

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone

from core import jobs
from core.jobs import JobError, job_cleanup, job_create, job_get, job_run
from core.models import Job
from core.roles import Role
from core.services import user_set_role

pytestmark = pytest.mark.django_db
KIND = Job.Kind.EXPORT_CSV  # any kind: the tests point its work function at the ones below
SEEN: dict = {}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def work(monkeypatch):
    """work("name"): the kind's work function becomes this module's function `name`."""

    def use(name: str) -> None:
        monkeypatch.setitem(jobs.WORK, KIND, f"{__name__}.{name}")

    return use


def counting(*, job, progress):
    """Reports every row of 250 and writes a result file; records what the row said meanwhile."""
    for done in range(1, 251):
        progress(done, 250)
        if done in (99, 100, 150, 250):
            SEEN[done] = Job.objects.values_list("status", "done", "total").get(pk=job.pk)
    job.file.save("out.csv", ContentFile(b"a,b\n"), save=False)
    return {"rows": 250, "language": job.params["language"]}


def refusing(*, job, progress):
    progress(3, 10)
    raise JobError("Row 3 is wrong.", result={"rows": [3]})


def crashing(*, job, progress):
    raise RuntimeError("secret internals")


def slow(*, job, progress):
    raise SoftTimeLimitExceeded()


def start(user, **params):
    """Create a job and run what it published on commit (in-process, as without Redis)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = job_create(actor=user, kind=KIND, params=params)
    job.refresh_from_db()
    return job


def test_lifecycle_queued_running_succeeded_with_throttled_progress(staff_user, work):
    work("counting")
    SEEN.clear()
    with TestCase.captureOnCommitCallbacks(execute=False) as published:
        job = job_create(actor=staff_user, kind=KIND, params={"query": "year=2024"})
    assert (job.status, job.done, job.created_by) == (Job.Status.QUEUED, 0, staff_user)
    assert len(published) == 1, "published once, after the commit"
    published[0]()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and (job.done, job.total) == (250, 250)
    assert job.started_at and job.finished_at and job.started_at <= job.finished_at
    assert job.result == {"rows": 250, "language": "zh-hans"} and job.params["query"] == "year=2024"
    assert job.file.name == f"jobs/{job.pk}/out.csv" and job.file.read() == b"a,b\n"
    # Written while running, every 100 rows (and at the end), not at every call.
    assert SEEN[99] == (Job.Status.RUNNING, 1, 250)  # the first call writes the total
    assert SEEN[100] == (Job.Status.RUNNING, 100, 250)
    assert SEEN[150] == (Job.Status.RUNNING, 100, 250)
    assert SEEN[250] == (Job.Status.RUNNING, 250, 250)
    assert job.percent == 100 and job.finished


def test_a_job_runs_once(staff_user, work):
    work("counting")
    job = start(staff_user)
    finished_at = job.finished_at
    assert job_run(job_id=job.pk) is None  # a redelivered message does nothing
    job.refresh_from_db()
    assert job.finished_at == finished_at


def test_an_expected_failure_keeps_its_message_and_result(staff_user, work):
    work("refusing")
    job = start(staff_user)
    assert job.status == Job.Status.FAILED
    assert job.error == "Row 3 is wrong." and job.result == {"rows": [3]}
    assert (job.done, job.total) == (3, 10) and job.finished_at


def test_an_unexpected_failure_is_logged_and_shown_as_a_generic_message(staff_user, work, caplog):
    work("crashing")
    job = start(staff_user)
    assert job.status == Job.Status.FAILED
    from django.utils import translation

    with translation.override(job.params["language"]):
        assert job.error == jobs.generic_error()
    assert "secret internals" not in job.error
    assert "secret internals" in caplog.text  # the traceback is in the log


def test_the_soft_time_limit_is_a_message(staff_user, work, settings):
    work("slow")
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 123
    job = start(staff_user)
    assert job.status == Job.Status.FAILED and "123" in job.error


def test_messages_are_in_the_language_of_the_request_that_started_the_job(staff_user, work):
    from django.utils import translation

    work("crashing")
    with translation.override("en"):
        job = start(staff_user)
    assert job.params["language"] == "en"
    assert job.error.startswith("Something went wrong")


def test_a_broker_outage_fails_the_job_not_the_request(staff_user, work, monkeypatch):
    from core.tasks import run_job

    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(run_job, "delay", down)
    job = start(staff_user)
    assert job.status == Job.Status.FAILED and job.error


def test_only_the_owner_gets_a_job(staff_user, work):
    from django.contrib.auth.models import AnonymousUser

    work("counting")
    job = start(staff_user)
    other_staff = user_set_role(username="other-staff", role=Role.STAFF)
    assert job_get(actor=staff_user, pk=job.pk) == job
    assert job_get(actor=other_staff, pk=job.pk) is None
    assert job_get(actor=AnonymousUser(), pk=job.pk) is None


def test_a_job_whose_worker_was_lost_is_shown_failed(staff_user, settings):
    settings.CELERY_TASK_TIME_LIMIT = 10
    job = Job.objects.create(
        kind=KIND,
        created_by=staff_user,
        status=Job.Status.RUNNING,
        started_at=timezone.now() - dt.timedelta(seconds=10 + jobs.STALE_GRACE_SECONDS + 1),
    )
    assert job_get(actor=staff_user, pk=job.pk).status == Job.Status.FAILED


def test_old_jobs_and_their_files_are_deleted_when_a_job_starts(staff_user, work, settings):
    work("counting")
    old = start(staff_user)
    path = old.file.path
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert job_cleanup() == 1
    assert not Job.objects.filter(pk=old.pk).exists()
    import os

    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))
    recent = start(staff_user)
    Job.objects.filter(pk=recent.pk).update(created_at=timezone.now() - dt.timedelta(hours=23))
    start(staff_user)  # creating a job cleans up, and keeps what is younger than EXPOPLAN_JOB_KEEP_HOURS
    assert Job.objects.filter(pk=recent.pk).exists()
