"""Benchmark: the exhibition list page and its CSV export against their floors (PostgreSQL).

    python bench/workspace_list.py [--sizes 10000,100000] [--runs 5]

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_workspace_bench;
created when missing and migrated). For each size one year is seeded with `seed_demo_year`. Median of
`--runs`, each through Django's test client with a signed-in staff user (all middleware, templates):

- list: `/exhibitions/?year=Y` (page 1 of 50, sorted by start date, the total, the counted column);
- list filtered: `/exhibitions/?year=Y&city=dalian&counts=true&sort=-gross_area_m2`;
- export: `/exhibitions/export/csv/?year=Y&city=dalian` (every matching row);
- floor (page): `/healthz` through the same client (request/response machinery, no database work) plus
  the page's two SQL statements (COUNT and the 50-row SELECT) executed raw on a cursor;
- floor (export): the export's SELECT executed raw and fetched.

ratio = page ÷ floor. Queries per request are printed too (they must not depend on the size).
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
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/expoplan_workspace_bench")
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

    from urllib.parse import urlencode

    from django.db import connection
    from django.http import QueryDict
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.roles import Role
    from core.services import user_set_role
    from exhibitions.demo import seed_demo_year
    from exhibitions.models import Exhibition
    from exhibitions.selectors import exhibition_list

    staff = user_set_role(username="bench-staff", role=Role.STAFF, password="bench-pass-123")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)

    def raw(sql_params, fetch_all=True):
        sql, params = sql_params
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    print(f"{'rows':>8} {'what':<16} {'median ms':>10} {'floor ms':>9} {'ratio':>6} {'queries':>8}")
    for size in [int(s) for s in args.sizes.split(",")]:
        Exhibition.objects.filter(start_date__year=YEAR).delete()
        seed_demo_year(year=YEAR, count=size, seed=2024, as_of=date(YEAR, 7, 1))
        cases = {
            "list": (f"/exhibitions/?year={YEAR}", {"year": str(YEAR)}, True),
            "list filtered": (
                f"/exhibitions/?year={YEAR}&city=dalian&counts=true&sort=-gross_area_m2",
                {"year": str(YEAR), "city": "dalian", "counts": "true"},
                True,
            ),
            "export csv": (
                f"/exhibitions/export/csv/?year={YEAR}&city=dalian",
                {"year": str(YEAR), "city": "dalian"},
                False,
            ),
        }
        healthz = median_time(lambda: client.get("/healthz"), args.runs)
        for name, (url, filters, paged) in cases.items():
            client.get(url)  # warm
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            took = median_time(lambda url=url: client.get(url), args.runs)
            _filterset, queryset = exhibition_list(actor=staff, filters=QueryDict(urlencode(filters)))
            if paged:
                statements = [
                    queryset.order_by().values("pk").query.sql_with_params(),
                    queryset.order_by("start_date", "pk")[:50].query.sql_with_params(),
                ]
                count_sql = f"SELECT COUNT(*) FROM ({statements[0][0]}) AS sub"  # noqa: S608
                statements[0] = (count_sql, statements[0][1])
            else:
                statements = [queryset.order_by("start_date", "pk").query.sql_with_params()]
            floor = median_time(lambda statements=statements: [raw(s) for s in statements], args.runs)
            floor += healthz
            print(
                f"{size:>8} {name:<16} {took * 1000:>10.1f} {floor * 1000:>9.1f} {took / floor:>6.2f} "
                f"{len(queries.captured_queries):>8}"
            )


if __name__ == "__main__":
    main()
