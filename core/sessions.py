"""Session engines: Django's database sessions (`core.sessions`) and cached database sessions
(`core.sessions_cached`, on the default cache: Redis), stored in `core.Session`, whose row also names
the signed-in user so that the admin can list and end a user's sessions.

This is Django's documented way to extend a database-backed session engine (a model of its own and
`create_model_instance`); loading, saving, expiry and the cache are Django's.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError


class UserSessionMixin:
    @classmethod
    def get_model_class(cls):
        from core.models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_id = get_user_model()._meta.pk.to_python(data.get(SESSION_KEY))
        except ValidationError:
            session.user_id = None
        return session


class SessionStore(UserSessionMixin, db.SessionStore):
    pass
