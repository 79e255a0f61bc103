"""A unit's recurring self-survey (tự khảo sát định kỳ, e.g. every quarter): each period is a draft copy
(campaigns.copying.campaign_copy) of the latest period's campaign, moved to the period's start, with its
quotas kept only inside the unit's subtree. The daily beat task makes the periods that are due; the
button "Tạo đợt tự khảo sát quý tới" makes the next one now."""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.copying import campaign_copy
from campaigns.models import Campaign, ChannelWindow, SampleQuota
from plans.models import SelfSurveySchedule
from units.access import SYSTEM, Action, require
from units.models import Unit
from units.services import Actor, audit_record


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def self_survey_schedule_save(
    *, unit: Unit, template: Campaign, every_months: int, next_start: dt.date, actor: Actor
) -> SelfSurveySchedule:
    """A recurring self-survey of `unit` from `template`, a campaign organised by the unit or below it."""
    require(actor, Action.CAMPAIGN_CONFIGURE, unit)
    if not template.organiser.path.startswith(unit.path):
        raise ValidationError(_("Đợt mẫu phải do chính đơn vị này hoặc một đơn vị cấp dưới tổ chức."))
    if not 1 <= every_months <= 12:
        raise ValidationError(_("Chu kỳ phải từ 1 đến 12 tháng."))
    schedule = SelfSurveySchedule.objects.create(unit=unit, template=template, every_months=every_months, next_start=next_start)
    audit_record(actor=actor, action="self_survey_schedule", obj=schedule)
    return schedule


def period_code(schedule: SelfSurveySchedule) -> str:
    base = schedule.template.series or schedule.template.code
    return f"{base[:50]}-{schedule.next_start:%Y%m}"


@transaction.atomic
def self_survey_next(*, schedule: SelfSurveySchedule, actor: Actor) -> Campaign:
    """Make the next period's draft campaign and move the schedule on by one period."""
    schedule = (
        SelfSurveySchedule.objects.select_for_update(of=("self",))
        .select_related("unit", "template__organiser", "last_campaign__organiser")
        .get(pk=schedule.pk)
    )
    require(actor, Action.CAMPAIGN_CONFIGURE, schedule.unit)
    source = schedule.last_campaign or schedule.template
    start = schedule.next_start
    if Campaign.objects.filter(code__iexact=period_code(schedule)).exists():
        raise ValidationError(_("Đợt tự khảo sát kỳ %(period)s đã có.") % {"period": f"{start:%m/%Y}"})
    copy = campaign_copy(
        campaign=source,
        code=period_code(schedule),
        name=f"{schedule.template.name} — " + _("kỳ %(period)s") % {"period": f"{start:%m/%Y}"},
        years=start.year - source.year,
        actor=actor,
    )
    shift = start - source.fieldwork_start
    Campaign.objects.filter(pk=copy.pk).update(fieldwork_start=start, fieldwork_end=source.fieldwork_end + shift)
    copied = ChannelWindow.objects.filter(campaign=copy).order_by("pk")  # made in the source's order (campaign_copy)
    for window, original in zip(copied, source.windows.order_by("pk"), strict=True):
        ChannelWindow.objects.filter(pk=window.pk).update(start=original.start + shift, end=original.end + shift)
    SampleQuota.objects.filter(campaign=copy).exclude(unit__path__startswith=schedule.unit.path).delete()  # the unit's subtree only
    schedule.last_campaign = copy
    schedule.next_start = add_months(start, schedule.every_months)
    schedule.save(update_fields=["last_campaign", "next_start"])
    audit_record(actor=actor, action="self_survey_next", obj=schedule, changes={"campaign": copy.code})
    copy.refresh_from_db()
    return copy


def self_surveys_due(*, today: dt.date | None = None) -> list[Campaign]:
    """For the daily beat task: the periods whose start has come (one per schedule per run)."""
    today = today or timezone.localdate()
    made = []
    for schedule in SelfSurveySchedule.objects.filter(is_active=True, next_start__lte=today).order_by("pk"):
        try:
            made.append(self_survey_next(schedule=schedule, actor=SYSTEM))
        except ValidationError:
            continue  # the period exists already (made by the button): nothing to do
    return made
