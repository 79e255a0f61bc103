"""The Celery app and the whole periodic schedule, one comment per entry."""

import os

from celery import Celery
from celery.schedules import crontab

from config.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("hailong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Recompute whatever campaigns are still marked dirty (catches up after a broker outage or a failed run);
    # the interval bounds how stale a dashboard can be after an outage (RECOMPUTE_SWEEP_SECONDS, default 20).
    "sweep-dirty-campaigns": {"task": "reports.tasks.sweep_dirty", "schedule": float(env_int("RECOMPUTE_SWEEP_SECONDS", 20))},
    # Recompute every active campaign from scratch every night at 02:00 (Asia/Ho_Chi_Minh).
    "nightly-full-recompute": {"task": "reports.tasks.recompute_all", "schedule": crontab(hour=2, minute=0)},
    # Delete export files whose time is up.
    "expire-exports": {"task": "reports.tasks.expire_exports", "schedule": crontab(minute=15)},
    # Erase frames' names, phones and addresses PERSONAL_DATA_RETENTION_DAYS after publication, daily at 03:30 (audited).
    "purge-personal-data": {"task": "campaigns.tasks.purge_personal_data", "schedule": crontab(hour=3, minute=30)},
}
