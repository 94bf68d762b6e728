"""Benchmark: a mixed working day with Locust (headless), served by gunicorn (PostgreSQL, Redis).

    python bench/load.py [--rows 100000] [--duration 180] [--single 20]

Own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/expoplan_loadbench; created when
missing, migrated) and Redis database (BENCH_REDIS_URL, default redis://127.0.0.1:6379/12; flushed).
Seeds one year with `seed_demo_year` (skipped when that year already holds `--rows` rows), recomputes
its snapshot, creates 30 staff, 15 city officials (three in each of five cities) and 5 API clients
(DRF tokens), and serves the project with gunicorn (2 workers, DEBUG off; bench/serving.py). Every
person signs in over HTTP (login form + CSRF) before the load starts; API clients use their token.

First each page's single-client p50: `--single` sequential requests per page from one client. Then the
load, 50 Locust users with a think time of 1–5 s between tasks, all started within 10 s, for
`--duration` seconds:

- 30 staff: the default list, the list filtered (a city, counted rows, by area, page 1–10), a detail
  page, and an edit: the edit form, a think time, then the form submitted as it came (CSRF token and
  version included) with new notes. Edits go to 100 exhibitions, so two people sometimes edit the same
  one: the second save answers 409 (the conflict page), which is expected and counted apart, not as
  an error;
- 15 city officials: the province and their city's dashboard, their list, a detail page of their city;
- 5 API clients: /api/v1/progress/?year=Y and /api/v1/exhibitions/?page_size=50&page=N.

Prints per page: requests, requests/s, p50/p95/p99 (Locust's statistics), errors, the single-client
p50 and p95 ÷ single-client p50 against the goal of issue 15 (0 errors, every page's p95 ≤ 10× its
single-client p50); then the totals. Exits 0 either way. Figures: docs/performance.md.

The API throttle is raised for the run (EXPOPLAN_API_THROTTLE_RATE); production's default is 1000/hour,
which five clients polling all day would exceed. No Celery worker runs: edits publish recomputes that
nobody consumes, so the dashboards show a stale snapshot.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import warnings
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode

from serving import PASSWORD, configure, percentile, request, serve, setup_django, sign_in

YEAR = 2024
CITIES = ("shenyang", "dalian", "anshan", "jinzhou", "dandong")
STAFF, OFFICIALS, API_CLIENTS = 30, 15, 5
EDITED = 100  # exhibitions the staff edit today
GOAL = 10  # p95 under load ÷ single-client p50
configure(database="expoplan_loadbench", redis_db=12)
API_RATE = "10000000/hour"  # production's default is 1000/hour
os.environ["EXPOPLAN_API_THROTTLE_RATE"] = API_RATE


def prepare(rows: int) -> dict:
    """The seeded year, its snapshot and the users; returns the users and the exhibitions they open."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connections
    from rest_framework.authtoken.models import Token

    from core.roles import Role
    from core.services import user_set_role
    from exhibitions.demo import seed_demo_year
    from exhibitions.models import Exhibition
    from exhibitions.validators import venue_overlap
    from targets.services import progress_recompute

    year = Exhibition.objects.filter(start_date__year=YEAR)
    if year.count() != rows:
        started = time.perf_counter()
        seed_demo_year(year=YEAR, count=rows, seed=2024, as_of=date(YEAR, 7, 1))
        print(f"seeded {rows} exhibitions in {time.perf_counter() - started:.1f} s")
    existing = set(get_user_model().objects.values_list("username", flat=True))

    def user(username: str, role: Role, city_slug: str | None = None, password: str | None = PASSWORD):
        # The password is hashed once, when the user is created.
        password = password if username not in existing else None
        return user_set_role(username=username, role=role, city_slug=city_slug, password=password)

    staff = [user(f"load-staff-{i}", Role.STAFF).username for i in range(STAFF)]
    officials = [(f"load-city-{i}", CITIES[i % len(CITIES)]) for i in range(OFFICIALS)]
    for username, slug in officials:
        user(username, Role.CITY_OFFICIAL, slug)
    tokens = [
        Token.objects.get_or_create(user=user(f"load-api-{i}", Role.API_CLIENT, password=None))[0].key
        for i in range(API_CLIENTS)
    ]
    rng = random.Random(15)
    pks = list(year.order_by("pk").values_list("pk", flat=True))
    edited = []  # saved unchanged but for the notes: not over a venue's capacity (that needs a confirmation)
    for exhibition in year.filter(pk__in=rng.sample(pks, min(10 * EDITED, len(pks)))).exclude(status="cancelled"):
        overlap = venue_overlap(exhibition)
        if overlap is None or not overlap.over_capacity:
            edited.append(exhibition.pk)
    by_city = {slug: list(year.filter(city__slug=slug).values_list("pk", flat=True)) for slug in CITIES}
    snapshot = progress_recompute(year=YEAR, force=True)
    print(f"snapshot #{snapshot.pk} computed in {snapshot.duration_ms} ms")
    connections.close_all()
    return {
        "staff": staff,
        "officials": officials,
        "tokens": tokens,
        "detail": rng.sample(pks, min(2000, len(pks))),
        "edited": edited[:EDITED],
        "by_city": {slug: rng.sample(city_pks, min(200, len(city_pks))) for slug, city_pks in by_city.items()},
    }


class FormFields(HTMLParser):
    """The fields of the page's <form id="…">, as a browser submits them unchanged."""

    def __init__(self, html: str, form_id: str):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.form_id = form_id
        self.state = "before"  # "in", "after"
        self.select = self.textarea = None
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id and self.state == "before":
            self.state = "in"
        if self.state != "in":
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value") or ""))
        elif tag == "textarea":
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, "".join(self.text).removeprefix("\n")))
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.state == "in":
            self.state = "after"


def edit_body(html: str, notes: str) -> str:
    """The edit form as it came, with new notes."""
    fields = [(name, value) for name, value in FormFields(html, "exhibition-form").fields if name != "notes"]
    return urlencode([*fields, ("notes", notes)])


def list_filtered(rng: random.Random) -> str:
    return f"/exhibitions/?city={rng.choice(CITIES)}&counts=true&sort=-gross_area_m2&page={rng.randint(1, 10)}"


def api_list(rng: random.Random) -> str:
    return f"/api/v1/exhibitions/?page_size=50&page={rng.randint(1, 200)}"


PAGES = (  # in the order of the table
    "list",
    "list filtered",
    "detail",
    "edit form",
    "edit submit",
    "dashboard",
    "dashboard city",
    "city list",
    "city detail",
    "api progress",
    "api list 50",
)


def single_client(port: int, data: dict, staff: str, official: tuple[str, str], token: str, n: int) -> dict:
    """Each page's p50 (ms) from one client: `n` sequential requests after two for warming up."""
    rng = random.Random(1)
    slug = official[1]
    api = {"Authorization": f"Token {token}", "Accept": "application/json"}
    gets = {
        "list": (staff, {}, lambda: "/exhibitions/"),
        "list filtered": (staff, {}, lambda: list_filtered(rng)),
        "detail": (staff, {}, lambda: f"/exhibitions/{rng.choice(data['detail'])}/"),
        "dashboard": (official[0], {}, lambda: f"/dashboard/?year={YEAR}"),
        "dashboard city": (official[0], {}, lambda: f"/dashboard/{slug}/?year={YEAR}"),
        "city list": (official[0], {}, lambda: "/exhibitions/"),
        "city detail": (official[0], {}, lambda: f"/exhibitions/{rng.choice(data['by_city'][slug])}/"),
        "api progress": ("", api, lambda: f"/api/v1/progress/?year={YEAR}"),
        "api list 50": ("", api, lambda: api_list(rng)),
    }
    timings: dict[str, list[float]] = {name: [] for name in PAGES}

    def timed(name: str, path: str, cookies: str, method="GET", body=None, headers=None, status=200):
        started = time.perf_counter()
        response, content = request(port, path, cookies, method=method, body=body, headers=headers)
        timings[name].append(time.perf_counter() - started)
        if response.status != status:
            sys.exit(f"single client: {name} {path} answered {response.status}")
        return content

    for name, (who, headers, path) in gets.items():
        for _ in range(n + 2):
            timed(name, path(), data["cookies"].get(who, ""), headers=headers)
    form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/"}
    for i in range(n + 2):
        pk = rng.choice(data["edited"])
        html = timed("edit form", f"/exhibitions/{pk}/edit/", data["cookies"][staff]).decode()
        body = edit_body(html, f"load test: single client, edit {i}")
        path = f"/exhibitions/{pk}/edit/"
        timed("edit submit", path, data["cookies"][staff], "POST", body, form_headers, status=302)
    return {name: percentile(values[2:], 50) for name, values in timings.items()}


def run_load(port: int, data: dict, duration: int):
    """The working day with Locust; returns its statistics and the number of 409 conflicts."""
    import gevent
    from locust import HttpUser, between, task
    from locust.env import Environment

    staff_cookies = iter(data["staff_cookies"])
    officials = iter(data["official_cookies"])
    tokens = iter(data["tokens"])
    conflicts = [0]

    class Person(HttpUser):
        abstract = True
        wait_time = between(1, 5)

        def sign_in(self, cookies: str) -> None:
            for part in cookies.split("; "):
                self.client.cookies.set(*part.split("=", 1))
            self.client.headers["Accept-Language"] = "zh-hans"
            self.rng = random.Random()

        def page(self, name: str, path: str):
            with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code} {path}")
            return response

    class Staff(Person):
        fixed_count = STAFF

        def on_start(self):
            self.sign_in(next(staff_cookies))

        @task(3)
        def default_list(self):
            self.page("list", "/exhibitions/")

        @task(3)
        def filtered_list(self):
            self.page("list filtered", list_filtered(self.rng))

        @task(3)
        def detail(self):
            self.page("detail", f"/exhibitions/{self.rng.choice(data['detail'])}/")

        @task(1)
        def edit(self):
            path = f"/exhibitions/{self.rng.choice(data['edited'])}/edit/"
            form = self.page("edit form", path)
            if form.status_code != 200:
                return
            body = edit_body(form.text, f"load test: {time.time():.3f}")
            self.wait()  # filling in the form
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.host + path}
            with self.client.post(
                path, data=body, headers=headers, name="edit submit", allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code == 409:  # somebody else saved it meanwhile: the conflict page
                    conflicts[0] += 1
                    response.success()
                elif response.status_code != 302:
                    response.failure(f"{response.status_code} {path}")

    class CityOfficial(Person):
        fixed_count = OFFICIALS

        def on_start(self):
            cookies, self.city = next(officials)
            self.sign_in(cookies)

        @task(2)
        def dashboard(self):
            self.page("dashboard", f"/dashboard/?year={YEAR}")

        @task(3)
        def city_dashboard(self):
            self.page("dashboard city", f"/dashboard/{self.city}/?year={YEAR}")

        @task(2)
        def city_list(self):
            self.page("city list", "/exhibitions/")

        @task(2)
        def city_detail(self):
            self.page("city detail", f"/exhibitions/{self.rng.choice(data['by_city'][self.city])}/")

    class ApiClient(Person):
        fixed_count = API_CLIENTS

        def on_start(self):
            self.client.headers.update({"Authorization": f"Token {next(tokens)}", "Accept": "application/json"})
            self.rng = random.Random()

        @task(1)
        def progress(self):
            self.page("api progress", f"/api/v1/progress/?year={YEAR}")

        @task(2)
        def exhibitions(self):
            self.page("api list 50", api_list(self.rng))

    env = Environment(user_classes=[Staff, CityOfficial, ApiClient], host=f"http://127.0.0.1:{port}")
    runner = env.create_local_runner()
    runner.start(STAFF + OFFICIALS + API_CLIENTS, spawn_rate=5)  # all started within 10 s
    gevent.spawn_later(duration, runner.quit)
    runner.greenlet.join()
    return env.stats, conflicts[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=180, help="seconds of load (default 180)")
    parser.add_argument("--single", type=int, default=20, help="sequential requests per page, one client")
    args = parser.parse_args()
    data = prepare(args.rows)  # Django here, before Locust's gevent monkey-patching (run_load)
    with warnings.catch_warnings():  # serving.py's http.client and Django imported ssl; all here is plain HTTP
        warnings.filterwarnings("ignore", message="Monkey-patching ssl after ssl")
        import locust  # noqa: F401 - gevent patches the standard library before the server and clients start

    with serve(workers=2) as port:
        data["cookies"] = {name: sign_in(port, name) for name in data["staff"]}
        data["cookies"] |= {name: sign_in(port, name) for name, _ in data["officials"]}
        data["staff_cookies"] = [data["cookies"][name] for name in data["staff"]]
        data["official_cookies"] = [(data["cookies"][name], slug) for name, slug in data["officials"]]
        single = single_client(port, data, data["staff"][0], data["officials"][1], data["tokens"][0], args.single)
        print(f"load: {STAFF} staff, {OFFICIALS} city officials, {API_CLIENTS} API clients for {args.duration} s")
        load_before = os.getloadavg()[0]
        stats, conflicts = run_load(port, data, args.duration)
        load_after = os.getloadavg()[0]

    print(
        f"\n{args.rows} exhibitions, gunicorn 2 workers, PostgreSQL + Redis, DEBUG off; "
        f"{STAFF + OFFICIALS + API_CLIENTS} users, think time 1–5 s, {args.duration} s; "
        f"API throttle {API_RATE} for the run (production default 1000/hour); "
        f"machine load average {load_before:.1f} at the start, {load_after:.1f} at the end"
    )
    header = f"{'page':<15} {'requests':>8} {'req/s':>6} {'p50':>5} {'p95':>5} {'p99':>5} {'errors':>6}"
    print(f"{header} {'single p50':>10} {'p95÷single':>10} {'≤ ' + str(GOAL):>5}   (ms)")
    missed = []
    for name in PAGES:
        entry = stats.get(name, "POST" if name == "edit submit" else "GET")
        p50, p95, p99 = (entry.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99))
        ratio = p95 / single[name]
        met = entry.num_failures == 0 and ratio <= GOAL and entry.num_requests > 0
        if not met:
            missed.append(name)
        print(
            f"{name:<15} {entry.num_requests:>8} {entry.total_rps:>6.2f} {p50:>5.0f} {p95:>5.0f} {p99:>5.0f} "
            f"{entry.num_failures:>6} {single[name]:>10.1f} {ratio:>10.1f} {'✓' if met else '✗':>5}"
        )
    total = stats.total
    print(
        f"total: {total.num_requests} requests, {total.total_rps:.2f} requests/s, {total.num_failures} errors, "
        f"{conflicts} edit conflicts (409, expected; not errors)"
    )
    for error in list(stats.errors.values())[:5]:
        print(f"  error: {error.name}: {error.error} × {error.occurrences}")
    if missed:
        print(f"goal missed (0 errors, p95 ≤ {GOAL}× single-client p50): {', '.join(missed)}")
    else:
        print(f"goal met: 0 errors, every page's p95 ≤ {GOAL}× its single-client p50")


if __name__ == "__main__":
    main()
