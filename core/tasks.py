"""Celery task of the jobs (core/jobs.py): thin, takes the job's id.

Time limits are the settings' CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT (set on the app, so
not repeated here); at the soft limit the job is recorded as failed with a message for the user.
"""

from __future__ import annotations

from celery import shared_task

from core import jobs


@shared_task(name="core.run_job", acks_late=True)
def run_job(job_id: str) -> str | None:
    job = jobs.job_run(job_id=job_id)
    return job.status if job is not None else None
