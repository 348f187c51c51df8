from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "Integrations: connectors in, webhooks out"

    def ready(self) -> None:
        from integrations.webhooks import receivers, tasks  # noqa: F401 - listeners and tasks
