from django.db import migrations, models

COUNTERS = (
    "company_promoters, company_passives, company_detractors, "
    "agent_promoters, agent_passives, agent_detractors, responses"
)


def add_agent_months(apps, schema_editor):
    """Sum the existing agent rows per calendar month (what rebuild_nps would write), so
    readers of the new scope find it filled without waiting for the nightly reconcile."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        month = "CAST(DATE_TRUNC('month', day) AS date)"
    else:
        month = "date(day, 'start of month')"
    sums = ", ".join(f"SUM({c.strip()})" for c in COUNTERS.split(","))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO analytics_npsbucket (scope, day, department_key, agent_key, channel, {COUNTERS}) "
            f"SELECT 'agentmonth', {month}, department_key, agent_key, channel, {sums} "
            f"FROM analytics_npsbucket WHERE scope = 'agent' GROUP BY {month}, department_key, agent_key, channel"
        )


def remove_agent_months(apps, schema_editor):
    apps.get_model("analytics", "NpsBucket").objects.filter(scope="agentmonth").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_digests_and_promoters"),
    ]

    operations = [
        migrations.AlterField(
            model_name="npsbucket",
            name="scope",
            field=models.CharField(
                choices=[
                    ("company", "Company"),
                    ("department", "Department"),
                    ("agent", "Agent"),
                    ("agentmonth", "Agent, by month"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(add_agent_months, remove_agent_months),
    ]
