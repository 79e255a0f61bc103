"""Submissions of responses (browser, API, online): their bounds, target, channel window and the case an
interview completes; the answers are checked and written by `surveys.services.answers`.

A submission carries a client UUID, the idempotency key: the same UUID with the same content returns
the stored response; the same UUID with other content is a conflict. The unique index on `uuid` is
what makes this safe under concurrency; the early lookup only saves work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid as uuid_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from campaigns.fieldwork.services import case_closed_message, case_complete
from campaigns.models import Assignment, Campaign, CampaignForm, CampaignStatus, Channel, QualityRules
from surveys.calculations import form_reads_username, submission_metadata
from surveys.models import Response, ResponseSource, ResponseStatus
from surveys.payload import name_key, payload_problem, profile_validate, respondent_keys
from surveys.quality.flags import FlagResult, ResponseFacts, flags_store, response_flags, rules_for
from surveys.quality.paradata import ParadataCheck, paradata_check
from surveys.selectors import (
    COLLECT_ROLES,
    REVIEW_ROLES,
    CompiledForm,
    SubmissionReads,
    compiled_form,
    response_by_uuid,
    submission_reads,
    unit_target,
    window_open_for_submission,
)
from surveys.services.answers import ValidatedAnswers, answers_create, answers_validate
from units.models import Unit

# Bounds of what a submission may hold, checked before anything else reads it: how deep its JSON nests
# (a submission needs 3 levels: answers → a multiple choice → an item), how large an integer may be
# (ids, levels and durations are far below; a SQLite column holds 2⁶³), and the calendar of timestamps
# and date answers (PostgreSQL would store year 1 as a BC timestamp that Python cannot read back).
MAX_DEPTH = 8
MAX_INTEGER = 10**15
EARLIEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST_TIME_AHEAD = dt.timedelta(days=1)  # a device clock a little ahead is tolerated, a year is not
# Statuses of a response that is not the interview of its case (a draft; one rejected by a supervisor).
NOT_AN_INTERVIEW = (ResponseStatus.DRAFT, ResponseStatus.REJECTED)
# Keys of a submission that make up its content (and so its idempotency hash).
CONTENT_KEYS = ("campaign", "form", "unit", "channel", "assignment", "status", "started_at", "duration_seconds", "profile", "answers")


class SubmissionError(Exception):
    """A submission that cannot be saved; `status` is the HTTP status, messages are in Vietnamese."""

    status = 422

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None, *, extra: Mapping[str, Any] | None = None) -> None:
        self.message = message
        self.errors = dict(errors or {})
        self.extra = dict(extra or {})
        super().__init__(message)

    def as_json(self) -> dict[str, Any]:
        return {"detail": self.message, "errors": self.errors, **self.extra}


class SubmissionInvalid(SubmissionError):
    status = 422


class SubmissionForbidden(SubmissionError):
    status = 403


class SubmissionNotFound(SubmissionError):
    status = 404


class SubmissionConflict(SubmissionError):
    status = 409


@dataclass
class Submitter:
    """Who submits: a logged-in user, or a citizen answering online (user None, with a one-time key)."""

    user: User | AnonymousUser | None
    source: str = ResponseSource.API
    online_key: str | None = None
    allowed_statuses: tuple[str, ...] = (ResponseStatus.SUBMITTED, ResponseStatus.DRAFT)


def content_hash(payload: Mapping[str, Any]) -> str:
    content = {key: payload.get(key) for key in CONTENT_KEYS}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    try:
        return hashlib.sha256(text.encode()).hexdigest()
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the JSON): no database would store it
        raise SubmissionInvalid(_("Nội dung gửi lên có ký tự không hợp lệ.")) from None


def payload_check(payload: Any) -> None:
    """Raise SubmissionInvalid (422, the place named) when `payload_problem` finds something."""
    problem = payload_problem(payload, max_depth=MAX_DEPTH, max_integer=MAX_INTEGER)
    if problem is not None:
        where, message = problem
        raise SubmissionInvalid(_("Nội dung gửi lên không hợp lệ: %(message)s") % {"message": message}, {where or "payload": [message]})


# --- submission ------------------------------------------------------------------------------


@dataclass
class SubmissionResult:
    response: Response
    created: bool
    version: int | None = None  # a resubmission's version of the response (surveys.services.resubmission)
    # (kind, reason) of the response's flags; None for a resend (read from the stored flags when asked).
    flags: list[tuple[str, str]] | None = None


def _parse_uuid(raw: Any) -> uuid_module.UUID:
    try:
        return uuid_module.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        raise SubmissionInvalid(_("Mã phiếu (uuid) không hợp lệ."), {"uuid": [_("Cần một UUID do thiết bị tạo.")]}) from None


def _existing(key: uuid_module.UUID, digest: str) -> SubmissionResult | None:
    return _resend_of(response_by_uuid(key), digest)


def _resend_of(existing: Response | None, digest: str) -> SubmissionResult | None:
    """The stored response answered again for a resend of the same content; a conflict for other content."""
    if existing is None:
        return None
    if existing.content_hash != digest:
        raise SubmissionConflict(
            _("Mã phiếu này đã được gửi với nội dung khác; phiếu không được lưu lần hai."), {"uuid": [_("Mã phiếu đã tồn tại.")]}
        )
    return SubmissionResult(existing, created=False)


def _parse_time(raw: Any, field_name: str, *, now: dt.datetime) -> dt.datetime | None:
    """An ISO 8601 time between EARLIEST_TIME and a day after `now`; a naive one is local time."""
    if raw in (None, ""):
        return None
    try:
        value = parse_datetime(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    except ValueError:  # well formed but no such day or hour
        value = None
    if value is None:
        raise SubmissionInvalid(_("Dữ liệu không hợp lệ."), {field_name: [_("Thời điểm không hợp lệ (cần dạng ISO 8601).")]})
    # The year first: converting year 1 or 9999 to UTC for the comparison would itself overflow.
    if EARLIEST_TIME.year <= value.year <= now.year + 1:
        value = timezone.make_aware(value) if timezone.is_naive(value) else value
        if EARLIEST_TIME <= value <= now + LATEST_TIME_AHEAD:
            return value
    message = _("Thời điểm phải từ %(first)s đến nay.") % {"first": EARLIEST_TIME.strftime("%d/%m/%Y")}
    raise SubmissionInvalid(_("Dữ liệu không hợp lệ."), {field_name: [message]})


def _resolve_target(
    payload: Mapping[str, Any], submitter: Submitter, reads: SubmissionReads
) -> tuple[Campaign, Unit, CampaignForm, str, Assignment | None]:
    """Campaign, unit, form, channel and assignment of a submission, each checked for this submitter."""
    campaign, unit, roles = reads.campaign, reads.unit, reads.roles
    if campaign is None:
        raise SubmissionNotFound(_("Không tìm thấy đợt khảo sát."), {"campaign": [_("Không tìm thấy đợt khảo sát.")]})
    if unit is None:
        raise SubmissionNotFound(_("Không tìm thấy đơn vị."), {"unit": [_("Không tìm thấy đơn vị.")]})
    if submitter.user is not None:
        if not roles:
            raise SubmissionNotFound(_("Không tìm thấy đơn vị."), {"unit": [_("Không tìm thấy đơn vị.")]})
        if not roles & COLLECT_ROLES:
            raise SubmissionForbidden(_("Bạn không có quyền nhập phiếu cho đơn vị này."))
    if campaign.status != CampaignStatus.ACTIVE:
        raise SubmissionForbidden(_("Đợt khảo sát «%(name)s» không còn nhận phiếu.") % {"name": campaign.name})
    target = unit_target(campaign=campaign, unit=unit)
    forms = target.forms
    if not target.in_campaign:
        raise SubmissionInvalid(_("Đơn vị không thuộc đợt khảo sát."), {"unit": [_("Đơn vị «%(name)s» không thuộc đợt khảo sát này.") % {"name": unit.name}]})
    channel = str(payload.get("channel") or "")
    if channel not in Channel.values:
        raise SubmissionInvalid(_("Kênh thu thập không hợp lệ."), {"channel": [_("Kênh «%(channel)s» không tồn tại.") % {"channel": channel}]})
    wanted = payload.get("form")
    if wanted not in (None, ""):
        form = next((f for f in forms if str(f.pk) == str(wanted)), None)
        if form is None:
            raise SubmissionInvalid(_("Phiếu không áp dụng cho đơn vị này."), {"form": [_("Phiếu không áp dụng cho đơn vị này.")]})
    elif len(forms) == 1:
        form = forms[0]
    else:
        raise SubmissionInvalid(_("Cần chọn phiếu."), {"form": [_("Đơn vị này có %(n)d loại phiếu; hãy chọn một.") % {"n": len(forms)}]})
    assignment = None
    if payload.get("assignment") not in (None, ""):
        assignment = (
            Assignment.objects.select_related("quota", "frame_entry").filter(pk=_int_or_none(payload.get("assignment")), campaign=campaign).first()
        )
        is_owner = assignment is not None and submitter.user is not None and assignment.enumerator_id == submitter.user.pk
        if assignment is None or not (is_owner or roles & set(REVIEW_ROLES)):
            raise SubmissionNotFound(_("Không tìm thấy phân công."), {"assignment": [_("Không tìm thấy phân công.")]})
        if (assignment.quota.unit_id, assignment.quota.channel, assignment.quota.form_id) != (unit.pk, channel, form.pk):
            raise SubmissionInvalid(_("Phân công không khớp với đơn vị, kênh hoặc phiếu."), {"assignment": [_("Phân công không khớp.")]})
        if payload.get("status") != ResponseStatus.DRAFT:
            case_ready_for_interview(assignment)
    return campaign, unit, form, channel, assignment


def interview_of(assignment_id: int) -> Response | None:
    """The interview that completed a case: its response that is neither a draft nor rejected."""
    return (
        Response.objects.filter(assignment_id=assignment_id).exclude(status__in=NOT_AN_INTERVIEW).only("pk", "uuid", "status").order_by("pk").first()
    )


def case_ready_for_interview(assignment: Assignment) -> None:
    """Raise a 409 unless the case can take its interview: one interview per drawn person (the existing
    one's id in the reply), none for a case closed without one or for a reserve not yet released."""
    existing = interview_of(assignment.pk)
    if existing is not None:
        raise SubmissionConflict(
            _("Người này đã được phỏng vấn (phiếu #%(id)d); không nhận phỏng vấn lần hai.") % {"id": existing.pk},
            {"assignment": [_("Trường hợp đã có phiếu phỏng vấn.")]},
            extra={"existing": {"id": existing.pk, "uuid": str(existing.uuid)}},
        )
    if not assignment.is_active:
        raise SubmissionConflict(_("Người dự phòng này chưa được dùng."), {"assignment": [_("Trường hợp chưa được kích hoạt.")]})
    if not assignment.is_open:
        message = case_closed_message(assignment)
        raise SubmissionConflict(message, {"assignment": [message]})


def _int_or_none(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@dataclass
class SubmissionDetails:
    """What a submission says about its interview, checked: times and paradata (surveys.quality.paradata),
    profile, the respondent's phone and name, answers; and the campaign's quality rules."""

    started_at: dt.datetime | None
    paradata: ParadataCheck
    profile: dict[str, str]
    validated: ValidatedAnswers
    compiled: CompiledForm
    phone: str
    name: str
    rules: QualityRules

    @property
    def duration(self) -> int | None:
        return self.paradata.duration

    def facts(self, *, campaign: Campaign, form: CampaignForm, unit: Unit, channel: str, submitted_at: dt.datetime, assignment: Assignment | None) -> ResponseFacts:
        """What the flag rules read (surveys.quality.flags.response_flags)."""
        return ResponseFacts(
            campaign=campaign, form=form, compiled=self.compiled, unit=unit, channel=channel, validated=self.validated, paradata=self.paradata,
            started_at=self.started_at, submitted_at=submitted_at, respondent_phone=self.phone, respondent_name=self.name, assignment=assignment,
        )


def submission_details(
    payload: Mapping[str, Any], *, form: CampaignForm, now: dt.datetime, campaign: Campaign, channel: str, assignment: Assignment | None = None, draft: bool = False,
    username: Callable[[], str] | None = None,
) -> SubmissionDetails:
    """The start time, paradata, profile, respondent and answers of a submission (or a resubmission), each
    checked; raises SubmissionInvalid (422) with every field's errors. Absurd paradata (a negative or too
    long duration included) is kept as sent and flagged, never refused."""
    errors: dict[str, list[str]] = {}
    started_at = _parse_time(payload.get("started_at"), "started_at", now=now)
    rules = rules_for(campaign)
    paradata = paradata_check(
        raw=payload.get("paradata"), duration=payload.get("duration_seconds"), started_at=started_at, submitted_at=now,
        channel=channel, ask_location=rules.ask_location,
    )
    profile, profile_errors = profile_validate(payload.get("profile"))
    errors.update(profile_errors)
    phone, name, key_errors = respondent_keys(payload.get("profile"))
    errors.update(key_errors)
    compiled = compiled_form(form.questionnaire)
    raw_paradata = payload.get("paradata")
    metadata = submission_metadata(
        started_at=started_at, duration=paradata.duration, username=username() if username and form_reads_username(compiled) else "",
        deviceid=payload.get("deviceid") or (raw_paradata.get("deviceid") if isinstance(raw_paradata, Mapping) else None),
    )
    validated = answers_validate(form=compiled, answers=payload.get("answers", {}), draft=draft, metadata=metadata, now=now)
    errors.update(validated.errors)
    if errors:
        raise SubmissionInvalid(_("Phiếu có %(n)d lỗi; hãy sửa rồi gửi lại.") % {"n": len(errors)}, errors)
    phone, name = respondent_from_case(assignment, phone=phone, name=name)
    return SubmissionDetails(started_at, paradata, profile, validated, compiled, phone, name, rules)


def response_submit(*, payload: Any, submitter: Submitter) -> SubmissionResult:
    """Store one submission, or return the one already stored under its UUID.

    Raises a SubmissionError subclass (422 invalid, 403 closed or forbidden, 404 unknown or outside
    the submitter's units, 409 same UUID with other content). Nothing is half-saved.
    """
    if not isinstance(payload, Mapping):
        raise SubmissionInvalid(_("Nội dung gửi lên phải là một đối tượng JSON."))
    payload_check(payload)
    key = _parse_uuid(payload.get("uuid"))
    digest = content_hash(payload)
    reads = submission_reads(
        key=key, campaign_code=str(payload.get("campaign") or ""), unit_code=str(payload.get("unit") or ""), user=submitter.user
    )
    found = _resend_of(reads.existing, digest)
    if found is not None:
        return found
    status = str(payload.get("status") or ResponseStatus.SUBMITTED)
    if status not in submitter.allowed_statuses:
        raise SubmissionInvalid(_("Trạng thái phiếu không hợp lệ."), {"status": [_("Chỉ được gửi phiếu nháp hoặc phiếu hoàn thành.")]})
    campaign, unit, form, channel, assignment = _resolve_target(payload, submitter, reads)
    now = timezone.now()
    if not window_open_for_submission(campaign=campaign, channel=channel, unit=unit, on=timezone.localdate(now)):
        raise SubmissionForbidden(
            _("Kênh «%(channel)s» không mở cho đơn vị này vào ngày %(date)s.") % {"channel": Channel(channel).label, "date": timezone.localdate(now).strftime("%d/%m/%Y")},
            {"channel": [_("Kênh thu thập đang đóng.")]},
        )
    user = submitter.user if submitter.user is not None and submitter.user.is_authenticated else None
    details = submission_details(
        payload, form=form, now=now, draft=status == ResponseStatus.DRAFT, campaign=campaign, channel=channel, assignment=assignment,
        username=user.get_username if user is not None else None,  # read only by a form with a username field
    )
    started_at, profile, validated, paradata = details.started_at, details.profile, details.validated, details.paradata
    phone, name = details.phone, details.name
    flags = FlagResult()
    if status != ResponseStatus.DRAFT:
        flags = response_flags(facts=details.facts(campaign=campaign, form=form, unit=unit, channel=channel, submitted_at=now, assignment=assignment), rules=details.rules)
        if flags.drafts and details.rules.hold_flagged and status == ResponseStatus.SUBMITTED:
            status = ResponseStatus.ON_HOLD  # waits for a supervisor before it counts
    response = Response(
        uuid=key,
        campaign=campaign,
        form=form,
        unit=unit,
        channel=channel,
        enumerator=submitter.user if submitter.user is not None and submitter.user.is_authenticated else None,
        assignment=assignment,
        status=status,
        source=submitter.source,
        started_at=started_at,
        submitted_at=now if status != ResponseStatus.DRAFT else None,
        duration_seconds=paradata.duration,
        profile=profile,
        paradata=paradata.paradata,
        respondent_phone=phone,
        respondent_name=name,
        content_hash=digest,
        online_key=submitter.online_key,
    )
    try:
        if flags.drafts:
            with transaction.atomic():
                _store(response, validated, campaign=campaign, assignment=assignment)
                flags_store(response, flags)
        else:
            _store(response, validated, campaign=campaign, assignment=assignment)
    except IntegrityError:
        # A concurrent request stored the same UUID (or used the same online key, or interviewed the case) first.
        found = _existing(key, digest)
        if found is not None:
            return found
        if assignment is not None:
            case_ready_for_interview(assignment)
        raise SubmissionConflict(_("Thiết bị hoặc đường dẫn này đã được dùng để trả lời phiếu."), {"token": [_("Đã trả lời.")]}) from None
    return SubmissionResult(response, created=True, flags=[(d.kind, d.message) for d in flags.drafts])


def respondent_from_case(assignment: Assignment | None, *, phone: str, name: str) -> tuple[str, str]:
    """The respondent's phone and name as sent, else those of the case's drawn person (the frame row)."""
    entry = assignment.frame_entry if assignment is not None else None
    if entry is None:
        return phone, name
    return phone or entry.phone, name or name_key(entry.full_name)


def _store(response: Response, validated: ValidatedAnswers, *, campaign: Campaign, assignment: Assignment | None) -> None:
    """The response, its answers, the assignment done and the campaign's dirty mark, all or nothing."""
    counted = response.status in campaign.counted_statuses
    if assignment is None and connection.vendor == "postgresql" and not connection.in_atomic_block:
        answers_create(response, validated, mark_dirty=counted)  # one statement: atomic by itself
        return
    # A savepoint inside a caller's transaction, so a lost race on the UUID leaves that transaction usable.
    with transaction.atomic():
        interview = assignment is not None and response.status != ResponseStatus.DRAFT
        if interview:
            # The case's row lock makes two interviews of one person, sent at once, wait for each other:
            # the second sees the first and gets a 409 (the unique index on the case is the backstop).
            case_ready_for_interview(Assignment.objects.select_for_update().get(pk=assignment.pk))
        answers_create(response, validated, mark_dirty=counted)
        if interview:
            case_complete(actor=response.enumerator, case_id=assignment.pk, channel=response.channel, at=response.submitted_at or timezone.now())
