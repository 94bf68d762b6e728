"""Benchmark: the dashboards under concurrent load against /healthz, served by gunicorn (PostgreSQL).

    python bench/dashboard.py [--rows 100000] [--clients 8] [--requests 300] [--rounds 6]

Own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_dashbench; created when
missing, migrated) and Redis database (BENCH_REDIS_URL, default redis://127.0.0.1:6379/14; flushed),
as in production: Redis is the cache (cached database sessions, the dashboard's figures fragment) and
the broker. Seeds one year with `seed_demo_year` (skipped when that year already holds
`--rows` rows), recomputes its snapshot, runs collectstatic into a temporary DJANGO_STATIC_ROOT, starts gunicorn
(2 workers, DJANGO_DEBUG=0, a throwaway secret key) on a free loopback port, signs a staff user in over
HTTP (login form + CSRF) and then, with `--clients` threads × `--requests` requests each in `--rounds`
interleaved rounds, loads `/healthz` (the floor: no auth, no database), the simplest signed-in page (the
password change form: session, user, role, the base template), and the province and a city dashboard.
Prints p50/p95 of each and its p50 as a multiple of both floors. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # the preparation only; gunicorn runs with DJANGO_DEBUG=0
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/expoplan_dashbench")
# The production configuration: Redis as the cache (sessions, figures fragments) and broker. Its own database
# number, flushed first; nothing consumes the tasks the seeding publishes.
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

YEAR = 2024
PASSWORD = "bench-pass-123"


def ensure_database() -> None:
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench/dashboard.py needs PostgreSQL (set DATABASE_URL)")
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{db["NAME"]}"')
    conn.close()


def prepare(rows: int) -> None:
    import django

    django.setup()
    ensure_database()
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception as error:  # noqa: BLE001 - reported, then the bench stops
        sys.exit(f"bench/dashboard.py needs Redis at {os.environ['REDIS_URL']} (BENCH_REDIS_URL): {error}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, path: str, cookies: str = "", method: str = "GET", body: str | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    all_headers = {"Host": "127.0.0.1", "Cookie": cookies, "Accept-Language": "zh-hans"} | (headers or {})
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def sign_in(port: int) -> str:
    response, data = request(port, "/accounts/login/")
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data).group(1).decode()
    body = f"csrfmiddlewaretoken={token}&username=bench-dashboard&password={PASSWORD}&next=/dashboard/"
    response, _ = request(
        port,
        "/accounts/login/",
        cookies=f"csrftoken={csrf_cookie}",
        method="POST",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/"},
    )
    session = re.search(r"sessionid=([^;]+)", ", ".join(response.headers.get_all("Set-Cookie") or []))
    if response.status != 302 or session is None:
        sys.exit(f"sign-in failed: {response.status}")
    return f"sessionid={session.group(1)}; csrftoken={csrf_cookie}"


def load(port: int, path: str, cookies: str, clients: int, requests: int) -> list[float]:
    timings: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = []
        for _ in range(requests):
            started = time.perf_counter()
            conn.request("GET", path, headers={"Host": "127.0.0.1", "Cookie": cookies, "Accept-Language": "zh-hans"})
            response = conn.getresponse()
            response.read()
            local.append(time.perf_counter() - started)
            if response.status != 200:
                errors.append(f"{path}: {response.status}")
        conn.close()
        with lock:
            timings.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit(f"errors: {errors[:3]}")
    return timings


def p(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
        if q != 50
        else statistics.median(values) * 1000
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300, help="per client, over all rounds")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    prepare(args.rows)

    static_root = tempfile.mkdtemp(prefix="expoplan-static-")
    env = os.environ | {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CONN_MAX_AGE": "60",  # persistent connections, as docker-compose runs production
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    gunicorn = subprocess.Popen(
        [python, "-m", "gunicorn", "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                request(port, "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        cookies = sign_in(port)
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
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
    floor = p(timings["/healthz"], 50)
    signed_in = p(timings["signed-in floor"], 50)
    print(f"{args.rows} exhibitions, gunicorn 2 workers, {args.clients} clients")
    print(f"{'what':<16} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'× healthz':>10} {'× signed-in':>12}")
    for name, values in timings.items():
        median = p(values, 50)
        print(
            f"{name:<16} {len(values):>5} {median:>8.1f} {p(values, 95):>8.1f} "
            f"{median / floor:>10.2f} {median / signed_in:>12.2f}"
        )


if __name__ == "__main__":
    main()
