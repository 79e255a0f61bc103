"""Calculated and metadata fields, and the values every expression of a response reads.

An XLSForm `calculate` row becomes a question of type `calculate` (its expression in `Question.calculation`);
`start`, `end`, `today`, `deviceid` and `username` become questions of type `meta` (the kind in
`Question.calculation`). Neither is asked. `form_values` gives the values the expressions of one response see:
its answers, minus those the skip logic hides, plus every calculated and metadata value, computed as ODK
computes them (a calculation may read answers, other calculations and metadata, in any order of the sheet).
The browser computes the same with static/js/calculations.js to show and check the form; the server
computes them again at submission from the answers (a value sent by the device for such a field is
ignored) and stores them as text answers, so that exports show them.

Metadata on the server: `start` is the interview's start sent by the entry page (`started_at`), `end` that start
plus its duration (else the time the server received it), `today` the day of `start`, `username` the
enumerator's login name, `deviceid` the device's id when the device sends one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from surveys.expression_values import is_number, local, now_value, parse_date_text, to_string
from surveys.expressions import evaluate, is_true

if TYPE_CHECKING:
    from surveys.selectors import CompiledForm

CALCULATE, META = "calculate", "meta"
COMPUTED_TYPES = frozenset({CALCULATE, META})
METADATA_KINDS = ("start", "end", "today", "deviceid", "username")


def answer_value(question_type: str, raw: Any) -> Any:
    """The value an expression sees for an answer: a date answer ("yyyy-mm-dd") as a date, the rest as given."""
    if question_type == "date" and isinstance(raw, str) and raw:
        parsed = parse_date_text(raw)
        return parsed if isinstance(parsed, dt.date) and not isinstance(parsed, dt.datetime) else raw
    if question_type == "date" and isinstance(raw, dt.datetime):
        return raw.date()
    return raw


def calculated(result: Any) -> Any:
    """A calculation's result as other expressions read it: NaN and "" are empty (as ODK stores them)."""
    if is_number(result) and math.isnan(result):
        return ""
    return result


@dataclass
class Metadata:
    """What the metadata fields of one response hold."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    username: str = ""
    deviceid: str = ""

    def value(self, kind: str, now: dt.datetime | None) -> Any:
        if kind == "start":
            return now_value(self.start or now)
        if kind == "end":
            return now_value(self.end or now)
        if kind == "today":
            return local(now_value(self.start or now)).date()
        if kind == "username":
            return self.username
        if kind == "deviceid":
            return self.deviceid
        return ""


def submission_metadata(*, started_at: dt.datetime | None, duration: int | None, username: str, deviceid: Any) -> Metadata:
    """The metadata of a submission from what the entry page sent and who sent it."""
    end = started_at + dt.timedelta(seconds=duration) if started_at is not None and duration is not None and duration >= 0 else None
    device = deviceid.strip()[:100] if isinstance(deviceid, str) else ""
    return Metadata(start=started_at, end=end, username=username or "", deviceid=device)


def form_reads_username(form: CompiledForm) -> bool:
    return any(question.metadata == "username" for question in form.questions.values())


def response_metadata(response: Any, form: CompiledForm, answers: Mapping[str, Any]) -> Metadata:
    """The metadata of a stored response (for a correction): its start and duration, its enumerator, and the
    device id it stored (`answers`: its answers as `answers_current` gives them)."""
    device = next((answers.get(q.code, "") for q in form.questions.values() if q.type == META and q.metadata == "deviceid"), "")
    username = response.enumerator.get_username() if response.enumerator_id else ""
    return submission_metadata(started_at=response.started_at, duration=response.duration_seconds, username=username, deviceid=device)


@dataclass
class FormValues:
    """The values the expressions of one response read, and the codes of the questions shown."""

    values: dict[str, Any] = field(default_factory=dict)
    shown: set[str] = field(default_factory=set)


def form_values(form: CompiledForm, answers: Mapping[str, Any], *, metadata: Metadata | None = None, now: dt.datetime | None = None) -> FormValues:
    """The answers (code → value seen by expressions, `answer_value`) without those the skip logic hides, with
    the calculated and metadata values; the questions shown.

    Sections and questions are walked in order, each reading the values known at that point; with calculated
    fields the walk is repeated (each pass starting from the last one's values) until nothing changes, so
    that a calculation placed after the question that reads it is still seen, as in ODK.
    """
    metadata = metadata or Metadata()
    moment = now_value(now)
    computed = sum(1 for question in form.questions.values() if question.type in COMPUTED_TYPES)
    passes = computed + 1 if computed else 1
    current = dict(answers)
    result = FormValues(current)
    for _pass in range(passes):
        seen = dict(current)
        shown: set[str] = set()
        for section in form.sections:
            section_on = is_true(section.relevant, seen, now=moment)
            for question in section.questions:
                if not section_on or not is_true(question.relevant, seen, now=moment):
                    seen.pop(question.code, None)
                    continue
                shown.add(question.code)
                if question.type == CALCULATE:
                    seen[question.code] = calculated(evaluate(question.calculation, seen, now=moment)) if question.calculation else ""
                elif question.type == META:
                    seen[question.code] = metadata.value(question.metadata, moment)
                elif question.code in answers:
                    seen[question.code] = answers[question.code]
        result = FormValues(seen, shown)
        if seen == current:
            break
        current = seen
    return result


def stored_text(value: Any) -> str:
    """A calculated or metadata value as stored (a text answer) and shown in labels and exports."""
    return to_string(value)
