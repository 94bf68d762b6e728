"""core.session_memory against a real Redis: repeat requests cost no query, and every sign-out,
deactivation, role change or password change takes effect on the next request — in this process at
once, in another within the announcement's delivery."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.roles import GROUP_NAMES, Role
from core.session_memory import LISTENER_NAME, session_memory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-123"
PAGE = "/accounts/password_change/"  # needs only the signed-in user
FUTURE = timezone.now() + dt.timedelta(days=1)


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def memory(settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.EXPOPLAN_SESSION_MEMORY_SECONDS = 30
    memory = session_memory()
    memory.recall("warm-up")  # starts the listener
    assert wait_for(lambda: memory.epoch() is not None), "the listener did not subscribe"
    memory.forget("*")
    yield memory
    memory.forget("*")


def sign_in(client) -> str:
    response = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    return client.cookies["sessionid"].value


def queries_of(client, path=PAGE) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path).status_code
    return status, len(captured)


@pytest.mark.django_db
def test_a_repeat_request_costs_no_query(memory, client, staff_user):
    sign_in(client)
    assert queries_of(client) == (200, 1)  # loaded (session, user and role in one statement), remembered
    assert queries_of(client) == (200, 0)
    assert client.get(PAGE).wsgi_request.user.pk == staff_user.pk


@pytest.mark.django_db
def test_sign_out_ends_every_copy_of_the_session_at_once(memory, client, staff_user):
    key = sign_in(client)
    other = Client()
    other.cookies["sessionid"] = key  # the same session in another browser
    assert queries_of(other) == (200, 1)
    assert queries_of(other) == (200, 0)
    client.post("/accounts/logout/")
    assert other.get(PAGE).status_code == 302


@pytest.mark.django_db
def test_deactivation_role_and_password_changes_take_effect_at_once(memory, client, staff_user):
    sign_in(client)
    client.get("/dashboard/")
    assert queries_of(client, "/dashboard/")[0] == 200
    staff_user.groups.remove(Group.objects.get(name=GROUP_NAMES[Role.STAFF]))
    assert client.get("/dashboard/").status_code == 403
    staff_user.groups.add(Group.objects.get(name=GROUP_NAMES[Role.STAFF]))
    client.get(PAGE)
    assert queries_of(client) == (200, 0)
    staff_user.set_password("another-password-456")
    staff_user.save()
    assert client.get(PAGE).status_code == 302
    sign_in_again = Client()
    response = sign_in_again.post("/accounts/login/", {"username": "staff", "password": "another-password-456"})
    assert response.status_code == 302
    staff_user.is_active = False
    staff_user.save()
    assert sign_in_again.get(PAGE).status_code == 302


@pytest.mark.django_db
def test_renaming_a_role_group_forgets_everyone(memory, client, staff_user):
    sign_in(client)
    client.get("/dashboard/")
    group = Group.objects.get(name=GROUP_NAMES[Role.STAFF])
    group.name = "Renamed"
    group.save()
    assert client.get("/dashboard/").status_code == 403  # no longer a role group


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # restores the reference data after
def test_a_change_in_another_process_reaches_this_one(memory, client, staff_user, redis_url, tmp_path):
    sign_in(client)  # committed: its own announcement reaches the listener a moment later
    assert wait_for(lambda: queries_of(client) == (200, 0), seconds=2), "repeat requests come from memory"
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    url = (
        f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        if db["ENGINE"].endswith("postgresql")
        else f"sqlite:///{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "EXPOPLAN_SESSION_MEMORY_SECONDS": "30",
        "EXPOPLAN_VAR_DIR": str(tmp_path),
    }
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        f"user = get_user_model().objects.get(pk={staff_user.pk})\n"
        "user.is_active = False\n"
        "user.save()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    assert wait_for(lambda: client.get(PAGE).status_code == 302, seconds=2)


@pytest.mark.django_db
def test_a_load_that_overlaps_a_change_is_not_remembered(memory):
    epoch = memory.epoch()
    memory.forget("u:12345")  # any announcement while the database was read
    assert not memory.remember("k" * 32, epoch, {"a": "1"}, None, FUTURE)
    assert memory.remember("k" * 32, memory.epoch(), {"a": "1"}, None, FUTURE)
    assert memory.recall("k" * 32).data == (("a", "1"),)


@pytest.mark.django_db
def test_only_immutable_unexpired_fresh_sessions_are_remembered(memory, settings):
    assert not memory.remember("m" * 32, memory.epoch(), {"list": [1]}, None, FUTURE)
    assert memory.remember("e" * 32, memory.epoch(), {"a": "1"}, None, timezone.now() - dt.timedelta(seconds=1))
    assert memory.recall("e" * 32) is None  # the session itself expired
    memory.seconds = 0.05
    try:
        assert memory.remember("f" * 32, memory.epoch(), {"a": "1"}, None, FUTURE)
        time.sleep(0.1)
        assert memory.recall("f" * 32) is None  # older than the memory's lifetime
    finally:
        memory.seconds = 30


@pytest.mark.django_db
def test_a_lost_subscription_forgets_everything_until_resubscribed(memory, redis_url):
    assert memory.remember("g" * 32, memory.epoch(), {"a": "1"}, None, FUTURE)
    admin = redis.Redis.from_url(redis_url)
    ids = [c["id"] for c in admin.client_list() if c.get("name") == LISTENER_NAME]
    assert ids, "the listener names its connection"
    for client_id in ids:
        admin.client_kill_filter(_id=client_id)
    assert wait_for(lambda: memory.recall("g" * 32) is None, seconds=2)
    assert wait_for(lambda: memory.epoch() is not None, seconds=5), "resubscribed"
    assert memory.recall("g" * 32) is None  # nothing from before the loss


@pytest.mark.django_db
def test_with_redis_unreachable_every_request_reads_the_database(settings, client, staff_user):
    settings.REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
    settings.EXPOPLAN_SESSION_MEMORY_SECONDS = 30
    sign_in(client)
    for _ in range(3):
        assert queries_of(client) == (200, 1)
    client.post("/accounts/logout/")  # the announcement fails, logged; the database decides
    assert client.get(PAGE).status_code == 302


def test_off_without_redis_or_when_zero(settings):
    settings.REDIS_URL = ""
    settings.EXPOPLAN_SESSION_MEMORY_SECONDS = 30
    assert session_memory() is None
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.EXPOPLAN_SESSION_MEMORY_SECONDS = 0
    assert session_memory() is None


def test_after_a_failed_announcement_saves_do_not_wait_on_redis(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
    settings.EXPOPLAN_SESSION_MEMORY_SECONDS = 30
    memory = session_memory()
    with caplog.at_level("ERROR", logger="expoplan.sessions"):
        memory._publish("u:1")
        memory._publish("u:2")  # within the back-off: not attempted
    messages = [record.getMessage() for record in caplog.records]
    assert "could not announce" in messages[0] and "not announced (Redis unreachable)" in messages[1]
