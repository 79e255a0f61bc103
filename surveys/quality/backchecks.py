"""Back-checks (phúc tra): a seeded random share of each enumerator's completed interviews is drawn for a
short re-contact by a supervisor, who records whether the person was interviewed, on what date, by which
channel, and their answers to two satisfaction items asked again (docs/methodology.md, "Phúc tra").

The draw is reproducible: for each enumerator, `random.Random("<seed>:<enumerator id>")` shuffles the ids
of their completed responses in increasing order, and the first ones not yet drawn are taken; the same
responses with the same seed give the same back-checks. A later draw (more interviews since) adds only
new responses, up to the share of the enumerator's interviews by then. Reads are in `backcheck_reads`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignForm, Channel, QualityRules
from surveys.models import Answer, BackCheck, BackCheckStatus, FlagKind, Response, ResponseFlag, ResponseStatus
from surveys.selectors import compiled_form
from surveys.services.review import responses_review
from units.access import Action, require, scope
from units.formatting import date_vi
from units.services import Actor, audit_record

# What counts as a completed interview: sent and not sent back, rejected or held.
COMPLETED = (ResponseStatus.SUBMITTED, ResponseStatus.APPROVED)
REPEATED_ITEMS = 2
# A repeated item differs when the two answers are more than this many levels apart.
ITEM_TOLERANCE = 1
# A reported date matches when it is at most this many days from the interview's date (memory, midnight).
DATE_TOLERANCE_DAYS = 1
SEED_MAX = 10**9


class BackCheckError(Exception):
    """A back-check that cannot be drawn or recorded (messages in Vietnamese); nothing was saved."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class DrawRow:
    """One enumerator's line of a draw."""

    enumerator: User
    completed: int
    drawn_before: int
    drawn_now: int

    @property
    def drawn(self) -> int:
        return self.drawn_before + self.drawn_now


@dataclass
class DrawResult:
    seed: int
    rows: list[DrawRow]

    @property
    def drawn_now(self) -> int:
        return sum(row.drawn_now for row in self.rows)


def share_of(completed: int, percent: int) -> int:
    """How many of `completed` interviews are back-checked at `percent`: rounded up, at least one of any."""
    if completed <= 0 or percent <= 0:
        return 0
    return max(1, math.ceil(completed * percent / 100))


def campaign_seed(campaign: Campaign) -> int | None:
    """The seed of the campaign's latest draw, None before the first."""
    return BackCheck.objects.filter(campaign=campaign).order_by("-drawn_at", "-pk").values_list("seed", flat=True).first()


def drawn_order(seed: int, enumerator_id: int, response_ids: list[int]) -> list[int]:
    """The enumerator's responses in the order the seed draws them (a full shuffle of the sorted ids)."""
    ids = sorted(response_ids)
    random.Random(f"{seed}:{enumerator_id}").shuffle(ids)
    return ids


@transaction.atomic
def backchecks_draw(*, actor: Actor, campaign: Campaign, seed: int | None = None) -> DrawResult:
    """Draw the campaign's back-checks: for each enumerator, the share (QualityRules.backcheck_percent,
    at least one) of their completed interviews, less those already drawn. Without `seed`, the campaign's
    last seed is used, or a new random one. Audited. Officials of the organiser (BACKCHECKS_DRAW)."""
    require(actor, Action.BACKCHECKS_DRAW, campaign.organiser)
    if seed is not None and not 0 <= seed < SEED_MAX:
        raise BackCheckError([_("Hạt giống phải là số nguyên từ 0 đến 999.999.999.")])
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one draw at a time per campaign
    if seed is None:
        seed = campaign_seed(campaign)
    if seed is None:
        seed = secrets.randbelow(SEED_MAX)
    percent = QualityRules.for_campaign(campaign).backcheck_percent
    completed: dict[int, list[int]] = defaultdict(list)
    for enumerator_id, pk in Response.objects.filter(campaign=campaign, status__in=COMPLETED, enumerator__isnull=False).values_list(
        "enumerator_id", "pk"
    ):
        completed[enumerator_id].append(pk)
    drawn: dict[int, set[int]] = defaultdict(set)
    for enumerator_id, response_id in BackCheck.objects.filter(campaign=campaign).values_list("enumerator_id", "response_id"):
        drawn[enumerator_id].add(response_id)
    enumerators = User.objects.in_bulk(list(completed))
    rows, new = [], []
    for enumerator_id in sorted(completed, key=lambda pk: (enumerators[pk].username, pk)):
        ids = completed[enumerator_id]
        wanted = max(0, share_of(len(ids), percent) - len(drawn[enumerator_id]))
        chosen = [pk for pk in drawn_order(seed, enumerator_id, ids) if pk not in drawn[enumerator_id]][:wanted]
        new += [(enumerator_id, pk) for pk in chosen]
        rows.append(DrawRow(enumerators[enumerator_id], len(ids), len(drawn[enumerator_id]), len(chosen)))
    items = repeated_items(seed, [pk for _e, pk in new])
    BackCheck.objects.bulk_create(
        [
            BackCheck(campaign=campaign, response_id=pk, enumerator_id=enumerator_id, seed=seed, items=items.get(pk, []))
            for enumerator_id, pk in new
        ]
    )
    audit_record(actor=actor, action="backchecks.draw", obj=campaign, changes={"seed": seed, "percent": percent, "drawn": len(new)})
    return DrawResult(seed, rows)


def repeated_items(seed: int, response_ids: list[int]) -> dict[int, list[str]]:
    """For each response, the codes of the satisfaction items asked again: REPEATED_ITEMS of the index
    questions it answered at a valid level, chosen with `random.Random("<seed>:<response id>")`."""
    if not response_ids:
        return {}
    form_ids = set(Response.objects.filter(pk__in=response_ids).values_list("form_id", flat=True))
    forms = [compiled_form(form.questionnaire) for form in CampaignForm.objects.filter(pk__in=form_ids).select_related("questionnaire")]
    scales = {q.pk: (q.code, q.index_scale) for form in forms for q in form.questions.values() if q.index_scale is not None}
    answered: dict[int, set[str]] = defaultdict(set)
    rows = Answer.objects.filter(response_id__in=response_ids, question_id__in=list(scales)).values_list(
        "response_id", "question_id", "value"
    )
    for response_id, question_id, value in rows:
        code, scale = scales[question_id]
        if value in scale.valid:
            answered[response_id].add(code)
    result = {}
    for pk in response_ids:
        codes = sorted(answered[pk])
        result[pk] = sorted(random.Random(f"{seed}:{pk}").sample(codes, min(REPEATED_ITEMS, len(codes))))
    return result


# --- recording ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackCheckAnswers:
    """What the supervisor recorded: `reached` False means the respondent could not be contacted."""

    reached: bool
    interviewed: bool | None = None
    interview_date: dt.date | None = None  # None: the respondent does not remember
    channel: str = ""  # "": does not remember
    items: Mapping[str, int | None] | None = None  # code → level; None: no answer
    note: str = ""


def interview_date(response: Response) -> dt.date | None:
    """The interview's local date: when it started, else when it was sent."""
    moment = response.started_at or response.submitted_at or response.created_at
    return timezone.localdate(moment) if moment else None


def original_levels(backcheck: BackCheck) -> dict[str, int]:
    """The levels the response holds for the back-check's repeated items."""
    rows = Answer.objects.filter(response_id=backcheck.response_id, question__code__in=backcheck.items, value__isnull=False)
    return dict(rows.values_list("question__code", "value"))


def _checked(backcheck: BackCheck, given: BackCheckAnswers) -> list[str]:
    """The problems of the input (Vietnamese), none when it can be saved."""
    problems = []
    if given.reached and given.interviewed is None:
        problems.append(_("Chọn người trả lời có được phỏng vấn hay không."))
    if given.channel and given.channel not in Channel.values:
        problems.append(_("Kênh không hợp lệ."))
    if given.interview_date and given.interview_date > timezone.localdate():
        problems.append(_("Ngày phỏng vấn không thể sau hôm nay."))
    scale = {q.code: q.index_scale for q in compiled_form(backcheck.response.form.questionnaire).questions.values()}
    for code, level in (given.items or {}).items():
        if code not in backcheck.items:
            problems.append(_("Câu %(code)s không nằm trong phiếu phúc tra.") % {"code": code})
        elif level is not None and (scale.get(code) is None or level not in scale[code].valid):
            problems.append(_("Câu %(code)s: mức %(level)s không có trong thang đo.") % {"code": code, "level": level})
    if len(given.note) > 500:
        problems.append(_("Ghi chú tối đa 500 ký tự."))
    return problems


def discrepancies(backcheck: BackCheck, given: BackCheckAnswers) -> list[str]:
    """Why the back-check does not match the interview (docs/methodology.md): empty when it matches."""
    response = backcheck.response
    if given.interviewed is False:
        return [_("người trả lời nói không được phỏng vấn")]
    reasons = []
    held = interview_date(response)
    if given.interview_date and held and abs((given.interview_date - held).days) > DATE_TOLERANCE_DAYS:
        reasons.append(
            _("sai ngày (người trả lời nói %(said)s, phiếu ghi %(held)s)") % {"said": date_vi(given.interview_date), "held": date_vi(held)}
        )
    if given.channel and given.channel != response.channel:
        reasons.append(
            _("sai kênh (người trả lời nói «%(said)s», phiếu ghi «%(held)s»)")
            % {"said": Channel(given.channel).label, "held": response.get_channel_display()}
        )
    levels = original_levels(backcheck)
    for code in backcheck.items:
        said, held_level = (given.items or {}).get(code), levels.get(code)
        if said is not None and held_level is not None and abs(said - held_level) > ITEM_TOLERANCE:
            reasons.append(
                _("câu %(code)s lệch %(gap)d mức (phiếu %(held)d, phúc tra %(said)d)")
                % {"code": code, "gap": abs(said - held_level), "held": held_level, "said": said}
            )
    return reasons


@transaction.atomic
def backcheck_record(*, actor: Actor, backcheck: BackCheck, answers: BackCheckAnswers) -> BackCheck:
    """Record a back-check's result (again, if it was recorded before). A discrepancy flags the response
    (ResponseFlag BACKCHECK with the reasons) and, where the campaign's rules say so, holds the
    enumerator's other submitted, not yet approved responses of the campaign that the actor reviews
    (through `responses_review`, audited). An unreached respondent is no discrepancy.
    Officials and supervisors at the response's unit (BACKCHECKS_RECORD)."""
    response = backcheck.response
    require(actor, Action.BACKCHECKS_RECORD, response.unit)
    problems = _checked(backcheck, answers)
    if problems:
        raise BackCheckError(problems)
    reasons = discrepancies(backcheck, answers) if answers.reached else []
    backcheck.status = BackCheckStatus.DONE if answers.reached else BackCheckStatus.UNREACHED
    backcheck.interviewed = answers.interviewed if answers.reached else None
    backcheck.date_matches = _date_matches(response, answers)
    backcheck.channel_matches = (
        (answers.channel == response.channel) if answers.reached and answers.channel and answers.interviewed else None
    )
    backcheck.answers = _stored_answers(answers)
    backcheck.discrepancy = bool(reasons) if answers.reached else None
    backcheck.note = answers.note.strip()
    backcheck.checked_by = actor if isinstance(actor, User) else None
    backcheck.checked_at = timezone.now()
    backcheck.save()
    audit_record(
        actor=actor,
        action="backcheck.record",
        obj=response,
        changes={"backcheck": backcheck.pk, "status": backcheck.status, "discrepancy": backcheck.discrepancy, "reasons": reasons},
    )
    if reasons:
        message = (_("Phúc tra không khớp: %(reasons)s.") % {"reasons": "; ".join(reasons)})[:500]
        ResponseFlag.objects.update_or_create(
            response=response,
            kind=FlagKind.BACKCHECK,
            defaults={"message": message, "detail": {"backcheck": backcheck.pk, "reasons": reasons}},
        )
        _hold_others(actor, backcheck)
    else:
        ResponseFlag.objects.filter(response=response, kind=FlagKind.BACKCHECK).delete()  # recorded again, and it matches now
    return backcheck


def _date_matches(response: Response, answers: BackCheckAnswers) -> bool | None:
    held = interview_date(response)
    if not (answers.reached and answers.interviewed and answers.interview_date and held):
        return None
    return abs((answers.interview_date - held).days) <= DATE_TOLERANCE_DAYS


def _stored_answers(answers: BackCheckAnswers) -> dict:
    if not answers.reached:
        return {}
    return {
        "date": answers.interview_date.isoformat() if answers.interview_date else None,
        "channel": answers.channel or None,
        "items": {code: level for code, level in (answers.items or {}).items()},
    }


def _hold_others(actor: Actor, backcheck: BackCheck) -> int:
    """Hold the enumerator's other submitted responses of the campaign, where the rules ask it."""
    if backcheck.enumerator_id is None or not QualityRules.for_campaign(backcheck.campaign).backcheck_hold_on_fail:
        return 0
    others = Response.objects.filter(
        campaign=backcheck.campaign, enumerator_id=backcheck.enumerator_id, status=ResponseStatus.SUBMITTED
    ).exclude(pk=backcheck.response_id)
    others = scope(actor, Action.RESPONSES_REVIEW, others, "unit").select_related("campaign", "unit")
    reason = _("Phúc tra phiếu %(uuid)s của điều tra viên %(user)s không khớp: tạm giữ để xem lại.") % {
        "uuid": str(backcheck.response.uuid)[:8],
        "user": backcheck.enumerator.username,
    }
    return responses_review(responses=list(others), action="hold", actor=actor, reason=reason)
