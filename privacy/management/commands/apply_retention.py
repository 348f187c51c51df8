from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from privacy import services
from privacy.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Anonymise why-text and customer contact data of interactions older than RETENTION_MONTHS "
        "(or --months), keeping scores; records an audit entry with counts. The daily schedule runs the same."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None, help="Override RETENTION_MONTHS (0 = keep all).")

    def handle(self, *args, months: int | None, **options):
        months = settings.RETENTION_MONTHS if months is None else months
        if months < 0:
            raise CommandError("--months must be 0 or more.")
        if months == 0:
            self.stdout.write("Retention is off (RETENTION_MONTHS = 0): nothing anonymised.")
            return
        entry = services.anonymise_older_than(months, via=AuditEntry.Via.COMMAND)
        changes = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in entry.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Anonymised data before {entry.cutoff:%Y-%m-%d}; rows changed: {changes}.")
        )
