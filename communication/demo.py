"""Demo communication plan: this year's SIPAS campaign of Khánh Hòa with four activities, about half of the
units' tasks reported (some late, some overdue), with links and a photo as evidence (called by load_demo).

Idempotent: a campaign that already has a plan keeps it.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign
from communication.evidence_samples import png_square
from communication.models import Activity, ActivityKind, CommunicationPlan, UnitTask
from communication.services import activity_save, plan_for, plan_letter_save, task_report
from units.access import SYSTEM
from units.demo import DEMO_PASSWORD
from units.models import Role, Unit
from units.services import membership_grant

SIPAS_2025 = "sipas-2025-khanh-hoa"
COMMUNES_SHOWN = 12  # the first communes of the province, so that the demo's tables stay readable
COMMUNE_USER = "xa"


class _Photo(io.BytesIO):
    name = "niem-yet-mot-cua.png"


def _activities(today: dt.date, communes: list[Unit], centre: list[Unit]) -> list[tuple[Activity, list[Unit]]]:
    return [
        (
            Activity(
                kind=ActivityKind.POSTING,
                title="Niêm yết thông báo khảo sát tại bộ phận một cửa",
                start=today - dt.timedelta(days=20),
                deadline=today - dt.timedelta(days=7),
                description="In áp phích A4 có mã QR, dán tại nơi tiếp nhận hồ sơ; chụp ảnh làm minh chứng.",
            ),
            communes + centre,
        ),
        (
            Activity(
                kind=ActivityKind.WEBSITE,
                title="Đăng thông báo trên trang thông tin điện tử",
                start=today - dt.timedelta(days=10),
                deadline=today + dt.timedelta(days=5),
            ),
            communes[:6] + centre,
        ),
        (
            Activity(
                kind=ActivityKind.RADIO,
                title="Phát thông báo trên hệ thống loa truyền thanh",
                start=today - dt.timedelta(days=5),
                deadline=today + dt.timedelta(days=15),
                description="Phát 2 lần mỗi tuần trong thời gian khảo sát.",
            ),
            communes,
        ),
        (
            Activity(
                kind=ActivityKind.VILLAGE,
                title="Cán bộ thôn hỗ trợ điều tra viên tại vùng sâu, vùng xa",
                start=today,
                deadline=today + dt.timedelta(days=30),
            ),
            communes[:4],
        ),
    ]


def _report(task: UnitTask, actor: User | None, *, day: dt.date, photo: bool) -> None:
    files = [_Photo(png_square())] if photo else []
    links = [] if photo else [f"https://khanhhoa.gov.vn/tin-tuc/khao-sat-sipas-{task.unit.code}"]
    task_report(task=task, actor=actor or SYSTEM, note="Đã thực hiện theo kế hoạch.", files=files, links=links)
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    UnitTask.objects.filter(pk=task.pk).update(done_at=moment, done_on=day)  # the day it happened, for a demo with history


@transaction.atomic
def load_communication_demo() -> list[str]:
    campaign = Campaign.objects.filter(previous__code=SIPAS_2025).select_related("organiser").first()
    if campaign is None:
        return []
    if CommunicationPlan.objects.filter(campaign=campaign).exists():
        return [f"{campaign.code}: đã có kế hoạch truyền thông"]
    official = User.objects.filter(username="canbo").first() or SYSTEM
    communes = list(
        Unit.objects.filter(path__startswith=campaign.organiser.path, type__code="commune", is_active=True).order_by("path")[
            :COMMUNES_SHOWN
        ]
    )
    centre = list(Unit.objects.filter(code="KH-TTPVHCC"))
    reporter, created = User.objects.get_or_create(
        username=COMMUNE_USER, defaults={"first_name": f"Cán bộ {communes[0].name}" if communes else "Cán bộ xã"}
    )
    if created:
        reporter.set_password(DEMO_PASSWORD)
        reporter.save()
    if communes:
        membership_grant(user=reporter, unit=communes[0], role=Role.UNIT_MANAGER, actor=SYSTEM)
    plan = plan_for(campaign=campaign, actor=official)
    plan_letter_save(
        plan=plan,
        actor=official,
        letter_number="/UBND-NC",
        signer_title="TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH",
        signer_name="Nguyễn Văn Minh",
        letter_recipients="Như trên\nSở Nội vụ (để theo dõi)",
    )
    today = timezone.localdate()
    for activity, units in _activities(today, communes, centre):
        activity.plan = plan
        activity_save(activity=activity, units=units, actor=official)
    # About half of the tasks reported: the posting by most (some late), the website and the radio by a few; the rest open or overdue.
    posting, website, radio = plan.activities.order_by("deadline", "pk")[:3]
    for index, task in enumerate(posting.tasks.select_related("unit").order_by("unit__path")):
        if index % 4 == 3:
            continue  # overdue
        late = index % 4 == 2
        _report(
            task,
            official,
            day=posting.deadline + dt.timedelta(days=2) if late else posting.deadline - dt.timedelta(days=3),
            photo=index == 0,
        )
    for activity in (website, radio):
        for task in list(activity.tasks.select_related("unit").order_by("unit__path"))[:4]:
            _report(task, official, day=today - dt.timedelta(days=1), photo=False)
    done = UnitTask.objects.filter(activity__plan=plan, done_on__isnull=False).count()
    total = UnitTask.objects.filter(activity__plan=plan).count()
    return [
        f"{campaign.code}: kế hoạch truyền thông, {done}/{total} việc đã báo cáo; tài khoản {COMMUNE_USER} / {DEMO_PASSWORD} — lãnh đạo {communes[0].name if communes else ''}"
    ]
