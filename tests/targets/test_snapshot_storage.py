"""Snapshot payloads: PostgreSQL `json` (taken as text, not parsed into jsonb), stored out of line and
uncompressed; the payload reads back equal, on PostgreSQL and SQLite."""

import pytest
from django.db import connection

from targets.models import ProgressSnapshot
from targets.services import progress_recompute

pytestmark = pytest.mark.django_db


def test_the_payload_round_trips():
    snapshot = progress_recompute(year=2024)
    stored = ProgressSnapshot.objects.get(pk=snapshot.pk)
    assert stored.payload == snapshot.payload
    assert stored.payload["scopes"]["province"]["scope"] == "province"


def test_postgresql_stores_json_text_out_of_line_uncompressed(postgres):
    progress_recompute(year=2024)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format_type(a.atttypid, a.atttypmod), a.attstorage FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attname = 'payload'",
            [ProgressSnapshot._meta.db_table],
        )
        assert cursor.fetchone() == ("json", "e")
        cursor.execute(
            f"SELECT pg_column_compression(payload), octet_length(payload::text) "  # noqa: S608
            f"FROM {ProgressSnapshot._meta.db_table} ORDER BY id DESC LIMIT 1"
        )
        compression, size = cursor.fetchone()
    assert compression is None and size > 1000  # not compressed
