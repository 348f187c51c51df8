from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "followups"
    verbose_name = "Follow-ups: closing the loop"

    def ready(self) -> None:
        from followups import digest_parts, receivers  # noqa: F401 - connects the signal receivers

        digest_parts.register()
