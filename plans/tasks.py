"""Celery tasks of improvement plans: thin, idempotent, scheduled in config/celery.py."""

from __future__ import annotations

from celery import shared_task

from plans.reminders import plan_reminders_send
from plans.self_surveys import self_surveys_due
from reports.tasks import RETRYING


@shared_task(name="plans.tasks.plan_reminders", soft_time_limit=300, time_limit=360, **RETRYING)
def plan_reminders() -> int:
    """Daily: create the plans newly published campaigns require, and send the reminders due today."""
    return plan_reminders_send()


@shared_task(name="plans.tasks.self_surveys_make", soft_time_limit=300, time_limit=360, **RETRYING)
def self_surveys_make() -> int:
    """Daily: make the draft campaign of every recurring self-survey whose next period has begun."""
    return len(self_surveys_due())
