"""Review of responses by supervisors and officials: approve, reject with a reason (the case is reopened
for a new interview), send back to the enumerator with a reason (the enumerator corrects and resubmits the
same interview: surveys.services.resubmission), put on hold."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from campaigns.fieldwork.services import case_reopen
from campaigns.services import campaign_mark_dirty
from surveys.models import Response, ResponseStatus
from surveys.services.responses import interview_of
from units.access import Action, require
from units.services import Actor, audit_record

REVIEW_ACTIONS: dict[str, str] = {
    "approve": ResponseStatus.APPROVED,
    "reject": ResponseStatus.REJECTED,
    "hold": ResponseStatus.ON_HOLD,
    "return": ResponseStatus.RETURNED,
}
# Actions that need a reason, with the message when it is missing.
REASON_REQUIRED: dict[str, str] = {
    "reject": _lazy("Cần ghi lý do khi loại phiếu."),
    "return": _lazy("Cần ghi lý do khi gửi lại điều tra viên."),
}


class ReviewError(Exception):
    """A review action that cannot be applied (message in Vietnamese)."""


@transaction.atomic
def responses_review(*, responses: Iterable[Response], action: str, actor: Actor, reason: str = "") -> int:
    """Approve, reject (with a reason), send back to the enumerator (with a reason) or hold responses;
    audited; marks campaigns dirty when counts change.

    The actor must review at every response's unit (units.access RESPONSES_REVIEW; one refusal changes
    nothing). Drafts are skipped, and so is sending back a response that has no enumerator (an import,
    the online survey). Returns how many responses changed status.
    """
    if action not in REVIEW_ACTIONS:
        raise ReviewError(_("Thao tác không hợp lệ."))
    reason = reason.strip()
    if action in REASON_REQUIRED and not reason:
        raise ReviewError(str(REASON_REQUIRED[action]))
    new_status = REVIEW_ACTIONS[action]
    now = timezone.now()
    changed = 0
    dirty: set[int] = set()
    for response in responses:
        require(actor, Action.RESPONSES_REVIEW, response.unit)
        if response.status == ResponseStatus.DRAFT or response.status == new_status:
            continue
        if new_status == ResponseStatus.RETURNED and response.enumerator_id is None:
            continue  # nobody to send it back to
        old_status = response.status
        counted = set(response.campaign.counted_statuses)
        if old_status == ResponseStatus.REJECTED and response.assignment_id is not None and interview_of(response.assignment_id) is not None:
            continue  # the case was interviewed again since: one interview per drawn person
        updated = Response.objects.filter(pk=response.pk, status=old_status).update(
            status=new_status, review_reason=reason[:500], reviewed_by=actor if isinstance(actor, User) else None, reviewed_at=now, updated_at=now
        )
        if not updated:  # changed by someone else meanwhile
            continue
        if response.assignment_id is not None and new_status == ResponseStatus.REJECTED:
            case_reopen(actor=actor, case_id=response.assignment_id, reason=reason)  # sent back: the person is interviewed again
        changed += 1
        response.status, response.review_reason, response.reviewed_at = new_status, reason[:500], now
        response.reviewed_by = actor if isinstance(actor, User) else None
        audit_record(
            actor=actor,
            action=f"response.{action}",
            obj=response,
            changes={"status": [old_status, new_status], "reason": reason},
        )
        if (old_status in counted) != (new_status in counted):
            dirty.add(response.campaign_id)
    for campaign_id in sorted(dirty):
        campaign_mark_dirty(campaign_id=campaign_id)
    return changed
