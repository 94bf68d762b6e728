import io
import time

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests import factories

from .conftest import YEAR


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_html_report_names_its_snapshot_and_figures(staff_client, programme):
    response = staff_client.get(f"/reports/monthly/?year={YEAR}&month=5")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"#{programme.pk}" in html
    province = programme.payload["scopes"]["province"]
    assert f'data-value="{province["achieved"]["exhibitions"]}"' in html
    # The counted list: counted events of May 2024, any status but cancelled.
    may = next(r for r in province["by_month"] if r["month"] == 5)
    assert len(response.context["rows"]) == may["pipeline"]["exhibitions"] == 3
    assert "report-stale" not in html


def test_xlsx_holds_the_figures_and_is_reproducible(staff_client, programme):
    url = f"/reports/monthly/?year={YEAR}&month=5&format=xlsx&snapshot={programme.pk}"
    first = staff_client.get(url)
    assert first.status_code == 200
    workbook = load_workbook(io.BytesIO(first.content))
    summary = workbook.worksheets[0]
    rows = list(summary.iter_rows(values_only=True))
    assert rows[1][1] == programme.pk
    province = programme.payload["scopes"]["province"]
    exhibitions_row = rows[5]
    assert exhibitions_row[1:3] == (province["goal"]["exhibitions"], province["achieved"]["exhibitions"])
    assert rows[6][2] == province["achieved"]["gross_area_m2"]
    cities = {r[1]: r[2] for r in list(workbook.worksheets[1].iter_rows(values_only=True))[1:]}
    assert sum(cities.values()) == province["achieved"]["exhibitions"]
    time.sleep(2.1)  # zip entries carry 2-second timestamps: a later build must still be identical
    assert staff_client.get(url).content == first.content


def test_pdf_is_valid_has_chinese_title_and_is_reproducible(staff_client, programme, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    url = f"/reports/monthly/?year={YEAR}&month=5&city=dalian&format=pdf&snapshot={programme.pk}"
    first = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert first.status_code == 200
    assert first.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(first.content))
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() for page in reader.pages)
    assert "大连" in text and "展会工作进展通报" in text  # the Chinese title
    assert str(programme.pk) in text
    assert staff_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content == first.content


def test_report_from_an_old_snapshot_says_the_data_changed(staff_client, programme):
    factories.ExhibitionFactory(venue=factories.VenueFactory(city=factories.city("dalian")))
    response = staff_client.get(f"/reports/monthly/?year={YEAR}&month=5&snapshot={programme.pk}")
    assert response.status_code == 200
    assert "report-stale" in response.content.decode()
    assert staff_client.get(f"/reports/monthly/?year={YEAR}&month=5&snapshot=999999").status_code == 404
    assert staff_client.get(f"/reports/monthly/?year={YEAR}&month=13").status_code == 400
    assert staff_client.get(f"/reports/monthly/?year={YEAR}&month=5&format=doc").status_code == 400


def test_report_index(staff_client, city_official, client):
    assert staff_client.get("/reports/").status_code == 200


def test_pdf_with_the_vendored_font(staff_client, programme, settings):
    from reports.pdf import VENDORED_FONT

    assert VENDORED_FONT.is_file() and (VENDORED_FONT.parent / "LICENSE").is_file()
    settings.EXPOPLAN_PDF_FONT = str(VENDORED_FONT)
    response = staff_client.get(f"/reports/monthly/?year={YEAR}&month=5&format=pdf", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "全省展会工作进展通报" in text
