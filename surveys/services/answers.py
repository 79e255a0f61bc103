"""The answers of a response: checked against the questionnaire (`answers_validate`), and written with
the response's index counts and index pattern (`answers_create`, the one writer of answers, which every
path that stores a response goes through: submissions, imports, the demo; `answers_replace` for a stored
response's new answers — a correction, a resubmission — with one `AnswerRevision` per changed question).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.services import campaign_became_dirty, campaign_dirty_params, campaign_dirty_sql, campaign_mark_dirty
from surveys.calculations import COMPUTED_TYPES, Metadata, form_values, stored_text
from surveys.cascades import cascade_error
from surveys.expressions import is_true
from surveys.models import Answer, AnswerRevision, Question, Questionnaire, QuestionType, Response
from surveys.rules import index_pattern
from surveys.selectors import CompiledForm, CompiledQuestion, IndexScale, answer_shown, compiled_form, index_scale
from units import db
from units.db import model_insert

MAX_TEXT = 5000
# Answer.number is DecimalField(max_digits=14, decimal_places=4).
NUMBER_STEP = Decimal("0.0001")
NUMBER_LIMIT = Decimal("1e10")
DATE_YEARS = (1900, 2100)



@dataclass
class ValidatedAnswers:
    rows: list[tuple[CompiledQuestion, int | None, Decimal | None, str]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # Codes of the questions shown (by the skip logic) but left unanswered: stored as missing (no row).
    blanks: list[str] = field(default_factory=list)
    # The questionnaire's index questions (CompiledForm.index_questions): the positions of the index pattern.
    index_questions: tuple[int, ...] | None = None


# --- checking ----------------------------------------------------------------------------------


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
            return [(None, None, day.isoformat())], day, None  # expressions compare dates as dates
        return [], "", _("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy.")
    if kind == QuestionType.NOTE:
        return [], "", None
    text = str(raw).replace("\x00", "")
    if len(text) > MAX_TEXT:
        return [], "", _("Câu trả lời quá dài (tối đa %(n)d ký tự).") % {"n": MAX_TEXT}
    return [(None, None, text)], text, None


def answers_validate(
    *, form: CompiledForm, answers: Any, draft: bool = False, blanks_allowed: bool = False, metadata: Metadata | None = None, now: dt.datetime | None = None
) -> ValidatedAnswers:
    """Check answers against the questionnaire: known codes, levels, skip logic, required, constraints.

    Calculated and metadata fields (surveys.calculations) are computed here from the answers and `metadata`
    and stored as text answers; a value sent for one of them is ignored. A read-only field's answer is its
    default (none without one), as in ODK, whatever was sent.

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
        if _is_blank(raw) or question.type in COMPUTED_TYPES or question.read_only:
            continue
        rows, value, error = _parse_one(question, raw)
        if error:
            result.errors[f"answers.{code}"] = [error]
            continue
        parsed[question.code] = rows
        values[question.code] = value
    for question in form.questions.values():
        if question.read_only and question.default_value and question.type not in COMPUTED_TYPES:
            default = question.default_value.split() if question.type == QuestionType.MULTI else question.default_value
            rows, value, error = _parse_one(question, default)
            if error is None:
                parsed[question.code] = rows
                values[question.code] = value
    if result.errors:
        return result
    seen = form_values(form, values, metadata=metadata, now=now)
    for section in form.sections:
        for question in section.questions:
            if question.code not in seen.shown:
                parsed.pop(question.code, None)
                continue
            if question.type in COMPUTED_TYPES:
                text = stored_text(seen.values.get(question.code, ""))[:MAX_TEXT]
                if text:
                    result.rows.append((question, None, None, text))
                continue
            if question.code not in parsed:
                if question.type == QuestionType.NOTE:
                    continue
                if question.required and not (draft or blanks_allowed):
                    result.errors[f"answers.{question.code}"] = [question.required_message or _("Câu này bắt buộc trả lời.")]
                result.blanks.append(question.code)
                continue
            current = seen.values[question.code]
            if (refused := cascade_error(question, seen.values, [row[0] for row in parsed[question.code]])) is not None:
                result.errors[f"answers.{question.code}"] = [refused]
                continue
            if question.constraint is not None and not is_true(question.constraint, seen.values, current, now=now):
                message = question.constraint_message or _("Câu trả lời không thoả điều kiện của câu hỏi.")
                result.errors[f"answers.{question.code}"] = [message]
                continue
            result.rows.extend((question, *row) for row in parsed[question.code])
    return result


# --- writing -----------------------------------------------------------------------------------


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
    else:  # updated_at too: the incremental recompute finds changed units by it
        Response.objects.filter(pk=response.pk).update(
            index_valid=response.index_valid, index_unsatisfied=response.index_unsatisfied, index_pattern=response.index_pattern,
            updated_at=timezone.now(),
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


# --- replacing (corrections, resubmissions) ------------------------------------------------------

Stored = tuple[int | None, Decimal | None, str]


def _stored_rows(response: Response) -> dict[int, list[Stored]]:
    """The response's answer rows by question id, as (value, number, text)."""
    rows: dict[int, list[Stored]] = defaultdict(list)
    for question_id, value, number, text in Answer.objects.filter(response=response).order_by("pk").values_list("question_id", "value", "number", "text"):
        rows[question_id].append((value, number, text))
    return rows


def answers_current(response: Response, form: CompiledForm) -> dict[str, Any]:
    """The response's answers as a submission would send them (code → level, list of levels, number as
    text, date or text): what a correction merges its changes into, a kept version stores, and the
    entry page is filled with for a resubmission."""
    rows = _stored_rows(response)
    current: dict[str, Any] = {}
    for question in form.questions.values():
        stored = rows.get(question.pk)
        if not stored:
            continue
        if question.is_choice:
            levels = [value for value, _n, _t in stored if value is not None]
            current[question.code] = levels if question.type == QuestionType.MULTI else levels[0]
        elif stored[0][1] is not None:
            current[question.code] = f"{stored[0][1].normalize():f}"
        else:
            current[question.code] = stored[0][2]
    return current


def _same(old: list[Stored], new: list[Stored]) -> bool:
    def key(rows: list[Stored]) -> list[tuple[int | None, Decimal | None, str]]:
        return sorted(((v, None if n is None else n.normalize(), t) for v, n, t in rows), key=repr)

    return key(old) == key(new)


@dataclass
class Revision:
    """One question whose answer changed: its code and the old and new answers as shown."""

    code: str
    old: str
    new: str


@transaction.atomic
def answers_replace(
    response: Response, validated: ValidatedAnswers, *, form: CompiledForm, actor: Any, kind: str, reason: str, version: int, mark_dirty: bool
) -> list[Revision]:
    """Replace a stored response's answers with `validated` (checked against `form`, the response's
    questionnaire): its answer rows deleted and written again through `answers_create` (index counts,
    pattern, `updated_at`), one `AnswerRevision` (`kind`, `reason`, `version`) per question whose answer
    changed, and with `mark_dirty` the campaign's dirty mark, all in one transaction. Returns the changes;
    nothing is written when no answer changed. The caller holds the response's row lock and has checked
    the actor's right."""
    old_rows = _stored_rows(response)
    new_rows: dict[int, list[Stored]] = defaultdict(list)
    for question, value, number, text in validated.rows:
        new_rows[question.pk].append((value, number, text))
    revisions = []
    for question in form.questions.values():
        old, new = old_rows.get(question.pk, []), new_rows.get(question.pk, [])
        if not _same(old, new):
            revisions.append((question, Revision(question.code, _shown(question, old), _shown(question, new))))
    if not revisions:
        return []
    Answer.objects.filter(response=response).delete()
    answers_create(response, validated, mark_dirty=mark_dirty)
    user = actor if getattr(actor, "pk", None) is not None else None
    AnswerRevision.objects.bulk_create(
        AnswerRevision(
            response=response, question_id=question.pk, kind=kind, version=version, old_value=change.old, new_value=change.new,
            reason=reason[:500], changed_by=user,
        )
        for question, change in revisions
    )
    return [change for _question, change in revisions]


def _shown(question: CompiledQuestion, rows: list[Stored]) -> str:
    return "; ".join(answer_shown(question, value, number, text) for value, number, text in rows)


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
