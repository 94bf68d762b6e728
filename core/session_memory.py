"""Signed-in sessions remembered in process memory, and forgotten on every change through Redis.

Without Redis, every signed-in request loads its session, user and role in one statement
(core.sessions). With Redis, each web process also remembers the sessions it loaded (session data, user
row, role) for up to EXPOPLAN_SESSION_MEMORY_SECONDS (default 30) and serves repeat requests from memory,
but only while it listens on the channel where every change is announced:

- a session saved or deleted (sign-in, sign-out, any session write, a deleted user's sessions):
  ``s:<session key>``;
- a user saved or deleted (deactivation, password or flag changes), or their groups changed:
  ``u:<user id>``;
- a group saved, deleted or its members changed from the group's side: ``*`` (forget everything).

The process that makes a change forgets at once and again when the transaction commits; the others
forget when the announcement (published on commit) reaches them, about a millisecond later. Each
process listens on a background thread; when its subscription drops it forgets everything and reads
the database until it has subscribed again. A load that overlapped any announcement is not remembered
(the memory's epoch moved while it read). Changes that announce nothing, such as raw SQL or
QuerySet.update() on users, take effect within the memory's lifetime.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("expoplan.sessions")

CHANNEL = "expoplan:sessions"
LISTENER_NAME = "expoplan-session-memory"
IMMUTABLE = (str, int, float, bool, type(None))
PING_AFTER = 5.0  # seconds without traffic before the listener pings Redis
SILENCE_LIMIT = 15.0  # seconds without any reply (not even to a ping) before it reconnects
PUBLISH_BACKOFF = 5.0  # seconds without publishing attempts after one failed (a save never waits long)


@dataclass(frozen=True)
class Remembered:
    data: tuple  # the session data's items; immutable values only
    user_row: tuple | None  # (user pk, (<user columns>, <role group>)) as core.sessions fetched them
    expires: datetime  # the session's expiry
    deadline: float  # time.monotonic() after which the entry is not used


class SessionMemory:
    def __init__(self, url: str, seconds: float, max_entries: int = 10_000):
        self.url = url
        self.seconds = seconds
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, Remembered] = OrderedDict()
        self._epoch = 0
        self._listening = False
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._publisher: redis.Redis | None = None
        self._quiet_until = 0.0  # no publishing attempts before this time.monotonic() (after a failure)

    # --- reading --------------------------------------------------------------------------------

    def recall(self, session_key: str) -> Remembered | None:
        """The remembered session, or None (not remembered, too old, expired, or not listening)."""
        self._ensure_listener()
        with self._lock:
            if not self._listening:
                return None
            entry = self._entries.get(session_key)
            if entry is None:
                return None
            if entry.deadline <= time.monotonic() or entry.expires <= timezone.now():
                del self._entries[session_key]
                return None
            return entry

    def epoch(self) -> int | None:
        """Taken before a database load and handed to `remember`; None while not listening."""
        with self._lock:
            return self._epoch if self._listening else None

    def remember(self, session_key: str, epoch: int | None, data: dict, user_row, expires: datetime) -> bool:
        """Keep a session loaded from the database, unless anything was forgotten since `epoch`."""
        if epoch is None or not all(isinstance(value, IMMUTABLE) for value in data.values()):
            return False
        entry = Remembered(tuple(data.items()), user_row, expires, time.monotonic() + self.seconds)
        with self._lock:
            if not self._listening or self._epoch != epoch:
                return False
            self._entries[session_key] = entry
            self._entries.move_to_end(session_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return True

    # --- forgetting -----------------------------------------------------------------------------

    def forget(self, message: str) -> None:
        """Apply one announcement to this process's memory."""
        with self._lock:
            self._epoch += 1
            kind, _, value = message.partition(":")
            if kind == "s":
                self._entries.pop(value, None)
            elif kind == "u":
                for key in [k for k, e in self._entries.items() if e.user_row and str(e.user_row[0]) == value]:
                    del self._entries[key]
            else:  # "*", or anything unexpected
                self._entries.clear()

    def announce(self, message: str) -> None:
        """Forget here at once, and everywhere when the current transaction commits."""
        self.forget(message)
        transaction.on_commit(lambda: self._publish(message))

    def _publish(self, message: str) -> None:
        self.forget(message)  # again: this process may have loaded the old rows before the commit
        if time.monotonic() < self._quiet_until:  # Redis failed a moment ago: do not wait on it again
            logger.error(
                "session change %r not announced (Redis unreachable); others forget within %ss", message, self.seconds
            )
            return
        try:
            if self._publisher is None:
                self._publisher = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
            self._publisher.publish(CHANNEL, message)
        except redis.RedisError:
            # A process that cannot reach Redis is usually not the only one: the others then stop
            # listening and forget everything. One that still listens keeps its entries at most `seconds`.
            self._quiet_until = time.monotonic() + PUBLISH_BACKOFF
            logger.error("could not announce session change %r; others forget within %ss", message, self.seconds)

    # --- listening ------------------------------------------------------------------------------

    def _set_listening(self, listening: bool) -> None:
        with self._lock:
            self._listening = listening
            self._epoch += 1
            self._entries.clear()

    def _ensure_listener(self) -> None:
        pid = os.getpid()
        if self._pid == pid and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == pid and self._thread is not None and self._thread.is_alive():
                return
            if self._pid != pid:  # a forked child: nothing inherited is trusted
                self._entries.clear()
                self._listening = False
                self._epoch += 1
                self._publisher = None
            self._pid = pid
            self._thread = threading.Thread(target=self._listen, name=LISTENER_NAME, daemon=True)
            self._thread.start()

    def _listen(self) -> None:
        delay = 0.5
        while True:
            pubsub = None
            try:
                client = redis.Redis.from_url(
                    self.url, socket_connect_timeout=2, socket_timeout=SILENCE_LIMIT, client_name=LISTENER_NAME
                )
                pubsub = client.pubsub()
                pubsub.subscribe(CHANNEL)
                heard = time.monotonic()
                pinged = False
                while True:
                    message = pubsub.get_message(timeout=1.0)
                    now = time.monotonic()
                    if message is None:
                        if now - heard > SILENCE_LIMIT:
                            raise redis.ConnectionError("no reply from Redis")
                        if now - heard > PING_AFTER and not pinged:
                            pubsub.ping()
                            pinged = True
                        continue
                    heard, pinged = now, False
                    if message["type"] == "subscribe":
                        self._set_listening(True)
                        delay = 0.5
                    elif message["type"] == "message":
                        data = message["data"]
                        self.forget(data.decode() if isinstance(data, bytes) else str(data))
            except Exception:  # noqa: BLE001 - any failure: stop trusting memory, then reconnect
                logger.warning("session memory: not listening to %s; reading sessions from the database", CHANNEL)
            finally:
                self._set_listening(False)
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001, S110 - the connection is already broken
                        pass
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


_memory: SessionMemory | None = None
_memory_lock = threading.Lock()


def session_memory() -> SessionMemory | None:
    """This process's session memory, or None when it is off (no Redis, or 0 seconds)."""
    global _memory
    seconds = getattr(settings, "EXPOPLAN_SESSION_MEMORY_SECONDS", 0)
    url = getattr(settings, "REDIS_URL", "")
    if not seconds or not url:
        return None
    memory = _memory
    if memory is None or memory.url != url or memory.seconds != seconds:
        with _memory_lock:
            memory = _memory
            if memory is None or memory.url != url or memory.seconds != seconds:
                memory = _memory = SessionMemory(url, seconds)
    return memory


def announce(message: str) -> None:
    memory = session_memory()
    if memory is not None:
        memory.announce(message)
