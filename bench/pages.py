"""Benchmark: the everyday pages under concurrent load against /healthz, served by gunicorn (PostgreSQL).

    python bench/pages.py [--rows 100000] [--clients 8] [--requests 120] [--rounds 4] [--only NAME,...]

Own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_pagesbench; created when
missing, migrated) and Redis database (BENCH_REDIS_URL, default redis://127.0.0.1:6379/13; flushed): Redis
is the cache and the broker, as in production. Seeds one year with `seed_demo_year` (skipped when that
year already holds `--rows` rows), recomputes its snapshot, gives one exhibition a history of edits, and
serves the project with gunicorn (2 workers, DEBUG off; bench/serving.py). A staff user and a city
official sign in over HTTP (login form + CSRF); an API client uses its token.

Then, in `--rounds` interleaved rounds (so that load from other processes hits every page alike),
`--clients` threads with keep-alive connections send `--requests`/`--rounds` requests each to every page
below, `/healthz` (the floor: no session, no database) among them. Prints p50 and p95 per page and p50 as
a multiple of the `/healthz` p50, against the goal of issue 15. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date

from serving import PASSWORD, configure, load, percentile, serve, setup_django, sign_in

YEAR = 2024
configure(database="expoplan_pagesbench", redis_db=13)
# API clients poll all day; the throttle's default rate (1,000 an hour) would answer 429 here.
os.environ["EXPOPLAN_API_THROTTLE_RATE"] = "10000000/hour"


def prepare(rows: int) -> tuple[int, str]:
    """The seeded year, its snapshot, the users; returns an exhibition with history and an API token."""
    setup_django()
    from rest_framework.authtoken.models import Token

    from core.roles import Role
    from core.services import user_set_role
    from exhibitions.demo import seed_demo_year
    from exhibitions.models import Exhibition
    from exhibitions.services import exhibition_update
    from targets.services import progress_recompute

    if Exhibition.objects.filter(start_date__year=YEAR).count() != rows:
        started = time.perf_counter()
        seed_demo_year(year=YEAR, count=rows, seed=2024, as_of=date(YEAR, 7, 1))
        print(f"seeded {rows} exhibitions in {time.perf_counter() - started:.1f} s")
    staff = user_set_role(username="bench-staff", role=Role.STAFF, password=PASSWORD)
    user_set_role(username="bench-city", role=Role.CITY_OFFICIAL, city_slug="dalian", password=PASSWORD)
    client = user_set_role(username="bench-api", role=Role.API_CLIENT)
    token, _ = Token.objects.get_or_create(user=client)
    staff.is_superuser = True  # the Django admin's changelist, for comparison
    staff.save(update_fields=["is_superuser"])

    exhibition = Exhibition.objects.filter(start_date__year=YEAR, city__slug="dalian").order_by("pk").first()
    while exhibition.history.count() < 6:  # a detail page shows its history
        exhibition = exhibition_update(
            actor=staff,
            exhibition=exhibition,
            data={"notes": f"bench edit {exhibition.history.count()}"},
            expected_version=exhibition.version,
        )
    snapshot = progress_recompute(year=YEAR, force=True)
    print(f"snapshot #{snapshot.pk} computed in {snapshot.duration_ms} ms")
    return exhibition.pk, token.key


# name -> (path, who): who is "staff", "city", "api" or "" (no session).
GOALS = {  # p50 as a multiple of /healthz p50 (issue 15)
    "list": 10,
    "list filtered": 10,
    "list page 20": 10,
    "detail": 10,
    "edit form": 10,
    "dashboard": 3,
    "dashboard city": 3,
    "api progress": 3,
    "api list 50": 8,
    "api list 500": 25,
}


def pages(pk: int) -> dict[str, tuple[str, str]]:
    return {
        "/healthz": ("/healthz", ""),
        "list": ("/exhibitions/", "staff"),
        "list filtered": ("/exhibitions/?city=dalian&counts=true&sort=-gross_area_m2", "staff"),
        "list page 20": ("/exhibitions/?page=20", "staff"),
        "detail": (f"/exhibitions/{pk}/", "staff"),
        "edit form": (f"/exhibitions/{pk}/edit/", "staff"),
        "dashboard": (f"/dashboard/?year={YEAR}", "staff"),
        "dashboard city": (f"/dashboard/dalian/?year={YEAR}", "city"),
        "city list": ("/exhibitions/", "city"),
        "api progress": (f"/api/v1/progress/?year={YEAR}", "api"),
        "api list 50": ("/api/v1/exhibitions/?page_size=50", "api"),
        "api list 500": ("/api/v1/exhibitions/?page_size=500", "api"),
        "admin changelist": ("/admin/exhibitions/exhibition/", "staff"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=120, help="per client and page, over all rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--only", default="", help="comma-separated page names (besides /healthz)")
    args = parser.parse_args()
    pk, token = prepare(args.rows)
    selected = pages(pk)
    if args.only:
        wanted = {"/healthz", *args.only.split(",")}
        selected = {name: page for name, page in selected.items() if name in wanted}

    with serve(workers=2) as port:
        credentials = {
            "": ({}, ""),
            "staff": ({}, sign_in(port, "bench-staff", PASSWORD)),
            "city": ({}, sign_in(port, "bench-city", PASSWORD)),
            "api": ({"Authorization": f"Token {token}", "Accept": "application/json"}, ""),
        }
        for path, who in selected.values():  # warm both workers (imports, caches)
            headers, cookies = credentials[who]
            load(port, path, cookies, 2, 5, headers=headers)
        timings: dict[str, list[float]] = {name: [] for name in selected}
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for name, (path, who) in selected.items():
                headers, cookies = credentials[who]
                timings[name] += load(port, path, cookies, args.clients, per_round, headers=headers)

    floor = percentile(timings["/healthz"], 50)
    print(f"{args.rows} exhibitions, gunicorn 2 workers, {args.clients} clients, PostgreSQL + Redis, DEBUG off")
    print(f"{'page':<18} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'× healthz':>10} {'goal':>6}")
    failed = []
    for name, values in timings.items():
        median = percentile(values, 50)
        ratio = median / floor
        goal = GOALS.get(name)
        mark = "" if goal is None else (f"≤{goal}" + (" ✓" if ratio <= goal else " ✗"))
        if goal is not None and ratio > goal:
            failed.append(name)
        print(f"{name:<18} {len(values):>5} {median:>8.1f} {percentile(values, 95):>8.1f} {ratio:>10.2f} {mark:>6}")
    print("goals met" if not failed else f"goals missed: {', '.join(failed)}")


if __name__ == "__main__":
    sys.exit(main())
