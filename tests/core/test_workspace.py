"""Sign-in, sign-out, password change, the layout and the `area` filter. Who may open which page:
tests/exhibitions/test_permissions.py."""

import pytest
from django.utils import translation

from core.templatetags.expoplan import area
from tests.conftest import complete_two_factor

pytestmark = pytest.mark.django_db


def test_sign_in_sign_out_and_password_change(client, staff_user, password):
    response = client.post("/accounts/login/", {"username": "staff", "password": "wrong"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(
        "/accounts/login/?next=/exhibitions/",
        {"username": "staff", "password": password, "next": "/exhibitions/"},
    )
    # Staff sign in with a second factor (tests/core/test_two_factor.py), then land where they asked.
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/?next=%2Fexhibitions%2F"
    response = complete_two_factor(client, response)
    assert response.status_code == 302 and response["Location"] == "/exhibitions/"
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": password,
            "new_password1": "Lia0ning-expo-2025",
            "new_password2": "Lia0ning-expo-2025",
        },
    )
    assert response.status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/exhibitions/").status_code == 302
    assert client.post("/accounts/login/", {"username": "staff", "password": "Lia0ning-expo-2025"}).status_code == 302


def test_layout_serves_local_assets_and_navigation(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/exhibitions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "/static/vendor/bootstrap-5.3.8/css/bootstrap.min.css" in html
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in html
    assert "//cdn" not in html and "https://" not in html
    for label in [
        "Dashboard",
        "Exhibitions",
        "Venues",
        "Organisers",
        "Brands",
        "Targets",
        "Reports",
        "API docs",
        "Sign out",
    ]:
        assert label in html
    assert 'action="/i18n/setlang/"' in html


def test_vendor_files_carry_their_licences():
    from pathlib import Path

    from django.conf import settings

    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    libs = sorted(p.name for p in vendor.iterdir())
    assert {"bootstrap-5.3.8", "htmx-2.0.11"} <= set(libs)  # and echarts (dashboards)
    for lib in libs:
        assert (vendor / lib / "LICENSE").exists()


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("zh-hans", 35_000, "3.5万 m²"),
        ("zh-hans", 3_500_000, "350万 m²"),
        ("zh-hans", 12_345, "1.23万 m²"),
        ("zh-hans", 9_000, "9000 m²"),
        ("en", 3_500_000, "3,500,000 m²"),
        ("en", None, "—"),
    ],
)
def test_area_filter(language, value, expected):
    with translation.override(language):
        assert area(value) == expected


def test_error_pages_use_the_layout(client, city_official, settings):
    settings.DEBUG = False
    client.force_login(city_official)
    response = client.get("/venues/new/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode() and "navbar" in response.content.decode()
    response = client.get("/exhibitions/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert "navbar" in response.content.decode()
