import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from exhibitions.demo import seed_demo_year
from exhibitions.models import Exhibition


class Command(BaseCommand):
    help = "Generate a reproducible demo year of exhibitions (replaces that year's earlier demo rows)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="year (repeatable); default: this year")
        parser.add_argument("--count", type=int, default=400, help="exhibitions per year (default 400)")
        parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
        parser.add_argument("--as-of", help="date the statuses are relative to (YYYY-MM-DD); default today")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any exhibition exists (used by make run)"
        )

    def handle(self, *args, **opts):
        today = timezone.localdate()
        if opts["count"] < 0:
            raise CommandError("--count must be zero or more.")
        if opts["if_empty"] and Exhibition.objects.exists():
            self.stdout.write("Exhibitions exist: demo data not loaded again.")
            return
        try:
            as_of = timezone.datetime.fromisoformat(opts["as_of"]).date() if opts["as_of"] else today
        except ValueError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        for year in opts["year"] or [today.year]:
            if not 2000 <= year <= 2100:
                raise CommandError(f"--year {year}: must be between 2000 and 2100.")
            started = time.perf_counter()
            result = seed_demo_year(year=year, count=opts["count"], seed=opts["seed"], as_of=as_of)
            elapsed = time.perf_counter() - started
            note = " (demo target created)" if result.target_created else ""
            self.stdout.write(
                self.style.SUCCESS(f"{result.year}: {result.created} demo exhibitions in {elapsed:.1f} s{note}")
            )
