"""Response headers (SPEC §12): an enforced Content-Security-Policy without inline script, a Permissions-Policy,
`Cache-Control: no-store` on signed-in pages and downloads; and no page that needs inline script or style."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.test import Client

from core.models import Job
from tests import factories

pytestmark = pytest.mark.django_db

YEAR = 2024


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_security_headers(response, *, static: bool = False) -> None:
    assert "Content-Security-Policy-Report-Only" not in response  # enforced, not only reported
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    features = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics", "interest-cohort"):
        assert features[feature] == "()", feature
    assert features["fullscreen"] == "(self)"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    if not static:  # WhiteNoise answers before the middleware of these two (frame-ancestors covers framing)
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def no_store(response) -> bool:
    return "no-store" in [part.strip() for part in response.get("Cache-Control", "").split(",")]


class InlineCode(HTMLParser):
    """What the Content-Security-Policy would refuse in a page: inline scripts (type="application/json" data is
    never run, so it is allowed), on* event handler attributes, style="" attributes, <style> elements,
    javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name.startswith("hx-on"):
                self.found.append(f'<{tag} {name}="{value}"> at line {self.getpos()[0]}')
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}"> at line {self.getpos()[0]}')


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def dataset(db):
    from targets.services import progress_recompute

    venue = factories.VenueFactory(city=factories.city("dalian"))
    exhibition = factories.ExhibitionFactory(
        venue=venue, status="held", start_date=dt.date(YEAR, 5, 10), gross_area_m2=20_000
    )
    factories.ExhibitionFactory(venue=venue, status="confirmed", start_date=dt.date(YEAR, 8, 1), gross_area_m2=15_000)
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    return {"venue": venue, "exhibition": exhibition, "organizer": exhibition.organizer}


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def signed_in_pages(data) -> list[str]:
    e, v = data["exhibition"], data["venue"]
    return [
        "/",
        f"/dashboard/?year={YEAR}",
        f"/dashboard/dalian/?year={YEAR}",
        "/exhibitions/",
        f"/exhibitions/{e.pk}/",
        f"/exhibitions/{e.pk}/edit/",
        "/exhibitions/new/",
        "/exhibitions/import/",
        "/exhibitions/organisers/",
        "/exhibitions/brands/",
        "/venues/",
        f"/venues/{v.pk}/",
        f"/venues/{v.pk}/edit/",
        "/targets/",
        "/targets/new/",
        "/reports/",
        f"/reports/monthly/?year={YEAR}&month=5",
        "/accounts/password_change/",
        "/admin/",
        "/admin/exhibitions/exhibition/",
        f"/admin/exhibitions/exhibition/{e.pk}/change/",
        "/api/docs/",
    ]


def test_signed_in_pages_send_the_headers_and_no_store_and_need_no_inline_code(staff_client, dataset):
    problems = {}
    for url in signed_in_pages(dataset):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
        assert_security_headers(response)
        assert no_store(response), url
        assert "private" in response["Cache-Control"], url
        if found := inline_code(response.content.decode()):
            problems[url] = found
    assert problems == {}


def test_target_form_and_dashboard_take_their_script_from_static_files(staff_client, dataset):
    form = staff_client.get("/targets/new/").content.decode()
    assert "/static/js/target-form.js" in form and 'id="live-labels" type="application/json"' in form
    dashboard = staff_client.get(f"/dashboard/?year={YEAR}").content.decode()
    assert "/static/js/dashboard.js" in dashboard and 'id="dashboard-charts" type="application/json"' in dashboard
    # htmx adds no <style> of its own and evaluates no code (its indicator rules are in expoplan.css).
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false""" in dashboard


def test_sign_in_page_anonymous(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert inline_code(response.content.decode()) == []
    # An anonymous page is not kept private by this rule (the sign-in page is no-store by Django's own view).
    public = client.get("/no-such-page/")
    assert public.status_code == 404 and public["Content-Type"].startswith("text/html")
    assert not no_store(public)
    assert_security_headers(public)


def test_error_pages_need_no_inline_code(client, staff_user):
    from django.template.loader import render_to_string

    for name in ("403.html", "404.html", "500.html"):
        assert inline_code(render_to_string(name)) == [], name
    client.force_login(staff_user)
    response = client.get("/exhibitions/999999/")
    assert response.status_code == 404
    assert_security_headers(response)
    assert no_store(response)


def test_htmx_fragment_of_a_signed_in_page_is_not_stored(staff_client, dataset):
    response = staff_client.get("/exhibitions/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert no_store(response)
    assert inline_code(response.content.decode()) == []


def test_api_docs_take_their_start_up_script_from_a_separate_request(staff_client):
    page = staff_client.get("/api/docs/")
    html = page.content.decode()
    assert '<script src="/api/docs/?script="></script>' in html
    assert "/static/css/swagger.css" in html
    script = staff_client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert no_store(script)  # it carries the user's CSRF token
    assert_security_headers(script)


def test_api_json_keeps_its_revalidation_headers(client, api_client_user, dataset):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=api_client_user)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get("/api/v1/exhibitions/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"  # revalidate with the ETag; no-store would defeat it
    assert response.has_header("ETag")
    assert_security_headers(response)
    assert api.get("/api/v1/exhibitions/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    # A session user's JSON is the same: only HTML pages and downloads are no-store.
    client.force_login(api_client_user)
    assert client.get("/api/v1/exhibitions/")["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    "url",
    [
        "/exhibitions/export/csv/",
        "/exhibitions/export/xlsx/",
        "/exhibitions/import/template.csv",
        "/exhibitions/import/template.xlsx",
        f"/reports/monthly/?year={YEAR}&month=5&format=xlsx",
        f"/reports/monthly/?year={YEAR}&month=5&format=pdf",
    ],
)
def test_downloads_are_not_stored(staff_client, dataset, url):
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert no_store(response)
    assert_security_headers(response)


def test_job_progress_and_file_download(
    staff_client, staff_user, dataset, settings, django_capture_on_commit_callbacks
):
    running = Job.objects.create(
        kind=Job.Kind.EXPORT_CSV, created_by=staff_user, status=Job.Status.RUNNING, done=30, total=120
    )
    page = staff_client.get(f"/exhibitions/jobs/{running.pk}/")
    assert page.status_code == 200 and no_store(page)
    html = page.content.decode()
    assert 'progress-bar-animated ep-w-25"' in html
    assert inline_code(html) == []
    running.delete()

    settings.EXPOPLAN_EXPORT_JOB_ROWS = 1  # a job, even for two rows
    with django_capture_on_commit_callbacks(execute=True):
        started = staff_client.get("/exhibitions/export/csv/")
    assert started.status_code == 302
    job = Job.objects.get(created_by=staff_user)
    assert job.status == Job.Status.SUCCEEDED
    response = staff_client.get(f"/exhibitions/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert no_store(response)
    assert_security_headers(response)


def test_healthz_is_left_alone(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "Cache-Control" not in response
    assert_security_headers(response)


def test_static_files_carry_the_policy_and_keep_their_caching(settings, staff_user):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client = Client()  # a new handler: WhiteNoise reads its settings when the middleware is built
    client.force_login(staff_user)
    response = client.get("/static/css/expoplan.css")
    assert response.status_code == 200
    assert_security_headers(response, static=True)
    assert not no_store(response)  # static files stay cacheable, signed in or not
    assert b"".join(response.streaming_content).startswith(b"/*")


def test_progress_bars_take_their_width_from_a_class():
    render = Template("{% load expoplan %}{{ value|width_class }}")
    cases = [(0, "ep-w-0"), (37.4, "ep-w-37"), (37.5, "ep-w-38"), ("99.95", "ep-w-100"), (143, "ep-w-100")]
    cases += [(-5, "ep-w-0"), (None, "ep-w-0"), ("", "ep-w-0"), (float("nan"), "ep-w-0")]
    for value, expected in cases:
        assert render.render(Context({"value": value})) == expected, value
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/expoplan.css"), encoding="utf-8").read()
    assert all(f".ep-w-{i} {{ width: {i}%; }}" in css for i in range(101))


def test_no_template_has_inline_script_or_style():
    """Every template file, as written (the rendered pages above cover what views put together)."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    found = {}
    for path in sorted((root / "templates").rglob("*.html")):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"))  # template comments are never sent
        if problems := inline_code(text):
            found[str(path.relative_to(root))] = problems
    assert found == {}
