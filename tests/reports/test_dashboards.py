import datetime as dt
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.http import QueryDict

from exhibitions.filtersets import ExhibitionFilterSet
from exhibitions.models import Exhibition
from reports.drilldown import OTHER_KINDS, drilldown_params, drilldown_url
from tests import factories

from .conftest import YEAR


def filtered_count(url: str) -> int:
    data = QueryDict(mutable=True)
    for key, value in parse_qsl(urlsplit(url).query):
        data.appendlist(key, value)
    filterset = ExhibitionFilterSet(data=data, queryset=Exhibition.objects.all())
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


def list_total(client, url: str) -> int:
    """Follow a drill-down link to the HTML exhibition list and read its total."""
    response = client.get(url)
    assert response.status_code == 200
    return response.context["total"]


def links_with_values(html: str, css_class: str) -> list[tuple[str, int]]:
    pattern = re.compile(r'<a href="([^"]+)"[^>]*class="[^"]*\b' + css_class + r'\b[^"]*"[^>]*data-value="(-?\d+)"')
    return [(href.replace("&amp;", "&"), int(value)) for href, value in pattern.findall(html)]


def test_province_figures_equal_the_snapshot(client, staff_user, programme):
    client.force_login(staff_user)
    response = client.get(f"/dashboard/?year={YEAR}")
    assert response.status_code == 200
    html = response.content.decode()
    province = programme.payload["scopes"]["province"]
    achieved = links_with_values(html, "kpi-achieved")
    assert [v for _, v in achieved] == [province["achieved"]["exhibitions"], province["achieved"]["gross_area_m2"]]
    assert province["achieved"]["exhibitions"] == 4  # held & counted: Dalian 2, Shenyang 2
    assert [v for _, v in links_with_values(html, "kpi-committed")][0] == province["committed"]["exhibitions"]
    assert f"#{programme.pk}" in html
    others = {kind: programme.payload["scopes"]["province"]["other"][kind] for kind in OTHER_KINDS}
    page_others = dict(re.findall(r'data-kind="(\w+)" data-value="(\d+)"', html))
    assert {k: int(v) for k, v in page_others.items()} == others


def test_every_drilldown_total_equals_its_figure(client, staff_user, programme):
    client.force_login(staff_user)
    for path in (f"/dashboard/?year={YEAR}", f"/dashboard/dalian/?year={YEAR}", f"/dashboard/shenyang/?year={YEAR}"):
        html = client.get(path).content.decode()
        checked = 0
        for css in (
            "kpi-achieved",
            "kpi-committed",
            "kpi-pipeline",
            "city-achieved",
            "batch-achieved",
            "month-achieved",
            "other-count",
            "venue-events",
        ):
            for url, value in links_with_values(html, css):
                if css.startswith("kpi") and value > 1000:
                    continue  # the area card: same rows as the exhibition card, summed area
                assert filtered_count(url) == value, (path, css, url)
                total = list_total(client, url)
                if total is not None:
                    assert total == value, (path, css, url)
                checked += 1
        assert checked >= 10, path
    # Area figures: the same rows summed.
    scope = programme.payload["scopes"]["dalian"]
    url = drilldown_url(year=YEAR, city="dalian", measure="committed")
    data = QueryDict(mutable=True)
    for key, value in parse_qsl(urlsplit(url).query):
        data.appendlist(key, value)
    rows = ExhibitionFilterSet(data=data, queryset=Exhibition.objects.all()).qs
    assert sum(r.gross_area_m2 for r in rows) == scope["committed"]["gross_area_m2"]


def test_drilldown_params_are_the_documented_ones():
    assert drilldown_url(year=2024, city="dalian", measure="achieved") == (
        "/exhibitions/?year=2024&city=dalian&counts=true&status=held"
    )
    assert drilldown_params(year=2024, city="dalian", measure="committed", month=5)[-2:] == [
        ("status", "held"),
        ("status", "confirmed"),
    ]
    assert ("batch", "conference") in drilldown_params(year=2024, other="conferences")
    assert ("batch", "brand") in drilldown_params(year=2024, batch="brand", measure="achieved")
    with pytest.raises(ValueError):
        drilldown_params(year=2024, measure="nonsense")


def test_city_scoping(client, city_official, programme):
    client.force_login(city_official)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/dashboard/dalian/")
    assert client.get(f"/dashboard/dalian/?year={YEAR}").status_code == 200
    assert client.get(f"/dashboard/?year={YEAR}").status_code == 200
    assert client.get(f"/dashboard/shenyang/?year={YEAR}").status_code == 200  # aggregates: every city's
    assert client.get(f"/reports/monthly/?year={YEAR}&month=5&city=shenyang").status_code == 403
    assert client.get(f"/reports/monthly/?year={YEAR}&month=5").status_code == 403
    assert client.get(f"/reports/monthly/?year={YEAR}&month=5&city=dalian").status_code == 200
    assert client.get(f"/reports/monthly/?year={YEAR}&month=5&city=shenyang&format=pdf").status_code == 403


def test_roles_and_anonymous(client, api_client_user, staff_user, programme):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "/accounts/login/" in client.get("/dashboard/shenyang/").get("Location", "")
    client.force_login(api_client_user)
    assert client.get(f"/dashboard/shenyang/?year={YEAR}").status_code == 200
    assert client.get(f"/reports/monthly/?year={YEAR}&month=5").status_code == 403
    assert client.post("/dashboard/recompute/", {"year": YEAR}).status_code == 403
    client.force_login(staff_user)
    assert client.get("/").status_code == 200
    assert client.get("/dashboard/?year=abc").status_code == 400
    assert client.get("/dashboard/nowhere/").status_code == 404


def test_recompute_trigger_is_staff_only_and_status_reports_done(client, staff_user, city_official, programme):
    from targets.selectors import snapshot_latest

    client.force_login(city_official)
    assert client.post("/dashboard/recompute/", {"year": YEAR}).status_code == 403
    client.force_login(staff_user)
    before = snapshot_latest(year=YEAR).pk
    pending = client.get(f"/dashboard/status/?year={YEAR}&since={before}")
    assert "every 1s" not in pending.content.decode()  # nothing changed: already current
    factories.ExhibitionFactory(start_date=dt.date(YEAR, 3, 3))
    pending = client.get(f"/dashboard/status/?year={YEAR}&since={before}")
    assert "every 1s" in pending.content.decode()  # stale: the fragment keeps polling
    response = client.post("/dashboard/recompute/", {"year": YEAR}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f"since={before}" in response.content.decode()
    status = client.get(
        f"/dashboard/status/?year={YEAR}&since={before}", HTTP_HX_CURRENT_URL="http://x/dashboard/?year=2024"
    )
    assert snapshot_latest(year=YEAR).pk > before  # eager Celery in tests: already recomputed
    body = status.content.decode()
    assert 'hx-select="#dashboard"' in body and "every 1s" not in body
    assert 'hx-get="/dashboard/?year=2024"' in body


def test_csrf_enforced_on_recompute(staff_user, programme):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post("/dashboard/recompute/", {"year": YEAR}).status_code == 403


def test_dashboard_shows_stale_marker(client, staff_user, programme):
    client.force_login(staff_user)
    assert "stale-marker" not in client.get(f"/dashboard/?year={YEAR}").content.decode()
    # The test transaction never commits, so the recompute this change requests never runs: the
    # snapshot stays behind the data, and the very next view says so.
    factories.ExhibitionFactory(start_date=dt.date(YEAR, 3, 3))
    assert "stale-marker" in client.get(f"/dashboard/?year={YEAR}").content.decode()


def test_dashboard_in_chinese_and_english(client, staff_user, programme):
    client.force_login(staff_user)
    zh = client.get(f"/dashboard/?year={YEAR}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "计入展会数" in zh and "万 m²" in zh and "数据截至" in zh
    en = client.get(f"/dashboard/?year={YEAR}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    i = en.find("计入展会数")
    assert i < 0, en[i - 300 : i + 50]
    assert "Exhibitions counted" in en and "120,000 m²" in en


def _form_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_each_view_carries_its_own_csrf_token(staff_user, programme):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for c in (first, second):
        c.force_login(staff_user)
    html_first = first.get(f"/dashboard/?year={YEAR}").content.decode()
    html_second = second.get(f"/dashboard/?year={YEAR}").content.decode()  # figures from the fragment cache
    token = _form_token(html_second)
    assert token != _form_token(html_first)
    response = second.post("/dashboard/recompute/", {"year": YEAR, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert second.post("/dashboard/recompute/", {"year": YEAR, "csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_the_figures_are_cached_per_snapshot_scope_and_language(client, staff_user, programme):
    from django.core.cache import cache
    from django.core.cache.utils import make_template_fragment_key

    from targets.selectors import snapshot_latest
    from targets.services import progress_recompute

    def key(snapshot_id, scope, language):
        return make_template_fragment_key("dashboard_figures", [snapshot_id, scope, language])

    client.force_login(staff_user)
    first = snapshot_latest(year=YEAR).pk
    client.get(f"/dashboard/?year={YEAR}")
    client.get(f"/dashboard/dalian/?year={YEAR}", HTTP_ACCEPT_LANGUAGE="en")
    assert cache.get(key(first, "province", "zh-hans")) and cache.get(key(first, "dalian", "en"))
    assert cache.get(key(first, "province", "en")) is None
    # A repeated view serves the cached fragment.
    cache.set(key(first, "province", "zh-hans"), "<p>cached-fragment-4711</p>")
    assert "cached-fragment-4711" in client.get(f"/dashboard/?year={YEAR}").content.decode()
    # A new snapshot is a new fragment: it shows at once.
    factories.ExhibitionFactory(start_date=dt.date(YEAR, 3, 3))
    second = progress_recompute(year=YEAR).pk
    html = client.get(f"/dashboard/?year={YEAR}").content.decode()
    assert "cached-fragment-4711" not in html and f"#{second}" in html
    assert cache.get(key(second, "province", "zh-hans"))


def test_cached_pages_are_per_viewer(client, staff_user, city_official, programme):
    from core.roles import Role
    from core.services import user_set_role

    other = user_set_role(username="second-staff", role=Role.STAFF, password="Pw-for-tests-123")
    client.force_login(staff_user)
    assert "second-staff" not in client.get(f"/dashboard/?year={YEAR}").content.decode()
    client.force_login(other)
    html = client.get(f"/dashboard/?year={YEAR}").content.decode()
    assert "second-staff" in html and "recompute-button" in html
    client.force_login(city_official)  # the province overview, without the staff-only controls
    html = client.get(f"/dashboard/?year={YEAR}").content.decode()
    assert "dalian-official" in html and "recompute-button" not in html
    other.username = "renamed-staff"  # an edit to the viewer shows at once, not after the next snapshot
    other.save()
    client.force_login(other)
    assert "renamed-staff" in client.get(f"/dashboard/?year={YEAR}").content.decode()


def test_a_pending_message_is_shown_once_despite_the_page_cache(client, staff_user, programme, rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    client.force_login(staff_user)
    client.get(f"/dashboard/?year={YEAR}")  # the page is now cached
    client.cookies["messages"] = CookieStorage(rf.get("/"))._encode([Message(constants.SUCCESS, "flash-1234")])
    assert "flash-1234" in client.get(f"/dashboard/?year={YEAR}").content.decode()
    assert "flash-1234" not in client.get(f"/dashboard/?year={YEAR}").content.decode()  # consumed
