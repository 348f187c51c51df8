from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from privacy import services
from privacy.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Erase one customer's personal data (contact details, why-text, free-text answers) by email or "
        "phone, keeping their scores, and record an audit entry. Without --yes, only shows what would change."
    )

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--email", default="")
        who.add_argument("--phone", default="")
        parser.add_argument("--yes", action="store_true", help="Erase (otherwise a dry run).")
        parser.add_argument("--by", default="", help="Username of the person handling the request (for the audit).")

    def handle(self, *args, email: str, phone: str, yes: bool, by: str, **options):
        requested_by = None
        if by:
            requested_by = get_user_model().objects.filter(username=by).first()
            if requested_by is None:
                raise CommandError(f"No user {by!r}.")
        try:
            preview = services.preview_erasure(email=email, phone=phone)
        except services.InvalidIdentifier as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Customer ({preview.kind}, audit hash {preview.identifier_hash[:12]}…): {preview.interactions} "
            f"interaction(s), {preview.answers} answer(s), {preview.comments} with a comment."
        )
        for entry in preview.earlier:
            self.stdout.write(f"Erased before on {entry.at:%Y-%m-%d %H:%M}.")
        if not yes:
            self.stdout.write("Dry run: nothing changed. Add --yes to erase.")
            return
        entry = services.erase_customer(email=email, phone=phone, requested_by=requested_by, via=AuditEntry.Via.COMMAND)
        changes = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in entry.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Erased; audit entry {entry.pk}. Rows changed: {changes}."))
