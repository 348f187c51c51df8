import requests
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Read an OpenID provider's discovery document and print the OIDC_OP_* settings for .env."

    def add_arguments(self, parser):
        parser.add_argument("issuer", help="e.g. https://login.microsoftonline.com/<tenant>/v2.0")

    def handle(self, *args, issuer: str, **options):
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=10)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise CommandError(f"Could not read {url}: {error}") from error
        names = {
            "OIDC_OP_ISSUER": "issuer",
            "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
            "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
            "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
            "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
        }
        missing = [key for key in names.values() if not document.get(key)]
        if missing:
            raise CommandError(f"The discovery document lacks {', '.join(missing)}.")
        for setting, key in names.items():
            self.stdout.write(f"{setting}={document[key]}")
