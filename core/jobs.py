"""Jobs: long user-visible work (imports, large exports) as a `core.Job` row run by a Celery task.

`job_create` stores the row (and its input file) and publishes `core.run_job` after the transaction
commits; without REDIS_URL the task runs in-process, inside the request, as everything else does.
`job_run` (the task's body) claims the row, calls the kind's work function with a progress callback,
and records the outcome: the work returns the result summary (and may attach a result file), or raises
`JobError` with a message for the user. Anything else is logged and shown as a generic failure.

Only the user who started a job sees it: every page and download goes through `job_get`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.models import Job

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger(__name__)

# The work function of each kind: work(*, job, progress) -> result summary (JSON-serialisable dict).
WORK: dict[str, str] = {
    Job.Kind.IMPORT_PREVIEW: "exhibitions.jobs.import_preview",
    Job.Kind.IMPORT_COMMIT: "exhibitions.jobs.import_commit",
    Job.Kind.EXPORT_CSV: "exhibitions.jobs.export",
    Job.Kind.EXPORT_XLSX: "exhibitions.jobs.export",
}
PROGRESS_EVERY = 100  # rows between two writes of a job's progress
STALE_GRACE_SECONDS = 60  # a job running this long past the hard time limit lost its worker


class JobError(Exception):
    """An expected failure, shown to the user as it is (a bad file, rows with problems, a stale preview)."""

    def __init__(self, message: str, *, result: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.result = dict(result or {})


class Progress(Protocol):
    def __call__(self, done: int, total: int) -> None: ...


class ProgressReporter:
    """The progress callback handed to the work: writes done/total to the row when a multiple of
    PROGRESS_EVERY rows is passed, when the total changes, and at the end (never more often, whatever
    the caller's rhythm)."""

    def __init__(self, job: Job, *, every: int = PROGRESS_EVERY):
        self.job_id = job.pk
        self.every = every
        self.done = job.done
        self.total = job.total
        self._written = (job.done, job.total)

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = int(done), int(total)
        last_done, last_total = self._written
        if self.total != last_total or self.done >= self.total or self.done // self.every > last_done // self.every:
            Job.objects.filter(pk=self.job_id).update(done=self.done, total=self.total)
            self._written = (self.done, self.total)


def job_create(
    *,
    actor: User,
    kind: str,
    params: Mapping[str, Any] | None = None,
    input_file: File | None = None,
    input_name: str = "",
) -> Job:
    """Store a queued job (with its input file) and run it after the current transaction commits.

    The job runs in the language active now (its messages are the user's)."""
    job_cleanup()
    job = Job(
        kind=kind,
        created_by=actor,
        params={**(params or {}), "language": translation.get_language() or settings.LANGUAGE_CODE},
    )
    if input_file is not None:
        job.input_file.save(input_name or "input", input_file, save=False)
    job.save()
    transaction.on_commit(partial(_publish, job.pk), robust=True)
    return job


def _publish(job_id: UUID) -> None:
    """Publish run_job (in-process without a broker). A broker outage fails the job, never the request."""
    from core.tasks import run_job

    try:
        run_job.delay(str(job_id))
    except Exception:
        logger.warning("job %s: could not publish run_job (broker down?)", job_id, exc_info=True)
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED,
            error=_("The background service is not available at the moment. Try again in a few minutes."),
            finished_at=timezone.now(),
        )


def job_run(*, job_id: UUID | str) -> Job | None:
    """Run a queued job once: claim it, do the work, record the outcome. Never raises for the work's errors."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:  # unknown, or already run (a redelivered message): never run twice
        logger.info("job %s: not queued any more, nothing to do", job_id)
        return None
    job = Job.objects.select_related("created_by").get(pk=job_id)
    progress = ProgressReporter(job)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            work = import_string(WORK[job.kind])
            result = work(job=job, progress=progress)
        except JobError as error:
            _finish(job, progress, Job.Status.FAILED, result=error.result, error=str(error))
        except SoftTimeLimitExceeded:
            logger.warning("job %s (%s): soft time limit reached", job.pk, job.kind)
            _finish(
                job,
                progress,
                Job.Status.FAILED,
                error=_("This took longer than %(seconds)s seconds and was stopped. Try a smaller file or filter.")
                % {"seconds": settings.CELERY_TASK_SOFT_TIME_LIMIT},
            )
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _finish(job, progress, Job.Status.FAILED, error=generic_error())
        else:
            _finish(job, progress, Job.Status.SUCCEEDED, result=result or {})
    return job


def generic_error() -> str:
    return _("Something went wrong on the server. Try again; if it fails again, tell the administrator.")


def _finish(job: Job, progress: ProgressReporter, status: str, *, result=None, error: str = "") -> None:
    job.status = status
    job.result = dict(result or {})
    job.error = error
    job.done, job.total = progress.done, progress.total
    if status == Job.Status.SUCCEEDED:
        job.done = job.total = max(progress.done, progress.total)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "error", "done", "total", "input_file", "file", "finished_at"])


def job_get(*, actor: User | AnonymousUser, pk: UUID | str) -> Job | None:
    """The job `pk` if `actor` started it, else None. A job whose worker was lost (running well past the
    hard time limit) is marked failed here, so that its page stops waiting."""
    if not getattr(actor, "is_authenticated", False):
        return None
    job = Job.objects.filter(pk=pk, created_by_id=actor.pk).first()
    if job is not None and job.status == Job.Status.RUNNING and job.started_at is not None:
        limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + STALE_GRACE_SECONDS)
        if timezone.now() - job.started_at > limit:
            error = _("The job was interrupted before it finished. Start it again.")
            if Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                status=Job.Status.FAILED, error=error, finished_at=timezone.now()
            ):
                job.refresh_from_db()
    return job


def job_cleanup(*, now=None, limit: int = 200) -> int:
    """Delete jobs (rows and files) older than EXPOPLAN_JOB_KEEP_HOURS; called whenever a job is created,
    at most `limit` at a time. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.EXPOPLAN_JOB_KEEP_HOURS)
    old = list(Job.objects.filter(created_at__lt=cutoff).order_by("created_at")[:limit])
    for job in old:
        job_delete_files(job)
        job.delete()
    return len(old)


def job_delete_files(job: Job) -> None:
    """Remove the job's files (and its folder, once empty) from storage; the row keeps no dangling name."""
    for field in (job.input_file, job.file):
        if field:
            try:
                field.storage.delete(field.name)
            except OSError:
                logger.warning("job %s: could not delete %s", job.pk, field.name, exc_info=True)
    try:
        folder = Job._meta.get_field("file").storage.path(f"jobs/{job.pk}")
    except NotImplementedError:  # storage without local paths
        return
    try:
        os.rmdir(folder)
    except OSError:
        pass
