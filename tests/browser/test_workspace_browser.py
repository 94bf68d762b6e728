"""The staff workspace in a real browser: sign in, create an exhibition (venue follows city via htmx),
find it with a filter, import a spreadsheet, switch to English and back; phone layout."""

import io

import pytest
from openpyxl import Workbook

from core.roles import Role
from core.services import user_set_role
from exhibitions.models import Exhibition
from tests.browser.conftest import second_factor
from tests.factories import VenueFactory, city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-browser-123"


@pytest.fixture
def staff(reference_data):
    return user_set_role(username="browser-staff", role=Role.STAFF, password=PASSWORD)


def sign_in(page, live_server, username="browser-staff"):
    page.goto(f"{live_server.url}/exhibitions/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    second_factor(page, username)
    page.wait_for_url(f"{live_server.url}/exhibitions/")


def test_sign_in_create_and_find_with_filter(page, live_server, staff, shot):
    venue = VenueFactory(city=city("dalian"), name_zh="浏览器测试展馆", name_en="Browser Test Hall")
    VenueFactory(city=city("shenyang"), name_zh="沈阳别的展馆")
    sign_in(page, live_server)
    shot(page, "01-list-zh")
    page.click("#new-exhibition")
    page.fill("#id_name_zh", "浏览器创建的展会")
    page.fill("#id_name_en", "Browser Created Expo")
    page.select_option("#id_batch", label="市场化优质展会") if page.locator(
        "#id_batch option", has_text="市场化优质展会"
    ).count() else page.select_option("#id_batch", index=1)
    # Choosing the city reloads the venue choices (htmx partial).
    page.select_option("#id_city", value=str(city("dalian").pk))
    page.wait_for_function(
        "() => document.querySelectorAll('#id_venue option').length > 1 && "
        "[...document.querySelectorAll('#id_venue option')].every(o => !o.textContent.includes('沈阳别的展馆'))"
    )
    page.select_option("#id_venue", value=str(venue.pk))
    page.fill("#id_start_date", "2025-09-10")
    page.fill("#id_end_date", "2025-09-12")
    page.fill("#id_gross_area_m2", "0")
    page.click("#save-exhibition")
    assert page.locator("#id_gross_area_m2_error").is_visible()  # server-side message, nothing saved
    assert not Exhibition.objects.exists()
    page.fill("#id_gross_area_m2", "25000")
    page.click("#save-exhibition")
    page.wait_for_selector("#exhibition-name")
    shot(page, "02-detail-zh")
    assert page.inner_text("#exhibition-name") == "浏览器创建的展会"
    assert "创建" in page.inner_text("#history")
    created = Exhibition.objects.get()
    assert created.created_by == staff and created.venue == venue

    page.goto(f"{live_server.url}/exhibitions/")
    page.evaluate("window.__samePage = true")
    page.fill("#id_search", "浏览器")
    page.fill("#id_year", "2025")
    page.click("#apply-filters")
    page.wait_for_url("**/exhibitions/?*search=*")
    page.wait_for_function("() => document.querySelectorAll('#exhibition-table tbody tr').length === 1")
    assert "浏览器创建的展会" in page.inner_text("#exhibition-table")
    assert "1" in page.inner_text("#total-count")
    assert "search=" in page.get_attribute("#export-csv", "href")
    assert page.evaluate("window.__samePage === true"), "filtering should swap the results in place (htmx)"
    shot(page, "03-filtered")


def test_import_a_spreadsheet(page, live_server, staff, shot, tmp_path):
    VenueFactory(slug="browser-hall", city=city("dalian"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["外部编号", "展会名称（中文）", "批次", "城市", "展馆", "开始日期", "结束日期", "展览面积（平方米）", "状态"]
    )
    sheet.append(
        ["BR-1", "导入的展会甲", "market", "dalian", "browser-hall", "2025-10-01", "2025-10-03", 15000, "计划"]
    )
    sheet.append(
        ["BR-2", "导入的展会乙", "brand", "大连", "browser-hall", "2025-11-01", "2025-11-02", "1.2万", "已确认"]
    )
    path = tmp_path / "city-sheet.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/exhibitions/import/")
    page.set_input_files("#id_file", str(path))
    page.click("#check-import")
    page.wait_for_selector("#import-preview-ok")
    shot(page, "04-import-preview")
    assert not Exhibition.objects.exists()
    page.click("#confirm-import")
    page.wait_for_url(f"{live_server.url}/exhibitions/")
    assert sorted(Exhibition.objects.values_list("name_zh", flat=True)) == ["导入的展会乙", "导入的展会甲"]
    assert Exhibition.objects.get(external_ref="BR-2").gross_area_m2 == 12_000
    shot(page, "05-after-import")


def test_switch_to_english_and_back_and_phone_layout(page, live_server, staff, shot, chromium):
    sign_in(page, live_server)
    assert page.locator("nav").get_by_text("展会", exact=True).count() >= 1
    # Choosing with the keyboard changes nothing until the choice is submitted (WCAG 3.2.2).
    url = page.url
    page.focus("#language-select")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert page.url == url and "导出 Excel" in page.content()
    page.select_option("#language-select", value="en")
    page.click("#language-go")
    page.wait_for_selector("text=Export Excel")
    assert "Exhibitions" in page.inner_text("nav")
    shot(page, "06-english")
    page.select_option("#language-select", value="zh-hans")
    page.click("#language-go")
    page.wait_for_selector("text=导出 Excel")
    shot(page, "07-back-to-chinese")

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/accounts/login/")
    mobile.fill("#id_username", "browser-staff")
    mobile.fill("#id_password", PASSWORD)
    mobile.click("#sign-in")
    second_factor(mobile, "browser-staff")
    mobile.goto(f"{live_server.url}/exhibitions/")
    assert mobile.locator(".navbar-toggler").is_visible()
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page scrolls sideways on a phone ({width}px)"
    shot(mobile, "08-phone")
    phone.close()
