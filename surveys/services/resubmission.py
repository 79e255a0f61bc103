"""A response sent back to its enumerator (status RETURNED, `surveys.services.review`), corrected and sent
again through the submission API: the body of a submission with `revises` (the response's UUID) and a new
client `uuid`, the idempotency key of the resubmission. It is kept on the `ResponseVersion` that holds the
version replaced, so a retry is recognised and saved once.

The response keeps its id, UUID and case; its answers are replaced through the one writer
(`answers_replace`, one `AnswerRevision` per changed answer with the send-back's reason), its version goes
up by one and its status back to submitted: what counts is always the latest version, once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid as uuid_module
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import CampaignStatus
from campaigns.services import campaign_mark_dirty
from surveys.models import Response, ResponseStatus, ResponseVersion, RevisionKind
from surveys.quality.flags import flags_replace, response_flags
from surveys.selectors import COLLECT_ROLES, REVIEW_ROLES, compiled_form, response_by_uuid, unit_roles
from surveys.services.answers import answers_current, answers_replace
from surveys.services.responses import (
    SubmissionConflict,
    SubmissionDetails,
    SubmissionForbidden,
    SubmissionInvalid,
    SubmissionNotFound,
    SubmissionResult,
    Submitter,
    content_hash,
    payload_check,
    submission_details,
)
from units.services import audit_record

# The keys of a resubmission that must name what the response already is (when they are sent at all).
SAME_AS_RESPONSE = ("campaign", "unit", "channel", "form", "assignment")


def _uuid(raw: Any, field_name: str, message: str) -> uuid_module.UUID:
    try:
        return uuid_module.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        raise SubmissionInvalid(message, {field_name: [_("Cần một UUID.")]}) from None


def _digest(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(f"{content_hash(payload)}:{payload.get('revises')}".encode()).hexdigest()


def _resend(key: uuid_module.UUID, digest: str) -> SubmissionResult | None:
    """The response a resubmission under `key` already replaced (a retry), or None; 409 for other content."""
    kept = ResponseVersion.objects.select_related("response").filter(replaced_by_uuid=key).first()
    if kept is None:
        return None
    if kept.replaced_by_hash != digest:
        raise SubmissionConflict(
            _("Mã phiếu này đã được gửi với nội dung khác; phiếu không được lưu lần hai."), {"uuid": [_("Mã phiếu đã tồn tại.")]}
        )
    return SubmissionResult(kept.response, created=False, version=kept.number + 1)


def resubmission_sender_check(response: Response, user: Any) -> None:
    """The response's enumerator (still collecting at its unit) or a reviewer of its unit; 404 for outsiders."""
    if user is None or not user.is_authenticated:
        raise SubmissionForbidden(_("Chỉ điều tra viên đã nhập phiếu được gửi lại phiếu này."))
    roles = unit_roles(user=user, unit=response.unit)
    if (response.enumerator_id == user.pk and roles & COLLECT_ROLES) or roles & set(REVIEW_ROLES):
        return
    if not roles:
        raise SubmissionNotFound(_("Không tìm thấy phiếu cần gửi lại."), {"revises": [_("Không tìm thấy phiếu.")]})
    raise SubmissionForbidden(_("Chỉ điều tra viên đã nhập phiếu hoặc người giám sát được gửi lại phiếu này."))


def _check_same_target(payload: Mapping[str, Any], response: Response) -> None:
    expected = {
        "campaign": response.campaign.code.casefold(),
        "unit": response.unit.code.casefold(),
        "channel": response.channel,
        "form": str(response.form_id),
        "assignment": "" if response.assignment_id is None else str(response.assignment_id),
    }
    for key in SAME_AS_RESPONSE:
        sent = payload.get(key)
        if sent in (None, ""):
            continue
        given = str(sent)
        if (given.casefold() if key in ("campaign", "unit") else given) != expected[key]:
            message = _("Phiếu gửi lại phải cùng đợt khảo sát, đơn vị, kênh, phiếu và người được chọn với phiếu cũ.")
            raise SubmissionInvalid(message, {key: [message]})


def _check_returned(response: Response) -> None:
    if response.status != ResponseStatus.RETURNED:
        raise SubmissionConflict(
            _("Phiếu này không ở trạng thái «Gửi lại điều tra viên» (đang là «%(status)s»); không nhận gửi lại.")
            % {"status": response.get_status_display()},
            {"revises": [_("Phiếu không chờ sửa.")]},
        )


def response_resubmit(*, payload: Any, submitter: Submitter) -> SubmissionResult:
    """Store the corrected version of a response sent back to its enumerator, or return the response a
    retry of the same resubmission already replaced.

    Raises a SubmissionError: 422 invalid (or naming another campaign, unit, channel, form or case), 404
    unknown response or outside the sender's units, 403 not its enumerator nor a reviewer, or a closed
    campaign, 409 a response that is not waiting for correction or the same UUID with other content.
    """
    if not isinstance(payload, Mapping):
        raise SubmissionInvalid(_("Nội dung gửi lên phải là một đối tượng JSON."))
    payload_check(payload)
    key = _uuid(payload.get("uuid"), "uuid", _("Mã phiếu (uuid) không hợp lệ."))
    revises = _uuid(payload.get("revises"), "revises", _("Mã phiếu cần gửi lại (revises) không hợp lệ."))
    digest = _digest(payload)
    found = _resend(key, digest)
    if found is not None:
        return found
    if response_by_uuid(key) is not None:
        raise SubmissionConflict(_("Mã phiếu này đã được dùng cho một phiếu khác; lần gửi lại cần mã mới."), {"uuid": [_("Mã phiếu đã tồn tại.")]})
    response = Response.objects.select_related("campaign", "unit", "form__questionnaire").filter(uuid=revises).first()
    if response is None:
        raise SubmissionNotFound(_("Không tìm thấy phiếu cần gửi lại."), {"revises": [_("Không tìm thấy phiếu.")]})
    resubmission_sender_check(response, submitter.user)
    try:
        _check_returned(response)
    except SubmissionConflict:
        # The same resubmission, sent at once, may have replaced the version since the first look: a resend.
        found = _resend(key, digest)
        if found is not None:
            return found
        raise
    _check_same_target(payload, response)
    if response.campaign.status != CampaignStatus.ACTIVE:
        raise SubmissionForbidden(_("Đợt khảo sát «%(name)s» không còn nhận phiếu.") % {"name": response.campaign.name})
    if str(payload.get("status") or ResponseStatus.SUBMITTED) != ResponseStatus.SUBMITTED:
        raise SubmissionInvalid(_("Trạng thái phiếu không hợp lệ."), {"status": [_("Phiếu gửi lại phải là phiếu hoàn thành.")]})
    now = timezone.now()
    details = submission_details(
        payload, form=response.form, now=now, campaign=response.campaign, channel=response.channel, assignment=response.assignment,
        username=(lambda: response.enumerator.get_username() if response.enumerator_id else ""),
    )
    with transaction.atomic():
        locked = Response.objects.select_for_update().select_related("campaign", "form__questionnaire").get(pk=response.pk)
        found = _resend(key, digest)  # the same resubmission, sent twice at once: the first one won
        if found is not None:
            return found
        _check_returned(locked)
        _replace(locked, payload, details, key=key, digest=digest, user=submitter.user, now=now)
    return SubmissionResult(locked, created=True, version=locked.version)


def _replace(
    response: Response, payload: Mapping[str, Any], details: SubmissionDetails, *, key: uuid_module.UUID, digest: str, user: Any, now: dt.datetime
) -> None:
    """Keep the version replaced, write the new answers and details, audit; inside the caller's lock."""
    form = compiled_form(response.form.questionnaire)
    ResponseVersion.objects.create(
        response=response, number=response.version, answers=answers_current(response, form), paradata=response.paradata,
        duration_seconds=response.duration_seconds, submitted_at=response.submitted_at, status=response.status,
        review_reason=response.review_reason, reviewed_by_id=response.reviewed_by_id, reviewed_at=response.reviewed_at,
        replaced_by_uuid=key, replaced_by_hash=digest,
    )
    counted = set(response.campaign.counted_statuses)
    counts_change = ResponseStatus.RETURNED in counted or ResponseStatus.SUBMITTED in counted
    old_version, reason = response.version, response.review_reason or _("Điều tra viên gửi lại phiếu")
    changes = answers_replace(
        response, details.validated, form=form, actor=user, kind=RevisionKind.RESUBMISSION, reason=reason, version=old_version + 1, mark_dirty=counts_change
    )
    if not changes and counts_change:
        campaign_mark_dirty(campaign_id=response.campaign_id)
    flags = response_flags(
        facts=details.facts(
            campaign=response.campaign, form=response.form, unit=response.unit, channel=response.channel, submitted_at=now, assignment=response.assignment
        ),
        rules=details.rules,
    )
    # A flagged new version waits for a supervisor like a flagged first submission (QualityRules.hold_flagged).
    status = ResponseStatus.ON_HOLD if flags.drafts and details.rules.hold_flagged else ResponseStatus.SUBMITTED
    fields = {
        "version": old_version + 1, "status": status, "submitted_at": now, "started_at": details.started_at,
        "duration_seconds": details.duration, "profile": details.profile, "paradata": details.paradata.paradata,
        "respondent_phone": details.phone, "respondent_name": details.name,
        "review_reason": "", "reviewed_by": None, "reviewed_at": None, "updated_at": now,
    }
    Response.objects.filter(pk=response.pk).update(**fields)
    for name, value in fields.items():
        setattr(response, name, value)
    flags_replace(response, flags)
    audit_record(
        actor=user if isinstance(user, User) else None,
        action="response.resubmit",
        obj=response,
        changes={"version": [old_version, old_version + 1], "status": [ResponseStatus.RETURNED, status], "answers": {c.code: [c.old, c.new] for c in changes}},
    )
