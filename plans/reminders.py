"""Reminders of improvement plans: before the due date once, after it every `remind_every_days_after` days,
for plans the unit still has to file (nháp, trả lại). Each reminder is a PlanEvent (the in-app notice on the
plan page and the unit page) and an e-mail, through Django's mail backend, to the unit's managers and
officials who have an address. The daily beat task (config/celery.py) first creates the plans the rules
require of newly published campaigns."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.models import OPEN_STATUSES, ImprovementPlan, PlanEvent, PlanEventKind, PlanRules
from plans.services import plans_require
from units.access import POLICY, SYSTEM, Action
from units.formatting import date_vi

logger = logging.getLogger(__name__)


def reminder_due(plan: ImprovementPlan, rules: PlanRules, today: dt.date, last: dt.date | None) -> bool:
    """Whether `plan` gets a reminder today, given the day of its last reminder (None: never)."""
    days_left = (plan.due_on - today).days
    if 0 <= days_left <= rules.remind_days_before:
        return last is None or (plan.due_on - last).days > rules.remind_days_before  # once before the due date
    if days_left < 0:
        return last is None or last <= plan.due_on or (today - last).days >= rules.remind_every_days_after
    return False


def reminder_text(plan: ImprovementPlan, today: dt.date) -> str:
    if today <= plan.due_on:
        return _("Nhắc hạn: kế hoạch cải tiến của %(unit)s (%(campaign)s) cần nộp trước hạn %(due)s.") % {
            "unit": plan.unit.name,
            "campaign": plan.campaign.name,
            "due": date_vi(plan.due_on),
        }
    return _(
        "Quá hạn: kế hoạch cải tiến của %(unit)s (%(campaign)s) đã quá hạn %(due)s. Hãy nộp ngay: kế hoạch nộp muộn vẫn được nhận và ghi là nộp muộn."
    ) % {
        "unit": plan.unit.name,
        "campaign": plan.campaign.name,
        "due": date_vi(plan.due_on),
    }


def plan_recipients(plan: ImprovementPlan) -> list[str]:
    """E-mail addresses of the active users who may file the plan, holding their role at the unit itself."""
    users = User.objects.filter(is_active=True, memberships__unit=plan.unit, memberships__role__in=POLICY[Action.PLANS_FILE]).exclude(
        email=""
    )
    return sorted(set(users.values_list("email", flat=True)))


def plan_reminders_send(*, today: dt.date | None = None) -> int:
    """Create the required plans of published campaigns with rules, then send the reminders due today; returns
    how many were sent. Safe to run twice a day: a plan gets at most one reminder a day."""
    today = today or timezone.localdate()
    sent = 0
    for rules in PlanRules.objects.select_related("campaign__organiser").filter(campaign__published_at__isnull=False):
        plans_require(campaign=rules.campaign, actor=SYSTEM)
        plans = ImprovementPlan.objects.filter(campaign=rules.campaign, status__in=OPEN_STATUSES).select_related("unit", "campaign")
        for plan in plans:
            sent += _remind(plan, rules, today)
    return sent


@transaction.atomic
def _remind(plan: ImprovementPlan, rules: PlanRules, today: dt.date) -> int:
    plan = (
        ImprovementPlan.objects.select_for_update(of=("self",)).select_related("unit", "campaign").get(pk=plan.pk)
    )  # two beats never both send
    last_at = plan.events.filter(kind=PlanEventKind.REMINDED).order_by("-at").values_list("at", flat=True).first()
    last = timezone.localdate(last_at) if last_at else None
    if last == today or not reminder_due(plan, rules, today, last):
        return 0
    text = reminder_text(plan, today)
    PlanEvent.objects.create(plan=plan, kind=PlanEventKind.REMINDED, comment=text)
    recipients = plan_recipients(plan)
    if recipients:
        link = reverse("plans:plan", args=[plan.campaign.code, plan.unit.code])
        body = f"{text}\n\n{_('Mở kế hoạch')}: {link}"
        transaction.on_commit(lambda: _mail(text, body, recipients))
    return 1


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    try:
        send_mail(subject[:150], body, None, recipients)
    except OSError:  # the mail server being down must not undo the reminder (it stays on the plan page)
        logger.warning("Không gửi được thư nhắc hạn kế hoạch", exc_info=True)
