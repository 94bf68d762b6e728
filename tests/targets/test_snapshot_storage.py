"""Snapshot payloads: PostgreSQL `json` (taken as text, not parsed into jsonb), compressed with lz4;
written by orjson; the payload reads back equal, on PostgreSQL and SQLite."""

import json

import pytest
from django.db import connection

from targets.fields import SnapshotJSONField
from targets.models import ProgressSnapshot
from targets.services import progress_recompute

pytestmark = pytest.mark.django_db


def test_the_payload_round_trips():
    snapshot = progress_recompute(year=2024)
    stored = ProgressSnapshot.objects.get(pk=snapshot.pk)
    assert stored.payload == snapshot.payload
    assert stored.payload["scopes"]["province"]["scope"] == "province"


def test_postgresql_stores_json_text_compressed_with_lz4(postgres):
    progress_recompute(year=2024)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format_type(a.atttypid, a.atttypmod), a.attstorage FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attname = 'payload'",
            [ProgressSnapshot._meta.db_table],
        )
        assert cursor.fetchone() == ("json", "x")  # extended: compressed, then out of line if still large
        cursor.execute(
            f"SELECT pg_column_compression(payload), octet_length(payload::text) "  # noqa: S608
            f"FROM {ProgressSnapshot._meta.db_table} ORDER BY id DESC LIMIT 1"
        )
        compression, size = cursor.fetchone()
    assert compression == "lz4" and size > 1000


def test_the_stored_text_is_the_json_of_the_payload(postgres):
    """orjson writes it: the same JSON as json.dumps, compact, with Chinese text as UTF-8."""
    value = {"name_zh": "沈阳国际展览中心", "n": 1, "share": 0.1234, "none": None, "list": [1, {"a": True}]}
    text = SnapshotJSONField().get_db_prep_value(value, connection)
    assert text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_a_custom_encoder_is_still_used(postgres):
    class Encoder(json.JSONEncoder):
        def default(self, o):
            return sorted(o) if isinstance(o, set) else super().default(o)

    text = SnapshotJSONField(encoder=Encoder).get_db_prep_value({"s": {2, 1}}, connection)
    assert json.loads(text) == {"s": [1, 2]}
