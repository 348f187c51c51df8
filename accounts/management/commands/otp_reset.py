from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor


class Command(BaseCommand):
    help = "Recovery: switch a user's second factor off (they set it up again after signing in)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--backup-codes", action="store_true", help="Print new backup codes instead.")

    def handle(self, *args, username: str, backup_codes: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if backup_codes:
            if not two_factor.has_device(user):
                raise CommandError(f"{username} has no second factor.")
            for code in two_factor.new_backup_codes(user):
                self.stdout.write(code)
            return
        removed = two_factor.remove(user=user, by=None)
        self.stdout.write(f"Second factor of {username} switched off ({removed} device(s) removed).")
