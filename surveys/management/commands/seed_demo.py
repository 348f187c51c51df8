import sys

from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.urls import reverse

from surveys import demo_data
from surveys.models import Interaction


class Command(BaseCommand):
    help = (
        "Fill the database with a realistic demo contact center (departments, agents, months of "
        "interactions, invitations and answers) and print the demo logins. Running it again replaces "
        "the demo data instead of adding to it. For demos only: it resets the demo users' passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any interaction exists (safe on every start)."
        )
        parser.add_argument(
            "--seed", type=int, default=demo_data.DEFAULT_SEED, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--interactions", type=int, default=demo_data.DEFAULT_INTERACTIONS, help="How many interactions."
        )
        parser.add_argument(
            "--months", type=int, default=demo_data.DEFAULT_MONTHS, help="How far back they go, in months."
        )

    def handle(self, *args, if_empty: bool, seed: int, interactions: int, months: int, **options):
        if interactions < 1 or months < 1:
            raise CommandError("--interactions and --months must be at least 1.")
        if if_empty and Interaction.objects.exists():
            self.stdout.write("Interactions already exist: demo data not seeded (--if-empty).")
            return
        result = demo_data.seed(seed=seed, interactions=interactions, months=months)
        if result.replaced:
            self.stdout.write(f"Replaced {result.replaced} earlier demo interactions.")
        span = f"{months} month{'s' if months > 1 else ''}"
        self.stdout.write(
            f"Seeded {result.departments} departments, {result.agents} agents, {result.interactions} interactions "
            f"over {span}, {result.suppressed} not invited (fatigue, channel), {result.responses} answers "
            f"({result.response_rate:.0%} of invited customers) in {result.seconds:.1f} s."
        )
        for survey, version in result.surveys:
            self.stdout.write(_survey_line(survey, version))
        logins = demo_data.ensure_demo_logins()
        held = rebuild_derived_data(self)
        if held:
            self.stdout.write(
                f"Held back {held} email{'s' if held != 1 else ''} (alerts about the demo's detractor cases): "
                "demo data emails no one."
            )
        # Whatever else wrote to the console (task logs on stderr), the logins come last.
        sys.stderr.flush()
        self._print_logins(logins)
        self.stdout.flush()

    def _print_logins(self, logins: list[demo_data.DemoLogin]) -> None:
        base = settings.PUBLIC_BASE_URL
        self.stdout.write(
            f"\nDemo logins: dashboards at {base}{reverse('login')}, the admin at {base}{reverse('admin:index')}, "
            f"the survey editor at {base}{reverse('manage-surveys')}"
        )
        width = max(len(login.username) for login in logins) + 2
        self.stdout.write(f"  {'user'.ljust(width)}{'password'.ljust(width + 2)}role")
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}{login.password.ljust(width + 2)}{login.role}")


def rebuild_derived_data(command: BaseCommand) -> int:
    """Build the derived data (NPS buckets and breakdowns, follow-up cases for the latest
    detractors) with the analytics and follow-up apps' commands, when they are installed.

    The follow-up sweep alerts supervisors about the demo's new cases; those emails are held
    in memory instead of sent (with the console backend they flooded the terminal above
    the demo logins). Returns how many were held. Tasks a separate Celery worker runs are
    not affected (the demo normally runs with tasks in-process)."""
    outer = getattr(mail, "outbox", None)  # a test's own outbox, kept as it was
    mail.outbox = []
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            for name in ("rebuild_nps", "sweep_followups", "seed_coaching_demo"):
                try:
                    call_command(name, stdout=command.stdout, stderr=command.stderr)
                except CommandError as exc:
                    if "Unknown command" not in str(exc):
                        raise
        return len(mail.outbox)
    finally:
        if outer is None:
            del mail.outbox
        else:
            mail.outbox = outer


def _survey_line(survey, version) -> str:
    """One line per survey the demo uses: its version, extra questions and what it gets."""
    rules = [
        " + ".join(
            part for part in (rule.department.name if rule.department else "", rule.get_channel_display()) if part
        )
        + " interactions"
        for rule in survey.rules.select_related("department")
    ]
    gets = "every interaction no rule assigns" if survey.is_default else ", ".join(rules) or "nothing (no rules)"
    questions = len(version.content.get("questions", []))
    return (
        f"Survey “{survey}”, version {version.number}, {questions} extra question{'s' if questions != 1 else ''}: "
        f"gets {gets}."
    )
