"""One permission matrix for pages and API endpoints: role × route × method → expected status.

    CASES = [
        Case("exhibitions:edit", page(city_official=403), kwargs=lambda o: {"pk": o["held"].pk}, label="held"),
        Case("v1:venue-list", endpoint(staff=201, city_official=403, api_client=403), method="post",
             json={"slug": "new-hall", ...}),
    ]

    @matrix(CASES)
    def test_permissions(case, role, ...):
        response = check(case, role=role, client=<a client signed in as `role`>, objects=<fixture objects>)

A Case names its route as `reverse()` does ("exhibitions:edit", "v1:venue-detail"), so the URL follows
the URLconf, and tests/test_routes.py can tell which routes no Case covers. `kwargs`, `query`, `data`
(a form) and `json` (a JSON body) are values or callables of the test's objects, resolved per run.
`matrix` runs every Case once per role, each on fresh data. `check` sends the request and asserts
the status; LOGIN means a redirect to the sign-in page. The response is returned for further checks.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import reverse

ROLES = ("anonymous", "staff", "city_official", "api_client", "sysadmin", "secadmin", "auditor")
ADMIN_ROLES = ("sysadmin", "secadmin", "auditor")  # 三员 (SPEC §5): none of them uses the workspace or the data API
LOGIN = "login"

Expected = Mapping[str, int | str]
Late = Any  # a value, or a callable taking the test's objects and returning it


def page(**overrides: int | str) -> dict[str, int | str]:
    """A workspace page: anonymous are sent to sign in, staff and city officials get in, API clients and
    the three administrators do not."""
    return _roles(
        {"anonymous": LOGIN, "staff": 200, "city_official": 200, "api_client": 403, **dict.fromkeys(ADMIN_ROLES, 403)},
        overrides,
    )


def endpoint(**overrides: int | str) -> dict[str, int | str]:
    """An API endpoint: anonymous get 401, every business role reads, the three administrators get 403."""
    return _roles(
        {"anonymous": 401, "staff": 200, "city_official": 200, "api_client": 200, **dict.fromkeys(ADMIN_ROLES, 403)},
        overrides,
    )


def everyone(status: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


def _roles(defaults: dict, overrides: dict) -> dict[str, int | str]:
    unknown = set(overrides) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {**defaults, **overrides}


@dataclass(frozen=True)
class Case:
    route: str
    expected: Expected
    method: str = "get"
    kwargs: Late = None
    query: Late = None
    data: Late = None
    json: Late = None
    label: str = ""

    def __post_init__(self):
        assert set(self.expected) == set(ROLES), f"{self.id}: expected statuses for {ROLES}"
        assert self.data is None or self.json is None, f"{self.id}: a form or a JSON body, not both"

    @property
    def id(self) -> str:
        return " ".join(filter(None, [self.method.upper(), self.route, self.label]))

    def url(self, objects: Mapping) -> str:
        return reverse(self.route, kwargs=_late(self.kwargs, objects))


def _late(value, objects: Mapping):
    return value(objects) if callable(value) else value


def matrix(cases: list[Case]):
    """Parametrize a test over (case, role): one test id per cell, e.g. "POST v1:venue-list-api_client"."""
    ids = [case.id for case in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"give these cases a label: {duplicates}"
    return pytest.mark.parametrize(
        ("case", "role"), [pytest.param(case, role, id=f"{case.id}-{role}") for case in cases for role in ROLES]
    )


def covered(cases: list[Case]) -> set[tuple[str, str]]:
    """(route, method) pairs the cases exercise."""
    return {(case.route, case.method) for case in cases}


def check(case: Case, *, role: str, client, objects: Mapping):
    """Send the case's request as `role` (the client is already signed in as it) and assert the status."""
    url = case.url(objects)
    query = _late(case.query, objects)
    if query:
        url = f"{url}?{urlencode(query, doseq=True)}"
    send = getattr(client, case.method)
    if case.json is not None:
        body = jsonlib.dumps(_late(case.json, objects), default=str)
        response = send(url, body, content_type="application/json")
    elif case.data is not None:
        response = send(url, _late(case.data, objects))
    else:
        response = send(url)
    expected = case.expected[role]
    status = response.status_code
    if expected == LOGIN:
        location = urlsplit(response.get("Location", ""))
        assert status == 302 and location.path == reverse("login") and "next=" in location.query, (
            f"{role} {case.id} {url}: got {status} {response.get('Location', '')}, expected a redirect to sign in"
        )
    else:
        assert status == expected, f"{role} {case.id} {url}: got {status}, expected {expected}\n{_excerpt(response)}"
    return response


def _excerpt(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return jsonlib.dumps(response.json(), ensure_ascii=False)[:600]
        except ValueError:
            pass
    if response.get("Location"):
        return f"Location: {response['Location']}"
    content = getattr(response, "content", b"")
    return content[:400].decode(errors="replace")
