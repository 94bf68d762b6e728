"""Environment access for settings (django-environ), in one place.

Variables come from the environment and, where it exists, from a local `.env` file in the checkout
(`make run` writes one for development: DJANGO_DEBUG=true and a generated DJANGO_SECRET_KEY, so
`.venv/bin/python manage.py …` works without extra variables). The environment always wins over the
file. `DJANGO_ENV_FILE` names another file; empty, none is read (the test settings read none).
The file is never committed (.gitignore) nor copied into the image (.dockerignore).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))

env = environ.Env()
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE)  # overwrite=False: a variable already set is kept

# The development key: only accepted while DJANGO_DEBUG is on (see settings).
DEV_SECRET_KEY = "django-insecure-expoplan-development-key-do-not-use-in-production"

DEVELOPMENT_ENV = """\
# Local development settings, written once by `make run` (never committed; edit freely).
# config/env.py reads this file; variables set in the environment win over it.
DJANGO_DEBUG=true
DJANGO_SECRET_KEY={key}
"""


def write_development_env(path: Path) -> bool:
    """Write a development `.env` at `path` with a freshly generated key, unless the file exists."""
    if path.exists():
        return False
    path.write_text(DEVELOPMENT_ENV.format(key=secrets.token_urlsafe(50)), encoding="utf-8")
    path.chmod(0o600)
    return True


if __name__ == "__main__":  # `python -m config.env PATH` (the Makefile's `.env` target)
    target = Path(sys.argv[1] if len(sys.argv) > 1 else BASE_DIR / ".env")
    print(f"wrote {target}" if write_development_env(target) else f"{target} exists: kept")
