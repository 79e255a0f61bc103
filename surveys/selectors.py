"""Reads about data collection that views, the API, imports and the demo share.

`compiled_form` turns a questionnaire into plain data (parsed skip-logic trees, allowed levels) that
both the server-side validator and the browser (through `form_schema`) use.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignForm, ChannelWindow, SampleQuota
from campaigns.selectors import campaign_by_code
from surveys.cascades import filter_tree
from surveys.expressions import Node, parse
from surveys.models import CHOICE_TYPES, Question, Questionnaire, QuestionnaireStatus, QuestionType, Response, ResponseFlag
from surveys.rules import ROLE_INDEX, question_rule
from surveys.translations import browser_texts
from units import db
from units.models import WRITE_ROLES, Role, Unit
from units.selectors import membership_paths, roles_at_sql, scope_queryset, subtree_q, unit_ancestor_paths, unit_by_code, user_roles_at

# Roles that may submit responses at a unit (and its subtree): the roles that change data there.
COLLECT_ROLES = WRITE_ROLES
# Roles that review responses.
REVIEW_ROLES = (Role.SUPERVISOR, Role.OFFICIAL)

_DEFAULT_LEVELS: dict[str, list[tuple[int, str, str]]] = {
    QuestionType.LIKERT5: [
        (1, "1", "Rất không hài lòng"),
        (2, "2", "Không hài lòng"),
        (3, "3", "Bình thường"),
        (4, "4", "Hài lòng"),
        (5, "5", "Rất hài lòng"),
    ],
    QuestionType.LIKERT4: [(1, "1", "Không mong muốn"), (2, "2", "Ít mong muốn"), (3, "3", "Mong muốn"), (4, "4", "Rất mong muốn")],
    QuestionType.YES_NO: [(1, "yes", "Có"), (0, "no", "Không")],
}

SEX_CHOICES = [("female", "Nữ"), ("male", "Nam"), ("other", "Khác")]
AGE_GROUP_CHOICES = [
    ("under_25", "Dưới 25 tuổi"),
    ("25_34", "Từ 25 đến 34 tuổi"),
    ("35_49", "Từ 35 đến 49 tuổi"),
    ("50_64", "Từ 50 đến 64 tuổi"),
    ("65_plus", "Từ 65 tuổi trở lên"),
]


@dataclass(frozen=True)
class CompiledChoice:
    value: int
    name: str
    label: str
    columns: tuple[tuple[str, str], ...] = ()  # the XLSForm choice's other columns, read by choice_filter (surveys.cascades)


@dataclass(frozen=True)
class IndexScale:
    """The levels at which an answer to an index question counts (`valid`) and is satisfied."""

    valid: frozenset[int]
    satisfied: frozenset[int]


def index_scale(question: Question) -> IndexScale | None:
    """The index scale of a question, None outside the index; the engine's own rule (reports.schemes)."""
    rule = question_rule(
        question_id=question.pk, code=question.code, section_code="", type=question.type, role=question.role,
        choices=question.choices, satisfied_levels=question.satisfied_levels, missing_codes=question.missing_codes,
    )
    if rule.role != ROLE_INDEX or not rule.levels:
        return None
    return IndexScale(valid=rule.levels, satisfied=rule.satisfied)


@dataclass(frozen=True)
class CompiledQuestion:
    pk: int
    code: str
    text: str
    hint: str
    type: str
    section: str
    required: bool
    choices: tuple[CompiledChoice, ...]
    missing_codes: frozenset[int]
    relevant: Node | None
    constraint: Node | None
    constraint_message: str
    min_value: Decimal | None
    max_value: Decimal | None
    index_scale: IndexScale | None = None
    calculation: Node | None = None  # a `calculate` question's expression (surveys.calculations)
    metadata: str = ""  # a `meta` question's kind: start, end, today, deviceid, username
    choice_filter: Node | None = None  # surveys.cascades.filter_tree
    required_message: str = ""
    read_only: bool = False
    default_value: str = ""

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @cached_property
    def _choices_by_value(self) -> dict[int, CompiledChoice]:
        return {choice.value: choice for choice in reversed(self.choices)}  # reversed: the first of equal values wins

    @cached_property
    def _choices_by_name(self) -> dict[str, CompiledChoice]:
        return {choice.name: choice for choice in reversed(self.choices)}

    def choice_by_value(self, value: int) -> CompiledChoice | None:
        return self._choices_by_value.get(value)

    def choice_by_name(self, name: str) -> CompiledChoice | None:
        return self._choices_by_name.get(name)


@dataclass(frozen=True)
class CompiledSection:
    code: str
    title: str
    relevant: Node | None
    questions: tuple[CompiledQuestion, ...]


@dataclass(frozen=True)
class CompiledForm:
    questionnaire_id: int
    title: str
    sections: tuple[CompiledSection, ...]
    questions: dict[str, CompiledQuestion] = field(default_factory=dict)
    texts: dict[str, Any] = field(default_factory=dict)  # the entry page's languages and texts (surveys.translations)

    @property
    def index_questions(self) -> tuple[int, ...]:
        """Ids of the questions with an index scale, in increasing order: the positions of a response's
        index pattern (surveys.rules.index_pattern)."""
        return tuple(sorted(q.pk for q in self.questions.values() if q.index_scale is not None))

    def question_by_pk(self, pk: int) -> CompiledQuestion | None:
        return next((q for q in self.questions.values() if q.pk == pk), None)


def _choices(question: Question) -> tuple[CompiledChoice, ...]:
    if question.choices:
        return tuple(
            CompiledChoice(
                int(item["value"]), str(item.get("name", item["value"])), str(item.get("label") or item.get("name") or item["value"]),
                tuple((str(column), str(value)) for column, value in (item.get("columns") or {}).items()),
            )
            for item in question.choices
            if isinstance(item, dict) and "value" in item
        )
    return tuple(CompiledChoice(*level) for level in _DEFAULT_LEVELS.get(question.type, []))


def _safe_parse(text: str) -> Node | None:
    # Expressions were checked when the questionnaire was saved; a bad one must not block collection.
    try:
        return parse(text)
    except ValueError:
        return None


def _safe_filter(text: str) -> Node | None:
    try:
        return filter_tree(text)
    except ValueError:
        return None


_COMPILED: dict[tuple[int, dt.datetime], CompiledForm] = {}


def compiled_form(questionnaire: Questionnaire) -> CompiledForm:
    """The questionnaire as plain data; frozen questionnaires are compiled once per process."""
    key = (questionnaire.pk, questionnaire.created_at)
    if questionnaire.status == QuestionnaireStatus.FROZEN and key in _COMPILED:
        return _COMPILED[key]
    questions = list(Question.objects.filter(questionnaire=questionnaire).select_related("section"))
    sections = list(questionnaire.sections.all())
    compiled_questions: dict[str, CompiledQuestion] = {}
    by_section: dict[int, list[CompiledQuestion]] = {section.pk: [] for section in sections}
    for question in questions:
        compiled = CompiledQuestion(
            pk=question.pk,
            code=question.code,
            text=question.text,
            hint=question.hint,
            type=question.type,
            section=question.section.code,
            required=question.required,
            choices=_choices(question),
            missing_codes=frozenset(int(code) for code in question.missing_codes or [] if str(code).lstrip("-").isdigit()),
            relevant=_safe_parse(question.relevant),
            constraint=_safe_parse(question.constraint),
            constraint_message=question.constraint_message,
            min_value=question.min_value,
            max_value=question.max_value,
            index_scale=index_scale(question),
            calculation=_safe_parse(question.calculation) if question.type == QuestionType.CALCULATE else None,
            metadata=question.calculation if question.type == QuestionType.META else "",
            choice_filter=_safe_filter(question.choice_filter),
            required_message=question.required_message,
            read_only=question.read_only,
            default_value=question.default_value,
        )
        compiled_questions[question.code] = compiled
        by_section.setdefault(question.section_id, []).append(compiled)
    form = CompiledForm(
        questionnaire_id=questionnaire.pk,
        title=questionnaire.title,
        sections=tuple(
            CompiledSection(section.code, section.title, _safe_parse(section.relevant), tuple(by_section.get(section.pk, [])))
            for section in sections
        ),
        questions=compiled_questions,
        texts=browser_texts(questionnaire, questions, sections),
    )
    if questionnaire.status == QuestionnaireStatus.FROZEN:
        if len(_COMPILED) > 200:
            _COMPILED.clear()
        _COMPILED[key] = form
    return form


def form_schema(form: CompiledForm) -> dict[str, Any]:
    """What the browser needs to run the form: the same JSON trees the server evaluates."""
    return {
        "sections": [
            {
                "code": section.code,
                "title": section.title,
                "relevant": section.relevant,
                "questions": [
                    {
                        "code": q.code,
                        "type": q.type,
                        "required": q.required,
                        "relevant": q.relevant,
                        "constraint": q.constraint,
                        "constraint_message": q.constraint_message,
                        "min": float(q.min_value) if q.min_value is not None else None,
                        "max": float(q.max_value) if q.max_value is not None else None,
                        **({"calculation": q.calculation} if q.type == QuestionType.CALCULATE else {}),
                        **({"metadata": q.metadata} if q.type == QuestionType.META else {}),
                        "choices": [{"value": c.value, "name": c.name, **({"columns": dict(c.columns)} if c.columns else {})} for c in q.choices],
                        "choice_filter": q.choice_filter,
                        "required_message": q.required_message,
                        "read_only": q.read_only,
                        "default": q.default_value,
                    }
                    for q in section.questions
                ],
            }
            for section in form.sections
        ],
        "texts": form.texts,
    }


def today_local() -> dt.date:
    return timezone.localdate()


def forms_for_unit(*, campaign: Campaign, unit: Unit) -> list[CampaignForm]:
    """The campaign's forms that apply to `unit` (by explicit unit or unit type; a form naming neither applies to all)."""
    applies = Q(units=unit) | Q(unit_types=unit.type_id) | Q(units__isnull=True, unit_types__isnull=True)
    return list(CampaignForm.objects.filter(applies, campaign=campaign).select_related("questionnaire").distinct().order_by("pk"))


def unit_in_campaign(*, campaign: Campaign, unit: Unit, forms: list[CampaignForm] | None = None) -> bool:
    """A unit takes part when it lies under the organiser and has a form that applies to it or a quota cell."""
    if not unit.path.startswith(campaign.organiser.path):
        return False
    if forms is None:
        forms = forms_for_unit(campaign=campaign, unit=unit)
    return bool(forms) or SampleQuota.objects.filter(campaign=campaign, unit=unit).exists()


def open_window(*, campaign: Campaign, channel: str, unit: Unit, on: dt.date) -> bool:
    """Whether a window of `channel` serves `unit` on date `on` (a window naming no unit type serves all)."""
    return ChannelWindow.objects.filter(
        Q(unit_types__isnull=True) | Q(unit_types=unit.type_id), campaign=campaign, channel=channel, start__lte=on, end__gte=on
    ).exists()


# --- submission targets (cached per process) --------------------------------------------------
# Every submission to a quota cell asks the same questions: which unit a code names, which forms apply,
# whether the unit takes part, whether a window is open. During fieldwork the answers are kept in each
# process for TARGET_TTL seconds. The campaign's status and the submitter's roles are read fresh on every
# submission. Saving a unit, form, window or quota clears this process's cache at once
# (`targets_forget`, connected in SurveysConfig.ready); other processes see the change within TARGET_TTL.

TARGET_TTL = 10.0
_TARGETS: dict[tuple[Any, ...], tuple[float, Any]] = {}


@dataclass(frozen=True)
class UnitTarget:
    """What a campaign offers one unit: the forms that apply to it, and whether it takes part at all."""

    forms: tuple[CampaignForm, ...]
    in_campaign: bool


_MISSING = object()


def _recall(key: tuple[Any, ...]) -> Any:
    hit = _TARGETS.get(key)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else _MISSING


def _remember(key: tuple[Any, ...], value: Any) -> Any:
    if len(_TARGETS) > 10_000:  # a bound, not a policy: fieldwork touches far fewer cells
        _TARGETS.clear()
    _TARGETS[key] = (time.monotonic() + TARGET_TTL, value)
    return value


def targets_forget(**_kwargs: Any) -> None:
    """Drop every cached target (also a signal receiver, hence the keyword arguments)."""
    _TARGETS.clear()


def _campaign_stamp_sql(quote: Callable[[str], str]) -> str:
    return f"SELECT {quote('id')}, {quote('status')}, {quote('updated_at')} FROM {quote(Campaign._meta.db_table)} WHERE {quote('code')} = %s"  # noqa: S608


def _response_by_uuid_sql(quote: Callable[[str], str]) -> str:
    return f"SELECT {quote('id')}, {quote('status')}, {quote('content_hash')} FROM {quote(Response._meta.db_table)} WHERE {quote('uuid')} = %s"  # noqa: S608


def _uuid_param(key: uuid.UUID) -> Any:
    return Response._meta.get_field("uuid").get_db_prep_value(key, connection)


def _stored_response(key: uuid.UUID, pk: int, status: str, content_hash: str) -> Response:
    """A stored response with id, uuid, status and content hash loaded (other fields load on access)."""
    return Response.from_db(connection.alias, ["id", "uuid", "status", "content_hash"], [pk, key, status, content_hash])


def _campaign_at(stamp: tuple[Any, ...]) -> Campaign:
    """The campaign of a status stamp (id, status, last change), with its organiser.

    The full row is remembered under its stamp, so a campaign closed a moment ago is seen as closed
    by the very next submission, in every process.
    """
    key = ("campaign", *stamp)
    campaign = _recall(key)
    if campaign is _MISSING:
        campaign = _remember(key, Campaign.objects.select_related("organiser").get(pk=stamp[0]))
    return campaign


def response_by_uuid(key: uuid.UUID) -> Response | None:
    """The stored response with this client UUID (id, uuid, status and content hash loaded), or None."""
    row = db.fetch_one(db.statement("response-by-uuid", _response_by_uuid_sql), [_uuid_param(key)])
    return None if row is None else _stored_response(key, *row)


@dataclass(frozen=True)
class SubmissionReads:
    """What a submission must read fresh (`submission_reads`)."""

    existing: Response | None
    campaign: Campaign | None
    unit: Unit | None
    roles: frozenset[str]


def submission_reads(*, key: uuid.UUID, campaign_code: str, unit_code: str, user: User | AnonymousUser | None) -> SubmissionReads:
    """`_submission_reads` of the codes as sent; when the campaign is not found under its code as typed, once
    more under the code as stored (codes are found in any letter case, as everywhere else; the exact
    spelling, what pages and tools are given, costs nothing more)."""
    reads = _submission_reads(key=key, campaign_code=campaign_code, unit_code=unit_code, user=user)
    if reads.campaign is None:
        stored = campaign_by_code(campaign_code) if campaign_code.strip() else None
        if stored is not None and stored.code != campaign_code:
            reads = _submission_reads(key=key, campaign_code=stored.code, unit_code=unit_code, user=user)
    return reads


def _submission_reads(*, key: uuid.UUID, campaign_code: str, unit_code: str, user: User | AnonymousUser | None) -> SubmissionReads:
    """The response already stored under the UUID, the campaign (by its status stamp), the unit and the
    submitter's roles at it or above, with one statement.

    Every submission needs these fresh (a resend, a campaign just closed, a membership just revoked);
    the unit and what the campaign offers it are remembered per process (`unit_for_submission`,
    `unit_target`). One statement instead of three saves two round trips per submission; its parts are
    the statements of `response_by_uuid`, of the campaign stamp and of `units.selectors.roles_at_sql`.
    Superusers hold every role; no user (the online survey), no role.
    """
    unit = unit_for_submission(code=unit_code)
    superuser = user is not None and user.is_authenticated and user.is_superuser
    asks_roles = unit is not None and user is not None and user.is_authenticated and not superuser
    ancestors = unit_ancestor_paths(unit) if asks_roles else []

    def build(quote: Callable[[str], str]) -> str:
        parts = [
            f"SELECT 'r' AS kind, x.{quote('id')} AS ident, x.{quote('status')} AS a, x.{quote('content_hash')} AS b FROM ({_response_by_uuid_sql(quote)}) x",  # noqa: S608
            f"SELECT 'c', x.{quote('id')}, x.{quote('status')}, CAST(x.{quote('updated_at')} AS TEXT) FROM ({_campaign_stamp_sql(quote)}) x",  # noqa: S608
        ]
        if asks_roles:
            parts.append(f"SELECT 'm', NULL, x.{quote('role')}, NULL FROM ({roles_at_sql(quote, len(ancestors))}) x")  # noqa: S608
        return " UNION ALL ".join(parts)

    params: list[Any] = [_uuid_param(key), campaign_code]
    if asks_roles:
        params += [user.pk, *ancestors]  # type: ignore[union-attr]
    existing = campaign = None
    roles: set[str] = set(Role.values) if superuser else set()
    for kind, ident, first, second in db.fetch_all(db.statement(f"submission-reads:{len(ancestors)}", build), params):
        if kind == "r":
            existing = _stored_response(key, ident, first, second)
        elif kind == "c":
            campaign = _campaign_at((ident, first, second))
        else:
            roles.add(first)
    return SubmissionReads(existing=existing, campaign=campaign, unit=unit, roles=frozenset(roles))


def unit_for_submission(*, code: str) -> Unit | None:
    """The unit a submission names, with its type; unknown codes are not remembered."""
    unit = _recall(("unit", code))
    if unit is _MISSING:
        unit = Unit.objects.select_related("type").filter(code=code).first() or unit_by_code(code)  # exact, else any case
        if unit is not None:
            _remember(("unit", code), unit)
    return unit


def unit_target(*, campaign: Campaign, unit: Unit) -> UnitTarget:
    """`forms_for_unit` and `unit_in_campaign` of one campaign and unit, remembered for TARGET_TTL seconds."""
    key = ("target", campaign.pk, campaign.updated_at, campaign.organiser.path, unit.pk, unit.path, unit.type_id)
    target = _recall(key)
    if target is _MISSING:
        forms = forms_for_unit(campaign=campaign, unit=unit)
        target = _remember(key, UnitTarget(forms=tuple(forms), in_campaign=unit_in_campaign(campaign=campaign, unit=unit, forms=forms)))
    return target


def window_open_for_submission(*, campaign: Campaign, channel: str, unit: Unit, on: dt.date) -> bool:
    """`open_window`, remembered for TARGET_TTL seconds."""
    key = ("window", campaign.pk, campaign.updated_at, channel, unit.type_id, on)
    is_open = _recall(key)
    return is_open if is_open is not _MISSING else _remember(key, open_window(campaign=campaign, channel=channel, unit=unit, on=on))


def campaign_units(*, campaign: Campaign) -> QuerySet[Unit]:
    """Units with a quota cell in the campaign (those the online survey offers)."""
    return Unit.objects.filter(pk__in=SampleQuota.objects.filter(campaign=campaign).values("unit")).order_by("path")


# --- review ----------------------------------------------------------------------------------


def responses_visible_to(user: User | AnonymousUser, roles: Iterable[str] | None = None) -> QuerySet[Response]:
    return scope_queryset(Response.objects.all(), user=user, field="unit", roles=roles)


def responses_for_review(*, user: User | AnonymousUser, filters: dict[str, Any]) -> QuerySet[Response]:
    """Responses the user may review, filtered by campaign, unit (subtree), channel, enumerator, status and date."""
    queryset = responses_visible_to(user, REVIEW_ROLES).select_related("campaign", "unit", "enumerator", "assignment__frame_entry")
    if filters.get("campaign"):
        queryset = queryset.filter(campaign=filters["campaign"])
    if filters.get("unit"):
        queryset = queryset.filter(subtree_q([filters["unit"].path], "unit"))
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    if filters.get("enumerator"):
        queryset = queryset.filter(enumerator__username=filters["enumerator"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("date_from"):
        queryset = queryset.filter(submitted_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        queryset = queryset.filter(submitted_at__date__lte=filters["date_to"])
    queryset = _with_flag(queryset, filters.get("flag"))
    return queryset.order_by("-submitted_at", "-pk").prefetch_related(Prefetch("flags", queryset=ResponseFlag.objects.order_by("kind")))


FLAG_ANY = "any"  # the review filter's "có cờ": a flag of any kind


def _with_flag(queryset: QuerySet[Response], flag: str | None) -> QuerySet[Response]:
    """Responses with a flag of kind `flag`, or of any kind (FLAG_ANY); all of them without `flag`."""
    if not flag:
        return queryset
    flags = ResponseFlag.objects.filter(response=OuterRef("pk"))
    return queryset.filter(Exists(flags if flag == FLAG_ANY else flags.filter(kind=flag)))


def user_reviews_somewhere(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or membership_paths(user, REVIEW_ROLES)))


def unit_roles(*, user: User | AnonymousUser, unit: Unit) -> set[str]:
    """Roles held at the unit or above (superusers hold every role)."""
    if user.is_authenticated and user.is_superuser:
        return set(Role.values)
    return user_roles_at(user=user, unit=unit)


def answers_display(response: Response) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The response's answers per section as (section title, [(code, question text, answer text)])."""
    form = compiled_form(response.form.questionnaire)
    by_question: dict[int, list[str]] = {}
    for answer in response.answers.all():
        by_question.setdefault(answer.question_id, []).append(_answer_text(form, answer))
    result = []
    for section in form.sections:
        rows = [(q.code, q.text, "; ".join(by_question[q.pk])) for q in section.questions if q.pk in by_question]
        if rows:
            result.append((section.title, rows))
    return result


def _answer_text(form: CompiledForm, answer: Any) -> str:
    question = form.question_by_pk(answer.question_id)
    return answer_shown(question, answer.value, answer.number, answer.text)


def answer_shown(question: CompiledQuestion | None, value: int | None, number: Decimal | None, text: str) -> str:
    """One stored answer row as people read it: a level with its label, a number, a date or a text."""
    if question is not None and question.is_choice and value is not None:
        choice = question.choice_by_value(value)
        if value in question.missing_codes and choice is None:
            return _("Không biết / không trả lời")
        return f"{value} — {choice.label}" if choice else str(value)
    if number is not None:
        return f"{number.normalize():f}"
    return text
