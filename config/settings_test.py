"""Test settings: eager Celery, locmem cache, fast hashing. The database follows DATABASE_URL."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH")

from config.settings import *  # noqa: E402,F403
from config.settings import REDIS_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "local": {"BACKEND": "core.cache.ImmutableLocMemCache", "LOCATION": "expoplan-local"},  # as in production
}
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
TEST_REDIS_URL = REDIS_URL
# The session memory (core/session_memory.py) is on only where a test turns it on (its own tests, and
# processes they start): elsewhere a test's request must not depend on whether the listener has
# subscribed yet.
EXPOPLAN_SESSION_MEMORY_SECONDS = int(os.environ.get("EXPOPLAN_SESSION_MEMORY_SECONDS", "0"))
