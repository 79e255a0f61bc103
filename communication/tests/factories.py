"""Builders for the communication tests: a campaign of province A with a plan, through the real services."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaigns.models import Campaign
from communication.evidence_samples import png_square
from communication.models import Activity, ActivityKind, CommunicationPlan, UnitTask
from communication.services import activity_save, plan_for
from surveys.tests.factories_collection import make_campaign
from units.access import SYSTEM
from units.models import Unit


@dataclass
class PlanWorld:
    campaign: Campaign
    plan: CommunicationPlan
    posting: Activity  # communes A1 and A2; deadline yesterday
    website: Activity  # A1 and the hospital; deadline in ten days

    def task(self, activity: Activity, unit: Unit) -> UnitTask:
        return UnitTask.objects.get(activity=activity, unit=unit)


def make_activity(
    plan: CommunicationPlan,
    units: list[Unit],
    *,
    kind: str = ActivityKind.POSTING,
    title: str = "Niêm yết thông báo",
    start: dt.date,
    deadline: dt.date,
) -> Activity:
    return activity_save(activity=Activity(plan=plan, kind=kind, title=title, start=start, deadline=deadline), units=units, actor=SYSTEM)


def make_plan_world(tree: dict[str, Unit], code: str = "dot-truyen-thong") -> PlanWorld:
    campaign = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], code=code).campaign
    plan = plan_for(campaign=campaign, actor=SYSTEM)
    today = timezone.localdate()
    posting = make_activity(
        plan,
        [tree["A1"], tree["A2"]],
        title="Niêm yết thông báo tại bộ phận một cửa",
        start=today - dt.timedelta(days=10),
        deadline=today - dt.timedelta(days=1),
    )
    website = make_activity(
        plan,
        [tree["A1"], tree["A-BV"]],
        kind=ActivityKind.WEBSITE,
        title="Đăng trên trang thông tin điện tử",
        start=today,
        deadline=today + dt.timedelta(days=10),
    )
    return PlanWorld(campaign, plan, posting, website)


def photo(name: str = "anh.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_square(), content_type="image/png")


def named(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name  # type: ignore[attr-defined]
    return upload
