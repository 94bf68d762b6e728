"""Benchmark: REST API v1 list pages and progress against their floor (PostgreSQL).

    python bench/api_list.py [--sizes 10000,100000] [--runs 5]

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_api_bench; created
when missing and migrated). For each size one year is seeded with `seed_demo_year`. Median of `--runs`,
each through Django's test client with a staff token (all middleware, authentication, throttling,
filtering, ETag, serialization, JSON rendering):

- exhibitions 50 / 500: `/api/v1/exhibitions/?year=Y` with the default page (50) and `page_size=500`;
- filtered: `?year=Y&city=dalian&counts=true&ordering=-gross_area_m2&page_size=500`;
- progress: `/api/v1/progress/?year=Y` (the latest snapshot, computed once before timing);
- floor: `/healthz` through the same client (request/response machinery, no database work) plus every
  SQL statement the request issued, replayed raw on a cursor with rows fetched.

ratio = request ÷ floor (what the API adds on top of the unavoidable work). Queries per request are
printed too: they must not depend on the size.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from serving import ensure_database, median_time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/expoplan_api_bench")
os.environ.setdefault("EXPOPLAN_API_THROTTLE_RATE", "1000000/hour")
os.environ.pop("REDIS_URL", None)

YEAR = 2025


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    ensure_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from core.roles import Role
    from core.services import user_set_role
    from exhibitions.demo import seed_demo_year
    from exhibitions.models import Exhibition
    from targets.services import progress_recompute

    staff = user_set_role(username="bench-api-staff", role=Role.STAFF)
    token = Token.objects.get_or_create(user=staff)[0].key
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")

    def replay(statements: list[str]) -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()

    print(f"{'rows':>8} {'what':<16} {'median ms':>10} {'floor ms':>9} {'ratio':>6} {'queries':>8}")
    for size in [int(s) for s in args.sizes.split(",")]:
        Exhibition.objects.filter(start_date__year=YEAR).delete()
        seed_demo_year(year=YEAR, count=size, seed=2024, as_of=date(YEAR, 7, 1))
        progress_recompute(year=YEAR)
        cases = {
            "exhibitions 50": f"/api/v1/exhibitions/?year={YEAR}",
            "exhibitions 500": f"/api/v1/exhibitions/?year={YEAR}&page_size=500",
            "filtered 500": f"/api/v1/exhibitions/?year={YEAR}&city=dalian&counts=true"
            "&ordering=-gross_area_m2&page_size=500",
            "progress": f"/api/v1/progress/?year={YEAR}",
        }
        healthz = median_time(lambda: client.get("/healthz"), args.runs)
        for name, url in cases.items():
            assert client.get(url).status_code == 200, url  # warm
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            statements = [q["sql"] for q in queries.captured_queries]
            took = median_time(lambda url=url: client.get(url), args.runs)
            floor = median_time(lambda statements=statements: replay(statements), args.runs) + healthz
            print(
                f"{size:>8} {name:<16} {took * 1000:>10.1f} {floor * 1000:>9.1f} {took / floor:>6.2f} "
                f"{len(statements):>8}"
            )


if __name__ == "__main__":
    main()
