"""Snapshot payloads back to Django's JSONField as it stores them: `jsonb`, with PostgreSQL's default
storage and compression (reverting 0004 and 0005)."""

from django.db import migrations, models


def to_jsonb(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    clauses = ['TYPE jsonb USING "payload"::jsonb', 'SET STORAGE EXTENDED']
    if connection.pg_version >= 140000:
        clauses.append("SET COMPRESSION DEFAULT")
    table = schema_editor.quote_name(apps.get_model("targets", "ProgressSnapshot")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} " + ", ".join(f'ALTER COLUMN "payload" {c}' for c in clauses))


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0005_snapshot_payload_lz4"),
    ]

    operations = [
        migrations.AlterField(
            model_name="progresssnapshot",
            name="payload",
            field=models.JSONField(verbose_name="payload"),
        ),
        migrations.RunPython(to_jsonb, migrations.RunPython.noop),
    ]
