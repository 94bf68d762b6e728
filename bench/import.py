"""Benchmark: the spreadsheet import of 5,000 rows, preview (dry run) and commit, on PostgreSQL.

    python bench/import.py [--rows 5000] [--runs 3] [--formats xlsx,csv] [--redis]

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_importbench;
created when missing and migrated). Production settings (DEBUG off) and, as `make run` does, tasks
in-process (no REDIS_URL): the commit includes the progress recomputes requested after it. `--redis`
sets REDIS_URL (BENCH_REDIS_URL, default redis://127.0.0.1:6379/13) instead: Redis cache and broker,
the recomputes published to a queue nobody consumes.

Seeded once: the demo year (`seed_demo`: venues, organisers, brands, a target) and 1,000 exhibitions
of the benchmark (external_ref bench-old-N) in the next two years. The file: --rows rows, a fifth of
them updates of bench-old rows by id (new name, area, notes), the rest new exhibitions (bench-new-N)
at the same venues, all valid (areas well inside the venues' capacities). Each run, per format:

- preview = parse_file + run_import(dry_run=True), as the upload does;
- commit = parse_file + run_import(dry_run=False, expected_versions=the preview's), as the
  confirmation does (its on-commit progress requests included);
- then the rows are restored (new rows and their history deleted, bench-old rows put back).

Floors measured in the same run: parse alone (the preview's), and the bare writes of the same rows
(Exhibition.objects.bulk_create of the new rows and bulk_update of the changed fields of the others, in
one transaction, rolled back) plus parse (the commit's). Median of --runs; queries counted per step. Goal: each step
under 10 s. Figures: docs/performance.md, "import".
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import configure, setup_django  # noqa: E402

GOAL_SECONDS = 10.0
OLD_ROWS = 1000
USERNAME = "bench-importer"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--redis", action="store_true", help="with REDIS_URL (Redis cache and broker)")
    return parser.parse_args()


def settings_env(redis: bool) -> None:
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "k" * 50)
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    configure(database="expoplan_importbench", redis_db=13)
    if not redis:
        os.environ.pop("REDIS_URL")  # in-process tasks, local-memory cache: `make run`


# --- data ----------------------------------------------------------------------------------------------


def years() -> tuple[int, int]:
    from django.utils import timezone

    this = timezone.localdate().year
    return this + 1, this + 2


def venues():
    from venues.models import Venue

    return [
        v
        for v in Venue.objects.select_related("city").order_by("slug")
        if v.kind == Venue.Kind.EXHIBITION_CENTRE and (v.capacity_m2 or 0) >= 20_000
    ]


def seed() -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from exhibitions.models import Batch, Exhibition

    if not Exhibition.objects.filter(external_ref__startswith="demo-").exists():
        call_command("seed_demo", year=[timezone.localdate().year], verbosity=0)
    call_command("add_user", USERNAME, role="staff", verbosity=0)
    if Exhibition.objects.filter(external_ref__startswith="bench-old-", notes="bench v2").count() == OLD_ROWS:
        return
    Exhibition.objects.filter(external_ref__startswith="bench-").delete()
    rng = random.Random(7)
    batch = Batch.objects.get(code="market")
    places = venues()
    old = []
    for n in range(OLD_ROWS):
        venue = places[n % len(places)]
        start = dt.date(years()[n % 2], 1, 1) + dt.timedelta(days=rng.randrange(360))
        old.append(
            Exhibition(
                name_zh=f"基准旧展{n}",
                batch=batch,
                city_id=venue.city_id,
                venue=venue,
                start_date=start,
                end_date=start + dt.timedelta(days=2),
                gross_area_m2=500 + rng.randrange(1_000),
                external_ref=f"bench-old-{n}",
                notes="bench v2",
            )
        )
    Exhibition.objects.bulk_create(old)


def make_rows(count: int):
    """(header, rows, new Exhibition instances, changed Exhibition instances) of the file."""
    from exhibitions.columns import HEADERS
    from exhibitions.exporting import row_values
    from exhibitions.models import Batch, Exhibition

    rng = random.Random(11)
    updates = count // 5
    old = list(
        Exhibition.objects.filter(external_ref__startswith="bench-old-")
        .select_related("batch", "city", "venue", "organizer", "brand")
        .order_by("pk")[:updates]
    )
    changed = []
    for n, exhibition in enumerate(old):
        exhibition.name_zh = f"基准旧展{n}（更新）"
        exhibition.gross_area_m2 += 100
        exhibition.notes = "bench update"
        changed.append(exhibition)
    batches = list(Batch.objects.exclude(code="conference"))
    places = venues()
    new = []
    for n in range(count - len(changed)):
        venue = places[n % len(places)]
        start = dt.date(years()[n % 2], 1, 1) + dt.timedelta(days=rng.randrange(360))
        gross = 300 + rng.randrange(1_200)
        new.append(
            Exhibition(
                name_zh=f"基准新展{n}",
                name_en=f"Bench exhibition {n}",
                batch=batches[n % len(batches)],
                city=venue.city,
                venue=venue,
                start_date=start,
                end_date=start + dt.timedelta(days=1 + n % 3),
                gross_area_m2=gross,
                net_area_m2=gross // 2,
                status="planned",
                is_international=n % 7 == 0,
                is_green=n % 3 == 0,
                exhibitors=50 + n % 200,
                external_ref=f"bench-new-{n}",
                notes="bench",
            )
        )
    rows = [row_values(e) for e in changed]
    id_column = HEADERS.index(next(h for h in HEADERS if h.endswith("/ ID")))
    for exhibition in new:
        values = row_values(exhibition)
        values[id_column] = ""
        rows.append(values)
    rng.shuffle(rows)
    return HEADERS, rows, new, changed


def xlsx_bytes(header, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class Snapshot:
    """What a commit changes, to put it back: the bench-old rows, and the history id high-water mark."""

    def __init__(self):
        from exhibitions.models import Exhibition

        self.old = list(Exhibition.objects.filter(external_ref__startswith="bench-old-"))
        self.history_max = Exhibition.history.order_by("-history_id").values_list("history_id", flat=True).first()

    def restore(self) -> None:
        from django.db import transaction

        from exhibitions.models import Exhibition

        fields = [f.name for f in Exhibition._meta.concrete_fields if not f.primary_key]
        with transaction.atomic():
            Exhibition.objects.filter(external_ref__startswith="bench-new-").delete()
            Exhibition.objects.bulk_update(self.old, fields, batch_size=500)
            Exhibition.history.filter(history_id__gt=self.history_max or 0).delete()


# --- measuring -----------------------------------------------------------------------------------------


class Queries:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(function):
    from django.db import connection

    queries = Queries()
    started = time.perf_counter()
    with connection.execute_wrapper(queries):
        value = function()
    return time.perf_counter() - started, queries.count, value


def floor_writes(new, changed) -> None:
    """The bare writes of the same rows: one bulk INSERT, one bulk UPDATE, rolled back."""
    import copy

    from django.db import transaction

    from exhibitions.models import Exhibition
    from exhibitions.services import BULK_BATCH

    with transaction.atomic():
        Exhibition.objects.bulk_create([copy.copy(e) for e in new])
        Exhibition.objects.bulk_update(changed, ["name_zh", "gross_area_m2", "notes"], batch_size=BULK_BATCH)
        transaction.set_rollback(True)
    for exhibition in new:
        exhibition.pk = None


def main() -> None:
    args = parse_args()
    settings_env(args.redis)
    setup_django()
    from django.contrib.auth import get_user_model

    from exhibitions import importing
    from exhibitions.models import Exhibition

    seed()
    actor = get_user_model().objects.get(username=USERNAME)
    header, rows, new, changed = make_rows(args.rows)
    files = {"xlsx": xlsx_bytes(header, rows), "csv": csv_bytes(header, rows)}
    snapshot = Snapshot()
    before = Exhibition.objects.count()
    print(
        f"{args.rows} rows ({len(new)} new, {len(changed)} updates by id), {before} exhibitions stored, "
        f"tasks {'via Redis' if args.redis else 'in-process'}; median of {args.runs} runs; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for fmt in args.formats.split(","):
        content, name = files[fmt], f"bench.{fmt}"
        samples: dict[str, list] = {k: [] for k in ("parse", "preview", "commit", "floor")}
        for _run in range(args.runs):
            parse_s, _q, parsed = timed(lambda c=content, n=name: importing.parse_file(c, n))
            samples["parse"].append((parse_s, 0))

            def preview(c=content, n=name):
                parsed = importing.parse_file(c, n)
                return importing.run_import(actor=actor, parsed=parsed, dry_run=True, filename=n)

            seconds, queries, result = timed(preview)
            if not result.ok:
                sys.exit(f"the benchmark file has errors: {[str(e) for e in result.errors[:5]]}")
            samples["preview"].append((seconds, queries))

            def commit(c=content, n=name, versions=result.versions):
                parsed = importing.parse_file(c, n)
                return importing.run_import(
                    actor=actor, parsed=parsed, dry_run=False, filename=n, expected_versions=versions
                )

            seconds, queries, result = timed(commit)
            if not result.committed or (result.created, result.updated) != (len(new), len(changed)):
                sys.exit(f"the commit did not write every row: {[str(e) for e in result.errors[:5]]}")
            samples["commit"].append((seconds, queries))
            snapshot.restore()
            assert Exhibition.objects.count() == before
            seconds, queries, _ = timed(lambda: floor_writes(new, changed))
            samples["floor"].append((seconds + parse_s, queries))
        median = {k: statistics.median(s for s, _q in v) for k, v in samples.items()}
        print(f"\n(load average {os.getloadavg()[0]:.1f} after {fmt})", end="")
        queries = {k: v[0][1] for k, v in samples.items()}
        print(f"\n{fmt}: parse alone {median['parse']:.2f} s; parse + bare bulk writes {median['floor']:.2f} s")
        for step, floor in (("preview", "parse"), ("commit", "floor")):
            seconds = median[step]
            verdict = "meets" if seconds < GOAL_SECONDS else "MISSES"
            print(
                f"  {step:8} {seconds:6.2f} s  {queries[step]:5} queries  "
                f"{seconds / median[floor]:5.1f}× {floor}  {verdict} < {GOAL_SECONDS:.0f} s"
            )


if __name__ == "__main__":
    main()
