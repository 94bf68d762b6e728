"""Session store: Django's database sessions on core.Session, whose row also names the signed-in user.

Loading a session fetches, in the same statement, the session's user and their role (a join on that
column; core.backends builds the user from it). A signed-in request therefore costs one database round
trip for its session, user and role together, with the database as the only authority: a sign-out,
deactivation, deletion (which deletes the user's sessions) or password change takes effect on the next
request, whatever process serves it.

The user column is written from the session data whenever the session is saved, so it always names the
user the data names; the backend uses the fetched user only when the two agree.

With Redis, a web process also remembers the sessions it loaded and forgets them whenever a change is
announced (core.session_memory): a repeat request then costs no database round trip.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.utils import timezone

from core.backends import user_from_row, user_pk, user_with_role_select
from core.db import fetch_one, stored_datetime
from core.session_memory import session_memory


class SessionStore(db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._user_row = None  # (user pk, row) fetched with the session

    @classmethod
    def get_model_class(cls):
        from core.models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = user_pk(data.get(SESSION_KEY))
        return session

    def load(self):
        self._user_row = None
        if self.session_key is None:  # no key, or one that is not a valid key
            return {}
        memory = session_memory()
        epoch = None
        if memory is not None:
            remembered = memory.recall(self.session_key)
            if remembered is not None:
                self._user_row = remembered.user_row
                return dict(remembered.data)
            epoch = memory.epoch()
        user_model = get_user_model()
        select, params = user_with_role_select()
        sessions, users = self.model._meta.db_table, user_model._meta.db_table
        row = fetch_one(
            "expoplan_session_user",
            f"SELECT s.session_data, s.expire_date, s.user_id, {select} FROM {sessions} s "  # noqa: S608
            f'LEFT JOIN {users} u ON u."{user_model._meta.pk.column}" = s.user_id '
            f"WHERE s.session_key = %s AND s.expire_date > %s",
            [*params, self.session_key, timezone.now()],
        )
        if row is None:  # unknown or expired: as Django's store, forget the key (a new one is issued)
            self._session_key = None
            return {}
        session_data, expires, user_id, user = row[0], row[1], row[2], row[3:]
        if user_id is not None and user[0] is not None:
            self._user_row = (user_id, user)
        data = self.decode(session_data)
        if memory is not None:
            memory.remember(self.session_key, epoch, data, self._user_row, stored_datetime(expires))
        return data

    def session_user(self, pk):
        """The user `pk` (with their role) as fetched with this session, or None when it was not."""
        if self._user_row is None or self._user_row[0] != pk:
            return None
        return user_from_row(self._user_row[1])
