"""Database triggers that keep the audit trail unchangeable (see audit/retention.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from kechuang.apps.audit.retention import install_guards

    install_guards(schema_editor.connection)


def drop(apps, schema_editor):
    from kechuang.apps.audit.retention import drop_guards

    drop_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, drop)]
