"""Writes of improvement plans: the organiser's rules, the required plans, measures and evidence, filing,
approval and return. Each takes a keyword-only `actor` and asks units.access first; each change is audited.

A plan filed after its due date is accepted and marked late (never refused); its first filing decides.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from plans.models import (
    OPEN_STATUSES,
    Evidence,
    ImprovementPlan,
    Measure,
    PlanCriterion,
    PlanEvent,
    PlanEventKind,
    PlanRules,
    PlanStatus,
)
from plans.rules import plan_due_date, plan_requirements
from units.access import Action, require
from units.services import Actor, audit_record
from units.uploads import evidence_delete, evidence_store, link_clean


@transaction.atomic
def plan_rules_save(*, campaign: Campaign, rules: PlanRules, actor: Actor) -> PlanRules:
    """Save the organiser's rules for `campaign` (the caller built `rules` from a validated form)."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    if rules.due_days is None and not (rules.yearly_due_month and rules.yearly_due_day):
        raise ValidationError(_("Hãy đặt hạn nộp: số ngày sau khi công bố, hoặc một ngày hằng năm (ngày và tháng)."))
    if rules.yearly_due_month and rules.yearly_due_day:
        try:
            dt.date(2024, rules.yearly_due_month, rules.yearly_due_day)
        except ValueError:
            raise ValidationError(
                _("Ngày hằng năm không có thật: %(d)s/%(m)s.") % {"d": rules.yearly_due_day, "m": rules.yearly_due_month}
            ) from None
    rules.campaign = campaign
    rules.save()
    audit_record(actor=actor, action="plan_rules_save", obj=campaign)
    return rules


@transaction.atomic
def plans_require(*, campaign: Campaign, actor: Actor) -> list[ImprovementPlan]:
    """Create the plans the rules require from the latest published figures (idempotent: a unit's existing
    plan is kept as it is). Returns the plans created; none before publication or without rules."""
    require(actor, Action.PLANS_REVIEW, campaign.organiser)
    rules = PlanRules.objects.select_for_update().filter(campaign=campaign).first()  # the task and the button never both create
    if rules is None:
        return []
    snapshot, requirements = plan_requirements(campaign, rules)
    if snapshot is None:
        return []
    due_on = plan_due_date(rules, timezone.localdate(snapshot.published_at or timezone.now()))
    existing = set(ImprovementPlan.objects.filter(campaign=campaign).values_list("unit_id", flat=True))
    created = []
    for requirement in requirements:
        if requirement.unit.pk in existing:
            continue
        plan = ImprovementPlan.objects.create(
            campaign=campaign, unit=requirement.unit, snapshot_version=snapshot.version, reason=requirement.reason[:255], due_on=due_on
        )
        PlanCriterion.objects.bulk_create(
            [
                PlanCriterion(plan=plan, code=code, text=text, value=value, order=i)
                for i, (code, text, value) in enumerate(requirement.criteria)
            ]
        )
        audit_record(actor=actor, action="plan_require", obj=plan)
        created.append(plan)
    return created


def _editable(plan: ImprovementPlan) -> None:
    if plan.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Kế hoạch đang ở trạng thái «%(status)s»: không sửa được biện pháp.") % {"status": plan.get_status_display()}
        )


@transaction.atomic
def measure_add(*, criterion: PlanCriterion, action: str, owner: str, due_on: dt.date, actor: Actor) -> Measure:
    """Add a measure to a weak criterion of a plan the unit may still change (nháp or trả lại)."""
    plan = ImprovementPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=criterion.plan_id)
    require(actor, Action.PLANS_FILE, plan.unit)
    _editable(plan)
    if not action.strip() or not owner.strip():
        raise ValidationError(_("Hãy ghi biện pháp và người phụ trách."))
    measure = Measure.objects.create(criterion=criterion, action=action.strip(), owner=owner.strip(), due_on=due_on)
    audit_record(actor=actor, action="measure_add", obj=plan)
    return measure


@transaction.atomic
def measure_delete(*, measure: Measure, actor: Actor) -> None:
    plan = ImprovementPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=measure.criterion.plan_id)
    require(actor, Action.PLANS_FILE, plan.unit)
    _editable(plan)
    names = list(measure.evidence.exclude(file="").values_list("file", flat=True))
    measure.delete()
    audit_record(actor=actor, action="measure_delete", obj=plan)
    transaction.on_commit(lambda: [evidence_delete(name) for name in names])


def evidence_add(
    *, measure: Measure, actor: Actor, upload: IO[bytes] | None = None, filename: str = "", link: str = "", note: str = ""
) -> Evidence:
    """Attach a file (checked by units.uploads) or a link to a measure; any status (evidence of what was done
    may come after approval). Raises ValidationError with a Vietnamese message; nothing is kept on refusal."""
    plan = ImprovementPlan.objects.select_related("unit").get(pk=measure.criterion.plan_id)
    require(actor, Action.PLANS_FILE, plan.unit)
    if upload is None and not link.strip():
        raise ValidationError(_("Hãy chọn một tệp hoặc nhập một đường dẫn làm minh chứng."))
    clean_link = link_clean(link) if link.strip() else ""
    stored = evidence_store(upload, filename=filename) if upload is not None else None
    try:
        with transaction.atomic():
            evidence = Evidence.objects.create(
                measure=measure,
                file=stored.name if stored else "",
                original_name=stored.original_name if stored else "",
                kind=stored.kind if stored else "",
                size=stored.size if stored else 0,
                link=clean_link,
                note=note.strip()[:300],
                added_by=_user(actor),
            )
            audit_record(actor=actor, action="evidence_add", obj=plan)
    except Exception:
        if stored:
            evidence_delete(stored.name)  # the row was not saved: no file without its row
        raise
    return evidence


@transaction.atomic
def plan_submit(*, plan: ImprovementPlan, actor: Actor) -> ImprovementPlan:
    """File the plan (from nháp or trả lại). Every criterion needs a measure. After the due date the plan is
    accepted and marked late; the first filing decides lateness, each filing's own lateness is in its event."""
    plan = ImprovementPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)
    require(actor, Action.PLANS_FILE, plan.unit)
    if plan.status not in OPEN_STATUSES:
        raise ValidationError(_("Kế hoạch đã nộp hoặc đã được duyệt."))
    bare = [c.code for c in plan.criteria.all() if not c.measures.exists()]
    if bare:
        raise ValidationError(_("Mỗi tiêu chí cần ít nhất một biện pháp. Còn thiếu: %(codes)s.") % {"codes": ", ".join(bare)})
    now = timezone.now()
    late = timezone.localdate() > plan.due_on
    if plan.first_submitted_at is None:
        plan.first_submitted_at = now
        plan.late = late
    plan.submitted_at = now
    plan.status = PlanStatus.SUBMITTED
    plan.save(update_fields=["first_submitted_at", "late", "submitted_at", "status"])
    PlanEvent.objects.create(plan=plan, kind=PlanEventKind.SUBMITTED, actor=_user(actor), late=late)
    audit_record(actor=actor, action="plan_submit", obj=plan, changes={"late": late})
    return plan


@transaction.atomic
def plan_review(*, plan: ImprovementPlan, approve: bool, comment: str, actor: Actor) -> ImprovementPlan:
    """The department approves a filed plan, or returns it with a comment (required) for the unit to complete."""
    plan = ImprovementPlan.objects.select_for_update(of=("self",)).select_related("campaign__organiser", "unit").get(pk=plan.pk)
    require(actor, Action.PLANS_REVIEW, plan.campaign.organiser)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(_("Chỉ duyệt hoặc trả lại được kế hoạch đã nộp."))
    if not approve and not comment.strip():
        raise ValidationError(_("Hãy ghi ý kiến khi trả lại kế hoạch: đơn vị cần biết phải bổ sung gì."))
    plan.status = PlanStatus.APPROVED if approve else PlanStatus.RETURNED
    plan.approved_at = timezone.now() if approve else None
    plan.save(update_fields=["status", "approved_at"])
    kind = PlanEventKind.APPROVED if approve else PlanEventKind.RETURNED
    PlanEvent.objects.create(plan=plan, kind=kind, actor=_user(actor), comment=comment.strip())
    audit_record(actor=actor, action=f"plan_{kind}", obj=plan)
    return plan


def _user(actor: Actor):  # type: ignore[no-untyped-def]
    return actor if getattr(actor, "pk", None) else None
