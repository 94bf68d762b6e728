"""Test settings: the production settings with eager Celery and fast password hashing.

Sessions and the cache take the production path: with REDIS_URL (CI), cached database sessions on
Django's RedisCache; without it, database sessions and the local-memory cache. The cache uses the
Redis database after REDIS_URL's, so that a test clearing it never touches the broker's.
The database follows DATABASE_URL.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH")
os.environ.setdefault("DJANGO_ENV_FILE", "")  # tests never read a developer's .env (config/env.py)

from config.settings import *  # noqa: E402,F403
from config.settings import CACHES, REDIS_URL  # noqa: E402


def _next_database(url: str) -> str:
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + 1) % 16}"))


if REDIS_URL:
    CACHES["default"]["LOCATION"] = _next_database(REDIS_URL)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Tests talk to the app over http://testserver.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
