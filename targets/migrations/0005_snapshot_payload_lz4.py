"""Snapshot payloads compressed with lz4 where the server has it (undone by 0006); the redundant `year`
index dropped."""

from django.db import DatabaseError, migrations, models, transaction


def _alter_payload(schema_editor, clause: str) -> None:
    table = schema_editor.connection.ops.quote_name("targets_progresssnapshot")
    schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN "payload" {clause}')


def lz4_compression(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    try:
        with transaction.atomic(using=connection.alias):
            _alter_payload(schema_editor, "SET COMPRESSION lz4, ALTER COLUMN \"payload\" SET STORAGE EXTENDED")
    except DatabaseError:  # "compression method lz4 not supported": keep EXTERNAL (migration 0004)
        pass


def external_storage(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    _alter_payload(schema_editor, "SET COMPRESSION DEFAULT, ALTER COLUMN \"payload\" SET STORAGE EXTERNAL")


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0004_snapshot_payload_json"),
    ]

    operations = [
        migrations.AlterField(
            model_name="progresssnapshot",
            name="year",
            field=models.PositiveSmallIntegerField(verbose_name="year"),
        ),
        migrations.RunPython(lz4_compression, external_storage),
    ]
