"""The Celery app. Periodic tasks are declared in code here (beat_schedule)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jctgov.settings")

# Every task enqueues on commit when called inside a transaction (jctgov.core.tasks).
app = Celery("jctgov", task_cls="jctgov.core.tasks:TransactionAwareTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each app appends its periodic tasks in jctgov/schedule.py so this stays one list.
from jctgov.schedule import BEAT_SCHEDULE  # noqa: E402

app.conf.beat_schedule = BEAT_SCHEDULE
