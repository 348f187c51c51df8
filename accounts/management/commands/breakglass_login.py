from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import break_glass
from privacy import audit


class Command(BaseCommand):
    help = "Print a one-time sign-in link (valid 15 minutes) for a superuser: for when SSO is down or off."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            link = break_glass.make_link(user)
        except ValueError as error:
            raise CommandError(str(error)) from error
        audit.record("auth.break_glass_link", target=user, details={"via": "command"})
        self.stdout.write(link)
