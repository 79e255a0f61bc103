"""Every write to responses: submission (browser, API, online, import), review, and their rules.

A submission carries a client UUID, the idempotency key: the same UUID with the same content returns
the stored response; the same UUID with other content is a conflict. The unique index on `uuid` is
what makes this safe under concurrency; the early lookup only saves work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from campaigns.fieldwork.services import case_closed_message, case_complete
from campaigns.models import Assignment, Campaign, CampaignForm, CampaignStatus, Channel
from campaigns.services import campaign_became_dirty, campaign_dirty_params, campaign_dirty_sql, campaign_mark_dirty
from surveys.expressions import is_true
from surveys.models import Answer, Question, Questionnaire, QuestionType, Response, ResponseSource, ResponseStatus
from surveys.payload import payload_problem, profile_validate
from surveys.rules import index_pattern
from surveys.selectors import (
    COLLECT_ROLES,
    REVIEW_ROLES,
    CompiledForm,
    CompiledQuestion,
    IndexScale,
    SubmissionReads,
    compiled_form,
    index_scale,
    response_by_uuid,
    submission_reads,
    unit_target,
    window_open_for_submission,
)
from units import db
from units.db import model_insert
from units.models import Unit

MAX_TEXT = 5000
# Answer.number is DecimalField(max_digits=14, decimal_places=4).
NUMBER_STEP = Decimal("0.0001")
NUMBER_LIMIT = Decimal("1e10")
MAX_DURATION = 24 * 3600
# Bounds of what a submission may hold, checked before anything else reads it: how deep its JSON nests
# (a submission needs 3 levels: answers → a multiple choice → an item), how large an integer may be
# (ids, levels and durations are far below; a SQLite column holds 2⁶³), and the calendar of timestamps
# and date answers (PostgreSQL would store year 1 as a BC timestamp that Python cannot read back).
MAX_DEPTH = 8
MAX_INTEGER = 10**15
EARLIEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST_TIME_AHEAD = dt.timedelta(days=1)  # a device clock a little ahead is tolerated, a year is not
DATE_YEARS = (1900, 2100)
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


@dataclass
class ValidatedAnswers:
    rows: list[tuple[CompiledQuestion, int | None, Decimal | None, str]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # Codes of the questions shown (by the skip logic) but left unanswered: stored as missing (no row).
    blanks: list[str] = field(default_factory=list)
    # The questionnaire's index questions (CompiledForm.index_questions): the positions of the index pattern.
    index_questions: tuple[int, ...] | None = None


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


# --- answers ---------------------------------------------------------------------------------


def _is_blank(raw: Any) -> bool:
    return raw is None or raw == "" or raw == []


def _choice_value(question: CompiledQuestion, raw: Any) -> tuple[int | None, str]:
    """(level, name) of one chosen option given as its number or its name; (None, "") when unknown."""
    if isinstance(raw, bool):
        return None, ""
    if isinstance(raw, str):
        choice = question.choice_by_name(raw.strip())
        if choice is not None:
            return choice.value, choice.name
        text = raw.strip()
        if text.lstrip("-").isdigit():
            raw = int(text)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int):
        choice = question.choice_by_value(raw)
        if choice is not None:
            return choice.value, choice.name
        if raw in question.missing_codes:
            return raw, str(raw)
    return None, ""


def _levels_text(question: CompiledQuestion) -> str:
    return ", ".join(str(choice.value) for choice in question.choices)


def _parse_one(question: CompiledQuestion, raw: Any) -> tuple[list[tuple[int | None, Decimal | None, str]], Any, str | None]:
    """Rows to store, the value seen by expressions, and an error message (or None)."""
    kind = question.type
    if question.is_choice:
        items = raw if kind == QuestionType.MULTI and isinstance(raw, list) else [raw]
        if kind != QuestionType.MULTI and isinstance(raw, list):
            return [], "", _("Câu hỏi này chỉ chọn một phương án.")
        rows, names = [], []
        for item in items:
            value, name = _choice_value(question, item)
            if value is None:
                return [], "", _("Mức «%(value)s» không hợp lệ; chọn một trong: %(levels)s.") % {"value": item, "levels": _levels_text(question)}
            if name not in names:
                rows.append((value, None, ""))
                names.append(name)
        return rows, (names if kind == QuestionType.MULTI else names[0]), None
    if kind == QuestionType.NUMBER:
        try:
            number = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            return [], "", _("Cần nhập một số.")
        if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
            return [], "", _("Cần nhập một số.")
        # Rounded as the column stores it (4 decimals, half away from zero, as PostgreSQL rounds), so
        # the range checks see the stored value and 1e-20000 or 9999999999.99996 never reach the database.
        number = number.quantize(NUMBER_STEP, rounding=ROUND_HALF_UP)
        if abs(number) >= NUMBER_LIMIT:
            return [], "", _("Cần nhập một số.")
        if question.min_value is not None and number < question.min_value:
            return [], "", _("Giá trị phải từ %(min)s trở lên.") % {"min": f"{question.min_value.normalize():f}"}
        if question.max_value is not None and number > question.max_value:
            return [], "", _("Giá trị không được lớn hơn %(max)s.") % {"max": f"{question.max_value.normalize():f}"}
        return [(None, number, "")], float(number), None
    if kind == QuestionType.DATE:
        text = str(raw).strip()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                # A date cell of an imported sheet comes as a datetime: its day is the answer.
                day = raw.date() if isinstance(raw, dt.datetime) else dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007
            except ValueError:
                continue
            if not DATE_YEARS[0] <= day.year <= DATE_YEARS[1]:
                return [], "", _("Ngày phải trong các năm %(first)d–%(last)d.") % {"first": DATE_YEARS[0], "last": DATE_YEARS[1]}
            iso = day.isoformat()
            return [(None, None, iso)], iso, None
        return [], "", _("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy.")
    if kind == QuestionType.NOTE:
        return [], "", None
    text = str(raw).replace("\x00", "")
    if len(text) > MAX_TEXT:
        return [], "", _("Câu trả lời quá dài (tối đa %(n)d ký tự).") % {"n": MAX_TEXT}
    return [(None, None, text)], text, None


def answers_validate(*, form: CompiledForm, answers: Any, draft: bool = False, blanks_allowed: bool = False) -> ValidatedAnswers:
    """Check answers against the questionnaire: known codes, levels, skip logic, required, constraints.

    Answers to questions that the skip logic hides are dropped, as the browser drops them.
    A draft is not checked for required answers; nor is a form with `blanks_allowed` (paper and
    call-centre forms imported as they were filled in: a blank is an unanswered item, even on a
    required question, and is listed in `blanks`).
    """
    result = ValidatedAnswers(index_questions=form.index_questions)
    if not isinstance(answers, Mapping):
        result.errors["answers"] = [_("Phần «answers» phải là một đối tượng {mã câu hỏi: câu trả lời}.")]
        return result
    parsed: dict[str, list[tuple[int | None, Decimal | None, str]]] = {}
    values: dict[str, Any] = {}
    for code, raw in answers.items():
        question = form.questions.get(str(code))
        if question is None:
            result.errors[f"answers.{code}"] = [_("Phiếu không có câu hỏi mã «%(code)s».") % {"code": code}]
            continue
        if _is_blank(raw):
            continue
        rows, value, error = _parse_one(question, raw)
        if error:
            result.errors[f"answers.{code}"] = [error]
            continue
        parsed[question.code] = rows
        values[question.code] = value
    if result.errors:
        return result
    for section in form.sections:
        section_shown = is_true(section.relevant, values)
        for question in section.questions:
            if not section_shown or not is_true(question.relevant, values):
                values.pop(question.code, None)
                parsed.pop(question.code, None)
                continue
            if question.code not in parsed:
                if question.type == QuestionType.NOTE:
                    continue
                if question.required and not (draft or blanks_allowed):
                    result.errors[f"answers.{question.code}"] = [_("Câu này bắt buộc trả lời.")]
                result.blanks.append(question.code)
                continue
            current = values[question.code]
            if question.constraint is not None and not is_true(question.constraint, values, current):
                message = question.constraint_message or _("Câu trả lời không thoả điều kiện của câu hỏi.")
                result.errors[f"answers.{question.code}"] = [message]
                continue
            result.rows.extend((question, *row) for row in parsed[question.code])
    return result


# --- submission ------------------------------------------------------------------------------


@dataclass
class SubmissionResult:
    response: Response
    created: bool


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
            Assignment.objects.select_related("quota").filter(pk=_int_or_none(payload.get("assignment")), campaign=campaign).first()
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
    errors: dict[str, list[str]] = {}
    started_at = _parse_time(payload.get("started_at"), "started_at", now=now)
    duration = payload.get("duration_seconds")
    if duration not in (None, "") and (isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration <= MAX_DURATION):
        errors["duration_seconds"] = [_("Thời lượng phỏng vấn không hợp lệ.")]
    profile, profile_errors = profile_validate(payload.get("profile"))
    errors.update(profile_errors)
    validated = answers_validate(form=compiled_form(form.questionnaire), answers=payload.get("answers", {}), draft=status == ResponseStatus.DRAFT)
    errors.update(validated.errors)
    if errors:
        raise SubmissionInvalid(_("Phiếu có %(n)d lỗi; hãy sửa rồi gửi lại.") % {"n": len(errors)}, errors)
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
        duration_seconds=duration if isinstance(duration, int) else None,
        profile=profile,
        content_hash=digest,
        online_key=submitter.online_key,
    )
    try:
        _store(response, validated, campaign=campaign, assignment=assignment)
    except IntegrityError:
        # A concurrent request stored the same UUID (or used the same online key, or interviewed the case) first.
        found = _existing(key, digest)
        if found is not None:
            return found
        if assignment is not None:
            case_ready_for_interview(assignment)
        raise SubmissionConflict(_("Thiết bị hoặc đường dẫn này đã được dùng để trả lời phiếu."), {"token": [_("Đã trả lời.")]}) from None
    return SubmissionResult(response, created=True)


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


ANSWER_COLUMNS = ("response_id", "question_id", "campaign_id", "unit_id", "channel", "value", "number", "text")
ANSWER_BATCH = 100  # rows per INSERT: 800 parameters, under every backend's limit


def index_counts(answers: Iterable[tuple[IndexScale | None, int | None]]) -> tuple[int, int]:
    """(valid, unsatisfied) of one response from its answer rows as (index scale of the question, level):
    rows of index questions at a valid (non-missing) level, and how many of those are not satisfied.

    The only place these counts are computed; the engine's answer scan (reports.tallies) applies the
    same rule in SQL when a response lacks them.
    """
    valid = unsatisfied = 0
    for scale, value in answers:
        if scale is not None and value is not None and value in scale.valid:
            valid += 1
            if value not in scale.satisfied:
                unsatisfied += 1
    return valid, unsatisfied


def answers_create(response: Response, validated: ValidatedAnswers, *, mark_dirty: bool = False) -> None:
    """Save `response` with its index counts and insert its answer rows; with `mark_dirty`, also set the
    campaign's dirty mark (campaigns.services.campaign_mark_dirty) in the same transaction.

    Every path that writes answers goes through here, so `Response.index_valid` / `index_unsatisfied`
    and `index_pattern` always match the answers, and answers always copy their response's campaign, unit and channel
    (the database does not check Answer's keys: see the Answer model). An unsaved response is
    inserted; a saved one (with no answers yet) gets its counts updated.

    Plain SQL (units.db) because the ORM's Python cost more than the rest of a submission. On
    PostgreSQL a new response, its answers and the dirty mark are one statement (`_insert_all`);
    elsewhere one INSERT per ANSWER_BATCH answer rows.
    """
    response.index_valid, response.index_unsatisfied = index_counts((question.index_scale, value) for question, value, _n, _t in validated.rows)
    if validated.index_questions is not None:
        response.index_pattern = index_pattern(validated.index_questions, {question.pk: value for question, value, _n, _t in validated.rows})
    if response._state.adding and connection.vendor == "postgresql":
        _insert_all(response, validated, mark_dirty=mark_dirty)
        return
    if response._state.adding:
        model_insert(response)
    else:
        Response.objects.filter(pk=response.pk).update(
            index_valid=response.index_valid, index_unsatisfied=response.index_unsatisfied, index_pattern=response.index_pattern
        )
    number_field = Answer._meta.get_field("number")
    rows = [
        (
            response.pk,
            question.pk,
            response.campaign_id,
            response.unit_id,
            response.channel,
            value,
            None if number is None else number_field.get_db_prep_save(number, connection),
            text,
        )
        for question, value, number, text in validated.rows
    ]
    placeholder = "(" + ", ".join(["%s"] * len(ANSWER_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for first in range(0, len(rows), ANSWER_BATCH):
            batch = rows[first : first + ANSWER_BATCH]
            cursor.execute(f"{_answers_insert_head()} VALUES {', '.join([placeholder] * len(batch))}", [item for row in batch for item in row])
    if mark_dirty:
        campaign_mark_dirty(campaign_id=response.campaign_id)


def _answers_insert_head() -> str:
    return db.statement(
        "answers-insert", lambda q: f"INSERT INTO {q(Answer._meta.db_table)} ({', '.join(q(column) for column in ANSWER_COLUMNS)})"  # noqa: S608
    )


def _insert_all(response: Response, validated: ValidatedAnswers, *, mark_dirty: bool) -> None:
    """PostgreSQL: the response, its answers and the campaign's dirty mark in one statement: one round
    trip instead of five (BEGIN, three statements, COMMIT), atomic by itself, and part of the caller's
    transaction if any. The answers travel as one JSON array (`json_to_recordset`): encoding it is one C
    call, where 160 separately adapted parameters cost more than the rest of the statement, and the
    statement is planned as fast for 40 answers as for one."""

    def build(quote: Callable[[str], str]) -> str:
        return (
            f"WITH response AS ({db.insert_sql(Response, returning=True)}), "
            f"answers AS ({_answers_insert_head()} SELECT response.{quote('id')}, a.q, %s, %s, %s, a.v, a.n, a.t "
            "FROM response, json_to_recordset(%s::json) AS a(q bigint, v integer, n numeric, t text)), "
            f"dirty AS ({campaign_dirty_sql(quote)} RETURNING 1) "
            "SELECT (SELECT id FROM response), (SELECT count(*) FROM dirty)"
        )

    answers = [
        {"q": question.pk, "v": value, "n": None if number is None else str(number), "t": text} for question, value, number, text in validated.rows
    ]
    params = [
        *db.insert_params(response),
        response.campaign_id,
        response.unit_id,
        response.channel,
        json.dumps(answers, ensure_ascii=False),
        *campaign_dirty_params(response.campaign_id if mark_dirty else None),  # id NULL: no row is marked
    ]
    pk, newly_dirty = db.fetch_one(db.statement("submission-insert", build), params)
    db.mark_saved(response, pk)
    if mark_dirty:
        campaign_became_dirty(campaign_id=response.campaign_id, became_dirty=bool(newly_dirty))


def responses_index_counts_fill(*, batch: int = 2000) -> int:
    """Compute the index counts and pattern of responses saved before they existed (NULL), `batch`
    responses per transaction; returns how many were filled.

    Safe to interrupt and rerun: only rows still NULL are touched. The results do not change (the engine
    recounts such responses from their answers), the recompute only gets cheaper, so no campaign is
    marked dirty and `updated_at` is left alone.
    """
    scales: dict[int, IndexScale | None] = {}
    index_questions: dict[int, tuple[int, ...]] = {}  # questionnaire → its index questions
    missing = Response.objects.filter(
        Q(index_valid__isnull=True) | Q(index_unsatisfied__isnull=True) | Q(index_pattern__isnull=True)
    ).order_by("pk")
    filled, last = 0, 0
    while batch_rows := list(missing.filter(pk__gt=last).values_list("pk", "form__questionnaire_id")[:batch]):
        ids = [pk for pk, _questionnaire in batch_rows]
        last = ids[-1]
        for questionnaire in {q for _pk, q in batch_rows} - index_questions.keys():
            index_questions[questionnaire] = compiled_form(Questionnaire.objects.get(pk=questionnaire)).index_questions
        answers: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
        for response_id, question_id, value in Answer.objects.filter(response_id__in=ids).values_list("response_id", "question_id", "value"):
            answers[response_id].append((question_id, value))
        unseen = {question for rows in answers.values() for question, _value in rows} - scales.keys()
        scales.update({question.pk: index_scale(question) for question in Question.objects.filter(pk__in=unseen)})
        rows = []
        for pk, questionnaire in batch_rows:
            valid, unsatisfied = index_counts((scales[question], value) for question, value in answers[pk])
            pattern = index_pattern(index_questions[questionnaire], dict(answers[pk]))
            rows.append(Response(pk=pk, index_valid=valid, index_unsatisfied=unsatisfied, index_pattern=pattern))
        with transaction.atomic():
            Response.objects.bulk_update(rows, ["index_valid", "index_unsatisfied", "index_pattern"], batch_size=500)
        filled += len(rows)
    return filled
