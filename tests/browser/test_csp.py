"""The Content-Security-Policy in headless Chromium (SPEC §12): the pages whose scripts do the most — the API docs
(Swagger UI), the Django admin, the dashboards' charts and their tooltips, the target form's live sums, htmx
filtering — work under the enforced policy, and the browser reports no violation and no console error."""

import datetime as dt
import os

import pytest

from core.roles import Role
from core.services import user_set_role
from tests.browser.conftest import second_factor

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-browser-123"
YEAR = 2024

# Every refused script, style or connection as the browser reports it (injected by Playwright: not under the CSP).
RECORD_VIOLATIONS = """document.addEventListener("securitypolicyviolation", e => {
  (window.__csp = window.__csp || []).push(`${e.effectiveDirective} refused ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});"""


@pytest.fixture
def csp_data(reference_data):
    from core.signals import sync_role_permissions
    from exhibitions.demo import seed_demo_year
    from targets.services import progress_recompute

    sync_role_permissions()  # the admin's model permissions of the role groups (gone with an earlier flush)
    seed_demo_year(year=YEAR, count=40, seed=7, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    user_set_role(username="csp-staff", role=Role.STAFF, password=PASSWORD)


@pytest.fixture
def watched(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda error: problems.append(f"uncaught script error: {error}"))
    yield page, problems
    context.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "csp-staff")
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    second_factor(page, "csp-staff")  # under the policy too: the setup page's QR code and its form
    page.wait_for_url(f"{live_server.url}/")


def test_pages_work_under_the_policy(watched, live_server, csp_data):
    page, problems = watched
    found: dict[str, list[str]] = {}

    def note(where: str) -> None:
        if got := violations(page) + problems:
            found[where] = list(got)
        problems.clear()

    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    note("sign-in")
    sign_in(page, live_server)
    note("after signing in")

    # Dashboards: ECharts draws, and its tooltip (drawn on the canvas, not as HTML with style="") shows.
    page.goto(f"{live_server.url}/dashboard/?year={YEAR}")
    page.wait_for_selector(".echart canvas")
    box = page.locator(".echart").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    note("province dashboard")

    # The target form's live sums (static/js/target-form.js).
    page.goto(f"{live_server.url}/targets/{YEAR}/edit/")
    before = page.text_content("#live-sums")
    page.fill("#id_allocations-0-exhibitions", "12345")
    page.wait_for_function(f"() => document.getElementById('live-sums').textContent !== {before!r}")
    assert "12,345" in page.text_content("#live-sums") or "12345" in page.text_content("#live-sums")
    note("target form")

    # htmx: filtering the list swaps the results in place.
    page.goto(f"{live_server.url}/exhibitions/")
    page.select_option("#id_city", "dalian")
    page.wait_for_function("() => location.search.includes('city=dalian')")  # htmx pushed the URL
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    note("exhibition list, htmx filter")

    # The monthly report: the print button is wired from static/js/expoplan.js, not onclick="".
    page.goto(f"{live_server.url}/reports/monthly/?year={YEAR}&month=6")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("[data-action='print']")
    assert page.evaluate("window.__printed === true")
    note("monthly report")

    # The API docs: Swagger UI starts from its separate script and renders the operations.
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")
    note("API docs")

    # The Django admin: index, a changelist with its filters and actions, a change form with its widgets.
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector("#content-main")
    page.goto(f"{live_server.url}/admin/exhibitions/exhibition/")
    page.wait_for_selector("#result_list")
    page.locator("#result_list tbody input.action-select").first.check()
    page.locator("#result_list tbody tr").first.click()
    page.locator("#result_list tbody th a").first.click()
    page.wait_for_selector("#exhibition_form")
    note("admin")

    assert found == {}
