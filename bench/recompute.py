"""Benchmark: `progress_recompute` against its floor, at 1k, 10k, 100k and 1M exhibitions (PostgreSQL).

    python bench/recompute.py [--sizes 1000,10000,100000,1000000] [--runs 9]

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_bench; created
when missing and migrated). For each size the current year is seeded with `seed_demo_year` (up to
100k rows; 1M = the 100k rows copied nine more times with one INSERT … SELECT), the previous year
with 10k rows. Then, median of `--runs` interleaved samples (half as many at 1M):

- recompute: `progress_recompute(year=Y)` — the lock, the inputs (data version, targets, lookups),
  the four GROUP BY aggregates, assembly in Python, schema validation, the INSERT of the snapshot, in
  one transaction;
- floor: the same four aggregates alone (`targets.progress.run_aggregates`), rows fetched, nothing
  else (no inputs, assembly, validation or saving);
- floor (all reads): every SELECT the recompute issues, replayed raw.

ratio = recompute ÷ floor; "beyond floor" = recompute − floor, the cost outside the aggregates (the lock,
the inputs, assembly, validation, the INSERT and COMMIT), which barely grows with the data. Goal: ratio
≤ 1.5 from 10k rows up; below that, beyond floor ≤ 15 ms; 100k under 1 s. Production settings (DEBUG
off) and persistent connections (DJANGO_CONN_MAX_AGE=60), as docker-compose runs the worker. Figures:
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from serving import copy_year, ensure_database, median_time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production settings: DEBUG off (no query log on the cursors), with a throwaway secret key.
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "k" * 50)
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "60")  # persistent connections, as docker-compose runs the worker
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/expoplan_bench")
os.environ.pop("REDIS_URL", None)  # tasks in-process; the benchmark calls the service directly

BASE_ROWS = 100_000
PREVIOUS_ROWS = 10_000


def seed(year: int, count: int) -> None:
    from django.db import connection

    from exhibitions.demo import seed_demo_year
    from exhibitions.models import Exhibition

    table = Exhibition._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE start_date >= %s AND start_date < %s",  # noqa: S608
            [date(year, 1, 1), date(year + 1, 1, 1)],
        )
    seed_demo_year(year=year, count=min(count, BASE_ROWS), seed=2024, as_of=date(year, 7, 1))
    copy_year(year, count // BASE_ROWS - 1)
    # Autocommit, so VACUUM may run. FULL: the table is rewritten without the rows of the previous size
    # (after 1M, a plain VACUUM would leave the 1k and 10k runs scanning a bloated table, which slows
    # the SQL and flatters the ratio); ANALYZE: the plans see fresh statistics.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM FULL ANALYZE {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()

    import django

    django.setup()
    ensure_database()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exhibitions.models import Exhibition
    from targets.progress import run_aggregates
    from targets.rules import rules_for
    from targets.services import progress_recompute

    call_command("migrate", verbosity=0)
    year = args.year
    print(f"PostgreSQL {connection.pg_version}, database {connection.settings_dict['NAME']}, year {year}")
    seed(year - 1, PREVIOUS_ROWS)

    header = (
        f"{'rows':>9} | {'recompute ms':>12} | {'floor ms':>8} | {'ratio':>5} | {'beyond floor ms':>15} | "
        f"{'all reads ms':>12} | {'ratio':>5} | queries"
    )
    lines = [header, "-" * len(header)]
    for size in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        seed(year, size)
        rows = Exhibition.objects.in_year(year).count()
        print(f"seeded {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)

        rules, previous_rules = rules_for(year), rules_for(year - 1)

        def floor(rules=rules, previous_rules=previous_rules):
            run_aggregates(rules, previous_rules)

        progress_recompute(year=year)  # warm caches and plans
        with CaptureQueriesContext(connection) as captured:
            progress_recompute(year=year)
        reads = [
            q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
        ]

        def all_reads(reads=reads):
            with connection.cursor() as cursor:
                for sql in reads:
                    cursor.execute(sql)
                    cursor.fetchall()

        runs = args.runs if size < 1_000_000 else max(3, args.runs // 2)
        floor()
        # Interleaved, so that load from other processes on a shared machine hits all three alike.
        samples = {"floor": [], "reads": [], "recompute": []}
        for _ in range(runs):
            samples["floor"].append(median_time(floor, 1))
            samples["recompute"].append(median_time(lambda: progress_recompute(year=year), 1))
            samples["reads"].append(median_time(all_reads, 1))
        t_floor, t_reads, t_recompute = (statistics.median(samples[k]) for k in ("floor", "reads", "recompute"))
        lines.append(
            f"{rows:>9,} | {t_recompute * 1000:>12.1f} | {t_floor * 1000:>8.1f} | {t_recompute / t_floor:>5.2f} | "
            f"{(t_recompute - t_floor) * 1000:>15.1f} | "
            f"{t_reads * 1000:>12.1f} | {t_recompute / t_reads:>5.2f} | {len(captured.captured_queries)}"
        )
        print(lines[-1], flush=True)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
