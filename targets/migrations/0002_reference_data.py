from django.db import migrations


def load(apps, schema_editor):
    from core.reference import load_reference

    load_reference(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0001_initial"),
        ("venues", "0001_initial"),
        ("exhibitions", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
