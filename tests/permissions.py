"""A reusable permission-matrix helper: every role × every page/action → expected status.

    ROLES = ("anonymous", "staff", "city_official", "api_client")
    check_matrix(client, users, cases)

Each Case names a URL (a callable taking the fixture objects, so ids are resolved late), the method,
optional POST data, and the expected status per role. "login" means a 302 to the sign-in page.
Failures are collected and reported together, so one run shows the whole matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "staff", "city_official", "api_client")
LOGIN = "login"


@dataclass
class Case:
    name: str
    url: Callable[[dict], str]
    expected: dict[str, int | str]
    method: str = "get"
    data: Callable[[dict], dict] | None = None
    follow_ok: set[int] = field(default_factory=set)


def expect(anonymous=LOGIN, staff=200, city_official=200, api_client=403) -> dict:
    return {"anonymous": anonymous, "staff": staff, "city_official": city_official, "api_client": api_client}


def check_matrix(client, users: dict, cases: list[Case], objects: dict) -> None:
    failures = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        for case in cases:
            expected = case.expected[role]
            url = case.url(objects)
            data = case.data(objects) if case.data else None
            response = (
                getattr(client, case.method)(url, data) if data is not None else getattr(client, case.method)(url)
            )
            status = response.status_code
            if expected == LOGIN:
                ok = status == 302 and "/accounts/login/" in response.get("Location", "")
            else:
                ok = status == expected
            if not ok:
                failures.append(
                    f"{role:14} {case.method.upper():5} {case.name:28} {url}: got {status}, expected {expected}"
                )
    client.logout()
    assert not failures, "permission matrix mismatches:\n" + "\n".join(failures)
