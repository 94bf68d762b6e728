"""The audit log (SPEC §12): the /audit/ page and its CSV export, GET /api/v1/audit-events/, the audited
refusals (permission_denied), exports (audit_exported) and tokens (token_issued / token_revoked)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.audit import Action, Outcome
from core.models import AuditEvent
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
ADDRESS = "198.51.100.7"


@pytest.fixture
def auditor(client, auditor_user):
    client.force_login(auditor_user)
    return client


def event(action=Action.EXPORT, **columns) -> AuditEvent:
    """An event as record() writes it, with columns set directly (the trigger allows INSERT of any `at`)."""
    defaults = {"username": "someone", "role": "staff", "address": "10.0.0.1", "outcome": Outcome.SUCCESS}
    return AuditEvent.objects.create(action=action, **{**defaults, **columns})


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


# --- the page -------------------------------------------------------------------------------------------


def test_page_lists_newest_first_with_the_count(auditor):
    older = event(username="older-user", at=local(2026, 3, 1, 9))
    newer = event(username="newer-user", at=local(2026, 3, 2, 9))
    response = auditor.get(reverse("audit"))
    assert response.status_code == 200
    assert response.context["total"] == AuditEvent.objects.count()
    shown = [row[0].pk for row in response.context["rows"]]
    assert shown.index(newer.pk) < shown.index(older.pk)
    assert 'id="total-count"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "LIU"}, {"liu-wei"}),
        ({"role": "city_official"}, {"zhang-san"}),
        ({"action": "import"}, {"zhang-san"}),
        ({"outcome": "denied"}, {"li-si"}),
        ({"object_type": "venue"}, {"liu-wei"}),
        ({"address": "10.9."}, {"li-si"}),
        ({"date_from": "2026-03-02"}, {"zhang-san", "li-si"}),
        ({"date_to": "2026-03-01"}, {"liu-wei"}),
        ({"date_from": "2026-03-02", "date_to": "2026-03-02"}, {"zhang-san"}),
    ],
)
def test_page_filters(auditor, query, expected):
    event(username="liu-wei", object_type="venues.venue", at=local(2026, 3, 1, 23, 30))  # late on a local day
    event(username="zhang-san", role="city_official", action=Action.IMPORT, at=local(2026, 3, 2, 0, 10))
    event(username="li-si", outcome=Outcome.DENIED, address="10.9.8.7", at=local(2026, 3, 3, 8))
    response = auditor.get(reverse("audit"), query)
    assert response.status_code == 200
    names = {row[0].username for row in response.context["rows"]}
    assert names & {"liu-wei", "zhang-san", "li-si"} == expected  # (the fixtures' own events aside)
    assert response.context["total"] == len(response.context["rows"])


def test_page_paginates_by_50(auditor):
    AuditEvent.objects.bulk_create(AuditEvent(action=Action.EXPORT, username=f"u{i}") for i in range(60))
    first = auditor.get(reverse("audit"), {"action": "export"})
    assert first.context["total"] == 60 and len(first.context["rows"]) == 50
    second = auditor.get(reverse("audit"), {"action": "export", "page": 2})
    assert len(second.context["rows"]) == 10
    assert 'rel="next"' in first.content.decode()


def test_bad_filters_are_named_and_show_no_rows(auditor):
    event()
    response = auditor.get(reverse("audit"), {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "date_to" in response.context["filter"].errors
    assert response.context["rows"] == []
    response = auditor.get(reverse("audit"), {"action": "nonsense", "date_from": "yesterday"})
    assert {"action", "date_from"} <= set(response.context["filter"].errors)


def test_the_page_is_translated(auditor):
    event(action=Action.PERMISSION_DENIED, outcome=Outcome.DENIED)
    response = auditor.get(reverse("audit"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Audit log" in response.content.decode()


# --- the export -----------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # UTF-8 with BOM: Excel reads the Chinese text
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_streams_the_filtered_rows_neutralised_and_is_audited(auditor, auditor_user):
    event(username="liu-wei", object_repr='=HYPERLINK("http://evil")', detail={"rows": 3})
    event(username="zhang-san")
    response = auditor.get(reverse("audit_export"), {"user": "liu"}, REMOTE_ADDR=ADDRESS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]  # core.cache_headers: every download
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    header, *rows = _csv(response)
    assert header[:3] == ["ID", "Time", "User"]
    assert [row[2] for row in rows] == ["liu-wei"]
    assert rows[0][10] == '\'=HYPERLINK("http://evil")'  # formula text neutralised
    exported = AuditEvent.objects.get(action=Action.AUDIT_EXPORTED)
    assert (exported.username, exported.role, exported.address) == ("auditor", "auditor", ADDRESS)
    assert exported.detail == {"format": "csv", "filters": {"user": "liu"}, "rows": 1}


def test_export_headers_are_translated(auditor):
    response = auditor.get(reverse("audit_export"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    header = _csv(response)[0]
    assert "操作" in header and "Action" not in header


def test_export_with_bad_filters_goes_back_to_the_list(auditor):
    response = auditor.get(reverse("audit_export"), {"date_from": "not a date"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("audit"))
    assert not AuditEvent.objects.filter(action=Action.AUDIT_EXPORTED).exists()


# --- the API --------------------------------------------------------------------------------------------

FIELDS = [
    "id",
    "at",
    "username",
    "role",
    "address",
    "user_agent",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "outcome",
    "detail",
]


def test_api_lists_filters_and_reads_one(auditor_user):
    api = token_client(auditor_user)
    one = event(username="liu-wei", object_type="venues.venue", object_id="7", detail={"k": "v"})
    event(username="zhang-san", action=Action.IMPORT)
    response = api.get("/api/v1/audit-events/", {"user": "liu"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and list(body["results"][0]) == FIELDS
    row = body["results"][0]
    assert (row["id"], row["action"], row["object_id"], row["detail"]) == (one.pk, "export", "7", {"k": "v"})
    detail = api.get(f"/api/v1/audit-events/{one.pk}/")
    assert detail.status_code == 200 and detail.json() == row
    everything = api.get("/api/v1/audit-events/").json()["results"]
    assert [r["at"] for r in everything] == sorted((r["at"] for r in everything), reverse=True)


def test_api_bad_filter_names_the_parameter(auditor_user):
    response = token_client(auditor_user).get("/api/v1/audit-events/", {"date_from": "2026-13-40"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["date_from"]


@pytest.mark.parametrize("role", ["staff", "city_official", "api_client", "sysadmin", "secadmin"])
def test_api_refuses_everybody_but_the_auditor(role, role_users):
    response = token_client(role_users[role]).get("/api/v1/audit-events/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_api_anonymous_gets_401_and_is_not_audited(db):
    before = AuditEvent.objects.count()
    response = token_client(None).get("/api/v1/audit-events/")
    assert response.status_code == 401
    assert AuditEvent.objects.count() == before


def test_api_is_read_only(auditor_user):
    one = event()
    api = token_client(auditor_user)
    assert api.delete(f"/api/v1/audit-events/{one.pk}/").status_code == 405
    assert api.post("/api/v1/audit-events/", {}, format="json").status_code == 405
    assert AuditEvent.objects.filter(pk=one.pk).exists()


# --- permission denied ----------------------------------------------------------------------------------


def denied_rows():
    return list(AuditEvent.objects.filter(action=Action.PERMISSION_DENIED))


def test_a_refused_page_is_audited_once(client, city_official, sign_in):
    sign_in(client, city_official)
    response = client.get(reverse("venues:create"), REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="pytest-browser")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]  # the stock page, kept
    [row] = denied_rows()
    assert (row.username, row.user_id, row.role, row.address) == (
        city_official.username,
        city_official.pk,
        "city_official",
        ADDRESS,
    )
    assert (row.outcome, row.user_agent) == (Outcome.DENIED, "pytest-browser")
    assert row.detail["path"] == reverse("venues:create") and row.detail["method"] == "GET"


def test_a_refused_api_write_is_audited_once(api_client_user):
    api = token_client(api_client_user)
    response = api.post("/api/v1/venues/", {"slug": "x"}, format="json", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 403
    [row] = denied_rows()
    assert (row.username, row.role, row.address, row.outcome) == ("api-client", "api_client", ADDRESS, "denied")
    assert row.detail["path"] == "/api/v1/venues/" and row.detail["method"] == "POST"
    assert row.detail["code"] == "permission_denied"


def test_a_refused_csrf_check_is_audited(staff_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    response = browser.post(reverse("venues:create"), {"name_zh": "x"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 403
    [row] = denied_rows()
    assert (row.username, row.address, row.detail["method"]) == ("staff", ADDRESS, "POST")
    assert row.detail["reason"].startswith("CSRF")


def test_page_queries_do_not_grow_with_the_rows(auditor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event()
    auditor.get(reverse("audit"))
    with CaptureQueriesContext(connection) as few:
        auditor.get(reverse("audit"))
    AuditEvent.objects.bulk_create(AuditEvent(action=Action.EXPORT, username=f"u{i}") for i in range(120))
    with CaptureQueriesContext(connection) as many:
        assert len(auditor.get(reverse("audit")).context["rows"]) == 50
    assert len(many) == len(few)


def test_sign_in_redirects_are_not_audited(client):
    before = AuditEvent.objects.count()
    assert client.get(reverse("venues:create")).status_code == 302
    assert client.get(reverse("audit")).status_code == 302
    assert AuditEvent.objects.count() == before


def test_refusing_the_audit_log_is_itself_audited(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("audit")).status_code == 403
    assert client.get(reverse("audit_export")).status_code == 403
    assert [row.detail["path"] for row in denied_rows()] == [reverse("audit_export"), reverse("audit")]


# --- tokens ---------------------------------------------------------------------------------------------


def token_rows():
    return list(AuditEvent.objects.filter(action__in=[Action.TOKEN_ISSUED, Action.TOKEN_REVOKED]).order_by("id"))


def _never_the_key(rows, key: str) -> None:
    for row in rows:
        values = [row.username, row.object_type, row.object_id, row.object_repr, str(row.detail), row.user_agent]
        assert not any(key in value for value in values)


def test_drf_create_token_is_audited(api_client_user):
    call_command("drf_create_token", api_client_user.username, stdout=io.StringIO())
    first = Token.objects.get(user=api_client_user).key
    call_command("drf_create_token", api_client_user.username, "-r", stdout=io.StringIO())  # a new key
    rows = token_rows()
    assert [row.action for row in rows] == ["token_issued", "token_revoked", "token_issued"]
    for row in rows:
        assert (row.object_type, row.object_id, row.object_repr) == ("auth.user", str(api_client_user.pk), "api-client")
    _never_the_key(rows, first)
    _never_the_key(rows, Token.objects.get(user=api_client_user).key)


def test_tokens_issued_and_revoked_in_the_admin_name_the_administrator(client, sysadmin_user, api_client_user):
    client.force_login(sysadmin_user)
    add = reverse("admin:authtoken_tokenproxy_add")
    response = client.post(add, {"user": api_client_user.pk}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302, response.content[:500]
    token = Token.objects.get(user=api_client_user)
    delete = reverse("admin:authtoken_tokenproxy_delete", args=[api_client_user.pk])  # TokenProxy.pk: the owner
    assert client.post(delete, {"post": "yes"}, REMOTE_ADDR=ADDRESS).status_code == 302
    issued, revoked = token_rows()
    assert (issued.action, revoked.action) == ("token_issued", "token_revoked")
    for row in (issued, revoked):
        assert (row.username, row.role, row.address) == ("sysadmin", "sysadmin", ADDRESS)
        assert (row.object_type, row.object_id) == ("auth.user", str(api_client_user.pk))
    _never_the_key([issued, revoked], token.key)


def test_deleting_an_account_revokes_its_token_on_record(api_client_user):
    Token.objects.create(user=api_client_user)
    pk = api_client_user.pk
    api_client_user.delete()
    assert [(r.action, r.object_id) for r in token_rows()] == [("token_issued", str(pk)), ("token_revoked", str(pk))]


# --- audit rows for each event type (this module's events) ------------------------------------------------


def _exported(c, users):
    c.force_login(users["auditor"])
    b"".join(c.get(reverse("audit_export"), REMOTE_ADDR=ADDRESS).streaming_content)


def _denied(c, users):
    c.force_login(users["city_official"])
    c.get(reverse("venues:create"), REMOTE_ADDR=ADDRESS)


def _issued(c, users):
    c.force_login(users["sysadmin"])
    c.post(reverse("admin:authtoken_tokenproxy_add"), {"user": users["api_client"].pk}, REMOTE_ADDR=ADDRESS)


def _revoked(c, users):
    token = Token.objects.create(user=users["api_client"])
    c.force_login(users["sysadmin"])
    delete = reverse("admin:authtoken_tokenproxy_delete", args=[token.user_id])  # TokenProxy.pk: the owner
    c.post(delete, {"post": "yes"}, REMOTE_ADDR=ADDRESS)


def _pruned(c, users):
    call_command("prune_audit", stdout=io.StringIO())


# action → (trigger, expected user, role, address, object type, outcome)
EVENTS = {
    Action.AUDIT_EXPORTED: (_exported, "auditor", "auditor", ADDRESS, "", Outcome.SUCCESS),
    Action.PERMISSION_DENIED: (_denied, "dalian-official", "city_official", ADDRESS, "", Outcome.DENIED),
    Action.TOKEN_ISSUED: (_issued, "sysadmin", "sysadmin", ADDRESS, "auth.user", Outcome.SUCCESS),
    Action.TOKEN_REVOKED: (_revoked, "sysadmin", "sysadmin", ADDRESS, "auth.user", Outcome.SUCCESS),
    Action.AUDIT_PRUNED: (_pruned, "", "", None, "core.auditevent", Outcome.SUCCESS),  # a command: nobody, nowhere
}


@pytest.fixture
def triggered(request, client, role_users):
    action = request.param
    trigger, *expected = EVENTS[action]
    trigger(client, role_users)
    return action, expected


@pytest.mark.parametrize("triggered", list(EVENTS), indirect=True, ids=str)
def test_audit_rows_for_each_event_type(triggered):
    """Exactly one row per event, with time, user, role, address, action, object and outcome."""
    action, (username, role, address, object_type, outcome) = triggered
    [row] = AuditEvent.objects.filter(action=action)
    assert (row.username, row.role, row.address, row.object_type, row.outcome) == (
        username,
        role,
        address,
        object_type,
        outcome,
    )
    assert timezone.now() - row.at < dt.timedelta(minutes=1)


@pytest.mark.parametrize("triggered", list(EVENTS), indirect=True, ids=str)
def test_audit_rows_for_each_event_type_are_on_the_audit_page(triggered, auditor_user):
    from django.test import Client

    action, _expected = triggered
    page = Client()
    page.force_login(auditor_user)
    response = page.get(reverse("audit"), {"action": action})
    assert response.context["total"] == 1
    assert response.context["rows"][0][0].action == action


@pytest.mark.parametrize("triggered", list(EVENTS), indirect=True, ids=str)
def test_audit_rows_for_each_event_type_are_in_the_api(triggered, auditor_user):
    from rest_framework.test import APIClient

    action, (username, role, address, object_type, outcome) = triggered
    api = APIClient()
    api.force_authenticate(auditor_user)  # no token: issuing one would be another token_issued row
    body = api.get("/api/v1/audit-events/", {"action": action}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["username"], row["role"], row["address"], row["object_type"], row["outcome"]) == (
        username,
        role,
        address,
        object_type,
        outcome,
    )
