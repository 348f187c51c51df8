"""Follow-up models move here from analytics, state only: the tables keep their names
(db_table = "analytics_…"), so no row moves and other apps' foreign keys still point at the
same tables. analytics/0008_move_followups_out removes them from analytics' state after this.
Content types are renamed too, so permissions given to groups and admin history follow."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ["followupcase", "caseevent", "casealert", "notificationpreference", "recoverysurvey", "promotercontact"]


def move_content_types(apps, schema_editor, *, source="analytics", target="followups"):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.using(schema_editor.connection.alias).filter(app_label=source, model__in=MODELS).update(
        app_label=target
    )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="followups", target="analytics")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agents', '0003_agentmove'),
        ('analytics', '0007_driver_month_grain'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('surveys', '0003_comment_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='FollowUpCase',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('contacted', 'Contacted'), ('resolved', 'Resolved'), ('wont_fix', "Won't fix")], default='open', max_length=10)),
                        ('opened_at', models.DateTimeField()),
                        ('due_at', models.DateTimeField()),
                        ('contacted_at', models.DateTimeField(blank=True, null=True)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('outcome', models.TextField(blank=True)),
                        ('alert_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('alert_error', models.TextField(blank=True)),
                        ('escalated_at', models.DateTimeField(blank=True, help_text='When admins were told it is overdue.', null=True)),
                        ('escalation_error', models.TextField(blank=True)),
                        ('assignee', models.ForeignKey(blank=True, help_text='Empty: nobody supervises the department; admins see the case as unassigned.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_cases', to=settings.AUTH_USER_MODEL)),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='followup_cases', to='agents.department')),
                        ('response', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='followup_case', to='surveys.response')),
                    ],
                    options={
                        'db_table': 'analytics_followupcase',
                        'ordering': ['due_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CaseEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField()),
                        ('kind', models.CharField(choices=[('opened', 'Opened'), ('assigned', 'Assigned'), ('status', 'Status changed'), ('note', 'Note'), ('alerted', 'Supervisor alerted'), ('escalated', 'Escalated to admins'), ('recovery_sent', 'Recovery survey sent'), ('recovery_answered', 'Recovery survey answered')], max_length=20)),
                        ('from_status', models.CharField(blank=True, max_length=10)),
                        ('to_status', models.CharField(blank=True, max_length=10)),
                        ('text', models.TextField(blank=True)),
                        ('actor', models.ForeignKey(blank=True, help_text='Empty: the system (or the customer) did it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='followups.followupcase')),
                    ],
                    options={
                        'db_table': 'analytics_caseevent',
                        'ordering': ['at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CaseAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('mode', models.CharField(choices=[('immediate', 'At once, one email per case'), ('hourly', 'Hourly digest'), ('off', 'Off')], max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='case_alerts', to=settings.AUTH_USER_MODEL)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='followups.followupcase')),
                    ],
                    options={
                        'db_table': 'analytics_casealert',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('case_alerts', models.CharField(choices=[('immediate', 'At once, one email per case'), ('hourly', 'Hourly digest'), ('off', 'Off')], default='immediate', max_length=10, verbose_name='New case alerts')),
                        ('weekly_digest', models.BooleanField(default=True, help_text="A Monday summary of last week's NPS for what you see: the company, your departments or yourself.", verbose_name='Weekly digest by email')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preference', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'analytics_notificationpreference',
                    },
                ),
                migrations.CreateModel(
                    name='PromoterContact',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('thanks', 'Thanked'), ('review', 'Asked for a review')], default='thanks', max_length=10)),
                        ('at', models.DateTimeField(db_index=True)),
                        ('note', models.TextField(blank=True)),
                        ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('response', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='promoter_contact', to='surveys.response')),
                    ],
                    options={
                        'db_table': 'analytics_promotercontact',
                        'ordering': ['-at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='RecoverySurvey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token_nonce', models.CharField(editable=False, max_length=32)),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('language', models.CharField(default='en', max_length=10)),
                        ('email', models.EmailField(blank=True, help_text='Where it was emailed; empty = link only.', max_length=254)),
                        ('created_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField()),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('score', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('answered_at', models.DateTimeField(blank=True, null=True)),
                        ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='recovery', to='followups.followupcase')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'analytics_recoverysurvey',
                    },
                ),
                migrations.AddIndex(
                    model_name='followupcase',
                    index=models.Index(fields=['status', 'due_at'], name='followup_status_due_idx'),
                ),
                migrations.AddIndex(
                    model_name='followupcase',
                    index=models.Index(fields=['department', 'status'], name='followup_dept_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='followupcase',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'contacted']), models.Q(('outcome', ''), _negated=True), _connector='OR'), name='followup_closed_case_has_outcome'),
                ),
                migrations.AddIndex(
                    model_name='casealert',
                    index=models.Index(fields=['mode', 'sent_at'], name='case_alert_pending_idx'),
                ),
                migrations.AddConstraint(
                    model_name='casealert',
                    constraint=models.UniqueConstraint(fields=('case', 'recipient'), name='one_alert_per_case_recipient'),
                ),
                migrations.AddConstraint(
                    model_name='recoverysurvey',
                    constraint=models.CheckConstraint(condition=models.Q(('score__isnull', True), models.Q(('score__gte', 0), ('score__lte', 10)), _connector='OR'), name='recovery_score_0_to_10'),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
