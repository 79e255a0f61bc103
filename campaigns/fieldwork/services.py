"""Every write of fieldwork: contact attempts and outcomes, closing and reopening cases, releasing
reserves, reassigning cases. Each asks units.access first (required keyword-only `actor`; commands pass
units.access.SYSTEM), is audited, and raises FieldworkError for a broken rule, having saved nothing.

Locks: a write to a case locks its row first; releasing a reserve then locks the quota cell, so
closures in one cell release reserves one at a time and a cell never releases more than it lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.fieldwork import clock
from campaigns.fieldwork.dispositions import (
    CONTACT_OUTCOMES,
    DISPOSITIONS,
    FINAL_OUTCOMES,
    ContactOutcome,
    exhausted_disposition,
)
from campaigns.fieldwork.selectors import ACTIVE, case_require
from campaigns.models import Assignment, AssignmentStatus, CampaignStatus, Channel, ChannelWindow, ContactAttempt, SampleQuota
from units.access import Action, allowed, require
from units.formatting import date_vi
from units.models import Membership, Role
from units.services import Actor, audit_record

MAX_NOTE = 500
# An attempt time may run this far ahead of the server's clock (a phone's clock a little fast).
CLOCK_SLACK = dt.timedelta(minutes=5)
COMPLETED = "1.1"
IMPORT = "import"  # the source of attempts read from a call centre's log


class FieldworkError(ValidationError):
    """A fieldwork rule was broken; `messages` says which, in Vietnamese. Nothing has been saved."""


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def case_state_text(case: Assignment) -> str:
    """The case's state in words, e.g. "Từ chối (16:05 12/10/2026)"."""
    label = DISPOSITIONS[case.disposition].label if case.disposition in DISPOSITIONS else case.get_status_display()
    return f"{label} ({_local(case.closed_at)})" if case.closed_at else str(label)


def case_closed_message(case: Assignment) -> str:
    return _("Trường hợp #%(id)d đã kết thúc: %(state)s.") % {"id": case.pk, "state": case_state_text(case)}


def _window_problem(case: Assignment, moment: dt.datetime) -> str | None:
    """Why an appointment at `moment` falls outside every window of the case's channel serving its unit."""
    day = timezone.localdate(moment)
    windows = ChannelWindow.objects.filter(campaign_id=case.campaign_id, channel=case.quota.channel).filter(
        Q(unit_types__isnull=True) | Q(unit_types=case.quota.unit.type_id)
    )
    if windows.filter(start__lte=day, end__gte=day).exists():
        return None
    spans = ", ".join(f"{date_vi(w.start)}–{date_vi(w.end)}" for w in windows.distinct().order_by("start")) or _("không có")
    return _("Giờ hẹn %(when)s nằm ngoài thời gian của kênh «%(channel)s» (%(spans)s).") % {
        "when": _local(moment), "channel": Channel(case.quota.channel).label, "spans": spans
    }


def attempt_problems(
    case: Assignment,
    *,
    outcome: str,
    at: dt.datetime,
    appointment_at: dt.datetime | None,
    note: str,
    channel: str,
    source: str,
    now: dt.datetime,
) -> list[str]:
    """Every reason the attempt cannot be recorded on `case` as it stands (Vietnamese); empty when it can.

    A web attempt needs an active campaign and an appointment after `now`, inside the channel's window. An
    imported one (the call centre's log, written after the fact: `IMPORT`) may come while the campaign is a
    draft or closed, with an appointment after its own time (or none written); it may follow the closing of
    its case by the attempt limit (`late_after_limit`). An interview is completed by the response writer,
    or by an imported log.
    """
    imported = source == IMPORT
    problems: list[str] = []
    if outcome not in ContactOutcome.values or (outcome == ContactOutcome.COMPLETED and not imported):
        problems.append(_("Kết quả liên hệ «%(outcome)s» không hợp lệ.") % {"outcome": outcome})
    allowed_statuses = {CampaignStatus.DRAFT, CampaignStatus.ACTIVE, CampaignStatus.CLOSED} if imported else {CampaignStatus.ACTIVE}
    if case.campaign.status not in allowed_statuses:
        problems.append(_("Đợt khảo sát «%(code)s» không ở giai đoạn thu thập.") % {"code": case.campaign.code})
    if not case.is_active:
        problems.append(_("Trường hợp #%(id)d là người dự phòng chưa được dùng.") % {"id": case.pk})
    if not case.is_open and not (imported and late_after_limit(case, outcome)):
        problems.append(case_closed_message(case))
    if at > now + CLOCK_SLACK:
        problems.append(_("Thời điểm liên hệ %(when)s ở tương lai.") % {"when": _local(at)})
    if channel not in Channel.values or channel == Channel.ONLINE:
        problems.append(_("Kênh «%(channel)s» không dùng để liên hệ.") % {"channel": channel})
    if len(note) > MAX_NOTE:
        problems.append(_("Ghi chú dài quá %(n)d ký tự.") % {"n": MAX_NOTE})
    if outcome == ContactOutcome.APPOINTMENT:
        reference = at if imported else now
        if appointment_at is None and not imported:
            problems.append(_("Hẹn gọi lại cần ngày và giờ hẹn."))
        elif appointment_at is not None and appointment_at <= reference:
            problems.append(_("Giờ hẹn %(when)s đã qua.") % {"when": _local(appointment_at)})
        elif appointment_at is not None and not imported:
            window = _window_problem(case, appointment_at)
            if window:
                problems.append(window)
    return problems


# Outcomes that close a case only by running out its attempts.
LIMIT_OUTCOMES = frozenset({ContactOutcome.NO_ANSWER, ContactOutcome.BUSY})


def late_after_limit(case: Assignment, outcome: str) -> bool:
    """Whether `outcome`, logged by the call centre after our attempt limit closed `case` as a non-contact,
    can still be recorded: another try, or what finally came of it short of an interview (a completed
    interview cannot follow: the case's reserve was released)."""
    return (
        case.status == AssignmentStatus.UNREACHABLE and case.closed_outcome in LIMIT_OUTCOMES and outcome != ContactOutcome.COMPLETED
    )


def _after_limit(*, actor: User | AnonymousUser, case: Assignment, outcome: str, at: dt.datetime) -> None:
    """A logged call after the limit closed the case: a final outcome (a refusal, a wrong number, …) says more
    than "not reached" and becomes the case's code; the reserve the closing released stays the only one."""
    if outcome in FINAL_OUTCOMES:
        info = DISPOSITIONS[FINAL_OUTCOMES[outcome]]
        previous = case.disposition
        case.status, case.disposition, case.closed_outcome, case.appointment_at = info.status, info.code, outcome, None
        case.save(update_fields=["status", "disposition", "closed_outcome", "appointment_at"])
        audit_record(actor=actor, action="case.reclassify", obj=case, changes={"from": previous, "to": info.code, "outcome": outcome, "at": at})
    elif case.contacted and case.disposition != exhausted_disposition(contacted=True):
        case.disposition = exhausted_disposition(contacted=True)
        case.save(update_fields=["disposition"])


@transaction.atomic
def attempt_record(
    *,
    actor: User | AnonymousUser,
    case: Assignment,
    outcome: str,
    at: dt.datetime | None = None,
    appointment_at: dt.datetime | None = None,
    note: str = "",
    channel: str | None = None,
    source: str = "web",
    now: dt.datetime | None = None,
) -> ContactAttempt:
    """Record one contact attempt on `case` and apply its outcome.

    A final outcome closes the case with its AAPOR code; when the campaign's `max_attempts` is reached
    without one, the case closes as a non-contact (an attempt that sets an appointment never closes it).
    A case of the released sample that closes without an interview releases its cell's next reserve.
    Raises Http404/PermissionDenied (see `case_require`) or FieldworkError; nothing is half-saved.
    """
    case_require(actor, case, Action.CASES_CONTACT)
    now = now or clock.now()
    at = at or now
    note = (note or "").strip()
    locked = Assignment.objects.select_for_update(of=("self",)).select_related("campaign", "quota__unit").get(pk=case.pk)
    channel = channel or locked.quota.channel
    problems = attempt_problems(
        locked, outcome=outcome, at=at, appointment_at=appointment_at, note=note, channel=channel, source=source, now=now
    )
    if problems:
        raise FieldworkError(problems)
    person = actor if isinstance(actor, User) and actor.is_authenticated else None
    attempt = ContactAttempt.objects.create(
        assignment=locked,
        at=at,
        channel=channel,
        outcome=outcome,
        appointment_at=appointment_at if outcome == ContactOutcome.APPOINTMENT else None,
        note=note,
        enumerator=person,
        source=source,
    )
    locked.attempt_count += 1
    locked.last_attempt_at = max(at, locked.last_attempt_at) if locked.last_attempt_at else at
    locked.contacted = locked.contacted or outcome in CONTACT_OUTCOMES
    locked.appointment_at = attempt.appointment_at if locked.is_open else None
    locked.save(update_fields=["attempt_count", "last_attempt_at", "contacted", "appointment_at"])
    audit_record(
        actor=actor,
        action="case.attempt",
        obj=locked,
        changes={"outcome": outcome, "at": at, "appointment_at": attempt.appointment_at, "channel": channel, "source": source, "note": note},
    )
    if not locked.is_open:
        _after_limit(actor=actor, case=locked, outcome=outcome, at=at)
    elif outcome in FINAL_OUTCOMES:
        _case_close(actor=actor, case=locked, disposition=FINAL_OUTCOMES[outcome], outcome=outcome, at=at)
    elif outcome != ContactOutcome.APPOINTMENT and locked.attempt_count >= locked.campaign.max_attempts:
        _case_close(actor=actor, case=locked, disposition=exhausted_disposition(contacted=locked.contacted), outcome=outcome, at=at)
    case.__dict__.update({name: getattr(locked, name) for name in ("status", "disposition", "closed_at", "attempt_count", "appointment_at", "contacted", "last_attempt_at")})
    return attempt


def _case_close(*, actor: Actor, case: Assignment, disposition: str, outcome: str, at: dt.datetime) -> Assignment:
    """Close `case` (locked by the caller, who checked the actor, still open) with an AAPOR code; audited. A
    case of the released sample closing without an interview releases the next reserve of its cell
    (`reserve_release`)."""
    info = DISPOSITIONS[disposition]
    case.status, case.disposition, case.closed_at, case.closed_outcome, case.appointment_at = info.status, disposition, at, outcome, None
    case.save(update_fields=["status", "disposition", "closed_at", "closed_outcome", "appointment_at"])
    audit_record(actor=actor, action="case.close", obj=case, changes={"disposition": disposition, "outcome": outcome, "at": at})
    if disposition != COMPLETED and case.is_active:
        reserve_release(actor=actor, quota=case.quota, replaces=case, at=at)
    return case


def _may_collect(user: User | None, case: Assignment) -> bool:
    return bool(user is not None and user.is_active and allowed(user, Action.CASES_CONTACT, case.quota.unit))


@transaction.atomic
def reserve_release(
    *, actor: User | AnonymousUser, quota: SampleQuota, replaces: Assignment | None = None, at: dt.datetime | None = None
) -> Assignment | None:
    """Make the next reserve of a cell (lowest draw order) active, for the case it `replaces`; audited. The
    actor may record outcomes in the cell (units.access CASES_CONTACT; the closing of a case releases for them).

    Releases nothing when the cell's open and completed cases already reach its target (a cell never
    releases more than it lost) or when no reserve is left. The reserve keeps the enumerator the draw gave
    it while that person may still collect there, else it goes to the enumerator of the case it replaces.
    """
    require(actor, Action.CASES_CONTACT, quota.unit)
    quota = SampleQuota.objects.select_for_update(of=("self",)).select_related("unit").get(pk=quota.pk)
    in_play = Assignment.objects.filter(ACTIVE, quota=quota, status__in=[AssignmentStatus.PENDING, AssignmentStatus.DONE]).count()
    if in_play >= quota.target:
        return None
    reserve = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("enumerator", "quota__unit", "campaign")
        .filter(quota=quota, is_reserve=True, released_at__isnull=True)
        .order_by("draw_order", "pk")
        .first()
    )
    if reserve is None:
        return None
    if not _may_collect(reserve.enumerator, reserve) and replaces is not None and replaces.enumerator_id is not None:
        reserve.enumerator_id = replaces.enumerator_id
    reserve.released_at = at or clock.now()
    reserve.replaces = replaces
    reserve.save(update_fields=["released_at", "replaces", "enumerator"])
    audit_record(
        actor=actor,
        action="case.reserve_release",
        obj=reserve,
        changes={"quota": quota.pk, "draw_order": reserve.draw_order, "replaces": replaces.pk if replaces else None, "enumerator": reserve.enumerator_id},
    )
    return reserve


def case_complete(*, actor: Actor, case_id: int, channel: str, at: dt.datetime) -> None:
    """The interview of a case was stored: close it as complete (AAPOR 1.1) with its successful attempt.

    Called by the response writer inside its transaction, after it locked the case and checked that the case
    is open; the submitter must be one who may contact the case (`case_require`, as the writer asked)."""
    case = Assignment.objects.select_related("quota__unit", "campaign").get(pk=case_id)
    case_require(actor, case, Action.CASES_CONTACT)
    person = actor if isinstance(actor, User) and actor.is_authenticated else None
    ContactAttempt.objects.create(assignment=case, at=at, channel=channel, outcome=ContactOutcome.COMPLETED, enumerator=person, source="response")
    case.attempt_count += 1
    case.last_attempt_at, case.contacted = at, True
    case.save(update_fields=["attempt_count", "last_attempt_at", "contacted"])
    _case_close(actor=actor, case=case, disposition=COMPLETED, outcome=ContactOutcome.COMPLETED, at=at)


def case_reopen(*, actor: Actor, case_id: int, reason: str) -> None:
    """A completed case whose interview a supervisor rejected is open again, so it can be interviewed anew.

    Called by the review service inside its transaction (surveys.services.review.responses_review); the actor
    reviews responses at the case's unit (units.access RESPONSES_REVIEW)."""
    case = Assignment.objects.select_for_update(of=("self",)).select_related("quota__unit").get(pk=case_id)
    require(actor, Action.RESPONSES_REVIEW, case.quota.unit)
    if case.disposition != COMPLETED:
        return
    case.status, case.disposition, case.closed_at, case.closed_outcome = AssignmentStatus.PENDING, "", None, ""
    case.save(update_fields=["status", "disposition", "closed_at", "closed_outcome"])
    audit_record(actor=actor, action="case.reopen", obj=case, changes={"reason": reason})


def _reassign_problem(case: Assignment, to_user: User, actor: User | AnonymousUser, covering: list[Membership]) -> str | None:
    if not case.is_open:
        return case_closed_message(case) + " " + _("Không chuyển được.")
    units = [m.unit for m in covering if case.quota.unit.path.startswith(m.unit.path)]
    if not any(allowed(actor, Action.CASES_REASSIGN, unit) for unit in units):
        return _("«%(user)s» không phải điều tra viên của «%(unit)s» trong phạm vi của bạn.") % {"user": to_user.username, "unit": case.quota.unit.name}
    return None


@transaction.atomic
def cases_reassign(*, actor: User | AnonymousUser, cases: Iterable[Assignment], to_user: User, reason: str) -> int:
    """Give open cases to another enumerator who collects at their units within the actor's subtree,
    keeping the reason; all or none. Returns how many cases changed hands (one already held is skipped).

    Raises Http404/PermissionDenied for a case the actor may not reassign, FieldworkError for a refusal.
    """
    cases = list(cases)
    for case in cases:
        case_require(actor, case, Action.CASES_REASSIGN)
    reason = (reason or "").strip()
    problems: list[str] = []
    if not reason:
        problems.append(_("Cần ghi lý do chuyển trường hợp."))
    elif len(reason) > MAX_NOTE:
        problems.append(_("Lý do dài quá %(n)d ký tự.") % {"n": MAX_NOTE})
    if not cases:
        problems.append(_("Chưa chọn trường hợp nào."))
    if not to_user.is_active:
        problems.append(_("Tài khoản «%(user)s» đã bị khoá.") % {"user": to_user.username})
    covering = list(Membership.objects.filter(user=to_user, role=Role.ENUMERATOR).select_related("unit"))
    locked = {c.pk: c for c in Assignment.objects.select_for_update(of=("self",)).select_related("quota__unit", "campaign").filter(pk__in=[c.pk for c in cases])}
    for case in cases:
        problem = _reassign_problem(locked[case.pk], to_user, actor, covering)
        if problem:
            problems.append(problem)
    if problems:
        raise FieldworkError(problems)
    changed = 0
    for case in locked.values():
        if case.enumerator_id == to_user.pk:
            continue
        previous = case.enumerator_id
        Assignment.objects.filter(pk=case.pk).update(enumerator=to_user)
        audit_record(actor=actor, action="case.reassign", obj=case, changes={"from": previous, "to": to_user.pk, "reason": reason})
        changed += 1
    return changed


def outcome_choices(*, include_completed: bool = False) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in ContactOutcome.choices if include_completed or value != ContactOutcome.COMPLETED]
