"""The flags of one response, computed on the server when it is submitted or imported, each by a rule of its
campaign's QualityRules with the figures in its reason: too fast, straight-lining, duplicate respondent,
odd hours or outside the channel's window, absurd paradata. (Enumerator outliers need the whole campaign:
surveys.quality.outliers, after each recompute.)

A flag is a reason to look again, never a rejection. With `QualityRules.hold_flagged` a flagged submission
is stored on hold (not counted) until a supervisor approves it.

Cost on the submission path: the campaign's rules and each form's median duration are remembered per
process (RULES via surveys.selectors' target cache, MEDIAN_TTL for medians); the only query a submission
may add is the duplicate lookup, and only when it names a phone or a name. Flags are written only when
there are some.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Assignment, Campaign, CampaignForm, Channel, FrameEntry, QualityRules
from campaigns.selectors import mask_phone
from surveys.models import SCALED_TYPES, FlagKind, Response, ResponseFlag, ResponseStatus
from surveys.quality.paradata import ParadataCheck
from surveys.selectors import CompiledForm, _recall, _remember, window_open_for_submission
from surveys.services.answers import ValidatedAnswers
from units import db
from units.formatting import date_vi, number_vi, percent_vi
from units.models import Unit

MEDIAN_MIN_RESPONSES = 10  # below this a form's median duration says too little to judge against
MEDIAN_TTL = 300.0
# Statuses of the responses a form's median duration and the duplicate lookup consider.
COMPARED_STATUSES = (ResponseStatus.SUBMITTED, ResponseStatus.APPROVED, ResponseStatus.ON_HOLD, ResponseStatus.RETURNED)
SECTION_MIN_ANSWERS = 3  # a section with fewer answered questions is not judged on its own
MAX_MESSAGE = 500
_MEDIANS: dict[tuple[Any, ...], tuple[float, tuple[int, float | None]]] = {}


@dataclass
class FlagDraft:
    kind: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResponseFacts:
    """What the rules read of one response, before it is stored."""

    campaign: Campaign
    form: CampaignForm
    compiled: CompiledForm
    unit: Unit
    channel: str
    validated: ValidatedAnswers
    paradata: ParadataCheck
    started_at: dt.datetime | None
    submitted_at: dt.datetime
    respondent_phone: str = ""
    respondent_name: str = ""
    assignment: Assignment | None = None
    check_window: bool = True


@dataclass
class FlagResult:
    drafts: list[FlagDraft] = field(default_factory=list)
    # Ids of earlier responses with the same respondent: each gets a duplicate flag too, naming this one.
    earlier_duplicates: list[int] = field(default_factory=list)


def rules_for(campaign: Campaign) -> QualityRules:
    """The campaign's QualityRules (defaults without a row), remembered per process like submission targets:
    a save is seen at once in this process (targets_forget on QualityRules), elsewhere within TARGET_TTL."""
    key = ("quality", campaign.pk, campaign.public_key)
    rules = _recall(key)
    if not isinstance(rules, QualityRules):
        rules = _remember(key, QualityRules.for_campaign(campaign))
    return rules


def duration_text(seconds: float) -> str:
    """1 giờ 2 phút 5 giây / 9 phút 12 giây / 20 giây."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [_("%(n)d giờ") % {"n": hours}] if hours else []
    if minutes:
        parts.append(_("%(n)d phút") % {"n": minutes})
    if secs or not parts:
        parts.append(_("%(n)d giây") % {"n": secs})
    return " ".join(parts)


def form_median_duration(form: CampaignForm, campaign: Campaign) -> tuple[int, float | None]:
    """(how many, median duration in seconds) of the form's compared responses with a duration in the campaign;
    the median is None below MEDIAN_MIN_RESPONSES. Remembered per process for MEDIAN_TTL seconds."""
    key = (campaign.pk, campaign.public_key, form.pk)
    hit = _MEDIANS.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    durations = Response.objects.filter(campaign=campaign, form=form, status__in=COMPARED_STATUSES, duration_seconds__isnull=False)
    count = durations.count()
    median = None
    if count >= MEDIAN_MIN_RESPONSES:
        middle = list(durations.order_by("duration_seconds").values_list("duration_seconds", flat=True)[(count - 1) // 2 : count // 2 + 1])
        median = sum(middle) / len(middle)
    if len(_MEDIANS) > 1000:
        _MEDIANS.clear()
    _MEDIANS[key] = (time.monotonic() + MEDIAN_TTL, (count, median))
    return count, median


def medians_forget() -> None:
    _MEDIANS.clear()


def response_flags(*, facts: ResponseFacts, rules: QualityRules) -> FlagResult:
    """Every rule of `rules` applied to one response about to be stored."""
    result = FlagResult()
    for rule in (_too_fast, _straight_line, _odd_hours, _paradata):
        draft = rule(facts, rules)
        if draft is not None:
            result.drafts.append(draft)
    if rules.check_duplicates and (facts.respondent_phone or facts.respondent_name):
        _duplicates(facts, result)
    return result


def _clip(parts: list[str]) -> str:
    text = "; ".join(part.rstrip(".") for part in parts)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _answered_by_section(facts: ResponseFacts) -> dict[str, int]:
    answered = {question.pk for question, value, number, text in facts.validated.rows if value is not None or number is not None or text}
    return {section.code: sum(1 for q in section.questions if q.pk in answered) for section in facts.compiled.sections}


def _too_fast(facts: ResponseFacts, rules: QualityRules) -> FlagDraft | None:
    duration = facts.paradata.duration
    parts: list[str] = []
    detail: dict[str, Any] = {"duration": duration}
    if duration is not None and rules.too_fast_percent:
        count, median = form_median_duration(facts.form, facts.campaign)
        if median is not None and duration < median * rules.too_fast_percent / 100:
            detail.update(median=median, responses=count, percent=rules.too_fast_percent)
            parts.append(
                _("Thời lượng %(duration)s, dưới %(percent)s trung vị %(median)s của phiếu này (%(n)s phiếu)")
                % {"duration": duration_text(duration), "percent": percent_vi(rules.too_fast_percent, 0), "median": duration_text(median), "n": number_vi(count)}
            )
    per_section = _answered_by_section(facts)
    answered = sum(per_section.values())
    minimum = rules.min_seconds_per_question
    if minimum and duration is not None and answered and duration < minimum * answered:
        detail.update(answered=answered, min_seconds_per_question=minimum)
        parts.append(
            _("Thời lượng %(duration)s cho %(n)s câu đã trả lời, dưới %(min)s giây mỗi câu (tối thiểu %(total)s)")
            % {"duration": duration_text(duration), "n": number_vi(answered), "min": number_vi(minimum), "total": duration_text(minimum * answered)}
        )
    if minimum:
        for code, seconds in facts.paradata.section_seconds().items():
            n = per_section.get(code, 0)
            if n >= SECTION_MIN_ANSWERS and seconds < minimum * n:
                detail.setdefault("sections", {})[code] = seconds
                parts.append(
                    _("Phần %(code)s làm trong %(duration)s cho %(n)s câu, dưới %(min)s giây mỗi câu")
                    % {"code": code, "duration": duration_text(seconds), "n": number_vi(n), "min": number_vi(minimum)}
                )
    return FlagDraft(FlagKind.TOO_FAST, _clip(parts), detail) if parts else None


def _straight_line(facts: ResponseFacts, rules: QualityRules) -> FlagDraft | None:
    """The longest run of consecutive scale items of one section answered at the same level."""
    if not rules.straight_line_items:
        return None
    values = {question.pk: value for question, value, _n, _t in facts.validated.rows}
    best: tuple[int, str, int | None] = (0, "", None)
    for section in facts.compiled.sections:
        run, level = 0, None
        for question in section.questions:
            if question.type not in SCALED_TYPES and question.index_scale is None:
                continue  # a yes/no, a number or a text does not break a grid of scale items, nor belong to it
            value = values.get(question.pk)
            run = run + 1 if value is not None and value == level else (1 if value is not None else 0)
            level = value
            if run > best[0]:
                best = (run, section.title or section.code, value)
    run, title, level = best
    if run < rules.straight_line_items:
        return None
    message = _("%(n)s câu thang đo liên tiếp ở «%(section)s» cùng mức %(level)s (ngưỡng %(threshold)s câu); cần xem lại, không tự loại") % {
        "n": number_vi(run), "section": title, "level": level, "threshold": number_vi(rules.straight_line_items),
    }
    return FlagDraft(FlagKind.STRAIGHT_LINE, message, {"items": run, "level": level, "section": title})


def in_odd_hours(hour: int, start: int, end: int) -> bool:
    """Whether `hour` lies in [start, end), the span wrapping midnight when start > end; start == end: none."""
    if start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def _odd_hours(facts: ResponseFacts, rules: QualityRules) -> FlagDraft | None:
    parts: list[str] = []
    span = f"{rules.odd_hours_start:02d}:00–{rules.odd_hours_end:02d}:00"
    for label, moment in ((_("Bắt đầu"), facts.started_at), (_("Gửi"), facts.submitted_at)):
        if moment is None:
            continue
        local = timezone.localtime(moment)
        if in_odd_hours(local.hour, rules.odd_hours_start, rules.odd_hours_end):
            parts.append(_("%(what)s lúc %(time)s, trong khoảng giờ bất thường %(span)s") % {"what": label, "time": local.strftime("%H:%M %d/%m/%Y"), "span": span})
    started = timezone.localdate(facts.started_at) if facts.started_at is not None else None
    elsewhere = facts.check_window and started is not None and started != timezone.localdate(facts.submitted_at)
    if elsewhere and not window_open_for_submission(campaign=facts.campaign, channel=facts.channel, unit=facts.unit, on=started):
        parts.append(_("Bắt đầu ngày %(date)s, ngoài thời gian thu thập của kênh «%(channel)s»") % {"date": date_vi(started), "channel": Channel(facts.channel).label})
    return FlagDraft(FlagKind.ODD_HOURS, _clip(parts), {"span": span}) if parts else None


def _paradata(facts: ResponseFacts, rules: QualityRules) -> FlagDraft | None:
    problems = facts.paradata.problems
    return FlagDraft(FlagKind.PARADATA, _clip(problems), {"problems": problems}) if problems else None


@dataclass(frozen=True)
class Namesake:
    """An earlier response (kind "r") or another case's drawn person (kind "f") with the same respondent."""

    kind: str
    ident: int
    assignment_id: int | None
    phone: str
    unit_name: str


def _duplicates_sql(quote: Callable[[str], str]) -> str:
    """Earlier compared responses with the phone, or the name at the unit; other cases' frame rows alike.
    A blank phone or name matches nothing (the `%s <> ''` guards fold to false, so the index still serves)."""
    response, unit = Response._meta.db_table, Unit._meta.db_table
    frame, case = FrameEntry._meta.db_table, Assignment._meta.db_table
    statuses = ", ".join(["%s"] * len(COMPARED_STATUSES))
    return (
        f"SELECT * FROM (SELECT 'r' AS kind, r.{quote('id')} AS ident, r.{quote('assignment_id')} AS case_id, r.{quote('respondent_phone')} AS phone, "  # noqa: S608
        f"u.{quote('name')} AS unit_name FROM {quote(response)} r JOIN {quote(unit)} u ON u.{quote('id')} = r.{quote('unit_id')} "
        f"WHERE r.{quote('campaign_id')} = %s AND r.{quote('status')} IN ({statuses}) "
        f"AND ((%s <> '' AND r.{quote('respondent_phone')} = %s) OR (%s <> '' AND r.{quote('respondent_name')} = %s AND r.{quote('unit_id')} = %s)) "
        f"ORDER BY r.{quote('id')} LIMIT 20) earlier "
        f"UNION ALL SELECT * FROM (SELECT 'f', a.{quote('id')}, a.{quote('id')}, f.{quote('phone')}, '' FROM {quote(frame)} f "
        f"JOIN {quote(case)} a ON a.{quote('frame_entry_id')} = f.{quote('id')} WHERE f.{quote('campaign_id')} = %s AND f.{quote('id')} <> %s "
        f"AND ((%s <> '' AND f.{quote('phone')} = %s) OR (%s <> '' AND LOWER(f.{quote('full_name')}) = %s AND f.{quote('unit_id')} = %s)) "
        f"LIMIT 20) drawn"
    )


def _namesakes(facts: ResponseFacts) -> list[Namesake]:
    """One plain-SQL statement (units.db): this runs on the submission path for every response naming a person."""
    phone, name, unit_id = facts.respondent_phone, facts.respondent_name, facts.unit.pk
    own_frame = facts.assignment.frame_entry_id if facts.assignment is not None and facts.assignment.frame_entry_id else 0
    params = [
        facts.campaign.pk, *COMPARED_STATUSES, phone, phone, name, name, unit_id,
        facts.campaign.pk, own_frame, phone, phone, name, name, unit_id,
    ]
    return [Namesake(*row) for row in db.fetch_all(db.statement("duplicate-respondents", _duplicates_sql), params)]


def _duplicates(facts: ResponseFacts, result: FlagResult) -> None:
    """Earlier responses of the campaign with the same phone (any unit) or the same name at the same unit,
    and drawn people of other cases with that phone or name."""
    found = _namesakes(facts)
    earlier = [other for other in found if other.kind == "r"]
    interviewed = {other.assignment_id for other in earlier}
    cases = [other.ident for other in found if other.kind == "f" and other.ident not in interviewed]
    if not earlier and not cases:
        return
    parts = [_duplicate_reason(facts, other) for other in earlier[:5]]
    parts += [_("Trùng người được chọn của trường hợp #%(case)s") % {"case": case} for case in cases[:5]]
    detail = {"responses": [other.ident for other in earlier], "cases": cases}
    result.drafts.append(FlagDraft(FlagKind.DUPLICATE, _clip(parts), detail))
    result.earlier_duplicates = [other.ident for other in earlier]


def _duplicate_reason(facts: ResponseFacts, other: Namesake) -> str:
    if facts.respondent_phone and other.phone == facts.respondent_phone:
        return _("Cùng số điện thoại %(phone)s với phiếu #%(id)s (%(unit)s)") % {"phone": mask_phone(facts.respondent_phone), "id": other.ident, "unit": other.unit_name}
    return _("Cùng họ tên tại %(unit)s với phiếu #%(id)s") % {"unit": other.unit_name, "id": other.ident}


# The kinds `response_flags` computes from a submission (not the back-check's, not the enumerator outliers').
SUBMISSION_KINDS = (FlagKind.TOO_FAST, FlagKind.STRAIGHT_LINE, FlagKind.DUPLICATE, FlagKind.ODD_HOURS, FlagKind.PARADATA)


def flags_replace(response: Response, result: FlagResult) -> None:
    """A resubmitted response's flags: those of its earlier version computed at submission go, the new ones
    are stored (a back-check's or an outlier's flag stays). The caller holds the transaction."""
    ResponseFlag.objects.filter(response=response, kind__in=SUBMISSION_KINDS).delete()
    flags_store(response, result)


def flags_store(response: Response, result: FlagResult) -> None:
    """Write the response's flags and the duplicate flag of each earlier response naming it (an earlier
    response already flagged as duplicate keeps its first reason). The caller holds the transaction."""
    ResponseFlag.objects.bulk_create([ResponseFlag(response=response, kind=d.kind, message=d.message, detail=d.detail) for d in result.drafts])
    if result.earlier_duplicates:
        reason = _("Cùng người trả lời với phiếu #%(id)s gửi sau (%(unit)s)") % {"id": response.pk, "unit": response.unit.name}
        ResponseFlag.objects.bulk_create(
            [ResponseFlag(response_id=other, kind=FlagKind.DUPLICATE, message=reason, detail={"responses": [response.pk]}) for other in result.earlier_duplicates],
            ignore_conflicts=True,
        )

