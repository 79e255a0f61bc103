"""Reads of the review page (issue 15): a response's history — its versions with their reviews, and every
changed answer (`AnswerRevision`: old → new, who, when, why) —, the fields of the correction form, the
entry page's answers for a resubmission, and the next response of the reviewer's filter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from surveys.models import AnswerRevision, QuestionType, Response, ResponseStatus
from surveys.selectors import CompiledQuestion, answer_shown, compiled_form, responses_for_review
from surveys.services.answers import answers_current


@dataclass(frozen=True)
class VersionLine:
    """One version of a response: the kept earlier ones, then the current one."""

    number: int
    submitted_at: dt.datetime | None
    status: str
    status_label: str
    reason: str
    reviewed_by: str
    reviewed_at: dt.datetime | None
    current: bool


@dataclass(frozen=True)
class ResponseHistory:
    versions: list[VersionLine]
    revisions: list[AnswerRevision]


def response_history(response: Response) -> ResponseHistory:
    """Every version of the response (oldest first) with its review, and every changed answer."""
    labels = dict(ResponseStatus.choices)
    versions = [
        VersionLine(
            kept.number, kept.submitted_at, kept.status, str(labels.get(kept.status, kept.status)), kept.review_reason,
            kept.reviewed_by.username if kept.reviewed_by else "", kept.reviewed_at, False,
        )
        for kept in response.versions.select_related("reviewed_by").order_by("number")
    ]
    versions.append(
        VersionLine(
            response.version, response.submitted_at, response.status, response.get_status_display(), response.review_reason,
            response.reviewed_by.username if response.reviewed_by else "", response.reviewed_at, True,
        )
    )
    revisions = list(response.revisions.select_related("question", "changed_by").order_by("changed_at", "pk"))
    return ResponseHistory(versions, revisions)


@dataclass(frozen=True)
class CorrectionField:
    """One question on the correction form: its current answer as shown and how a new one is entered."""

    code: str
    text: str
    section: str
    current: str
    input: str  # "select", "number", "date", "text" or "levels" (a multiple choice: levels separated by commas)
    choices: tuple[tuple[int, str], ...]


def _input_kind(question: CompiledQuestion) -> str:
    if question.type == QuestionType.MULTI:
        return "levels"
    if question.is_choice:
        return "select"
    return {QuestionType.NUMBER: "number", QuestionType.DATE: "date"}.get(question.type, "text")


def correction_fields(response: Response) -> list[CorrectionField]:
    """Every question of the response's questionnaire that takes an answer, with its current answer."""
    form = compiled_form(response.form.questionnaire)
    shown: dict[int, list[str]] = {}
    for answer in response.answers.all():
        question = form.question_by_pk(answer.question_id)
        shown.setdefault(answer.question_id, []).append(answer_shown(question, answer.value, answer.number, answer.text))
    return [
        CorrectionField(
            question.code, question.text, section.title, "; ".join(shown.get(question.pk, [])), _input_kind(question),
            tuple((choice.value, f"{choice.value} — {choice.label}") for choice in question.choices),
        )
        for section in form.sections
        for question in section.questions
        if question.type not in (QuestionType.NOTE, QuestionType.CALCULATE, QuestionType.META)  # computed fields: recomputed, never typed
    ]


def resubmission_prefill(response: Response) -> dict[str, Any]:
    """The entry page's inputs (`q-<code>`, `p-<profile key>`) filled with the response's answers and profile:
    choices by their names, as the page's radio buttons and check boxes carry them."""
    form = compiled_form(response.form.questionnaire)
    fields: dict[str, Any] = {}
    for code, raw in answers_current(response, form).items():
        question = form.questions[code]
        if question.is_choice:
            names = [choice.name for value in (raw if isinstance(raw, list) else [raw]) if (choice := question.choice_by_value(value))]
            if names:
                fields[f"q-{code}"] = names if question.type == QuestionType.MULTI else names[0]
        else:
            fields[f"q-{code}"] = str(raw)
    fields.update({f"p-{key}": value for key, value in (response.profile or {}).items() if isinstance(value, str)})
    return fields


def next_for_review(*, user: User | AnonymousUser, filters: dict[str, Any], after: Response) -> Response | None:
    """The response that follows `after` in the reviewer's filtered list (newest first), or None at its end."""
    if after.submitted_at is None:
        return None
    later = Q(submitted_at__lt=after.submitted_at) | Q(submitted_at=after.submitted_at, pk__lt=after.pk)
    return responses_for_review(user=user, filters=filters).filter(later).exclude(pk=after.pk).first()
