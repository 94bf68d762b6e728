"""Constant statements that run again and again, prepared once per PostgreSQL connection.

Planning a statement costs about as much as running a primary-key lookup, so the statement that loads a
request's session, user and role, and the one that reads a progress recompute's inputs, are prepared
(PREPARE) the first time a persistent connection runs them and executed by name afterwards. Without persistent connections (CONN_MAX_AGE = 0) a connection serves
one request, so preparing would only add a round trip: the statement then runs as written, as it does
on SQLite.

The statement names its columns: a prepared plan whose result columns change fails, and `table.*` would
change with the next migration that adds a column.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone

_PLACEHOLDER = re.compile(r"%s")


def _numbered(sql: str) -> str:
    """`%s` placeholders as PostgreSQL's `$1, $2, …` (the statement holds no literal percent sign)."""
    counter = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda _match: f"${next(counter)}", sql)


def fetch_one(name: str, sql: str, params: list) -> tuple | None:
    """The first row of the constant statement `sql` (with `%s` placeholders) for `params`.

    `name` identifies the statement; on a persistent PostgreSQL connection it is prepared under that
    name once, and the connection remembers it for as long as it lives.
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or not connection.settings_dict.get("CONN_MAX_AGE"):
            cursor.execute(sql, params)
            return cursor.fetchone()
        raw = connection.connection
        state = getattr(connection, "_expoplan_prepared", None)
        if state is None or state[0] is not raw:  # a new server session: nothing is prepared on it
            state = (raw, set())
            connection._expoplan_prepared = state
        if name not in state[1]:
            cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
            state[1].add(name)
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        return cursor.fetchone()


def stored_datetime(value) -> datetime | None:
    """A datetime column read on a raw cursor, aware: SQLite hands back text or naive UTC values."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value
