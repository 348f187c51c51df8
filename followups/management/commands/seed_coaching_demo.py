from django.core.management.base import BaseCommand

from followups import coaching_demo


class Command(BaseCommand):
    help = "A few coaching notes, goals and kudos by the demo supervisor (replaces the earlier ones)."

    def handle(self, *args, **options):
        made = coaching_demo.seed()
        if made is None:
            self.stdout.write("No demo supervisor or agent login: no coaching demo rows.")
            return
        self.stdout.write(f"Coaching demo: {made.notes} notes, {made.goals} goals, {made.kudos} kudos.")
