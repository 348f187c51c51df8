"""The follow-up models now live in the followups app (followups/0001_move_from_analytics):
remove them from analytics' state only; their tables stay, owned by followups."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0010_default_themes'),
        ('followups', '0001_move_from_analytics'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='caseevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='caseevent',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='followupcase',
                    name='assignee',
                ),
                migrations.RemoveField(
                    model_name='followupcase',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='followupcase',
                    name='response',
                ),
                migrations.RemoveField(
                    model_name='recoverysurvey',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='notificationpreference',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='promotercontact',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='promotercontact',
                    name='response',
                ),
                migrations.RemoveField(
                    model_name='recoverysurvey',
                    name='created_by',
                ),
                migrations.DeleteModel(
                    name='CaseAlert',
                ),
                migrations.DeleteModel(
                    name='CaseEvent',
                ),
                migrations.DeleteModel(
                    name='FollowUpCase',
                ),
                migrations.DeleteModel(
                    name='NotificationPreference',
                ),
                migrations.DeleteModel(
                    name='PromoterContact',
                ),
                migrations.DeleteModel(
                    name='RecoverySurvey',
                ),
            ],
        ),
    ]
