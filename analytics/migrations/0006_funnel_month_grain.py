from django.db import migrations, models

COUNTERS = ["interactions", "suppressed", "invited", "opened", "answered"]


def add_funnel_months(apps, schema_editor):
    """Sum the existing day rows per calendar month (what rebuild_nps would write)."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        month = "(day - CAST(EXTRACT(DAY FROM day) AS integer) + 1)"
    else:
        month = "date(day, 'start of month')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO analytics_funnelbucket (grain, day, department_key, agent_key, channel, {', '.join(COUNTERS)}) "
            f"SELECT 'month', {month}, department_key, agent_key, channel, {', '.join(f'SUM({c})' for c in COUNTERS)} "
            f"FROM analytics_funnelbucket WHERE grain = 'day' GROUP BY {month}, department_key, agent_key, channel"
        )


def remove_funnel_months(apps, schema_editor):
    apps.get_model("analytics", "FunnelBucket").objects.filter(grain="month").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0005_agent_month_scope"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="funnelbucket",
            name="funnel_bucket_key",
        ),
        migrations.AddField(
            model_name="funnelbucket",
            name="grain",
            field=models.CharField(choices=[("day", "Day"), ("month", "Month")], default="day", max_length=5),
        ),
        migrations.AddConstraint(
            model_name="funnelbucket",
            constraint=models.UniqueConstraint(
                fields=("grain", "day", "department_key", "agent_key", "channel"), name="funnel_bucket_grain_key"
            ),
        ),
        migrations.AddIndex(
            model_name="funnelbucket",
            index=models.Index(fields=["agent_key", "grain", "day"], name="funnel_bucket_agent_idx"),
        ),
        migrations.RunPython(add_funnel_months, remove_funnel_months),
    ]
