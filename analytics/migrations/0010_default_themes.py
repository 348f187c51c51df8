"""Seed the ten default themes (keys fixed by DESIGN.md; names and descriptions editable)."""

from django.db import migrations

from analytics.themes.defaults import ensure_defaults


def seed(apps, schema_editor):
    ensure_defaults(apps.get_model("analytics", "Theme"))


def unseed(apps, schema_editor):
    apps.get_model("analytics", "Theme").objects.filter(builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0009_themes")]

    operations = [migrations.RunPython(seed, unseed)]
