"""Single-flight per year: a PostgreSQL transaction-level advisory lock (a no-op on SQLite).

SQLite serialises writers anyway and runs only in development (`make run`, eager tasks), so no lock
is needed there. On PostgreSQL the lock is held until the surrounding transaction ends, so a worker
that dies releases it with its connection; waiting is bounded by `lock_timeout`.
"""

from __future__ import annotations

from django.db import connection, transaction

# The first key of the two-integer advisory lock space: "progress" locks of ExpoPlan.
PROGRESS_LOCK_NAMESPACE = 0x45_58_50_01
LOCK_TIMEOUT_SECONDS = 120


def lock_year(year: int, *, timeout_seconds: int = LOCK_TIMEOUT_SECONDS, synchronous_commit: bool = True) -> None:
    """Block until this transaction holds the progress lock of `year` (must run inside atomic()).

    `synchronous_commit=False` lets the transaction commit without waiting for the WAL flush: right
    for a snapshot, which is derived data — after a crash the data marker still says stale and the
    periodic run recomputes it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_year() must be called inside transaction.atomic()")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SET LOCAL lock_timeout = '{int(timeout_seconds)}s'; "
            f"SET LOCAL synchronous_commit = {'on' if synchronous_commit else 'off'}; "
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [PROGRESS_LOCK_NAMESPACE, int(year)],
        )
