"""Writes of the communication plan: the organiser's activities and their responsible units, and a unit's
report (done, with evidence). Every function asks units.access first and writes an audit row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from communication.models import Activity, CommunicationPlan, Evidence, UnitTask
from units.access import Action, require
from units.models import Unit
from units.services import audit_record
from units.uploads import evidence_delete, evidence_read, evidence_store, link_clean

Actor = User | AnonymousUser
# Bounds at the edge: evidence a unit files for one task, and units one activity may name.
EVIDENCE_PER_TASK_MAX = 20
UNITS_PER_ACTIVITY_MAX = 5000


def plan_for(*, campaign: Campaign, actor: Actor) -> CommunicationPlan:
    """The campaign's plan, created empty the first time an official of the organiser opens it."""
    require(actor, Action.COMMS_PLAN, campaign.organiser)
    plan, created = CommunicationPlan.objects.get_or_create(campaign=campaign)
    if created:
        audit_record(actor=actor, action="comms_plan.create", obj=campaign)
    return plan


LETTER_FIELDS = ("letter_number", "letter_recipients", "signer_title", "signer_name")


@transaction.atomic
def plan_letter_save(*, plan: CommunicationPlan, actor: Actor, **fields: str) -> CommunicationPlan:
    """Set what the organising letter needs besides the plan (number, recipients, signer)."""
    require(actor, Action.COMMS_PLAN, plan.campaign.organiser)
    changes = {
        name: [getattr(plan, name), value] for name, value in fields.items() if name in LETTER_FIELDS and getattr(plan, name) != value
    }
    for name, (_old, value) in changes.items():
        setattr(plan, name, value)
    plan.save()
    audit_record(actor=actor, action="comms_plan.letter", obj=plan.campaign, changes=changes)
    return plan


def _units_check(organiser: Unit, units: Sequence[Unit]) -> None:
    if not units:
        raise ValidationError(_("Hãy chọn ít nhất một đơn vị thực hiện."), code="no_units")
    if len(units) > UNITS_PER_ACTIVITY_MAX:
        raise ValidationError(
            _("Quá nhiều đơn vị cho một hoạt động (tối đa %(n)d).") % {"n": UNITS_PER_ACTIVITY_MAX}, code="too_many_units"
        )
    outside = [unit.name for unit in units if not unit.path.startswith(organiser.path)]
    if outside:
        raise ValidationError(
            _("Đơn vị không thuộc đơn vị tổ chức «%(organiser)s»: %(units)s.")
            % {"organiser": organiser.name, "units": ", ".join(outside[:5])},
            code="units_outside",
        )


@transaction.atomic
def activity_save(*, activity: Activity, units: Iterable[Unit], actor: Actor) -> Activity:
    """Create or change an activity and set its responsible units (one task per unit).

    Units must lie in the organiser's subtree. A unit that has already reported stays: dropping it is refused
    with its name, so no evidence is ever lost.
    """
    organiser = activity.plan.campaign.organiser
    require(actor, Action.COMMS_PLAN, organiser)
    chosen = {unit.pk: unit for unit in units}
    _units_check(organiser, list(chosen.values()))
    if activity.deadline < activity.start:
        raise ValidationError(_("Hạn hoàn thành phải từ ngày bắt đầu trở đi."), code="period_order")
    created = activity.pk is None
    activity.save()
    existing = {task.unit_id: task for task in UnitTask.objects.filter(activity=activity).select_related("unit")}
    dropped = [task for unit_id, task in existing.items() if unit_id not in chosen]
    reported = [task.unit.name for task in dropped if task.done_at is not None]
    if reported:
        raise ValidationError(
            _("Không thể bỏ đơn vị đã báo cáo thực hiện: %(units)s.") % {"units": ", ".join(sorted(reported)[:5])}, code="reported_unit"
        )
    UnitTask.objects.filter(pk__in=[task.pk for task in dropped]).delete()
    UnitTask.objects.bulk_create([UnitTask(activity=activity, unit_id=unit_id) for unit_id in chosen if unit_id not in existing])
    changes = {"kind": activity.kind, "start": activity.start, "deadline": activity.deadline, "units": len(chosen), "dropped": len(dropped)}
    audit_record(actor=actor, action="comms_activity.create" if created else "comms_activity.update", obj=activity, changes=changes)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor: Actor) -> None:
    """Delete an activity no unit has reported on yet (reports and their evidence are never deleted)."""
    require(actor, Action.COMMS_PLAN, activity.plan.campaign.organiser)
    if activity.tasks.filter(done_at__isnull=False).exists():
        raise ValidationError(_("Đã có đơn vị báo cáo thực hiện hoạt động này: không thể xoá."), code="reported_activity")
    audit_record(actor=actor, action="comms_activity.delete", obj=activity, changes={"title": activity.title})
    activity.delete()


def task_report(*, task: UnitTask, actor: Actor, note: str = "", files: Sequence[IO[bytes]] = (), links: Sequence[str] = ()) -> UnitTask:
    """A responsible unit reports its task done, with evidence (photos, documents, links); a report after the
    deadline is accepted and is late. Reporting again adds evidence and keeps the first report's day.

    Every file is checked (units.uploads) and every link cleaned before anything is stored; with no evidence at
    all (none sent, none filed before) nothing is saved.
    """
    require(actor, Action.COMMS_REPORT, task.unit)
    cleaned_links = [link_clean(link) for link in links if link.strip()]
    for upload in files:
        evidence_read(upload, getattr(upload, "name", ""))
    added = len(files) + len(cleaned_links)
    filed = task.evidence.count()
    if added + filed == 0:
        raise ValidationError(_("Hãy gửi ít nhất một ảnh, tệp hoặc đường dẫn làm minh chứng."), code="no_evidence")
    if added + filed > EVIDENCE_PER_TASK_MAX:
        raise ValidationError(_("Mỗi việc có tối đa %(n)d minh chứng.") % {"n": EVIDENCE_PER_TASK_MAX}, code="too_much_evidence")
    stored = [evidence_store(upload, filename=getattr(upload, "name", "")) for upload in files]
    try:
        return _task_report_save(task=task, actor=actor, note=note, stored=stored, links=cleaned_links)
    except BaseException:
        for item in stored:  # the rows were not saved: their files go too
            evidence_delete(item.name)
        raise


@transaction.atomic
def _task_report_save(*, task: UnitTask, actor: Actor, note: str, stored: list, links: list[str]) -> UnitTask:
    task = UnitTask.objects.select_for_update().select_related("activity", "unit").get(pk=task.pk)
    user = actor if isinstance(actor, User) else None
    Evidence.objects.bulk_create(
        [
            Evidence(task=task, stored_name=s.name, original_name=s.original_name, file_kind=s.kind, size=s.size, uploaded_by=user)
            for s in stored
        ]
        + [Evidence(task=task, link=link, uploaded_by=user) for link in links]
    )
    first = task.done_at is None
    if first:
        task.done_at = timezone.now()
        task.done_on = timezone.localdate(task.done_at)
        task.done_by = user
    if note.strip():
        task.note = note.strip()
    task.save()
    changes = {"files": len(stored), "links": len(links), "done_on": task.done_on, "late": task.is_late}
    audit_record(actor=actor, action="comms_task.report" if first else "comms_task.evidence", obj=task, changes=changes)
    return task
