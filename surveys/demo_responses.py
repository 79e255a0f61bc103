"""Demo responses: a few thousand realistic answers over a campaign's quota cells (some drafts, some on hold),
with the paradata the entry page records and the quality flags the server computes (a few too fast, at odd
hours, or the same respondent twice), so that the review queue shows flags;
and the review loop: a response sent back to the demo enumerator, a corrected one with its audit.

Idempotent: response UUIDs are derived from the campaign code and a counter, so a rerun adds only
the missing ones.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, QualityRules, SampleQuota
from campaigns.services import campaign_mark_dirty
from surveys.models import QuestionType, Response, ResponseSource, ResponseStatus
from surveys.quality.flags import FlagResult, ResponseFacts, flags_store, medians_forget, response_flags
from surveys.quality.paradata import ParadataCheck
from surveys.selectors import AGE_GROUP_CHOICES, CompiledForm, CompiledQuestion, compiled_form
from surveys.services.answers import ValidatedAnswers, answers_create, answers_current, answers_validate
from surveys.services.corrections import CorrectionError, response_correct
from surveys.services.review import responses_review

DEMO_NAMESPACE = uuid.UUID("0f2b6a4e-2c1d-4b7e-8a51-7d3c9e1f4a20")
# (status, weight): most responses submitted, a few approved, on hold, rejected or still drafts.
STATUS_WEIGHTS = [
    (ResponseStatus.SUBMITTED, 70),
    (ResponseStatus.APPROVED, 15),
    (ResponseStatus.ON_HOLD, 6),
    (ResponseStatus.REJECTED, 3),
    (ResponseStatus.DRAFT, 6),
]
COMMENTS = ["Cán bộ nhiệt tình, hướng dẫn rõ ràng.", "Thời gian chờ còn lâu.", "Cần thêm chỗ ngồi chờ.", "Thủ tục đơn giản hơn trước."]


def _answer(question: CompiledQuestion, rng: random.Random, mood: float) -> Any:
    if question.type in (QuestionType.LIKERT5, QuestionType.LIKERT4):
        top = max(c.value for c in question.choices if c.value not in question.missing_codes)  # 9 = "không biết" is no level
        level = round(min(top, max(1, rng.gauss(mood * top, 0.8))))
        return level if rng.random() > 0.02 or not question.missing_codes else min(question.missing_codes)
    if question.type in (QuestionType.SINGLE, QuestionType.YES_NO):
        return rng.choice(question.choices).value if question.choices else None
    if question.type == QuestionType.MULTI:
        return [c.value for c in question.choices if rng.random() < 0.3] or None
    if question.type == QuestionType.NUMBER:
        low = float(question.min_value) if question.min_value is not None else 0.0
        high = float(question.max_value) if question.max_value is not None else 100.0
        return int(rng.uniform(low, low + (high - low) * 0.6))
    if question.type == QuestionType.TEXT:
        return rng.choice(COMMENTS) if rng.random() < 0.15 else None
    return None


def _answers(form: CompiledForm, rng: random.Random, draft: bool):  # type: ignore[no-untyped-def]
    mood = rng.uniform(0.72, 0.98)  # most respondents are satisfied, as in published provincial results
    raw = {code: _answer(q, rng, mood) for code, q in form.questions.items()}
    raw = {code: value for code, value in raw.items() if value is not None}
    if draft:  # a draft stops part-way
        raw = dict(list(raw.items())[: len(raw) // 2])
    for _attempt in range(3):
        validated = answers_validate(form=form, answers=raw, draft=draft)
        if not validated.errors:
            return validated
        for key in validated.errors:
            raw.pop(key.removeprefix("answers."), None)
    return answers_validate(form=form, answers={}, draft=True)


def _office_time(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """The same day, in office hours; one in fifty late in the evening (the odd-hours flag)."""
    local = timezone.localtime(moment)
    hours = rng.uniform(22, 23) if rng.random() < 0.02 else rng.uniform(7.5, 17)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(hours=hours)


def _paradata_and_flags(response: Response, form: CompiledForm, validated, index: int, rng: random.Random, rules: QualityRules) -> FlagResult:  # type: ignore[no-untyped-def]
    """Seconds per section (the duration shared out), the time zone, a respondent's phone for a third of the
    responses (two in every sixty share one: a duplicate pair), and the flags the server would compute."""
    duration = response.duration_seconds or 0
    shares = [rng.uniform(0.5, 1.5) for _ in form.sections]
    response.paradata = {
        "sections": {section.code: round(duration * share / sum(shares), 1) for section, share in zip(form.sections, shares, strict=True)},
        "tz_offset_minutes": 420,
    }
    if index % 60 in (29, 59):
        response.respondent_phone = f"0905{index // 60:06d}"
    elif rng.random() < 0.3:
        response.respondent_phone = f"09{rng.randrange(10**8):08d}"
    if response.status == ResponseStatus.DRAFT:
        return FlagResult()
    check = ParadataCheck(paradata=response.paradata, duration=response.duration_seconds)
    facts = ResponseFacts(
        campaign=response.campaign, form=response.form, compiled=form, unit=response.unit, channel=response.channel, validated=validated,
        paradata=check, started_at=response.started_at, submitted_at=response.submitted_at, respondent_phone=response.respondent_phone,
        check_window=False,
    )
    flags = response_flags(facts=facts, rules=rules)
    if flags.drafts and rules.hold_flagged and response.status == ResponseStatus.SUBMITTED:
        response.status = ResponseStatus.ON_HOLD
    return flags


@transaction.atomic
def load_responses_demo(campaign: Campaign, count: int) -> int:
    """Add up to `count` demo responses spread over the campaign's quota cells; returns how many were added."""
    quotas = list(SampleQuota.objects.filter(campaign=campaign).select_related("form__questionnaire", "unit"))
    if not quotas:
        return 0
    keys = [uuid.uuid5(DEMO_NAMESPACE, f"{campaign.code}:{i}") for i in range(count)]
    existing = set(Response.objects.filter(uuid__in=keys).values_list("uuid", flat=True))
    forms = {q.form_id: compiled_form(q.form.questionnaire) for q in quotas}
    start = timezone.make_aware(dt.datetime.combine(campaign.fieldwork_start, dt.time(8, 0)))
    span = max(1, (min(campaign.fieldwork_end, timezone.localdate()) - campaign.fieldwork_start).days) * 86400
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    quota_weights = [quota.target for quota in quotas]
    rules = QualityRules.for_campaign(campaign)
    added = 0
    for index, key in enumerate(keys):
        if key in existing:
            continue
        rng = random.Random(f"{campaign.code}:{index}")
        quota = rng.choices(quotas, quota_weights)[0]  # cells fill in proportion to their targets
        status = rng.choices(statuses, weights)[0]
        validated = _answers(forms[quota.form_id], rng, draft=status == ResponseStatus.DRAFT)
        quality = random.Random(f"{campaign.code}:{index}:quality")  # its own draws: the answers stay as they were
        submitted = _office_time(start + dt.timedelta(seconds=rng.randrange(span)), quality)
        if added % 50 == 0:
            medians_forget()  # the forms' medians as the responses so far give them (remembered for minutes otherwise)
        short = quality.random() <= 0.03  # a few interviews far too short: flagged «quá nhanh»
        _demo_response(
            key, quota, validated, rng, status=status, submitted=submitted, duration=quality.randint(20, 60) if short else None,
            prepare=lambda response, quota=quota, validated=validated, index=index, quality=quality: _paradata_and_flags(
                response, forms[quota.form_id], validated, index, quality, rules
            ),
        )
        added += 1
    if added:
        campaign_mark_dirty(campaign_id=campaign.pk)
    return added


def _demo_response(
    key: uuid.UUID,
    quota: SampleQuota,
    validated: ValidatedAnswers,
    rng: random.Random,
    *,
    status: str,
    submitted: dt.datetime,
    duration: int | None = None,
    prepare: Callable[[Response], FlagResult] | None = None,
    **fields: Any,
) -> Response:
    """One demo response of a quota cell, saved with its answers through the one writer; `prepare` adds its
    paradata and returns the flags the server would compute, stored with it."""
    response = Response(
        uuid=key, campaign=quota.campaign, form=quota.form, unit=quota.unit, channel=quota.channel, status=status,
        source=rng.choice([ResponseSource.WEB, ResponseSource.WEB, ResponseSource.OFFLINE, ResponseSource.IMPORT]),
        started_at=submitted - dt.timedelta(minutes=rng.randint(4, 15)),
        submitted_at=None if status == ResponseStatus.DRAFT else submitted,
        duration_seconds=duration if duration is not None else rng.randint(240, 900),
        profile={"sex": rng.choice(["male", "female"]), "age_group": rng.choice([c for c, _ in AGE_GROUP_CHOICES])},
        content_hash=f"demo-{key}",  # never resent through the API
        review_reason="Phỏng vấn chưa đúng đối tượng" if status == ResponseStatus.REJECTED else "",
        **fields,
    )
    flags = prepare(response) if prepare is not None else None
    answers_create(response, validated)  # saves the response with its index counts
    if flags is not None:
        flags_store(response, flags)
    return response


@transaction.atomic
def load_review_demo(campaign: Campaign) -> list[str]:
    """The review loop in the demo (issue 15), once per campaign: a response of the demo enumerator
    («dieutravien») sent back by the demo supervisor («giamsat») and waiting on the enumerator's home, and a
    paper response whose answer the supervisor corrected, with its audit. Returns what it added."""
    enumerator, supervisor = (User.objects.filter(username=name).first() for name in ("dieutravien", "giamsat"))
    quota = SampleQuota.objects.filter(campaign=campaign).select_related("campaign", "form__questionnaire", "unit").order_by("pk").first()
    if enumerator is None or supervisor is None or quota is None:
        return []
    form = compiled_form(quota.form.questionnaire)
    now = timezone.now()
    added = []
    returned_key = uuid.uuid5(DEMO_NAMESPACE, f"{campaign.code}:gui-lai")
    if not Response.objects.filter(uuid=returned_key).exists():
        rng = random.Random(f"{campaign.code}:gui-lai")
        returned = _demo_response(
            returned_key, quota, _answers(form, rng, draft=False), rng, status=ResponseStatus.SUBMITTED,
            submitted=now - dt.timedelta(hours=3), enumerator=enumerator,
        )
        reason = "Câu đầu tiên ghi nhầm mức so với lời người trả lời; hỏi lại rồi gửi lại phiếu."
        responses_review(responses=[returned], action="return", actor=supervisor, reason=reason)
        added.append(_("1 phiếu gửi lại điều tra viên «dieutravien»"))
    corrected_key = uuid.uuid5(DEMO_NAMESPACE, f"{campaign.code}:da-sua")
    first_index = next((q for q in form.questions.values() if q.index_scale is not None), None)
    if first_index is not None and not Response.objects.filter(uuid=corrected_key).exists():
        rng = random.Random(f"{campaign.code}:da-sua")
        corrected = _demo_response(
            corrected_key, quota, _answers(form, rng, draft=False), rng, status=ResponseStatus.SUBMITTED,
            submitted=now - dt.timedelta(days=1),
        )
        current = answers_current(corrected, form).get(first_index.code)
        lowest = min(first_index.index_scale.valid)
        level = lowest if current != lowest else max(first_index.index_scale.valid)
        try:
            response_correct(actor=supervisor, response=corrected, changes={first_index.code: level}, reason="Nhập nhầm từ phiếu giấy số 17 (bản gốc ghi mức khác)")
            added.append(_("1 phiếu đã sửa câu trả lời, có lịch sử sửa"))
        except CorrectionError:  # a questionnaire whose first index question the skip logic may hide: no demo correction
            pass
    campaign_mark_dirty(campaign_id=campaign.pk)
    return added
