"""Demo improvement plans (load_demo calls PlansConfig.load_demo after the results are published): the Sở Y tế's
rules for the published inpatient campaign, and two hospitals' plans — Bệnh viện Đa khoa tỉnh filed on time,
was returned with a comment and filed again (waiting for review); Bệnh viện Nhi missed its due date, filed
late and was approved."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign
from plans.models import ImprovementPlan, PlanRules, RequiredUnits
from plans.services import evidence_add, measure_add, plan_review, plan_rules_save, plan_submit, plans_require
from units.access import SYSTEM

CAMPAIGN_CODE = "noi-tru-2025-khanh-hoa"
ON_TIME, LATE = "KH-BVDK", "KH-BVNHIDONG"
MEASURES = [
    ("Bố trí thêm nhân viên hướng dẫn tại khoa, niêm yết quy trình tại buồng bệnh", "Điều dưỡng trưởng khoa"),
    ("Họp giao ban hằng tuần rà soát phản ánh của người bệnh; khen thưởng, nhắc nhở kịp thời", "Phòng Quản lý chất lượng"),
]


def _filed(plan: ImprovementPlan, actor, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    for criterion in plan.criteria.all():
        for i, (action, owner) in enumerate(MEASURES):
            measure = measure_add(
                criterion=criterion, action=action, owner=owner, due_on=today + dt.timedelta(days=30 * (i + 1)), actor=actor
            )
        evidence_add(measure=measure, actor=actor, link="https://syt.khanhhoa.gov.vn/", note="Thông báo trên trang của Sở (dữ liệu mẫu)")
    plan_submit(plan=plan, actor=actor)


@transaction.atomic
def load_plans_demo() -> list[str]:
    """Create (once) the rules and the two hospitals' plans; return what was done."""
    campaign = Campaign.objects.select_related("organiser").filter(code=CAMPAIGN_CODE, published_at__isnull=False).first()
    if campaign is None:
        return ["kế hoạch cải tiến: chưa có đợt nội trú đã công bố"]
    if ImprovementPlan.objects.filter(campaign=campaign).exists():
        return [f"{campaign.code}: kế hoạch cải tiến đã có từ trước"]
    official = User.objects.filter(username="canbo").first() or SYSTEM
    director = User.objects.filter(username="giamdoc").first() or SYSTEM
    rules = plan_rules_save(
        campaign=campaign,
        rules=PlanRules(required_units=RequiredUnits.UNDER_TARGET, weakest_count=3, due_days=30, yearly_due_day=1, yearly_due_month=2),
        actor=official,
    )
    plans_require(campaign=campaign, actor=official)
    units = set(ImprovementPlan.objects.filter(campaign=campaign).values_list("unit__code", flat=True))
    if not {ON_TIME, LATE} <= units:
        # The demo's random answers put too few hospitals under the target: ask every surveyed unit instead.
        rules.required_units = RequiredUnits.ALL
        plan_rules_save(campaign=campaign, rules=rules, actor=official)
        plans_require(campaign=campaign, actor=official)
    today = timezone.localdate()
    on_time = ImprovementPlan.objects.get(campaign=campaign, unit__code=ON_TIME)
    _filed(on_time, director, today)
    plan_review(plan=on_time, approve=False, comment="Bổ sung kinh phí và mốc kiểm tra cho từng biện pháp.", actor=official)
    plan_submit(plan=on_time, actor=director)
    late = ImprovementPlan.objects.get(campaign=campaign, unit__code=LATE)
    ImprovementPlan.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=5))  # the demo's hospital missed its date
    late.refresh_from_db()
    _filed(late, SYSTEM, today)
    plan_review(plan=late, approve=True, comment="", actor=official)
    count = ImprovementPlan.objects.filter(campaign=campaign).count()
    return [f"{campaign.code}: {count} kế hoạch cải tiến; {ON_TIME} nộp đúng hạn (bị trả lại, đã nộp lại), {LATE} nộp muộn (đã duyệt)"]
