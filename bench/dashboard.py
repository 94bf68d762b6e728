"""Benchmark: the dashboards under concurrent load against /healthz, served by gunicorn (PostgreSQL).

    python bench/dashboard.py [--rows 100000] [--clients 8] [--requests 300] [--rounds 6]

Own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_dashbench; created when
missing, migrated) and Redis database (BENCH_REDIS_URL, default redis://127.0.0.1:6379/14; flushed),
as in production: Redis is the cache (cached database sessions, the dashboard's figures fragment) and
the broker. Seeds one year with `seed_demo_year` (skipped when that year already holds `--rows` rows),
recomputes its snapshot, serves the project with gunicorn as production runs it (bench/serving.py: 2
workers, DEBUG off), signs a staff user in over HTTP (login form + CSRF) and then, with `--clients`
threads × `--requests` requests each in `--rounds` interleaved rounds, loads `/healthz` (the floor: no auth, no database), the simplest signed-in page (the
password change form: session, user, role, the base template), and the province and a city dashboard.
Prints p50/p95 of each and its p50 as a multiple of both floors. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from serving import PASSWORD, configure, load, percentile, serve, setup_django, sign_in

YEAR = 2024
configure(database="expoplan_dashbench", redis_db=14)


def prepare(rows: int) -> None:
    setup_django()
    from core.roles import Role
    from core.services import user_set_role
    from exhibitions.demo import seed_demo_year
    from exhibitions.models import Exhibition
    from targets.services import progress_recompute

    if Exhibition.objects.filter(start_date__year=YEAR).count() != rows:
        started = time.perf_counter()
        seed_demo_year(year=YEAR, count=rows, seed=2024, as_of=date(YEAR, 7, 1))
        print(f"seeded {rows} exhibitions in {time.perf_counter() - started:.1f} s")
    snapshot = progress_recompute(year=YEAR)
    print(f"snapshot #{snapshot.pk} computed in {snapshot.duration_ms} ms")
    user_set_role(username="bench-dashboard", role=Role.STAFF, password=PASSWORD)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300, help="per client, over all rounds")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    prepare(args.rows)
    with serve(workers=2) as port:
        cookies = sign_in(port, "bench-dashboard")
        pages = {
            "/healthz": ("/healthz", ""),
            "signed-in floor": ("/accounts/password_change/", cookies),
            "province": (f"/dashboard/?year={YEAR}", cookies),
            "city": (f"/dashboard/dalian/?year={YEAR}", cookies),
        }
        for path, page_cookies in pages.values():  # warm both workers (imports, the figures fragment)
            load(port, path, page_cookies, 2, 5)
        # Interleaved rounds, so that load from other processes on a shared machine hits every page alike.
        timings: dict[str, list[float]] = {name: [] for name in pages}
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for name, (path, page_cookies) in pages.items():
                timings[name] += load(port, path, page_cookies, args.clients, per_round)
    floor = percentile(timings["/healthz"], 50)
    signed_in = percentile(timings["signed-in floor"], 50)
    print(f"{args.rows} exhibitions, gunicorn 2 workers, {args.clients} clients")
    print(f"{'what':<16} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'× healthz':>10} {'× signed-in':>12}")
    for name, values in timings.items():
        median = percentile(values, 50)
        print(
            f"{name:<16} {len(values):>5} {median:>8.1f} {percentile(values, 95):>8.1f} "
            f"{median / floor:>10.2f} {median / signed_in:>12.2f}"
        )


if __name__ == "__main__":
    main()
