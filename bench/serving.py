"""What the benchmarks share: their own database (created when missing) and Redis, copies of a seeded
year, gunicorn as production runs it, sign-in over HTTP, concurrent clients, medians and percentiles.

Import this module before Django is set up: it points DATABASE_URL and REDIS_URL at the benchmark's own
database and Redis database (`configure`).
"""

from __future__ import annotations

import contextlib
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
PASSWORD = "bench-pass-123"


def configure(*, database: str, redis_db: int) -> None:
    """Settings for the preparation in this process; gunicorn gets the same plus DEBUG off (`serve`)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # the preparation only; gunicorn runs with DJANGO_DEBUG=0
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    # The production configuration: Redis as the cache (sessions, fragments, responses) and the broker.
    # Its own database number, flushed first; nothing consumes the tasks the preparation publishes.
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}")


def ensure_database() -> None:
    """The settings' PostgreSQL database, created when missing (the benchmark's own, never a real one)."""
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"{sys.argv[0]} needs PostgreSQL (set DATABASE_URL)")
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{db["NAME"]}"')
    conn.close()


def setup_django() -> None:
    """django.setup(), the database created when missing and migrated, the cache (Redis) flushed."""
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    ensure_database()
    try:
        cache.clear()
    except Exception as error:  # noqa: BLE001 - reported, then the bench stops
        sys.exit(f"{sys.argv[0]} needs Redis at {os.environ['REDIS_URL']} (BENCH_REDIS_URL): {error}")
    call_command("migrate", verbosity=0)


def copy_year(year: int, copies: int) -> None:
    """The exhibitions starting in `year` `copies` more times, with one INSERT … SELECT (new ids, no
    external reference). Bypasses the signals: the caller marks the data changed if it needs to."""
    from django.db import connection

    from exhibitions.models import Exhibition

    if copies <= 0:
        return
    table = Exhibition._meta.db_table
    columns = [f.column for f in Exhibition._meta.concrete_fields if f.column not in ("id", "external_ref")]
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({cols}, external_ref) "  # noqa: S608
            f"SELECT {cols}, '' FROM {table} CROSS JOIN generate_series(1, %s) "
            f"WHERE start_date >= %s AND start_date < %s",
            [copies, date(year, 1, 1), date(year + 1, 1, 1)],
        )


def median_time(fn, runs: int) -> float:
    """The median of `runs` timings of `fn()`, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(workers: int = 2):
    """gunicorn on a free loopback port with production settings (DEBUG off); yields the port."""
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
    command = [python, "-m", "gunicorn", "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    gunicorn = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                request(port, "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)


def request(port: int, path: str, cookies: str = "", method: str = "GET", body: str | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    all_headers = {"Host": "127.0.0.1", "Cookie": cookies, "Accept-Language": "zh-hans"} | (headers or {})
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def sign_in(port: int, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form (CSRF included), then the second factor where the account needs one
    (staff: production settings turn EXPOPLAN_2FA_REQUIRED on); returns the Cookie header of the session."""
    response, data = request(port, "/accounts/login/")
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data).group(1).decode()
    body = f"csrfmiddlewaretoken={token}&username={username}&password={password}&next=/"
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
        sys.exit(f"sign-in of {username} failed: {response.status}")
    cookies = f"sessionid={session.group(1)}; csrftoken={csrf_cookie}"
    location = response.getheader("Location") or ""
    if location.startswith("/accounts/two-factor/"):
        cookies = second_factor(port, username, location, csrf_cookie, cookies)
    return cookies


def second_factor(port: int, username: str, location: str, csrf_cookie: str, cookies: str) -> str:
    """The two-factor page the sign-in led to, with a code computed as an authenticator app does
    (django_otp.oath.TOTP): on the setup page (the first time) from the secret it shows, on the verify page
    from the account's device. Returns the Cookie header of the verified session (its key changes)."""
    from base64 import b32decode

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    response, data = request(port, location, cookies=cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data).group(1).decode()
    setup = location.startswith("/accounts/two-factor/setup/")
    if setup:
        secret = re.search(rb'id="two-factor-secret">([A-Z2-7 ]+)<', data).group(1).decode()
        totp, last_t = TOTP(b32decode(secret.replace(" ", ""))), -1
    else:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        totp, last_t = TOTP(device.bin_key, device.step, device.t0, device.digits), device.last_t
    if totp.t() <= last_t:  # this step's code was used by a sign-in moments ago: the next one's
        totp.drift = last_t + 1 - totp.t()
    path = "/accounts/two-factor/setup/" if setup else "/accounts/two-factor/"
    response, _ = request(
        port,
        path,
        cookies=cookies,
        method="POST",
        body=f"csrfmiddlewaretoken={token}&code={totp.token():06d}&next=/",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/"},
    )
    session = re.search(r"sessionid=([^;]+)", ", ".join(response.headers.get_all("Set-Cookie") or []))
    if response.status != (200 if setup else 302) or session is None:
        sys.exit(f"two-factor sign-in of {username} failed: {response.status}")
    return f"sessionid={session.group(1)}; csrftoken={csrf_cookie}"


def load(port: int, path: str, cookies: str, clients: int, requests: int, headers=None) -> list[float]:
    """`clients` threads, each with its own keep-alive connection, send `requests` GETs; the timings (s)."""
    timings: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []
    all_headers = {"Host": "127.0.0.1", "Cookie": cookies, "Accept-Language": "zh-hans"} | (headers or {})

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local = []
        for _ in range(requests):
            started = time.perf_counter()
            conn.request("GET", path, headers=all_headers)
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


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile in milliseconds (q=50: the median)."""
    if q == 50:
        return statistics.median(values) * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
