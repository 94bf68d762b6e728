"""Authentication backend: Django's ModelBackend, loading the signed-in user and their role in one query.

Every page checks the role (core.roles.role_of). Loading the user of a session already costs a query;
the role group rides along as a scalar subquery instead of costing a second query on every request.
The statements are constant, so they are written once (and prepared, core.db) rather than compiled on
each request.

A request's session store (core.sessions) usually fetched the user and role together with the session
in its one statement; while Django's `auth.get_user` runs for that request (core.middleware), the
backend takes the user from there. Django still checks everything else as usual: the session's backend,
the user being active, and the session's password hash.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection

from core.db import fetch_one
from core.roles import GROUP_NAMES, ROLE_PRIORITY, role_from_group

# The session store of the request whose user is being loaded (set by core.middleware).
current_session: ContextVar = ContextVar("expoplan_current_session", default=None)


@cache
def user_columns() -> tuple[list[str], str]:
    """The user model's attribute names, and its columns as a select list on the alias `u`."""
    fields = get_user_model()._meta.concrete_fields
    return [f.attname for f in fields], ", ".join(f'u."{f.column}"' for f in fields)


@cache
def user_with_role_select() -> tuple[str, list[str]]:
    """`<user columns>, <role group name>` on the alias `u`, with the role subquery's parameters."""
    user_model = get_user_model()
    groups = Group._meta.db_table
    memberships = user_model.groups.through._meta.db_table
    names = [GROUP_NAMES[role] for role in ROLE_PRIORITY]
    marks = ", ".join(["%s"] * len(names))
    rank = " ".join(f"WHEN %s THEN {i}" for i in range(len(names)))
    pk = user_model._meta.pk.column
    sql = (
        f"{user_columns()[1]}, (SELECT g.name FROM {groups} g JOIN {memberships} ug ON ug.group_id = g.id "  # noqa: S608
        f'WHERE ug.user_id = u."{pk}" AND g.name IN ({marks}) ORDER BY CASE g.name {rank} END LIMIT 1)'
    )
    return sql, names + names


def _converters(connection) -> list:
    """(index, converters, column) of the user columns whose raw values the database backend converts
    (as the ORM's compiler does: SQLite's datetimes become aware, for one), kept per connection."""
    converters = getattr(connection, "_expoplan_user_converters", None)
    if converters is None:
        converters = []
        for index, field in enumerate(get_user_model()._meta.concrete_fields):
            column = field.cached_col
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                converters.append((index, found, column))
        connection._expoplan_user_converters = converters
    return converters


def user_from_row(values) -> object:
    """A user instance (with its role) from `<user columns>, <role group name>` as selected above."""
    user_model = get_user_model()
    names = user_columns()[0]
    row = list(values[: len(names)])
    for index, converters, column in _converters(connection):
        for converter in converters:
            row[index] = converter(row[index], column, connection)
    user = user_model.from_db(connection.alias, names, row)
    user._expoplan_role = role_from_group(user, values[len(names)])
    return user


def user_pk(value):
    """A user id as stored in session data, as the user model's primary key; None when it is not one."""
    if value is None:
        return None
    try:
        return get_user_model()._meta.pk.to_python(value)
    except ValidationError:
        return None


class RoleModelBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        pk = user_pk(user_id)
        if pk is None:
            return None
        session = current_session.get()
        user = session.session_user(pk) if session is not None else None
        if user is None:
            select, params = user_with_role_select()
            table = user_model._meta.db_table
            row = fetch_one(
                "expoplan_user_role",
                f'SELECT {select} FROM {table} u WHERE u."{user_model._meta.pk.column}" = %s',  # noqa: S608
                [*params, pk],
            )
            user = user_from_row(row) if row is not None else None
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
