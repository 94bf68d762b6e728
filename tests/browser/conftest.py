"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's live server.

Never downloads Playwright browsers. Without /usr/bin/chromium the tests skip locally and FAIL under CI=true.
Screenshots go to test-artifacts/ (gitignored).
"""

import os
from pathlib import Path

import pytest

from tests.conftest import service_unavailable

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last: each flushes the database afterwards (live server, real transactions),
    which must not disturb other folders' transactional tests that restore serialized data."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def reference_data(transactional_db):
    """Live-server tests run in real transactions, and the database is flushed after each of them:
    load the reference data (cities, batches, venues, targets) and the role groups again, idempotently."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from core.reference import load_reference
    from core.roles import GROUP_NAMES

    load_reference(apps)
    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        service_unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


@pytest.fixture
def shot():
    """shot(page, "name") saves a screenshot into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def second_factor(page, username: str, check=None) -> None:
    """After the password form was sent: the real two-factor pages, where the account needs them (staff).

    The first time, the setup page: the secret it shows, typed into an "authenticator" (django_otp.oath.TOTP,
    as an app computes the code), the code sent, the recovery codes page left by its continue link. Later, the
    verify page with the current code of the account's authenticator. `check(page, name)`, if given, is called
    on each of these pages before it is filled in (the accessibility test checks them)."""
    from base64 import b32decode

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import totp_code

    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/two-factor/setup/" in page.url:
        if check:
            check(page, "two-factor setup")
        secret = page.inner_text("#two-factor-secret").replace(" ", "")
        page.fill("#id_code", f"{TOTP(b32decode(secret)).token():06d}")
        page.click("#two-factor-confirm")
        page.wait_for_selector("#recovery-codes")
        if check:
            check(page, "two-factor recovery codes")
        page.click("#two-factor-continue")
    elif "/accounts/two-factor/" in page.url:
        if check:
            check(page, "two-factor verify")
        page.fill("#id_code", totp_code(TOTPDevice.objects.get(user__username=username, confirmed=True)))
        page.click("#two-factor-verify")
