"""Spreadsheet import: preview with every row's errors, confirm all-or-nothing, updates by reference.

The preview and the import run as jobs (in-process here, as without Redis): `upload` and `confirm` run
the on-commit publish of the request and land on the job's page, as a browser does.
"""

import datetime as dt
import io

import pytest
from django.test import TestCase
from openpyxl import Workbook

from core.models import Job
from exhibitions.columns import HEADERS
from exhibitions.models import Exhibition
from tests.factories import ExhibitionFactory, VenueFactory, city

pytestmark = pytest.mark.django_db

ZH_HEADERS = [
    "外部编号",
    "展会名称（中文）",
    "批次",
    "城市",
    "展馆",
    "开始日期",
    "结束日期",
    "展览面积（平方米）",
    "状态",
    "国际性",
]
EN_HEADERS = [
    "External reference",
    "Name (English)",
    "Batch",
    "City",
    "Venue",
    "Start date",
    "End date",
    "Gross area (m²)",
    "Status",
    "International",
]


@pytest.fixture
def venue(db):
    return VenueFactory(slug="test-dalian-hall", city=city("dalian"), indoor_area_m2=100_000, outdoor_area_m2=0)


def row(
    ref,
    name,
    *,
    venue="test-dalian-hall",
    start="2025-05-01",
    end="2025-05-03",
    area="20000",
    status="计划",
    batch="market",
    city_="dalian",
    intl="是",
):
    return [ref, name, batch, city_, venue, start, end, area, status, intl]


def xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(headers, rows, encoding="utf-8") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def run_jobs(send):
    """Send a request, then run what it published on commit (the job), as after a real request."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return send()


def upload(client, content: bytes, name: str, HTTP_ACCEPT_LANGUAGE="zh-hans", **extra):
    """Upload → the import check job → its page (the preview), or the form's errors when refused at once."""
    file = io.BytesIO(content)
    file.name = name
    response = run_jobs(
        lambda: client.post("/exhibitions/import/", {"file": file, **extra}, HTTP_ACCEPT_LANGUAGE=HTTP_ACCEPT_LANGUAGE)
    )
    if response.status_code == 302:
        response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=HTTP_ACCEPT_LANGUAGE)
    return response


def confirm(client, preview, *, follow=False):
    """Confirm the preview: a redirect to the import job's page (followed when `follow`)."""
    response = run_jobs(
        lambda: client.post("/exhibitions/import/", {"action": "confirm", "token": preview.context["token"]})
    )
    if follow and response.status_code == 302:
        response = client.get(response["Location"])
    return response


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_file_refused(response):
    """The file gets a message at the file field: at once (400) or from the import check job (failed)."""
    job = response.context.get("job")
    assert response.status_code == (400 if job is None else 200)
    assert job is None or job.status == Job.Status.FAILED
    assert response.context["form"].errors["file"]


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_good_xlsx_preview_then_confirm(staff_client, staff_user, venue):
    content = xlsx(
        ZH_HEADERS, [row("DL-1", "大连测试展一"), row("DL-2", "大连测试展二", start="2025-07-01", end="2025-07-02")]
    )
    preview = upload(staff_client, content, "dalian.xlsx")
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.ok and result.created == 2 and preview.context["token"]
    assert not Exhibition.objects.exists(), "the preview writes nothing"
    response = confirm(staff_client, preview)
    assert response.status_code == 302
    created = Exhibition.objects.order_by("external_ref")
    assert [e.name_zh for e in created] == ["大连测试展一", "大连测试展二"]
    first = created[0]
    assert first.venue == venue and first.city.slug == "dalian" and first.is_international and first.status == "planned"
    record = first.history.get()
    assert record.history_user == staff_user and "dalian.xlsx" in record.history_change_reason
    # The stored upload is consumed: confirming twice does not import twice.
    assert confirm(staff_client, preview).status_code == 302
    assert Exhibition.objects.count() == 2


def test_every_kind_of_row_error_is_reported_and_nothing_is_written(staff_client, venue):
    rows = [
        row("OK-1", "正常行"),
        row("E-1", "日期错", start="2025-02-30"),
        row("E-2", "批次错", batch="no-such-batch"),
        row("E-3", "城市错", city_="atlantis"),
        row("E-4", "面积错", area="很大"),
        row("E-5", "结束早于开始", start="2025-05-05", end="2025-05-01"),
        row("E-6", "超出容量", area="150000"),
        row("OK-1", "重复编号"),
        row("E-7", "布尔错", intl="maybe"),
        row("E-8", "状态错", status="unknown"),
        row("E-9", "面积为零", area="0"),
    ]
    preview = upload(staff_client, xlsx(ZH_HEADERS, rows), "bad.xlsx")
    assert preview.status_code == 200
    errors = [str(e) for e in preview.context["result"].errors]
    text = "\n".join(errors)
    for number, column in [
        (3, "开始日期"),
        (4, "批次"),
        (5, "城市"),
        (6, "展览面积"),
        (7, "结束日期"),
        (8, "展览面积"),
        (9, "外部编号"),
        (10, "国际性"),
        (11, "状态"),
        (12, "展览面积"),
    ]:
        assert any(e.startswith(f"第 {number} 行") or e.startswith(f"row {number}") for e in errors), (number, text)
        assert any(column in e for e in errors if f" {number} " in e or e.startswith(f"row {number},")), (
            number,
            column,
            text,
        )
    assert not preview.context["token"]
    assert not Exhibition.objects.exists()


def test_english_headers_and_all_or_nothing(staff_client, venue):
    rows = [row("A", "Good one"), row("B", "Bad one", batch="nope")]
    preview = upload(staff_client, xlsx(EN_HEADERS, rows), "en.xlsx")
    assert len(preview.context["result"].errors) == 1
    assert not Exhibition.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(staff_client, venue, encoding):
    content = csv_bytes(ZH_HEADERS, [row("CSV-1", "沈阳·大连联合展览会")], encoding=encoding)
    preview = upload(staff_client, content, "city.csv")
    assert preview.context["result"].ok, [str(e) for e in preview.context["result"].errors]
    confirm(staff_client, preview)
    assert Exhibition.objects.get().name_zh == "沈阳·大连联合展览会"


def test_reimport_updates_instead_of_duplicating(staff_client, venue):
    existing = ExhibitionFactory(
        external_ref="DL-9", venue=venue, name_zh="旧名称", gross_area_m2=15_000, status="planned"
    )
    preview = upload(staff_client, xlsx(ZH_HEADERS, [row("DL-9", "新名称", area="30000")]), "again.xlsx")
    result = preview.context["result"]
    assert result.ok and result.updated == 1 and result.created == 0
    confirm(staff_client, preview)
    existing.refresh_from_db()
    assert Exhibition.objects.count() == 1
    assert (existing.name_zh, existing.gross_area_m2, existing.version) == ("新名称", 30_000, 2)
    assert existing.history.filter(history_type="~").exists()


def test_export_reimports_unchanged(staff_client, venue):
    ExhibitionFactory(venue=venue, name_zh="=往返展", external_ref="RT-1", notes="+注意", is_green=True)
    ExhibitionFactory(venue=venue, name_zh="无编号展", start_date=dt.date(2025, 8, 1), end_date=dt.date(2025, 8, 2))
    before = list(Exhibition.objects.order_by("pk").values("name_zh", "notes", "is_green", "gross_area_m2", "venue"))
    for fmt in ("xlsx", "csv"):
        exported = content_of(staff_client.get(f"/exhibitions/export/{fmt}/"))
        preview = upload(staff_client, exported, f"export.{fmt}")
        result = preview.context["result"]
        assert result.ok, [str(e) for e in result.errors]
        assert (result.created, result.updated) == (0, 2)
        confirm(staff_client, preview)
    after = list(Exhibition.objects.order_by("pk").values("name_zh", "notes", "is_green", "gross_area_m2", "venue"))
    assert after == before


def test_template_download_has_bilingual_headers(staff_client):
    from openpyxl import load_workbook

    response = staff_client.get("/exhibitions/import/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert "开始日期 / Start date" in HEADERS


def test_oversized_file_gets_a_clear_message(staff_client, settings, venue):
    settings.EXPOPLAN_IMPORT_MAX_BYTES = 1000
    content = csv_bytes(ZH_HEADERS, [row(f"R{i}", "大展") for i in range(100)])
    response = upload(staff_client, content, "big.csv")
    assert response.status_code == 400
    assert "limit" in response.content.decode() or "上限" in response.content.decode()
    assert not Exhibition.objects.exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.4 this is not a spreadsheet", "report.xlsx"),
        (b"PK\x03\x04garbage-zip", "broken.xlsx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old.xls"),
        (b"", "empty.csv"),
        ("名称,日期\n甲,乙\n".encode(), "missing-columns.csv"),
    ],
)
def test_unreadable_files_get_a_clear_message(staff_client, content, name):
    assert_file_refused(upload(staff_client, content, name))


def test_expired_preview_token(staff_client):
    response = staff_client.post("/exhibitions/import/", {"action": "confirm", "token": "nope"}, follow=True)
    assert response.status_code == 200
    assert Exhibition.objects.count() == 0


def test_city_official_cannot_import(client, city_official, venue):
    client.force_login(city_official)
    assert upload(client, xlsx(ZH_HEADERS, [row("X", "官员导入")]), "x.xlsx").status_code == 403
    assert not Exhibition.objects.exists()


def test_change_between_preview_and_confirm_is_not_overwritten(staff_client, venue):
    from core.roles import Role
    from core.services import user_set_role
    from exhibitions.services import exhibition_update

    existing = ExhibitionFactory(external_ref="DL-7", venue=venue, gross_area_m2=15_000, status="planned")
    preview = upload(staff_client, xlsx(ZH_HEADERS, [row("DL-7", "导入改名", area="30000")]), "late.xlsx")
    assert preview.context["result"].ok
    colleague = user_set_role(username="colleague", role=Role.STAFF)
    exhibition_update(actor=colleague, exhibition=existing, data={"gross_area_m2": 16_000}, expected_version=1)
    response = confirm(staff_client, preview, follow=True)
    assert response.context["job"].status == Job.Status.FAILED
    assert "colleague" in " ".join(str(e) for e in response.context["result"].errors)
    existing.refresh_from_db()
    assert (existing.gross_area_m2, existing.version) == (16_000, 2)


def test_too_many_rows_get_a_clear_message(staff_client, settings, venue):
    settings.EXPOPLAN_IMPORT_MAX_ROWS = 3
    content = csv_bytes(ZH_HEADERS, [row(f"R{i}", "大展") for i in range(4)])
    response = upload(staff_client, content, "many.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert_file_refused(response)
    assert "more than 3 data rows" in " ".join(response.context["form"].errors["file"])


def test_zip_bomb_is_refused(staff_client, settings):
    import zipfile

    settings.EXPOPLAN_IMPORT_MAX_BYTES = 10_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 2_000_000)
    assert len(buffer.getvalue()) < 10_000
    assert_file_refused(upload(staff_client, buffer.getvalue(), "bomb.xlsx"))


def test_import_speed_is_reasonable(staff_client, venue):
    """Not a timing assertion: 300 rows go through the whole form + service path in one request."""
    rows = [
        row(f"S-{i}", f"批量展{i}", start=f"2025-{1 + i % 12:02d}-01", end=f"2025-{1 + i % 12:02d}-02")
        for i in range(300)
    ]
    preview = upload(staff_client, xlsx(ZH_HEADERS, rows), "bulk.xlsx", confirm_over_capacity="on")
    assert preview.context["result"].ok, [str(e) for e in preview.context["result"].errors][:5]
    confirm(staff_client, preview)
    assert Exhibition.objects.count() == 300


def test_a_service_error_without_a_field_is_a_row_error(staff_client, venue, monkeypatch):
    """E.g. the save's IntegrityError turned into a ValidationError by the service."""
    from django.core.exceptions import ValidationError

    from exhibitions import importing

    def refuse(**kwargs):
        raise ValidationError("The exhibition could not be saved: the data conflicts with what is stored.")

    monkeypatch.setattr(importing, "exhibition_create", refuse)
    preview = upload(staff_client, xlsx(ZH_HEADERS, [row("NF-1", "无字段错误")]), "nf.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    errors = [str(e) for e in preview.context["result"].errors]
    assert errors == ["row 2, row: The exhibition could not be saved: the data conflicts with what is stored."]
    assert not Exhibition.objects.exists()
