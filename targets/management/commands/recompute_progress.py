"""`python manage.py recompute_progress [--year Y | --all]`: recompute synchronously, print the headline."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from exhibitions.models import Exhibition
from targets.services import MAX_YEAR, MIN_YEAR, progress_recompute, progress_years


def _measure(m: dict) -> str:
    return f"{m['exhibitions']:,} exhibitions / {m['gross_area_m2']:,} m²"


def _percent(p: dict) -> str:
    return " / ".join("—" if v is None else f"{v:.1f}%" for v in (p["exhibitions"], p["gross_area_m2"]))


class Command(BaseCommand):
    help = "Recompute the progress snapshot now (default: the current year, Asia/Shanghai) and print the headline."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--year", type=int, action="append", help="year (repeatable); default: this year")
        group.add_argument(
            "--all", action="store_true", help="every year with a target, exhibitions, a snapshot or changed data"
        )

    def handle(self, *args, **opts):
        if opts["all"]:
            exhibition_years = {
                d.year for d in Exhibition.objects.dates("start_date", "year") if MIN_YEAR <= d.year <= MAX_YEAR
            }
            years = sorted(set(progress_years()) | exhibition_years) or [timezone.localdate().year]
        else:
            years = opts["year"] or [timezone.localdate().year]
        for year in years:
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise CommandError(f"--year {year}: must be between {MIN_YEAR} and {MAX_YEAR}.")
        for year in years:
            snapshot = progress_recompute(year=year)
            province = snapshot.payload["scopes"]["province"]
            rules = snapshot.payload["rules"]
            self.stdout.write(
                self.style.SUCCESS(
                    f"{year}: snapshot #{snapshot.pk} in {snapshot.duration_ms} ms (as of {rules['as_of']})"
                )
            )
            for label, key in (
                ("goal", "goal"),
                ("achieved", "achieved"),
                ("committed", "committed"),
                ("pipeline", "pipeline"),
                ("expected to date", "expected_to_date"),
                ("gap", "gap"),
                ("forecast", "forecast"),
            ):
                self.stdout.write(f"  {label:<17} {_measure(province[key])}")
            self.stdout.write(f"  {'percent':<17} {_percent(province['percent'])}")
            self.stdout.write(
                f"  forecast = {rules['forecast_formula']} (rate {rules['forecast_conversion_rate']}); "
                f"expected basis: {rules['expected_basis']}"
            )
