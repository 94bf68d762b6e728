"""One rule for reading other cities (SPEC §5): every city's aggregates are readable by every business role;
rows come through `Exhibition.objects.for_user`, whose `visible_to_other_cities()` is the one place that
will hide unreviewed exhibitions from other cities (SPEC §9)."""

from __future__ import annotations

import csv
import io

import pytest

from core.roles import VIEW
from exhibitions.models import Exhibition, ExhibitionQuerySet
from reports.drilldown import drilldown_url
from targets.selectors import progress_get
from tests.api.conftest import token_client
from tests.reports.conftest import YEAR


@pytest.fixture
def only_held_beyond_own_city(monkeypatch):
    """The review filter to come, simulated: outside their city only `held` rows are visible (standing in
    for `review_state=approved`), to show that every path reads rows through the hook."""
    monkeypatch.setattr(ExhibitionQuerySet, "visible_to_other_cities", lambda self: self.filter(status="held"))


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# --- the scoping hook ------------------------------------------------------------------------------------


def test_today_every_row_is_visible_to_other_cities(programme, city_official, api_client_user, staff_user):
    everything = ids(Exhibition.objects.all())
    assert ids(Exhibition.objects.visible_to_other_cities()) == everything
    for user in (city_official, api_client_user, staff_user):
        assert ids(Exhibition.objects.for_user(user, VIEW)) == everything


def test_for_user_reads_other_cities_through_the_hook(
    programme, city_official, api_client_user, staff_user, only_held_beyond_own_city
):
    everything = Exhibition.objects.all()
    own = ids(everything.filter(city__slug="dalian"))
    visible = ids(everything.filter(status="held"))
    assert ids(Exhibition.objects.for_user(city_official, VIEW)) == own | visible
    assert ids(Exhibition.objects.for_user(api_client_user, VIEW)) == visible
    assert ids(Exhibition.objects.for_user(staff_user, VIEW)) == ids(everything)
    hidden = ids(everything.exclude(city__slug="dalian").exclude(status="held"))
    assert hidden  # the programme has another city's rows that the simulated filter hides


# --- dashboards: aggregates of every city, read-only -----------------------------------------------------


def test_a_city_official_reads_another_citys_dashboard_read_only(client, city_official, programme):
    client.force_login(city_official)
    response = client.get(f"/dashboard/shenyang/?year={YEAR}")
    assert response.status_code == 200
    html = response.content.decode()
    pipeline = progress_get(year=YEAR, city_slug="shenyang")["pipeline"]["exhibitions"]
    assert f'class="kpi-pipeline" data-value="{pipeline}"' in html
    assert 'id="recompute-button"' not in html
    assert "/reports/?year=" not in html  # the monthly report of another city is not theirs (403)
    own = client.get(f"/dashboard/dalian/?year={YEAR}").content.decode()
    assert f"/reports/?year={YEAR}&amp;city=dalian" in own
    assert 'id="recompute-button"' not in own


def test_a_city_officials_home_is_still_their_own_city(client, city_official, programme):
    client.force_login(city_official)
    response = client.get(f"/?year={YEAR}")
    assert response.status_code == 302 and response["Location"] == f"/dashboard/dalian/?year={YEAR}"


def test_staff_may_recompute_from_any_dashboard(client, staff_user, programme):
    client.force_login(staff_user)
    assert 'id="recompute-button"' in client.get(f"/dashboard/shenyang/?year={YEAR}").content.decode()


def test_dashboard_figures_are_aggregates_whatever_the_row_scope(
    client, city_official, programme, only_held_beyond_own_city
):
    client.force_login(city_official)
    html = client.get(f"/dashboard/shenyang/?year={YEAR}").content.decode()
    pipeline = progress_get(year=YEAR, city_slug="shenyang")["pipeline"]["exhibitions"]
    assert pipeline == 3 and f'class="kpi-pipeline" data-value="{pipeline}"' in html


# --- rows behind another city's figure: through for_user -------------------------------------------------


def test_drilldown_list_of_another_city_shows_the_rows_for_user_allows(
    client, city_official, programme, only_held_beyond_own_city
):
    client.force_login(city_official)
    response = client.get(drilldown_url(year=YEAR, city="shenyang", measure="pipeline"))
    assert response.status_code == 200
    expected = Exhibition.objects.for_user(city_official, VIEW).filter(city__slug="shenyang", start_date__year=YEAR)
    assert response.context["total"] == expected.count() == 2  # the confirmed one is hidden
    rows = [row.pk for row in response.context["page_obj"].object_list]
    assert set(rows) == ids(expected)
    # Their own city's rows are all theirs.
    own = client.get(drilldown_url(year=YEAR, city="dalian", measure="pipeline"))
    assert own.context["total"] == progress_get(year=YEAR, city_slug="dalian")["pipeline"]["exhibitions"]


def test_export_of_another_city_holds_the_rows_for_user_allows(
    client, city_official, programme, only_held_beyond_own_city
):
    client.force_login(city_official)
    response = client.get(f"/exhibitions/export/csv/?year={YEAR}&city=shenyang")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(lines) - 1 == 2


def test_a_hidden_row_of_another_city_is_404_on_page_and_api(
    client, city_official, programme, only_held_beyond_own_city
):
    hidden = Exhibition.objects.filter(city__slug="shenyang").exclude(status="held").first()
    client.force_login(city_official)
    assert client.get(f"/exhibitions/{hidden.pk}/").status_code == 404
    api = token_client(city_official)
    assert api.get(f"/api/v1/exhibitions/{hidden.pk}/").status_code == 404
    listing = api.get(f"/api/v1/exhibitions/?year={YEAR}&city=shenyang").json()
    assert listing["count"] == 2 and hidden.pk not in {row["id"] for row in listing["results"]}
    # Aggregates stay readable: the API's progress of another city is the snapshot's.
    progress = api.get(f"/api/v1/progress/?year={YEAR}&city=shenyang")
    assert progress.status_code == 200 and progress.json()["pipeline"]["exhibitions"] == 3


def test_the_api_client_reads_other_cities_through_the_hook(api_client_user, programme, only_held_beyond_own_city):
    listing = token_client(api_client_user).get(f"/api/v1/exhibitions/?year={YEAR}&page_size=500").json()
    assert {row["id"] for row in listing["results"]} == ids(
        Exhibition.objects.filter(status="held", start_date__year=YEAR)
    )


# --- reports: a city official produces their own city's only --------------------------------------------


def test_reports_of_another_city_or_the_province_stay_403(client, city_official, programme):
    client.force_login(city_official)
    for query in (f"year={YEAR}&month=5&city=shenyang", f"year={YEAR}&month=5"):
        for fmt in ("html", "pdf", "xlsx"):
            assert client.get(f"/reports/monthly/?{query}&format={fmt}").status_code == 403
    index = client.get(f"/reports/?year={YEAR}")
    assert [city.slug for city in index.context["cities"]] == ["dalian"]


def test_the_own_city_report_lists_the_rows_for_user_allows(
    client, city_official, programme, only_held_beyond_own_city
):
    client.force_login(city_official)
    response = client.get(f"/reports/monthly/?year={YEAR}&month=5&city=dalian")
    assert response.status_code == 200
    listed = {row.pk for row in response.context["rows"]}
    assert listed and all(row.city.slug == "dalian" for row in response.context["rows"])
    assert listed <= ids(Exhibition.objects.for_user(city_official, VIEW))
