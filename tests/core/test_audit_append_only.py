"""The audit log is append-only in the database (core/migrations/0005's trigger, PostgreSQL) and kept at
least EXPOPLAN_AUDIT_RETENTION_DAYS; `manage.py prune_audit` removes older rows and is itself audited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.audit import Action, record
from core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


def old_event(days: int) -> AuditEvent:
    """A row written `days` ago (the trigger allows any INSERT)."""
    return AuditEvent.objects.create(action=Action.EXPORT, username="old", at=timezone.now() - dt.timedelta(days=days))


def refused(operation) -> None:
    """`operation` raises a database error (in a savepoint, so the test's transaction survives)."""
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            operation()


def test_recent_rows_are_neither_changed_nor_deleted_through_the_orm():
    row = record(Action.EXPORT, username="someone")
    refused(lambda: AuditEvent.objects.filter(pk=row.pk).update(outcome="failure"))
    row.outcome = "failure"
    refused(row.save)
    refused(lambda: AuditEvent.objects.filter(pk=row.pk).delete())
    refused(lambda: AuditEvent.objects.get(pk=row.pk).delete())
    row = AuditEvent.objects.get(pk=row.pk)
    assert row.outcome == "success"


def test_recent_rows_are_neither_changed_nor_deleted_through_raw_sql():
    row = record(Action.EXPORT, username="someone")
    table = AuditEvent._meta.db_table

    def execute(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [row.pk])

        return run

    refused(execute(f"UPDATE {table} SET username = 'somebody else' WHERE id = %s"))
    refused(execute(f"DELETE FROM {table} WHERE id = %s"))
    # an old row cannot be changed either
    old = old_event(400)
    refused(execute(f"UPDATE {table} SET at = now() WHERE id = {old.pk} OR id = %s"))
    assert AuditEvent.objects.get(pk=row.pk).username == "someone"


def test_an_old_row_may_be_deleted_a_young_one_not():
    old = old_event(181)
    young = old_event(179)
    AuditEvent.objects.filter(pk=old.pk).delete()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    refused(lambda: AuditEvent.objects.filter(pk=young.pk).delete())


def test_prune_audit_deletes_old_rows_and_records_the_run(settings):
    settings.EXPOPLAN_AUDIT_RETENTION_DAYS = 200
    gone = [old_event(400), old_event(201)]
    kept = [old_event(199), record(Action.EXPORT, username="today")]
    out = io.StringIO()
    call_command("prune_audit", stdout=out)
    assert "Deleted 2 audit events" in out.getvalue()
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in gone]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in kept]).count() == 2
    [run] = AuditEvent.objects.filter(action=Action.AUDIT_PRUNED)
    assert run.detail["deleted"] == 2 and run.detail["days"] == 200
    cutoff = dt.datetime.fromisoformat(run.detail["cutoff"])
    assert abs(cutoff - (timezone.now() - dt.timedelta(days=200))) < dt.timedelta(minutes=1)
    # a second run deletes nothing, its own record and the first run's stay
    call_command("prune_audit", "--days", "365", stdout=io.StringIO())
    assert [e.detail["deleted"] for e in AuditEvent.objects.filter(action=Action.AUDIT_PRUNED)] == [0, 2]


def test_prune_audit_refuses_fewer_days_than_the_retention(settings):
    settings.EXPOPLAN_AUDIT_RETENTION_DAYS = 180
    old = old_event(200)
    with pytest.raises(CommandError, match="below the audit retention of 180 days"):
        call_command("prune_audit", "--days", "30", stdout=io.StringIO())
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    assert not AuditEvent.objects.filter(action=Action.AUDIT_PRUNED).exists()


def test_prune_audit_never_goes_below_the_databases_180_days(settings):
    """A retention set lower than the trigger's floor prunes at the floor (never a failing DELETE)."""
    settings.EXPOPLAN_AUDIT_RETENTION_DAYS = 90
    kept, gone = old_event(120), old_event(190)
    call_command("prune_audit", stdout=io.StringIO())
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert not AuditEvent.objects.filter(pk=gone.pk).exists()
