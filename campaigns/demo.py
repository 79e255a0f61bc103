"""Demo campaigns for Khánh Hòa: SIPAS 2025 over the communes and a Sở Y tế inpatient survey over the hospitals.

Needs the demo units and users (units.demo.load_units_demo) and two questionnaires, passed in by the
caller so that campaigns never imports surveys. Idempotent: a campaign that exists is left as it is.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from campaigns.fieldwork.dispositions import ContactOutcome
from campaigns.fieldwork.services import FieldworkError, attempt_record
from campaigns.frames import frame_import
from campaigns.models import Assignment, Campaign, Channel, IndexSchemeCode
from campaigns.sampling import sample_draw
from campaigns.services import campaign_activate, campaign_create, campaign_form_add, campaign_save, channel_window_add, quotas_generate
from units.access import SYSTEM
from units.demo import DEMO_PASSWORD, PROVINCE_CODE
from units.models import Role, Unit, UnitType
from units.services import Actor, membership_grant

SIPAS_CODE = "sipas-2025-khanh-hoa"
INPATIENT_CODE = "noi-tru-2025-khanh-hoa"
START, END = dt.date(2025, 9, 1), dt.date(2025, 11, 30)
HEALTH_ENUMERATOR = ("dieutravien_yte", "Ngô Thị Hồng (điều tra viên y tế)")

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Huỳnh"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Quốc", "Ngọc", "Thanh", "Hữu"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Linh", "Nam", "Phúc", "Quyên", "Sơn", "Tâm", "Trang", "Vy"]
PROCEDURES = ["Đăng ký khai sinh", "Chứng thực bản sao", "Đăng ký kết hôn", "Cấp giấy chứng nhận quyền sử dụng đất", "Đăng ký thường trú"]


def _frame_workbook(units: list[Unit], per_unit: int, procedures: list[str], seed: int) -> io.BytesIO:
    """A one-stop-system style export with made-up people (fixed seed: the same file every run)."""
    rng = random.Random(seed)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["họ tên", "phone", "address", "procedure", "completed_on", "unit_code"])
    for unit in units:
        for _ in range(per_unit):
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            day = START - dt.timedelta(days=rng.randint(1, 60))
            sheet.append([name, f"09{rng.randint(10_000_000, 99_999_999)}", f"Tổ {rng.randint(1, 20)}, {unit.name}", rng.choice(procedures), day.strftime("%d/%m/%Y"), unit.code])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _campaign_with_draw(
    *,
    code: str,
    name: str,
    organiser: Unit,
    questionnaire: Any,
    unit_type: UnitType,
    main_channel: str,
    quota_defaults: dict[str, int],
    phone_quota: int,
    frame_per_unit: int,
    procedures: list[str],
    scheme: str,
    target: int,
    target_source: str,
    notice: str,
    seed: int,
    actor: Actor,
) -> Campaign:
    campaign = campaign_create(
        code=code, name=name, organiser=organiser, fieldwork_start=START, fieldwork_end=END, index_scheme=scheme,
        target_index=target, target_source=target_source, notice_text=notice, series=code.rsplit("-2025", 1)[0], actor=actor,
    )
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, unit_types=[unit_type], actor=actor)
    channel_window_add(campaign=campaign, channel=main_channel, start=START, end=END, unit_types=[unit_type], actor=actor)
    quotas_generate(campaign=campaign, defaults=quota_defaults, actor=actor)
    # Phone interviews of people from the frame (the 1022 call-centre), a smaller quota per unit.
    channel_window_add(campaign=campaign, channel=Channel.PHONE, start=START, end=END, unit_types=[unit_type], actor=actor)
    quotas_generate(campaign=campaign, size=phone_quota, actor=actor)
    units = list(Unit.objects.filter(path__startswith=organiser.path, type=unit_type, is_active=True).order_by("path"))
    frame_import(campaign=campaign, source=_frame_workbook(units, frame_per_unit, procedures, seed), actor=actor)
    campaign.draw_seed = seed
    campaign_save(campaign=campaign, actor=actor, changed=["draw_seed"])
    sample_draw(campaign=campaign, actor=actor)
    campaign_activate(campaign=campaign, actor=actor)
    return campaign


@transaction.atomic
def load_campaigns_demo(*, sipas_questionnaire: Any, inpatient_questionnaire: Any) -> list[str]:
    """Create the two demo campaigns (active, with windows, quotas, a frame, a draw and enumerators); return one line each."""
    actor = User.objects.filter(username="canbo").first() or SYSTEM
    types = {unit_type.code: unit_type for unit_type in UnitType.objects.all()}
    province = Unit.objects.get(code=PROVINCE_CODE)
    health_department = Unit.objects.get(code="KH-SYT")
    enumerator, created = User.objects.get_or_create(username=HEALTH_ENUMERATOR[0], defaults={"first_name": HEALTH_ENUMERATOR[1]})
    if created:
        enumerator.set_password(DEMO_PASSWORD)
        enumerator.save()
    membership_grant(user=enumerator, unit=health_department, role=Role.ENUMERATOR, actor=SYSTEM)
    lines = []
    if not Campaign.objects.filter(code=SIPAS_CODE).exists():
        # Sở Nội vụ runs it for the province: the communes lie under the province, not under the department.
        _campaign_with_draw(
            code=SIPAS_CODE, name="Khảo sát SIPAS 2025 tỉnh Khánh Hòa", organiser=province, questionnaire=sipas_questionnaire,
            unit_type=types["commune"], main_channel=Channel.DESK, quota_defaults={"commune": 150, "ward": 200}, phone_quota=8,
            frame_per_unit=12, procedures=PROCEDURES, scheme=IndexSchemeCode.SIPAS, target=85,
            target_source="Kế hoạch cải cách hành chính năm 2025 của UBND tỉnh (dữ liệu mẫu): 85%, trên lộ trình 90% năm 2025 của Nghị quyết 76/NQ-CP",
            notice="Sở Nội vụ tỉnh Khánh Hòa khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước năm 2025. Xin Ông/Bà dành ít phút trả lời phiếu khảo sát.",
            seed=20250901, actor=actor,
        )
    lines.append(SIPAS_CODE)
    if not Campaign.objects.filter(code=INPATIENT_CODE).exists():
        _campaign_with_draw(
            code=INPATIENT_CODE, name="Khảo sát hài lòng người bệnh nội trú 2025", organiser=health_department,
            questionnaire=inpatient_questionnaire, unit_type=types["hospital"], main_channel=Channel.VENUE,
            quota_defaults={"hospital": 100}, phone_quota=10, frame_per_unit=25, procedures=["Điều trị nội trú"],
            scheme=IndexSchemeCode.MOH_POOLED, target=90,
            target_source="Kế hoạch cải tiến chất lượng năm 2025 của Sở Y tế (dữ liệu mẫu): 90%, cao hơn mục tiêu trên 80% năm 2025 của Nghị quyết 20-NQ/TW",
            notice="Sở Y tế tỉnh Khánh Hòa khảo sát sự hài lòng của người bệnh nội trú tại các bệnh viện năm 2025.",
            seed=20250902, actor=actor,
        )
    lines.append(INPATIENT_CODE)
    return lines


# A morning of calls on the current campaigns, so the call list, the case pages and the rates show something.
DEMO_CALLS = [ContactOutcome.REFUSED, ContactOutcome.NO_ANSWER, ContactOutcome.WRONG_NUMBER, ContactOutcome.BUSY, ContactOutcome.APPOINTMENT]


@transaction.atomic
def load_fieldwork_demo(*, campaign: Campaign, seed: int, actor: User | None) -> int:
    """The frame and the draw of an active demo campaign (its phone cells), then a few calls by each enumerator
    holding cases: a refusal, a no-answer, a wrong number, a busy line and an appointment two hours on.
    Returns the number of cases drawn; a campaign already drawn is left as it is."""
    if campaign.assignments.exists() or not campaign.quotas.filter(channel=Channel.PHONE).exists():
        return 0
    units = list(Unit.objects.filter(pk__in=campaign.quotas.filter(channel=Channel.PHONE).values("unit")).order_by("path"))
    frame_import(campaign=campaign, source=_frame_workbook(units, 12, PROCEDURES, seed), actor=actor)
    sample_draw(campaign=campaign, actor=actor)
    now = timezone.now()
    for enumerator in User.objects.filter(assignments__campaign=campaign).distinct():
        cases = Assignment.objects.filter(campaign=campaign, enumerator=enumerator, is_reserve=False).select_related("quota__unit", "campaign")
        for case, outcome in zip(cases.order_by("draw_order", "pk")[: len(DEMO_CALLS)], DEMO_CALLS, strict=False):
            later = now + dt.timedelta(hours=2) if outcome == ContactOutcome.APPOINTMENT else None
            try:
                attempt_record(actor=enumerator, case=case, outcome=outcome, appointment_at=later, at=now - dt.timedelta(hours=1), now=now)
            except FieldworkError:  # an appointment after the channel's window closes: leave that case untried
                continue
    return campaign.assignments.count()
