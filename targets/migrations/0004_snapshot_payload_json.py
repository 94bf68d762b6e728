"""Snapshot payloads as PostgreSQL `json` with EXTERNAL storage (see targets.fields.SnapshotJSONField)."""

from django.db import migrations

import targets.fields


def external_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("targets", "ProgressSnapshot")._meta.db_table
    schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "payload" SET STORAGE EXTERNAL')


def main_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("targets", "ProgressSnapshot")._meta.db_table
    schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "payload" SET STORAGE EXTENDED')


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0003_progress_snapshot"),
    ]

    operations = [
        migrations.AlterField(
            model_name="progresssnapshot",
            name="payload",
            field=targets.fields.SnapshotJSONField(verbose_name="payload"),
        ),
        migrations.RunPython(external_storage, main_storage),
    ]
