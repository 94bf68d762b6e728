"""`manage.py ensure_demo_accounts` (make run): one account per role in development, never otherwise."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from core.management.commands.ensure_demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from core.roles import any_role_of, city_of

pytestmark = pytest.mark.django_db

User = get_user_model()


def run() -> str:
    out = io.StringIO()
    call_command("ensure_demo_accounts", stdout=out)
    return out.getvalue()


def test_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG is off"):
        run()
    assert not User.objects.exists()


def test_one_account_per_role_that_signs_in_with_the_printed_password(settings, sign_in):
    settings.DEBUG = True
    output = run()
    assert DEMO_PASSWORD in output
    roles = set()
    for username, role, city in DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        assert f"{username}" in output and role.value in output
        assert any_role_of(user) == role and not user.is_superuser
        assert (city_of(user).slug if city_of(user) else None) == city
        sign_in(Client(), user, password=DEMO_PASSWORD)  # the password passed the policy when it was set
        roles.add(role)
    assert {r.value for r in roles} == {"staff", "city_official", "api_client", "sysadmin", "secadmin", "auditor"}
    assert not User.objects.filter(is_superuser=True).exists()


def test_running_again_leaves_existing_accounts_alone(settings):
    settings.DEBUG = True
    run()
    staff = User.objects.get(username="staff")
    staff.set_password("Changed-Locally-1")
    staff.save()
    output = run()
    assert "exists, left as it is" in output
    assert User.objects.get(username="staff").check_password("Changed-Locally-1")
    assert User.objects.filter(username__in=[name for name, _, _ in DEMO_ACCOUNTS]).count() == len(DEMO_ACCOUNTS)
