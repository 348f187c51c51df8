from datetime import date

from django.core.management.base import BaseCommand, CommandError

from analytics import breakdowns, buckets


class Command(BaseCommand):
    help = "Rebuild the NPS buckets and breakdowns from the raw responses (all days, or from --since)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First local day to rebuild, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last local day to rebuild, YYYY-MM-DD.")
        parser.add_argument(
            "--exact",
            action="store_true",
            help="Compare every stored bucket with the responses, instead of per-day fingerprints "
            "that find the days to compare (PostgreSQL; elsewhere every row is compared anyway).",
        )

    def handle(self, *args, since: str | None = None, until: str | None = None, exact: bool = False, **options):
        try:
            first = date.fromisoformat(since) if since else None
            last = date.fromisoformat(until) if until else None
        except ValueError as exc:
            raise CommandError(f"Dates are YYYY-MM-DD: {exc}") from exc
        if first and last and first > last:
            raise CommandError("--since must be on or before --until.")
        result = buckets.rebuild(since=first, until=last, exact=exact)
        breakdowns.rebuild(since=first, until=last)
        span = f"from {first}" if first else "all days"
        self.stdout.write(
            f"Rebuilt {result.buckets} NPS buckets ({span}) in {result.seconds:.2f} s; "
            f"{result.written} rows were wrong and rewritten."
        )
