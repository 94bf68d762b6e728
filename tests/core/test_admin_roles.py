"""The three administrators' pages (三员, SPEC §5): each role reaches exactly its own admin pages.

The system administrator manages accounts (role and city through core.services.user_set_role, audited)
and API tokens; the security administrator sees sessions; the audit administrator has no admin access;
provincial staff keep the programme's data and never see accounts or tokens.
"""

from urllib.parse import urlsplit

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core.models import AuditEvent, Session
from core.roles import GROUP_NAMES, AdminRole, Role, admin_role_of, city_of, role_of
from core.services import user_set_role
from tests.conftest import PASSWORD
from tests.factories import ExhibitionFactory
from tests.permissions import ROLES
from venues.models import City

pytestmark = pytest.mark.django_db

User = get_user_model()
STRONG = "Fresh-Account-97"
ADMIN_LOGIN = "admin login"  # a redirect to the admin's sign-in page (not staff, or anonymous)
NOT_STAFF = {"anonymous": ADMIN_LOGIN, "city_official": ADMIN_LOGIN, "api_client": ADMIN_LOGIN, "auditor": ADMIN_LOGIN}


def expect(*, staff, sysadmin, secadmin):
    return {**NOT_STAFF, "staff": staff, "sysadmin": sysadmin, "secadmin": secadmin}


ACCOUNTS = expect(staff=403, sysadmin=200, secadmin=403)
TOKENS = expect(staff=403, sysadmin=200, secadmin=403)
ATTEMPTS = expect(staff=403, sysadmin=403, secadmin=200)
DOMAIN = expect(staff=200, sysadmin=403, secadmin=403)
PAGES = {  # name: (URL of the test's objects, expected per role)
    "index": (lambda o: reverse("admin:index"), expect(staff=200, sysadmin=200, secadmin=200)),
    "user list": (lambda o: reverse("admin:auth_user_changelist"), ACCOUNTS),
    "user add": (lambda o: reverse("admin:auth_user_add"), ACCOUNTS),
    "user change": (lambda o: reverse("admin:auth_user_change", args=[o["account"].pk]), ACCOUNTS),
    "user password": (lambda o: reverse("admin:auth_user_password_change", args=[o["account"].pk]), ACCOUNTS),
    "group list": (lambda o: reverse("admin:auth_group_changelist"), expect(staff=403, sysadmin=403, secadmin=403)),
    "token list": (lambda o: reverse("admin:authtoken_tokenproxy_changelist"), TOKENS),
    "token add": (lambda o: reverse("admin:authtoken_tokenproxy_add"), TOKENS),
    "sign-in attempts": (lambda o: reverse("admin:axes_accessattempt_changelist"), ATTEMPTS),
    "exhibition list": (lambda o: reverse("admin:exhibitions_exhibition_changelist"), DOMAIN),
    "exhibition change": (
        lambda o: reverse("admin:exhibitions_exhibition_change", args=[o["exhibition"].pk]),
        DOMAIN,
    ),
    "job list": (lambda o: reverse("admin:core_job_changelist"), DOMAIN),
}


@pytest.fixture
def objects(role_users, sign_in):
    account = user_set_role(username="someone", role=Role.STAFF, password=PASSWORD)
    sign_in(Client(), account)  # a session to look at
    return {"account": account, "session": Session.objects.get(user=account), "exhibition": ExhibitionFactory()}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_each_role_reaches_exactly_its_admin_pages(client, role_users, objects, role, page):
    url_of, expected = PAGES[page]
    if role_users[role] is not None:
        client.force_login(role_users[role])
    url = url_of(objects)
    response = client.get(url)
    if expected[role] == ADMIN_LOGIN:
        location = urlsplit(response.get("Location", ""))
        assert response.status_code == 302 and location.path == reverse("admin:login"), (role, page, response)
    else:
        assert response.status_code == expected[role], (role, page, response.status_code)


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (
            "sysadmin",
            ["/admin/auth/user/", "/admin/authtoken/tokenproxy/"],
            ["/admin/core/session/", "/admin/exhibitions/"],
        ),
        (
            "secadmin",
            ["/admin/axes/accessattempt/"],
            ["/admin/core/session/", "/admin/auth/", "/admin/authtoken/", "/admin/exhibitions/"],
        ),
        ("staff", ["/admin/exhibitions/exhibition/"], ["/admin/auth/", "/admin/authtoken/", "/admin/core/session/"]),
    ],
)
def test_the_admin_index_lists_only_the_roles_own_models(client, role_users, role, shown, hidden):
    client.force_login(role_users[role])
    page = client.get(reverse("admin:index")).content.decode()
    assert all(f'href="{link}' in page for link in shown), role
    assert not any(f'href="{link}' in page for link in hidden), role


def test_the_audit_administrator_cannot_sign_in_to_the_admin(client, auditor_user):
    response = client.post(reverse("admin:login"), {"username": "auditor", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200 and response.context["form"].errors["__all__"]  # not a staff account
    assert client.get(reverse("admin:index")).status_code == 302


# --- accounts ----------------------------------------------------------------------------------------


def add_account(client, **fields):
    data = {"username": "new-official", "usable_password": "true", "password1": STRONG, "password2": STRONG}
    return client.post(reverse("admin:auth_user_add"), {**data, **fields})


def test_the_system_administrator_creates_a_city_official(client, sysadmin_user, sign_in):
    client.force_login(sysadmin_user)
    dalian = City.objects.get(slug="dalian")
    response = add_account(
        client, role="city_official", city=dalian.pk, is_superuser="on", is_staff="on", groups=[1, 2, 3]
    )
    user = User.objects.get(username="new-official")
    assert response.status_code == 302 and response["Location"] == reverse("admin:auth_user_change", args=[user.pk])
    assert role_of(user) == Role.CITY_OFFICIAL and city_of(user) == dalian
    assert list(user.groups.values_list("name", flat=True)) == [GROUP_NAMES[Role.CITY_OFFICIAL]]
    assert not user.is_superuser and not user.is_staff  # derived from the role; the crafted fields are ignored
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CREATED, object_id=str(user.pk))
    assert event.username == "sysadmin" and event.role == "sysadmin"
    assert event.detail == {"role": "city_official", "previous_role": "", "city": "dalian"}
    sign_in(Client(), user, password=STRONG)  # the password was set (and its history kept)


def test_an_account_without_password_sign_in_for_an_api_client(client, sysadmin_user):
    client.force_login(sysadmin_user)
    response = add_account(
        client, username="census", usable_password="false", password1="", password2="", role="api_client"
    )
    assert response.status_code == 302
    user = User.objects.get(username="census")
    assert role_of(user) == Role.API_CLIENT and not user.has_usable_password()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": "city_official"}, "city", "A city official needs a city."),
        ({"role": "staff", "city": "dalian"}, "city", "Only a city official is tied to a city"),
        ({"role": ""}, "role", "This field is required."),
        ({"role": "superuser"}, "role", "Select a valid choice."),
        ({"role": "staff", "password1": "short", "password2": "short"}, "password2", "at least 10 characters"),
        ({"role": "staff", "password1": "abcdefghijk", "password2": "abcdefghijk"}, "password2", "at least 3 of"),
        (
            {"role": "staff", "username": "zhang.wei", "password1": "Zhang.Wei-1", "password2": "Zhang.Wei-1"},
            "password2",
            "too similar",
        ),
    ],
    ids=["city missing", "city for staff", "no role", "no such role", "too short", "one class", "like username"],
)
def test_the_add_form_refuses_with_the_field_named(client, sysadmin_user, settings, fields, field, message):
    settings.LANGUAGE_CODE = "en"
    client.force_login(sysadmin_user)
    if fields.get("city") == "dalian":
        fields["city"] = City.objects.get(slug="dalian").pk
    response = add_account(client, **fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not User.objects.filter(username=fields.get("username", "new-official")).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_CREATED).exclude(username="").exists()


def change(client, user, **fields):
    page = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if not form.fields[name].disabled}
    data = {name: value for name, value in data.items() if value is not None and value is not False}
    data.update(fields)
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def test_the_change_form_has_no_superuser_staff_groups_or_permissions(client, sysadmin_user, staff_user):
    client.force_login(sysadmin_user)
    page = client.get(reverse("admin:auth_user_change", args=[staff_user.pk])).content.decode()
    assert 'name="role"' in page and 'name="city"' in page and 'name="is_active"' in page
    for absent in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{absent}"' not in page, absent


def test_changing_the_role_goes_through_the_one_rule_and_is_audited(client, sysadmin_user, staff_user):
    client.force_login(sysadmin_user)
    shenyang = City.objects.get(slug="shenyang")
    response = change(client, staff_user, role="city_official", city=shenyang.pk, is_superuser="on", is_staff="on")
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    user = User.objects.get(pk=staff_user.pk)
    assert role_of(user) == Role.CITY_OFFICIAL and city_of(user) == shenyang
    assert not user.is_staff and not user.is_superuser
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_CHANGED)
    assert event.username == "sysadmin" and event.object_id == str(user.pk)
    assert event.detail == {"role": "city_official", "previous_role": "staff", "city": "shenyang"}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_CHANGED).exists()  # nothing else changed


def test_making_an_account_an_administrator(client, sysadmin_user, city_official):
    client.force_login(sysadmin_user)
    assert change(client, city_official, role="secadmin", city="").status_code == 302
    user = User.objects.get(pk=city_official.pk)
    assert admin_role_of(user) == AdminRole.SECADMIN and role_of(user) is None and city_of(user) is None
    assert user.is_staff and not user.is_superuser  # the admin's sessions page, nothing more


def test_deactivating_and_other_edits_are_audited_as_account_changed(client, sysadmin_user, staff_user):
    client.force_login(sysadmin_user)
    response = change(client, staff_user, is_active=None, email="staff@example.invalid")
    assert response.status_code == 302
    user = User.objects.get(pk=staff_user.pk)
    assert not user.is_active and user.email == "staff@example.invalid"
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CHANGED)
    assert event.username == "sysadmin" and event.object_id == str(user.pk)
    assert event.detail == {"fields": ["email", "is_active"], "is_active": False}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_CHANGED).exists()
    assert Client().post(reverse("login"), {"username": "staff", "password": PASSWORD}).status_code == 200  # refused

    assert change(client, user, is_active="on").status_code == 302
    assert User.objects.get(pk=staff_user.pk).is_active
    latest = AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_CHANGED).first()
    assert latest.detail == {"fields": ["is_active"], "is_active": True}


def test_a_system_administrator_cannot_change_their_own_role_or_deactivate_themselves(client, sysadmin_user):
    client.force_login(sysadmin_user)
    page = client.get(reverse("admin:auth_user_change", args=[sysadmin_user.pk]))
    form = page.context["adminform"].form
    assert form.fields["role"].disabled and form.fields["is_active"].disabled
    response = client.post(
        reverse("admin:auth_user_change", args=[sysadmin_user.pk]),
        {"username": "sysadmin", "role": "staff", "first_name": "Li", "is_superuser": "on"},  # is_active left out
    )
    assert response.status_code == 302
    user = User.objects.get(pk=sysadmin_user.pk)
    assert admin_role_of(user) == AdminRole.SYSADMIN and user.is_active and not user.is_superuser
    assert user.first_name == "Li"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_CHANGED).exists()


def test_superusers_are_out_of_the_system_administrators_reach(client, sysadmin_user):
    root = User.objects.create_superuser("root", "root@example.invalid", PASSWORD)
    client.force_login(sysadmin_user)
    listing = client.get(reverse("admin:auth_user_changelist"))
    assert b"sysadmin" in listing.content and b">root<" not in listing.content
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code == 302  # "does not exist"
    password_page = reverse("admin:auth_user_password_change", args=[root.pk])
    assert client.post(password_page, {"password1": STRONG, "password2": STRONG}).status_code == 404
    assert User.objects.get(pk=root.pk).check_password(PASSWORD)


def test_the_list_shows_role_city_and_filters_by_them(client, sysadmin_user, city_official, staff_user):
    client.force_login(sysadmin_user)
    listing = client.get(reverse("admin:auth_user_changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "City official" in listing and "System administrator" in listing and "Dalian" in listing
    by_role = client.get(reverse("admin:auth_user_changelist"), {"role": "city_official"})
    assert [u.username for u in by_role.context["cl"].result_list] == ["dalian-official"]
    dalian = City.objects.get(slug="dalian")
    by_city = client.get(reverse("admin:auth_user_changelist"), {"profile__city__id__exact": dalian.pk})
    assert [u.username for u in by_city.context["cl"].result_list] == ["dalian-official"]
    assert client.get(reverse("admin:auth_user_changelist"), {"role": "nonsense"}).status_code == 200


def test_setting_a_password_runs_the_policy_and_is_audited(client, sysadmin_user, staff_user, sign_in, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(sysadmin_user)
    url = reverse("admin:auth_user_password_change", args=[staff_user.pk])
    weak = client.post(url, {"usable_password": "true", "password1": "password12", "password2": "password12"})
    assert weak.status_code == 200 and "password2" in weak.context["form"].errors
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGED).exists()
    response = client.post(url, {"usable_password": "true", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGED)  # once: the password hook's
    assert event.username == "sysadmin" and event.object_id == str(staff_user.pk)
    sign_in(Client(), staff_user, password=STRONG)


def test_turning_password_sign_in_off_is_audited(client, sysadmin_user, staff_user):
    client.force_login(sysadmin_user)
    url = reverse("admin:auth_user_password_change", args=[staff_user.pk])
    assert client.post(url, {"usable_password": "false", "unset-password": "1"}).status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGED)
    assert event.username == "sysadmin" and event.object_id == str(staff_user.pk)
    assert event.detail == {"usable": False, "by_administrator": True}


# --- tokens ------------------------------------------------------------------------------------------


def test_tokens_are_issued_for_api_client_accounts_only_and_audited(client, sysadmin_user, api_client_user, staff_user):
    client.force_login(sysadmin_user)
    add = reverse("admin:authtoken_tokenproxy_add")
    choices = client.get(add).context["adminform"].form.fields["user"].queryset
    assert list(choices) == [api_client_user]
    refused = client.post(add, {"user": staff_user.pk})
    assert refused.status_code == 200 and "user" in refused.context["adminform"].form.errors
    assert not Token.objects.exists()

    assert client.post(add, {"user": api_client_user.pk}).status_code == 302
    token = Token.objects.get(user=api_client_user)
    issued = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_ISSUED)
    assert issued.username == "sysadmin" and issued.object_id == str(api_client_user.pk)
    assert token.key not in issued.object_repr + str(issued.detail)  # the key is never written to the log
    assert not LogEntry.objects.filter(object_id=token.key).exists() and not LogEntry.objects.filter(
        object_repr__contains=token.key
    )
    once = client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()
    assert token.key in once  # in the "added" message, to hand over
    listing = client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()
    assert token.key[:6] in listing and token.key not in listing

    delete = reverse("admin:authtoken_tokenproxy_delete", args=[api_client_user.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Token.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKED, object_id=str(api_client_user.pk)).exists()


def test_a_deactivated_api_client_gets_no_token_and_its_old_one_stops_working(client, sysadmin_user, api_client_user):
    token = Token.objects.create(user=api_client_user)
    client.force_login(sysadmin_user)
    change(client, api_client_user, is_active=None)
    api = Client().get("/api/v1/venues/", headers={"Authorization": f"Token {token.key}"})
    assert api.status_code == 401


# --- sessions ----------------------------------------------------------------------------------------


def test_sessions_have_no_admin_pages(client, secadmin_user, staff_user, sign_in):
    """The admin would put session keys in its URLs; the security administrator ends sessions at
    /security/, which names them by a hash (tests/core/test_security_page.py)."""
    sign_in(Client(), staff_user)
    session = Session.objects.get(user=staff_user)
    client.force_login(secadmin_user)
    assert client.get(f"/admin/core/session/{session.pk}/change/").status_code == 404
    assert client.get("/admin/core/session/").status_code == 404
    assert session.session_key not in client.get(reverse("security")).content.decode()


# --- home and navigation -----------------------------------------------------------------------------


def test_the_system_administrator_lands_on_the_admin(client, sysadmin_user):
    client.force_login(sysadmin_user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


WORKSPACE_LINKS = ['href="/exhibitions/"', 'href="/venues/"', 'href="/targets/"', 'href="/reports/"']


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("sysadmin", ['href="/admin/auth/user/"', 'href="/admin/authtoken/tokenproxy/"'], WORKSPACE_LINKS),
        ("secadmin", [], [*WORKSPACE_LINKS, 'href="/admin/auth/user/"', 'href="/admin/authtoken/']),
        ("auditor", [], [*WORKSPACE_LINKS, 'href="/admin/auth/user/"', 'href="/admin/']),
        ("staff", WORKSPACE_LINKS, ['href="/admin/auth/user/"', 'href="/admin/authtoken/']),
        ("city_official", WORKSPACE_LINKS, ['href="/admin/']),
    ],
)
def test_the_navigation_shows_each_role_its_own_entries(client, role_users, role, shown, hidden):
    client.force_login(role_users[role])
    page = client.get(reverse("password_change")).content.decode()
    assert all(link in page for link in shown), role
    assert not any(link in page for link in hidden), role
    assert 'id="sign-out"' in page and f'href="{reverse("password_change")}"' in page


# --- a lost authenticator -------------------------------------------------------------------------------


def test_the_system_administrator_resets_a_lost_second_factor(client, sysadmin_user, staff_user, sign_in):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = Client()
    sign_in(staff, staff_user)
    assert staff.get("/exhibitions/").status_code == 200
    assert TOTPDevice.objects.filter(user=staff_user).exists()
    client.force_login(sysadmin_user)
    changelist = reverse("admin:auth_user_changelist")
    response = client.post(
        changelist, {"action": "reset_two_factor", "_selected_action": [staff_user.pk, sysadmin_user.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=staff_user).exists()
    assert not StaticDevice.objects.filter(user=staff_user).exists()
    assert TOTPDevice.objects.filter(user=sysadmin_user).exists()  # not one's own
    event = AuditEvent.objects.get(action=AuditEvent.Action.TWO_FACTOR_CHANGED)
    assert (event.username, event.object_id) == ("sysadmin", str(staff_user.pk))
    assert event.detail == {"change": "reset", "by_administrator": True}
    # the staff member's session is no longer verified: the next page is the setup of a new authenticator
    assert staff.get("/exhibitions/")["Location"].startswith(reverse("two_factor_setup"))


def test_only_the_system_administrator_resets_a_second_factor(client, staff_user, secadmin_user):
    client.force_login(secadmin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"), {"action": "reset_two_factor", "_selected_action": [staff_user.pk]}
    )
    assert response.status_code == 403
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert TOTPDevice.objects.filter(user=staff_user).exists()
