"""Session store: Django's cached_db (read from the cache, written through to the database) that
survives a cache outage — every cache error falls back to the database and is logged, never raised.

Used when REDIS_URL is set (config/settings.py); without Redis, sessions live in the database only
(a process-local cache would not see another process's logout).
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger("expoplan.sessions")


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("session cache unreachable; reading the database", exc_info=True)
            data = None
        if data is not None:
            return data
        s = self._get_session_from_db()
        if not s:
            return {}
        data = self.decode(s.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=s.expire_date))
        except Exception:
            logger.warning("session cache unreachable; not caching the session", exc_info=True)
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session cache unreachable; checking the database", exc_info=True)
        return super(cached_db.SessionStore, self).exists(session_key)

    def delete(self, session_key=None):
        key = session_key or self.session_key
        super(cached_db.SessionStore, self).delete(session_key)  # the database row first
        if key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + key)
        except Exception:
            # The cached copy outlives the row until the cache returns; logged loudly.
            logger.error("session cache unreachable; a deleted session stays cached", exc_info=True)
