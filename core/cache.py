"""The cache fails open: logging of a Redis outage (settings CACHES, DJANGO_REDIS_LOGGER).

django-redis with `IGNORE_EXCEPTIONS` answers every cache call as a miss while Redis is unreachable and
logs each ignored error on `expoplan.cache`. A request makes several cache calls (session, throttle,
fragments), so `OutageLogFilter` lets one record through per interval, as a WARNING that says what the
outage means, and counts the ones it held back.
"""

from __future__ import annotations

import logging
import threading
import time

OUTAGE_LOG_INTERVAL_SECONDS = 60


class OutageLogFilter(logging.Filter):
    """One WARNING per `OUTAGE_LOG_INTERVAL_SECONDS` for the records of the logger it is set on."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self._lock = threading.Lock()
        self._next = 0.0
        self._held_back = 0

    def reset(self) -> None:
        with self._lock:
            self._next, self._held_back = 0.0, 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._held_back += 1
                return False
            held_back, self._held_back = self._held_back, 0
            self._next = now + OUTAGE_LOG_INTERVAL_SECONDS
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.msg = (
            "Cache (Redis) unreachable: answering without it — cache reads miss, the API throttle does not "
            "count, sessions are read from the database (%d similar errors in the last %d s not logged)"
        )
        record.args = (held_back, OUTAGE_LOG_INTERVAL_SECONDS)
        return True
