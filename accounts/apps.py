from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (audit entries for sign-ins, sign-outs, lockouts)
