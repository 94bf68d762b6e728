"""Cached database sessions (Django's `cached_db`, on the default cache: Redis) stored in
`core.Session`: see `core.sessions`."""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from core.sessions import UserSessionMixin


class SessionStore(UserSessionMixin, cached_db.SessionStore):
    pass
