from django.core.management.base import BaseCommand

from followups.tasks import sweep_followups


class Command(BaseCommand):
    help = (
        "Open follow-up cases for recent detractor answers that have none, escalate overdue cases and resend "
        "alerts or recovery surveys a lost task left unsent (what beat runs every 15 minutes)."
    )

    def handle(self, *args, **options):
        result = sweep_followups()
        self.stdout.write(
            f"Opened {result['opened']} follow-up cases, escalated {result['escalated']}, "
            f"queued {result['alerts']} alerts and {result['recovery']} recovery surveys."
        )
