"""Snapshot payloads stored EXTERNAL on PostgreSQL (undone by 0006, which returns to Django's JSONField).

The field class of this step (a JSONField stored as `json`) was removed; the JSONField stands in for it."""

from django.db import migrations, models


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
            field=models.JSONField(verbose_name="payload"),
        ),
        migrations.RunPython(external_storage, main_storage),
    ]
