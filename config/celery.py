"""The Celery application. Configuration comes from Django settings (CELERY_* names).

Periodic work is defined here, in one place (run `make beat`; times are Asia/Shanghai):
- every 15 minutes: `targets.recompute_stale_progress` — recompute every year whose data changed since
  its latest snapshot (catches up whatever a broker outage or a lost task missed);
- nightly at 01:05: `targets.recompute_current_year_progress` — the current year (expected-to-date
  moves with the calendar), then prune the snapshot history (all of 7 days, one a day before).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("expoplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "progress-catch-up-every-15-minutes": {
        "task": "targets.recompute_stale_progress",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    "progress-current-year-nightly": {
        "task": "targets.recompute_current_year_progress",
        "schedule": crontab(hour=1, minute=5),
        "options": {"expires": 6 * 60 * 60},
    },
}
