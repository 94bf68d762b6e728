"""A real Celery worker for the live tests: `celery -A config worker` on this test database and Redis."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def worker_env(redis_url: str, var_dir: Path) -> dict:
    """The environment of a worker process that uses the test database, `redis_url` and `var_dir`."""
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "EXPOPLAN_VAR_DIR": str(var_dir),  # MEDIA_ROOT = var_dir/media
    }


@contextlib.contextmanager
def celery_worker(*, redis_url: str, var_dir: Path, log: Path) -> Iterator[subprocess.Popen]:
    """Starts a solo-pool worker logging to `log`, yields it once it is ready, stops it afterwards."""
    celery = str(Path(sys.executable).with_name("celery"))
    command = [celery, "-A", "config", "worker", "--pool=solo", "--loglevel=INFO", "--without-gossip"]
    with log.open("w") as out:
        worker = subprocess.Popen(
            [*command, "--without-mingle"],
            cwd=ROOT,
            env=worker_env(redis_url, var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
        assert "ready." in log.read_text(), log.read_text()[-3000:]
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)
