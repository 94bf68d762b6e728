"""Model fields of the progress engine."""

from __future__ import annotations

import json

import orjson
from django.db import models


class SnapshotJSONField(models.JSONField):
    """Django's JSONField, stored on PostgreSQL as `json` (the text, syntax-checked) instead of `jsonb`.

    A snapshot is written once and read whole, never searched inside (`json` has no equality operator,
    so ORM lookups into the payload are not available on PostgreSQL): `jsonb` would parse every insert
    into its binary form, about three times the cost of taking the text as it is. The column is
    compressed with lz4 where the server has it (migration 0005; else stored out of line uncompressed,
    migration 0004): pglz, the default, would spend longer compressing ~80 kB than the insert takes.
    The text is written by orjson (compact, UTF-8; a tenth of json.dumps's time) unless the field has
    its own encoder. Reads are unchanged (psycopg2 parses `json` itself). Elsewhere (SQLite) this is
    Django's JSONField.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        # The text itself: Django's adapter would cast it to jsonb first (and PostgreSQL back to json).
        if self.encoder is None:  # orjson: the same JSON text (without spaces) in a tenth of the time
            return orjson.dumps(value).decode()
        return json.dumps(value, cls=self.encoder)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, dict | list):  # already parsed by psycopg2's json typecaster
            return value
        return super().from_db_value(value, expression, connection)
