"""Authentication backend: Django's ModelBackend, loading the signed-in user and their role in one query.

Every page checks the role (core.roles.role_of). Loading the user of a session already costs a query;
the role group rides along as a scalar subquery instead of costing a second query on every request.
The statement is constant, so it is written once (a raw queryset) rather than compiled on each request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from core.roles import GROUP_NAMES, ROLE_PRIORITY, role_from_group


def _user_with_role_sql() -> tuple[str, list[str]]:
    user_model = get_user_model()
    users = user_model._meta.db_table
    groups = Group._meta.db_table
    memberships = user_model.groups.through._meta.db_table
    names = [GROUP_NAMES[role] for role in ROLE_PRIORITY]
    marks = ", ".join(["%s"] * len(names))
    rank = " ".join(f"WHEN %s THEN {i}" for i in range(len(names)))
    sql = (
        f"SELECT u.*, (SELECT g.name FROM {groups} g JOIN {memberships} ug ON ug.group_id = g.id "  # noqa: S608
        f"WHERE ug.user_id = u.id AND g.name IN ({marks}) ORDER BY CASE g.name {rank} END LIMIT 1) "
        f"AS expoplan_role_group FROM {users} u WHERE u.id = %s"
    )
    return sql, names + names


class RoleModelBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        sql, params = _user_with_role_sql()
        user = next(iter(user_model._default_manager.raw(sql, [*params, pk])), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        user._expoplan_role = role_from_group(user, user.expoplan_role_group)
        return user
