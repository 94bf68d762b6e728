"""Environment access for settings (django-environ), in one place."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# The development key: only accepted while DJANGO_DEBUG is on (see settings).
DEV_SECRET_KEY = "django-insecure-expoplan-development-key-do-not-use-in-production"
