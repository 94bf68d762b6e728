"""Accessibility and a clean console in headless Chromium (issue 15, items 5 and 6).

Every page a provincial staff member and a city official can open: axe-core finds no violation of WCAG 2.0/2.1
A and AA (nor of axe's best practices), and the browser reports nothing wrong — no console error or warning, no
uncaught script error, no failed request, no response of 400 or more (except the page's own status where a 403
or 404 is the point). axe-core comes bundled with axe-playwright-python and is injected into each page: nothing
is fetched. Each role signs in once through the sign-in page (which is checked first, signed out); its pages are
visited in Chinese (the default) and a few again in English, through a second context that reuses the signed-in
storage state; then a large export's job page while it runs (progress polled by htmx) and once it has finished.
A failure lists every problem of every page (rule id, impact, the elements' selectors).

Keyboard: the exhibition filters, the exhibition form and the import preview are tabbed through from the top of
the page (the skip link first); every control is reached and shows a visible focus ring when it is. A filter
applied with Enter keeps the focus and announces the new count (a status message, WCAG 4.1.3).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.request import urlopen

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.contrib.auth import get_user_model
from django.templatetags.static import static
from django.utils import timezone
from openpyxl import Workbook

from core.models import Job
from core.roles import Role
from core.services import user_set_role
from exhibitions.models import Exhibition
from tests.browser.conftest import second_factor
from tests.factories import BrandFactory, ExhibitionFactory, OrganizerFactory, VenueFactory, city

User = get_user_model()
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-browser-123"
YEAR = 2024
STAFF, CITY = "staff", "city_official"
USERNAMES = {STAFF: "a11y-staff", CITY: "a11y-official"}
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_RULES}, "resultTypes": ["violations"]}
VIEWPORT = {"width": 1366, "height": 768}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


@dataclass(frozen=True)
class Visit:
    name: str
    path: Callable[[dict], str] | str
    roles: tuple[str, ...] = (STAFF, CITY)
    status: int = 200  # the page's own status
    english: bool = False  # visited again in English
    then: Callable | None = None  # what to do on the page before it is checked: then(page, tmp_path)

    def url(self, objects: dict) -> str:
        return self.path(objects) if callable(self.path) else self.path


IMPORT_ROWS = [
    ["外部编号", "展会名称（中文）", "批次", "城市", "展馆", "开始日期", "结束日期", "展览面积（平方米）", "状态"],
    ["A11Y-1", "无障碍导入展甲", "market", "dalian", "a11y-hall", "2024-10-01", "2024-10-03", 15000, "计划"],
    ["A11Y-2", "无障碍导入展乙", "brand", "大连", "a11y-hall", "2024-11-01", "2024-11-02", "1.2万", "已确认"],
]


def upload(page, tmp_path, rows: list[list], wait_for: str) -> None:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "a11y-import.xlsx"
    path.write_bytes(buffer.getvalue())
    page.set_input_files("#id_file", str(path))
    page.click("#check-import")
    page.wait_for_selector(wait_for)


def upload_import_file(page, tmp_path) -> None:
    """The import preview: a small valid file checked, not yet confirmed."""
    upload(page, tmp_path, IMPORT_ROWS, "#import-preview-ok")


def upload_import_file_with_errors(page, tmp_path) -> None:
    """The check's answer to a file with bad rows: the problems, and the rows marked in the preview."""
    bad = ["A11Y-3", "", "market", "dalian", "a11y-hall", "2024-12-03", "2024-12-01", -5, "计划"]
    upload(page, tmp_path, [*IMPORT_ROWS, bad], "#import-errors")


def submit_empty(button: str) -> Callable:
    def submit(page, tmp_path) -> None:
        page.click(button)
        page.wait_for_selector(".is-invalid")

    return submit


def submit_bad_allocation(page, tmp_path) -> None:
    page.fill("#id_allocations-0-exhibitions", "-5")
    page.click("#save-target")
    page.wait_for_selector("#id_allocations-0-exhibitions.is-invalid")


def wait_for_charts(page, tmp_path) -> None:
    page.wait_for_selector(".echart canvas")


def pk(name: str, pattern: str) -> Callable[[dict], str]:
    return lambda o: pattern.format(o[name].pk)


VISITS = [
    # "/" is where signing in lands: the province dashboard for staff, the city's for a city official.
    Visit("province dashboard", f"/dashboard/?year={YEAR}", english=True, then=wait_for_charts),
    Visit("city dashboard", f"/dashboard/dalian/?year={YEAR}", then=wait_for_charts),
    Visit("exhibition list", "/exhibitions/", english=True),
    Visit("exhibition list, filtered", f"/exhibitions/?year={YEAR}&city=dalian&counts=true&is_green=true"),
    Visit("exhibition list, invalid filter", "/exhibitions/?year=1999"),  # below the minimum: the message shows
    Visit("exhibition detail", pk("exhibition", "/exhibitions/{}/")),
    Visit("exhibition edit", pk("exhibition", "/exhibitions/{}/edit/")),
    Visit("exhibition new", "/exhibitions/new/"),
    Visit("exhibition new, errors", "/exhibitions/new/", then=submit_empty("#save-exhibition"), english=True),
    Visit("exhibition delete", pk("exhibition", "/exhibitions/{}/delete/")),
    Visit("import", "/exhibitions/import/", roles=(STAFF,)),
    Visit("import preview", "/exhibitions/import/", roles=(STAFF,), then=upload_import_file, english=True),
    Visit("import, row errors", "/exhibitions/import/", roles=(STAFF,), then=upload_import_file_with_errors),
    Visit("venue list", "/venues/"),
    Visit("venue detail", pk("venue", "/venues/{}/")),
    Visit("venue new", "/venues/new/", roles=(STAFF,)),
    Visit("venue edit", pk("venue", "/venues/{}/edit/"), roles=(STAFF,)),
    Visit("organiser list", "/exhibitions/organisers/"),
    Visit("organiser detail", pk("organizer", "/exhibitions/organisers/{}/")),
    Visit("organiser new", "/exhibitions/organisers/new/", roles=(STAFF,)),
    Visit("organiser edit", pk("organizer", "/exhibitions/organisers/{}/edit/"), roles=(STAFF,)),
    Visit("brand list", "/exhibitions/brands/"),
    Visit("brand detail", pk("brand", "/exhibitions/brands/{}/")),
    Visit("brand new", "/exhibitions/brands/new/", roles=(STAFF,)),
    Visit("brand edit", pk("brand", "/exhibitions/brands/{}/edit/"), roles=(STAFF,)),
    Visit("target list", "/targets/"),
    Visit("target detail", f"/targets/{YEAR}/"),
    Visit("target new", "/targets/new/", roles=(STAFF,)),
    Visit("target edit", f"/targets/{YEAR}/edit/", roles=(STAFF,)),
    Visit("target edit, errors", f"/targets/{YEAR}/edit/", roles=(STAFF,), then=submit_bad_allocation),
    Visit("reports", "/reports/"),
    Visit("monthly report, province", f"/reports/monthly/?year={YEAR}&month=6", roles=(STAFF,), english=True),
    Visit("monthly report, city", f"/reports/monthly/?year={YEAR}&month=6&city=dalian"),
    Visit("password change", "/accounts/password_change/"),
    Visit("password change, errors", "/accounts/password_change/", then=submit_empty("main button[type=submit]")),
    Visit("password changed", "/accounts/password_change/done/"),
    Visit("not allowed (403)", "/exhibitions/import/", roles=(CITY,), status=403, english=True),
    Visit("not found (404)", "/exhibitions/999999/", status=404, english=True),
]


@pytest.fixture
def objects(reference_data):
    """A demo year with its snapshot (dashboards, reports), one Dalian exhibition with a brand and an organiser
    that the city official may edit, and the two users."""
    from exhibitions.demo import seed_demo_year
    from targets.services import progress_recompute

    seed_demo_year(year=YEAR, count=40, seed=5, as_of=dt.date(YEAR, 6, 30))
    progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
    venue = VenueFactory(slug="a11y-hall", city=city("dalian"), name_zh="无障碍测试展馆", name_en="A11y Test Hall")
    organizer, brand = OrganizerFactory(), BrandFactory()
    exhibition = ExhibitionFactory(
        venue=venue,
        organizer=organizer,
        brand=brand,
        edition=3,
        status=Exhibition.Status.PLANNED,
        start_date=dt.date(YEAR, 9, 1),
        is_green=True,
    )
    user_set_role(username=USERNAMES[STAFF], role=Role.STAFF, password=PASSWORD)
    user_set_role(username=USERNAMES[CITY], role=Role.CITY_OFFICIAL, city_slug="dalian", password=PASSWORD)
    return {"venue": venue, "organizer": organizer, "brand": brand, "exhibition": exhibition}


class Watch:
    """What the browser reported while a page was open: console errors and warnings, uncaught script errors,
    failed requests and responses of 400 or more. `take()` hands them over and starts again."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.expected: tuple[str, int] | None = None  # (url, status) of a page whose error status is the point
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught script error: {error}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.method} {r.url} ({r.failure})"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type not in ("error", "warning"):
            return
        where = message.location.get("url", "")
        if self.expected and where == self.expected[0] and f"status of {self.expected[1]}" in message.text:
            return  # Chromium also logs the page's own 403/404
        self.problems.append(f"console {message.type}: {message.text} ({where})")

    def _response(self, response) -> None:
        if response.status >= 400 and (response.url, response.status) != self.expected:
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


def axe_violations(page) -> list[str]:
    # axe-core is in every page of the context already (new_page: an init script), as Axe().run would put it.
    response = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in response["violations"]
    ]


# References to ids that are not on the page: axe accepts an aria-describedby while one of its ids exists, so a
# help text or an error message that is not linked to its field would pass unnoticed.
DANGLING_IDS = """() => [...document.querySelectorAll("[aria-describedby], [aria-labelledby], [aria-controls], label[for]")]
  .flatMap(el => ["aria-describedby", "aria-labelledby", "aria-controls", "for"].flatMap(
    name => (el.getAttribute(name) || "").split(/\\s+/).filter(id => id && !document.getElementById(id))
      .map(id => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} ${name}="${id}": no such element`)))"""


def check(page, watch: Watch) -> list[str]:
    """axe and what the browser reported, on the page as it is now."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")  # no htmx request still on its way
    problems = [] if page.locator('link[rel~="icon"]').count() else ["no <link rel=icon> (the browser asks for one)"]
    text = page.evaluate("document.body.innerText")
    problems += [f"template syntax shown on the page: {tag}…" for tag in ("{#", "{%", "{{") if tag in text]
    return problems + page.evaluate(DANGLING_IDS) + axe_violations(page) + watch.take()


def visit(page, watch: Watch, url: str, status: int = 200, then: Callable | None = None, tmp_path=None) -> list[str]:
    watch.expected = (url, status) if status != 200 else None
    response = page.goto(url)
    problems = (
        [] if response and response.status == status else [f"status {response and response.status}, not {status}"]
    )
    if then:
        then(page, tmp_path)
    return problems + check(page, watch)


def new_page(context):
    context.set_default_timeout(15_000)
    context.add_init_script(AXE_SCRIPT)  # once per context, not sent again for every page
    return context.new_page()


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items() if found)


def sign_in(page, live_server, role: str, check=None) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", USERNAMES[role])
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    second_factor(page, USERNAMES[role], check)  # staff: the setup page the first time
    page.wait_for_url(f"{live_server.url}/dashboard/**" if role == CITY else f"{live_server.url}/")


@pytest.mark.parametrize("role", [STAFF, CITY])
def test_every_page_is_accessible_and_the_console_clean(role, chromium, live_server, objects, tmp_path):
    problems: dict[str, list[str]] = {}
    login = f"{live_server.url}/accounts/login/"
    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALES["zh-hans"])
    page = new_page(context)
    watch = Watch(page)

    # Signed out: the sign-in page, and its message for a wrong password.
    problems[f"sign-in [zh-hans] {login}"] = visit(page, watch, login)
    page.fill("#id_username", USERNAMES[role])
    page.fill("#id_password", "not-the-password")
    page.click("#sign-in")
    page.wait_for_selector(".alert-danger")
    problems["sign-in, wrong password [zh-hans]"] = check(page, watch)
    anonymous = chromium.new_context(viewport=VIEWPORT, locale=LOCALES["en"])
    anonymous_page = new_page(anonymous)
    problems[f"sign-in [en] {login}"] = visit(anonymous_page, Watch(anonymous_page), login)
    anonymous.close()
    # The icons: the one base.html names, and /favicon.ico, which browsers ask for where a page names none
    # (downloads, the API docs, the admin). Chromium asks for an icon once per browser, not per page.
    with urlopen(f"{live_server.url}/favicon.ico") as ico:
        assert ico.headers["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
        assert ico.read(4) == b"\x00\x00\x01\x00"
    with urlopen(f"{live_server.url}/apple-touch-icon.png") as png:
        assert png.headers["Content-Type"] == "image/png"
    with urlopen(f"{live_server.url}{static('favicon.svg')}") as svg:
        assert svg.headers["Content-Type"].startswith("image/svg+xml")

    sign_in(page, live_server, role, lambda tab, name: problems.__setitem__(f"{name} [zh-hans]", check(tab, watch)))
    problems[f"after signing in [zh-hans] {page.url}"] = watch.take()
    english_context = chromium.new_context(
        viewport=VIEWPORT, locale=LOCALES["en"], storage_state=context.storage_state()
    )
    english = new_page(english_context)
    tabs = {"zh-hans": (page, watch), "en": (english, Watch(english))}
    # Signed in, sent to sign in for a page: the "no access, sign in with another account" hint.
    problems["sign-in, signed in [en]"] = visit(english, tabs["en"][1], f"{login}?next=/exhibitions/import/")

    visited = 0
    for step in VISITS:
        if role not in step.roles:
            continue
        url = live_server.url + step.url(objects)
        for language in ("zh-hans", "en") if step.english else ("zh-hans",):
            tab, tab_watch = tabs[language]
            problems[f"{step.name} [{language}] {url}"] = visit(tab, tab_watch, url, step.status, step.then, tmp_path)
            visited += 1

    # A large export while it runs: the progress bar, polled every second by htmx; when the job has finished,
    # the next poll reloads the page, which then offers the download.
    job = Job.objects.create(
        kind=Job.Kind.EXPORT_XLSX,
        status=Job.Status.RUNNING,
        done=40,
        total=100,
        created_by=User.objects.get(username=USERNAMES[role]),
        started_at=timezone.now(),
    )
    url = f"{live_server.url}/exhibitions/jobs/{job.pk}/"
    problems[f"export job, running [zh-hans] {url}"] = visit(page, watch, url)
    with page.expect_response(lambda r: r.url == url and r.request.headers.get("hx-request") == "true"):
        pass  # the next poll
    problems["export job, running, polled [zh-hans]"] = check(page, watch)
    job.status, job.done, job.finished_at = Job.Status.SUCCEEDED, 100, timezone.now()
    job.result = {"rows": 100, "filename": "exhibitions.xlsx", "size": 20_480}
    job.save()
    page.wait_for_selector("#export-ready")
    problems["export job, finished [zh-hans]"] = check(page, watch)

    # On a phone: the list with the filters folded away, then the navigation menu opened.
    phone_context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        locale=LOCALES["zh-hans"],
        storage_state=context.storage_state(),
    )
    phone = new_page(phone_context)
    phone_watch = Watch(phone)
    problems["exhibition list, phone [zh-hans]"] = visit(phone, phone_watch, f"{live_server.url}/exhibitions/")
    phone.click(".navbar-toggler")
    phone.wait_for_selector("#main-nav.show")
    problems["navigation menu opened, phone [zh-hans]"] = check(phone, phone_watch)
    phone_context.close()

    assert english.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    context.close()
    english_context.close()
    failing = sum(map(bool, problems.values()))
    assert not failing, f"{role}: problems on {failing} of {len(problems)} pages\n" + report(problems)
    assert visited >= (40 if role == STAFF else 25)


# --- keyboard ---------------------------------------------------------------------------------------------

FOCUSABLE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), "
    "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])"
)

FOCUSED = """(container) => {
  const el = document.activeElement;
  el.dataset.kbReached = "1";
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    inside: !!el.closest(container),
    describe: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? `[name=${el.name}]` : "")
      + (el.textContent.trim() && !el.matches("select") ? ` "${el.textContent.trim().slice(0, 30)}"` : ""),
    ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    visible: box.width > 1 && box.height > 1,
    closedSummary: el.matches("details:not([open]) > summary"),
    // Chromium's own calendar button inside a date field: a tab stop of its own, drawn with the browser's
    // focus ring (the field itself is then not :focus, and a pseudo-element cannot be styled by focus).
    pickerButton: el.matches("input[type=date], input[type=month], input[type=week], input[type=time]")
      && !el.matches(":focus"),
  };
}"""

UNREACHED = """([container, selector]) => [...document.querySelector(container).querySelectorAll(selector)]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden" && !el.dataset.kbReached)
  .filter(el => !(el.type === "radio" && !el.checked && el.form && [...el.form.elements].some(
    o => o.type === "radio" && o.name === el.name && o.dataset.kbReached)))
  .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? `[name=${el.name}]` : ""))"""


def tab_through(page, container: str) -> list[str]:
    """From the top of the page: Tab to the skip link, follow it, then Tab on through `container` (opening
    collapsed <details> with Enter on the way, as a keyboard user does). Returns what went wrong: controls
    without a visible focus ring, controls that were never reached."""
    problems = []
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED, "body")
    if "skip-link" not in (page.evaluate("document.activeElement.className") or "") or not skip["visible"]:
        problems.append(f"the first Tab reaches {skip['describe']}, not a visible skip link")
    page.keyboard.press("Enter")
    if page.evaluate("document.activeElement.id") != "content":
        problems.append("the skip link does not move the focus to the main content")
    entered = False
    for _ in range(300):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED, container)
        if not focused["inside"]:
            if entered:
                break
            continue
        entered = True
        if not (focused["ring"] or focused["pickerButton"]) or not focused["visible"]:
            problems.append(f"no visible focus ring on {focused['describe']} (outline: {focused['outline']})")
        if focused["closedSummary"]:
            page.keyboard.press("Enter")  # open "More filters"; its controls come next
    problems += [f"never reached by Tab: {name}" for name in page.evaluate(UNREACHED, [container, FOCUSABLE])]
    return problems


@pytest.fixture
def keyboard_data(reference_data):
    venue = VenueFactory(slug="a11y-hall", city=city("dalian"))
    exhibition = ExhibitionFactory(
        venue=venue, organizer=OrganizerFactory(), brand=BrandFactory(), status=Exhibition.Status.PLANNED
    )
    user_set_role(username=USERNAMES[STAFF], role=Role.STAFF, password=PASSWORD)
    return {"exhibition": exhibition}


def test_keyboard_reaches_every_control_with_a_visible_focus_ring(chromium, live_server, keyboard_data, tmp_path):
    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALES["zh-hans"])
    page = new_page(context)
    watch = Watch(page)
    sign_in(page, live_server, STAFF)
    problems: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/exhibitions/")
    problems["exhibition filters"] = tab_through(page, "#filter-form")
    assert page.locator("#filter-form details").get_attribute("open") is not None, "Enter did not open More filters"
    # Enter in a filter applies it in place; the new count is a status message: the same live region, new text.
    page.evaluate("window.__count = document.getElementById('total-count')")
    page.fill("#id_search", "no such exhibition")
    with page.expect_response(lambda r: "/exhibitions/?search=no" in r.url):
        page.press("#id_search", "Enter")
    page.wait_for_function("() => document.querySelector('#total-count').textContent.trim().startsWith('0')")
    assert page.evaluate("document.getElementById('total-count') === window.__count"), "the count was replaced"
    assert page.get_attribute("#total-count", "role") == "status"
    assert page.evaluate("document.activeElement.id") == "id_search", "filtering moved the focus"
    page.goto(f"{live_server.url}/exhibitions/{keyboard_data['exhibition'].pk}/edit/")
    problems["exhibition form"] = tab_through(page, "#exhibition-form")
    page.goto(f"{live_server.url}/exhibitions/import/")
    upload_import_file(page, tmp_path)
    problems["import preview"] = tab_through(page, "main")
    problems["console"] = watch.take()
    context.close()
    assert not any(problems.values()), report(problems)
