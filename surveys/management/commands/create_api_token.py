from django.core.management.base import BaseCommand, CommandError

from privacy import audit
from surveys.models import ApiToken
from surveys.services_tokens import create_api_token


class Command(BaseCommand):
    help = "Create an API token for an integration and print its key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the token is for, e.g. 'zendesk'.")

    def handle(self, *args, name: str, **options):
        try:
            key = create_api_token(name=name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        token = ApiToken.objects.get(prefix=key[:8], name=name.strip())
        audit.record("token.created", target=token, details={"prefix": token.prefix, "via": "command"})
        self.stdout.write(key)
