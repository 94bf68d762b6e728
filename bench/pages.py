"""Benchmark: the everyday pages under concurrent load against /healthz, served by gunicorn (PostgreSQL).

    python bench/pages.py [--rows 100000] [--clients 8] [--requests 120] [--rounds 4] [--only NAME,...]
    python bench/pages.py --rows 1000000 --explain

Own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_pagesbench, or
expoplan_pagesbench_<rows> for another size; created when missing, migrated) and Redis database
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/13; flushed): Redis is the cache and the broker, as in
production. Seeds one year with `seed_demo_year` (up to 100k rows; a larger size copies them with one
INSERT … SELECT; skipped when that year already holds `--rows` rows), recomputes its snapshot, gives one
exhibition a history of edits, and serves the project with gunicorn (2 workers, DEBUG off;
bench/serving.py). A staff user and a city official sign in over HTTP (login form + CSRF); an API client
uses its token.

`--explain` instead runs each page once in this process with the cache empty (every statement a page
runs on a miss) and prints each statement's EXPLAIN ANALYZE planning and execution time and plan root.

Then, in `--rounds` interleaved rounds (so that load from other processes hits every page alike),
`--clients` threads with keep-alive connections send `--requests`/`--rounds` requests each to every page
below, `/healthz` (the floor: no session, no database) among them, and the simplest signed-in page (the
"password changed" page: session, user, role, the base template). Prints p50 and p95 per page and p50 as a
multiple of both floors' p50, against the goals of issue 15. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date

from serving import PASSWORD, configure, copy_year, load, percentile, serve, setup_django, sign_in

YEAR = 2024
BASE_ROWS = 100_000
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
        seed_demo_year(year=YEAR, count=min(rows, BASE_ROWS), seed=2024, as_of=date(YEAR, 7, 1))
        copy_rows(rows // BASE_ROWS - 1)
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


def copy_rows(copies: int) -> None:
    """The seeded year's rows `copies` more times, marked changed (bench/serving.py: copy_year)."""
    from django.db import connection

    from exhibitions.models import Exhibition
    from targets.services import progress_data_changed

    if copies > 0:
        copy_year(YEAR, copies)
        progress_data_changed(years={YEAR})
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Exhibition._meta.db_table}")


def explain(selected: dict[str, tuple[str, str]], token: str) -> None:
    """Each page once, cache empty, through Django's test client; EXPLAIN ANALYZE of every statement."""
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {"": Client(), "api": Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT="application/json")}
    for who, username in (("staff", "bench-staff"), ("city", "bench-city")):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(username=username))
    print(f"{'page':<18} {'stmt':>4} {'plan ms':>8} {'exec ms':>8}  slowest statement (plan root)")
    for name, (path, who) in selected.items():
        clients[who].get(path, HTTP_HOST="127.0.0.1")  # sessions, content types
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = clients[who].get(path, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (path, response.status_code)
        plans = []
        with connection.cursor() as cursor:
            for query in queries.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue  # DECLARE … CURSOR (a form's choices) and writes (the session)
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0][0]
                plans.append((plan["Planning Time"], plan["Execution Time"], plan["Plan"]["Node Type"], sql))
        if not plans:
            print(f"{name:<18} {0:>4}")
            continue
        slowest = max(plans, key=lambda p: p[0] + p[1])
        print(
            f"{name:<18} {len(queries.captured_queries):>4} {sum(p[0] for p in plans):>8.2f} "
            f"{sum(p[1] for p in plans):>8.2f}  {slowest[0] + slowest[1]:.2f} ms ({slowest[2]}): {slowest[3][:70]}"
        )


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
        "signed-in floor": ("/accounts/password_change/done/", "staff"),
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
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's statements")
    args = parser.parse_args()
    suffix = "" if args.rows == BASE_ROWS else f"_{args.rows}"
    configure(database=f"expoplan_pagesbench{suffix}", redis_db=13)
    pk, token = prepare(args.rows)
    selected = pages(pk)
    if args.only:
        wanted = {"/healthz", *args.only.split(",")}
        selected = {name: page for name, page in selected.items() if name in wanted}

    if args.explain:
        return explain(selected, token)
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
    signed_in = percentile(timings["signed-in floor"], 50) if "signed-in floor" in timings else float("nan")
    print(f"{args.rows} exhibitions, gunicorn 2 workers, {args.clients} clients, PostgreSQL + Redis, DEBUG off")
    print(f"{'page':<18} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'× healthz':>10} {'× signed-in':>12} {'goal':>6}")
    failed = []
    for name, values in timings.items():
        median = percentile(values, 50)
        ratio = median / floor
        goal = GOALS.get(name)
        mark = "" if goal is None else (f"≤{goal}" + (" ✓" if ratio <= goal else " ✗"))
        if goal is not None and ratio > goal:
            failed.append(name)
        print(
            f"{name:<18} {len(values):>5} {median:>8.1f} {percentile(values, 95):>8.1f} {ratio:>10.2f} "
            f"{median / signed_in:>12.2f} {mark:>6}"
        )
    print("goals met" if not failed else f"goals missed: {', '.join(failed)}")


if __name__ == "__main__":
    sys.exit(main())
