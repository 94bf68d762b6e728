"""A large export as a job through a real Celery worker on Redis (the production path).

Commits (transactional_db) so that the worker sees the rows and the job; `serialized_rollback` restores
the reference data afterwards. Under CI=true a missing PostgreSQL or Redis fails the test.
"""

import time

import pytest

from config.celery import app as celery_app
from core.models import Job
from tests.factories import ExhibitionFactory
from tests.targets.test_progress_live import broker  # noqa: F401 (fixture: this process publishes to Redis)
from tests.workers import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_an_export_job_runs_on_a_real_worker(postgres, redis_url, broker, settings, tmp_path, client, staff_user):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    ExhibitionFactory.create_batch(3)
    client.force_login(staff_user)
    direct = b"".join(client.get("/exhibitions/export/csv/").streaming_content)
    settings.EXPOPLAN_EXPORT_JOB_ROWS = 2
    broker(redis_url)
    celery_app.control.purge()
    log = tmp_path / "worker.log"
    with celery_worker(redis_url=redis_url, var_dir=tmp_path, log=log):
        started = time.monotonic()
        response = client.get("/exhibitions/export/csv/")  # autocommit: published to Redis on the spot
        request_seconds = time.monotonic() - started
        job = Job.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/exhibitions/jobs/{job.pk}/"
        while time.monotonic() - started < 20:
            job.refresh_from_db()
            if job.finished:
                break
            poll = client.get(response["Location"], HTTP_HX_REQUEST="true")  # what the page's htmx asks
            assert poll.status_code == 200
            assert poll.has_header("HX-Refresh") or b'role="progressbar"' in poll.content
            time.sleep(0.2)
        assert job.status == Job.Status.SUCCEEDED, (job.error, log.read_text()[-3000:])
        assert (job.done, job.total) == (3, 3) and job.started_at and job.finished_at
        assert request_seconds < 2, "the request only queues the job"
        download = client.get(f"/exhibitions/jobs/{job.pk}/download/")
        assert download.status_code == 200 and b"".join(download.streaming_content) == direct
        assert "core.run_job" in log.read_text()
