"""The embedded default in one process: the development server plus Celery beat in a
thread, so periodic work (delayed invitations, NPS reconcile, champions) also happens
without Redis. Tasks run eagerly in the beat thread."""

from celery.beat import EmbeddedService
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from nps_project.celery import app


class Command(BaseCommand):
    help = "Run the development server with an in-process Celery beat (embedded default)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # Register every app's tasks now: beat sends an unregistered task by name to the
            # broker, which in-process means nowhere.
            app.loader.import_default_modules()
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            beat = EmbeddedService(app, thread=True, schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule"))
            beat.start()
            self.stdout.write("Periodic tasks run in-process (no broker configured).")
        else:
            self.stdout.write("A broker is configured: run `celery -A nps_project worker` and `beat` beside this.")
        call_command("runserver", addrport, use_reloader=False)
