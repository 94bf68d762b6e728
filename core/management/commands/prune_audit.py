"""Delete audit events older than EXPOPLAN_AUDIT_RETENTION_DAYS (SPEC §12), and record that it did.

    manage.py prune_audit [--days N]

`--days` may keep more than the retention, never less (the database refuses to delete rows younger
than 180 days anyway: core/migrations/0005). The run is itself recorded as an `audit_pruned` event
with the cutoff and the number of rows deleted; that row is younger than any cutoff, so no run deletes
it. Meant for a daily cron job or Celery beat.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.audit import Action, record
from core.models import AuditEvent

# The database's own floor (the trigger of core/migrations/0005 refuses to delete younger rows).
DATABASE_RETENTION_DAYS = 180


def retention_days() -> int:
    return max(settings.EXPOPLAN_AUDIT_RETENTION_DAYS, DATABASE_RETENTION_DAYS)


def prune_audit(*, days: int | None = None, now: dt.datetime | None = None) -> tuple[int, dt.datetime]:
    """Delete the events older than `days` (default: the retention) and record the run.
    Returns (rows deleted, cutoff). ValueError for fewer days than the retention."""
    retention = retention_days()
    days = retention if days is None else days
    if days < retention:
        raise ValueError(days)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    with transaction.atomic():
        deleted, _by_model = AuditEvent.objects.filter(at__lt=cutoff).delete()
        record(
            Action.AUDIT_PRUNED,
            object_type=AuditEvent._meta.label_lower,
            detail={"deleted": deleted, "cutoff": cutoff.isoformat(timespec="seconds"), "days": days},
        )
    return deleted, cutoff


class Command(BaseCommand):
    help = "Delete audit events older than EXPOPLAN_AUDIT_RETENTION_DAYS (the run is itself audited)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days (at least EXPOPLAN_AUDIT_RETENTION_DAYS, the default).",
        )

    def handle(self, *args, days: int | None = None, **options):
        retention = retention_days()
        try:
            deleted, cutoff = prune_audit(days=days)
        except ValueError:
            raise CommandError(
                f"--days {days} is below the audit retention of {retention} days "
                "(EXPOPLAN_AUDIT_RETENTION_DAYS, at least 180); the log must be kept at least that long."
            ) from None
        self.stdout.write(f"Deleted {deleted} audit events older than {cutoff:%Y-%m-%d %H:%M:%S %Z}.")
