"""The exhibition list: search, filters, counted column from SQL, sorting, paging, exports."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from exhibitions.columns import HEADERS
from exhibitions.models import Exhibition
from targets.rules import counted
from tests.factories import ExhibitionFactory, OrganizerFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [exhibition.name_zh for exhibition in rows(response)]


def rows(response) -> list:
    return list(response.context["page_obj"].object_list)


def test_search_by_chinese_english_and_organiser(client, staff_user):
    organiser = OrganizerFactory(name_zh="辽宁国际展览公司", name_en="Liaoning Expo Co")
    ExhibitionFactory(name_zh="大连国际汽车展", name_en="Dalian Auto Show")
    ExhibitionFactory(name_zh="沈阳农业博览会", name_en="Shenyang Agri Fair", organizer=organiser)
    client.force_login(staff_user)
    assert names(client.get("/exhibitions/?search=汽车")) == ["大连国际汽车展"]
    assert names(client.get("/exhibitions/?search=agri")) == ["沈阳农业博览会"]
    assert names(client.get("/exhibitions/?search=Liaoning Expo")) == ["沈阳农业博览会"]


def test_filters_and_total(client, staff_user):
    dalian = VenueFactory(city=city("dalian"))
    ExhibitionFactory.create_batch(3, venue=dalian, start_date=dt.date(2024, 3, 1))
    ExhibitionFactory(venue=dalian, start_date=dt.date(2025, 3, 1))
    ExhibitionFactory(start_date=dt.date(2024, 3, 1), status="cancelled")
    ExhibitionFactory(start_date=dt.date(2024, 4, 1), batch=batch("conference"))
    client.force_login(staff_user)
    assert client.get("/exhibitions/?year=2024&city=dalian").context["total"] == 3
    assert client.get("/exhibitions/?status=cancelled").context["total"] == 1
    assert client.get("/exhibitions/?batch=conference").context["total"] == 1
    assert client.get(f"/exhibitions/?venue={dalian.pk}").context["total"] == 4
    # The "counts" filter and column agree with the counting rule.
    response = client.get("/exhibitions/?year=2024&counts=true")
    assert response.context["total"] == counted(2024).count() == 3
    assert all(exhibition.counts_toward_target for exhibition in rows(response))
    response = client.get("/exhibitions/?year=2024&counts=false")
    assert response.context["total"] == 2
    assert not any(exhibition.counts_toward_target for exhibition in rows(response))


def test_bad_filter_value_is_not_a_500(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/exhibitions/?year=abc&city=atlantis&start_from=yesterday")
    assert response.status_code == 200
    assert response.context["total"] == 0
    assert response.context["filter"].errors
    assert client.get("/exhibitions/export/csv/?year=abc").status_code == 400


def test_sorting_and_paging(client, staff_user):
    for day in range(1, 61):
        ExhibitionFactory(name_zh=f"展{day:02d}", start_date=dt.date(2024, 1, 1) + dt.timedelta(days=day))
    client.force_login(staff_user)
    response = client.get("/exhibitions/?sort=-start_date")
    assert names(response)[0] == "展60" and len(names(response)) == 50
    response = client.get("/exhibitions/?sort=start_date&page=2")
    assert names(response)[0] == "展51"
    assert client.get("/exhibitions/?sort=gross_area_m2").status_code == 200
    # An out-of-range page shows the last page instead of an error.
    assert names(client.get("/exhibitions/?sort=start_date&page=99"))[0] == "展51"


@pytest.mark.parametrize(
    "url", ["/exhibitions/?year=2024", "/exhibitions/export/csv/?year=2024", "/exhibitions/export/xlsx/"]
)
def test_query_count_does_not_depend_on_rows(client, staff_user, django_assert_num_queries, url):
    client.force_login(staff_user)
    venue = VenueFactory()
    organiser = OrganizerFactory()
    ExhibitionFactory.create_batch(10, venue=venue, organizer=organiser, start_date=dt.date(2024, 5, 1))
    read(client.get(url))  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as ten:
        assert read(client.get(url)).status_code == 200
    expected = len(ten.captured_queries)  # now: the next request clears the connection's query log
    for _index in range(90):
        ExhibitionFactory(venue=VenueFactory(), organizer=OrganizerFactory(), start_date=dt.date(2024, 6, 1))
    client.get(url)  # the list's total is counted again once after a change (test_total_follows_changes)
    with django_assert_num_queries(expected):
        assert read(client.get(url)).status_code == 200


def test_total_follows_changes(client, staff_user):
    """The total is cached under the data version: every change that moves it is counted afresh."""
    venue = VenueFactory(city=city("dalian"))
    ExhibitionFactory.create_batch(3, venue=venue, start_date=dt.date(2024, 3, 1))
    client.force_login(staff_user)
    url = "/exhibitions/?year=2024&counts=true"
    assert client.get(url).context["total"] == 3
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).context["total"] == 3
    assert not [q for q in cached.captured_queries if "COUNT(" in q["sql"]]
    added = ExhibitionFactory(venue=venue, start_date=dt.date(2024, 4, 1))
    assert client.get(url).context["total"] == 4
    added.delete()
    assert client.get(url).context["total"] == 3
    venue.is_professional = False  # a venue change moves every count that reads the venue
    venue.save()
    assert client.get(url).context["total"] == 0
    assert client.get("/exhibitions/?year=2024").context["total"] == 3
    # A text search (it reads organiser names too) is always counted afresh.
    search = "/exhibitions/?search=" + Exhibition.objects.first().name_zh
    client.get(search)
    with CaptureQueriesContext(connection) as searched:
        client.get(search)
    assert [q for q in searched.captured_queries if "COUNT(" in q["sql"]]


def test_filter_form_follows_reference_data_and_query(client, staff_user):
    """The filter panel is a cached fragment: a venue's new name and the query's values show at once."""
    venue = VenueFactory(name_zh="旧馆名")
    client.force_login(staff_user)
    assert "旧馆名" in client.get("/exhibitions/").content.decode()
    venue.name_zh = "新馆名"
    venue.save()
    page = client.get("/exhibitions/").content.decode()
    assert "新馆名" in page and "旧馆名" not in page
    page = client.get("/exhibitions/?search=车展").content.decode()
    assert 'value="车展"' in page
    page = client.get("/exhibitions/?year=abc").content.decode()
    assert 'value="abc"' in page


def test_cached_results_follow_every_change_they_show(client, staff_user):
    """The rows are a cached fragment too: an edited exhibition, a renamed organiser or venue, a changed
    threshold, another page, sort or language each show at once."""
    from exhibitions.services import exhibition_update

    organiser = OrganizerFactory(name_zh="甲主办")
    venue = VenueFactory(name_zh="甲馆", city=city("dalian"))
    exhibition = ExhibitionFactory(
        name_zh="原名展", name_en="Old Name Fair", organizer=organiser, venue=venue, start_date=dt.date(2024, 3, 1)
    )
    client.force_login(staff_user)

    def page(url="/exhibitions/?year=2024") -> str:
        return client.get(url).content.decode()

    assert "原名展" in page() and "甲主办" in page()
    exhibition_update(actor=staff_user, exhibition=exhibition, data={"name_zh": "新名展"}, expected_version=None)
    assert "新名展" in page() and "原名展" not in page()
    organiser.name_zh = "乙主办"
    organiser.save()
    assert "乙主办" in page()
    venue.name_zh = "乙馆"
    venue.save()
    assert "乙馆" in page()
    client.cookies["django_language"] = "en"
    assert "Old Name Fair" in page()


def test_detail_query_count_does_not_depend_on_history(client, staff_user, django_assert_num_queries):
    from exhibitions.services import exhibition_update

    # Created and changed by somebody, as every entered exhibition is: the page reads both users.
    exhibition = ExhibitionFactory(created_by=staff_user, updated_by=staff_user)
    client.force_login(staff_user)
    url = f"/exhibitions/{exhibition.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for area in range(21_000, 21_020):
        exhibition = exhibition_update(
            actor=staff_user, exhibition=exhibition, data={"gross_area_m2": area}, expected_version=None
        )
    with django_assert_num_queries(len(short.captured_queries)):
        response = client.get(url)
    assert len(response.context["history"]) == 21


def read(response):
    """The response with its body read (a streamed CSV is produced, and queries the rows, as it is read)."""
    if response.streaming:
        response.content_bytes = b"".join(response.streaming_content)
    else:
        response.content_bytes = response.content
    return response


def _csv(response) -> list[list[str]]:
    text = read(response).content_bytes.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_export_headers_equal_import_headers_and_filter_applies(client, staff_user):
    ExhibitionFactory(name_zh="导出展", start_date=dt.date(2024, 5, 1))
    ExhibitionFactory(name_zh="其他年", start_date=dt.date(2023, 5, 1))
    client.force_login(staff_user)
    response = client.get("/exhibitions/export/csv/?year=2024")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv(response)
    assert rows[0] == HEADERS
    assert [r[HEADERS.index("展会名称（中文） / Name (Chinese)")] for r in rows[1:]] == ["导出展"]
    sheet = load_workbook(io.BytesIO(client.get("/exhibitions/export/xlsx/?year=2024").content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 2


def test_exports_neutralise_formula_injection(client, staff_user):
    payloads = ['=HYPERLINK("http://evil")', "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)"]
    for index, payload in enumerate(payloads):
        ExhibitionFactory(name_zh=payload, notes=payload, start_date=dt.date(2024, 5, index + 1))
    client.force_login(staff_user)
    rows = _csv(client.get("/exhibitions/export/csv/"))
    name_col = HEADERS.index("展会名称（中文） / Name (Chinese)")
    for row in rows[1:]:
        assert row[name_col][0] not in "=+-@", row[name_col]
    sheet = load_workbook(io.BytesIO(client.get("/exhibitions/export/xlsx/").content)).active
    for row in sheet.iter_rows(min_row=2):
        cell = row[name_col]
        assert cell.data_type == "s"
        assert not str(cell.value).startswith(("=", "+", "-", "@"))
    assert Exhibition.objects.count() == 4
