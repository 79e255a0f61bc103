"""Every write to questionnaires, sections and questions.

A questionnaire is built from a plain `QuestionnaireSpec` (the built-in templates and the XLSForm
importer both produce one), validated as a whole, then saved in one transaction. Once frozen, or once a
campaign that uses it is running, it is locked: edits go to a new version (`questionnaire_new_version`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, fields

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.selectors import questionnaires_visible_to
from surveys.builtin_forms import builtin_spec
from surveys.calculations import METADATA_KINDS
from surveys.cascades import filter_problems
from surveys.expressions import ExpressionError, parse, referenced_names
from surveys.models import CHOICE_TYPES, SCALED_TYPES, Question, Questionnaire, QuestionnaireStatus, QuestionType, Section
from surveys.services.roles import questionnaire_use_problems
from surveys.specs import QuestionnaireSpec, QuestionSpec, SectionSpec
from units.access import Action, allowed_anywhere, require
from units.codes import code_from_text
from units.models import Unit
from units.services import Actor, audit_record

# Campaign statuses in which a questionnaire's answers exist or are being collected (strings: no import upwards).
LOCKING_CAMPAIGN_STATUSES = ("active", "closed", "published", "archived")
QUESTION_FIELDS = [f.name for f in fields(QuestionSpec)]
CODE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class SpecProblem:
    """One problem of a spec: `code` names the section or question it belongs to, `column` the field."""

    code: str
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.code} ({self.column}): {self.message}" if self.code else self.message


class QuestionnaireInvalid(ValidationError):
    """A questionnaire (or spec) breaks a rule; `problems` says where, in Vietnamese."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        super().__init__([str(problem) for problem in problems])


class QuestionnaireLocked(ValidationError):
    """Raised when a frozen or in-use questionnaire is edited."""


# ---------------------------------------------------------------------------------------------- rules


def expression_errors(text: str, *, known_names: set[str]) -> list[str]:
    """Vietnamese problems of one `relevant` / `constraint` expression (an empty one has none)."""
    try:
        tree = parse(text)
    except ExpressionError as error:
        return [str(error)]
    unknown = sorted(referenced_names(tree) - known_names)
    return [
        _("Biểu thức tham chiếu đến «${%(name)s}» nhưng phiếu không có câu hỏi nào mã «%(name)s».") % {"name": name}
        for name in unknown
    ]


def questionnaire_lock_reason(questionnaire: Questionnaire) -> str | None:
    """Why the questionnaire cannot be edited in place, or None when it can."""
    if questionnaire.pk is None:
        return None
    if questionnaire.status == QuestionnaireStatus.FROZEN:
        return _("Phiếu đã khoá; hãy tạo phiên bản mới để sửa.")
    campaigns = sorted(
        questionnaire.campaign_forms.filter(campaign__status__in=LOCKING_CAMPAIGN_STATUSES).values_list("campaign__code", flat=True)
    )
    if campaigns:
        return _("Phiếu đang được dùng trong đợt khảo sát %(codes)s; hãy tạo phiên bản mới để sửa.") % {"codes": ", ".join(campaigns)}
    return None


def questionnaire_check_editable(questionnaire: Questionnaire) -> None:
    reason = questionnaire_lock_reason(questionnaire)
    if reason:
        raise QuestionnaireLocked(reason)


def _choice_problems(question: QuestionSpec) -> list[str]:
    problems: list[str] = []
    if question.type not in CHOICE_TYPES:
        return problems
    values = [choice.get("value") for choice in question.choices]
    if not values:
        problems.append(_("Câu hỏi loại «%(type)s» cần ít nhất một lựa chọn.") % {"type": question.type})
    if any(not isinstance(value, int) or isinstance(value, bool) for value in values):
        problems.append(_("Giá trị của mỗi lựa chọn phải là số nguyên."))
    elif len(set(values)) != len(values):
        problems.append(_("Hai lựa chọn có cùng giá trị."))
    for name, levels in (("satisfied_levels", question.satisfied_levels), ("missing_codes", question.missing_codes)):
        stray = [level for level in levels if level not in values]
        if stray:
            problems.append(
                _("Mức %(levels)s trong «%(field)s» không có trong danh sách lựa chọn.")
                % {"levels": ", ".join(str(level) for level in stray), "field": name}
            )
    if question.type in SCALED_TYPES and not question.satisfied_levels:
        problems.append(_("Câu hỏi thang đo cần ít nhất một mức được tính là hài lòng."))
    return problems


# Column limits of Question (checked here so that an import says so instead of failing in the database).
QUESTION_LIMITS = {
    "code": 60, "hint": 500, "relevant": 500, "constraint": 500, "constraint_message": 255, "appearance": 60, "choice_list": 60, "calculation": 500,
    "choice_filter": 500, "default_value": 255, "required_message": 255,
}


def calculation_errors(question: QuestionSpec, *, known_names: set[str]) -> list[str]:
    """Problems of a calculated field's expression or a metadata field's kind (surveys.calculations)."""
    if question.type == QuestionType.CALCULATE:
        if not (question.calculation or "").strip():
            return [_("Trường tính toán cần một biểu thức (cột «calculation»).")]
        return expression_errors(question.calculation, known_names=known_names)
    if question.type == QuestionType.META and question.calculation not in METADATA_KINDS:
        return [_("Loại siêu dữ liệu «%(kind)s» không được hỗ trợ; dùng một trong: %(kinds)s.") % {"kind": question.calculation, "kinds": ", ".join(METADATA_KINDS)}]
    return []


def _length_problems(question: QuestionSpec) -> list[SpecProblem]:
    return [
        SpecProblem(question.code, column, _("Quá dài: tối đa %(n)d ký tự.") % {"n": limit})
        for column, limit in QUESTION_LIMITS.items()
        if len(getattr(question, column) or "") > limit
    ]


def questionnaire_spec_problems(spec: QuestionnaireSpec) -> list[SpecProblem]:
    """Every rule a spec breaks: codes, duplicates, types, choices, expressions."""
    problems: list[SpecProblem] = []
    if not CODE_PATTERN.match(spec.code or ""):
        problems.append(SpecProblem("", "code", _("Mã phiếu «%(code)s» không hợp lệ (chỉ chữ, số, «_», «-»).") % {"code": spec.code}))
    question_codes = [question.code for section in spec.sections for question in section.questions]
    known = set(question_codes)
    seen_sections: set[str] = set()
    seen_questions: set[str] = set()
    types = set(QuestionType.values)
    for section in spec.sections:
        if not CODE_PATTERN.match(section.code or ""):
            problems.append(SpecProblem(section.code, "name", _("Mã phần «%(code)s» không hợp lệ.") % {"code": section.code}))
        if section.code in seen_sections:
            problems.append(SpecProblem(section.code, "name", _("Mã phần «%(code)s» bị trùng.") % {"code": section.code}))
        seen_sections.add(section.code)
        problems += [SpecProblem(section.code, "relevant", message) for message in expression_errors(section.relevant, known_names=known)]
        for question in section.questions:
            if not CODE_PATTERN.match(question.code or ""):
                problems.append(SpecProblem(question.code, "name", _("Mã câu hỏi «%(code)s» không hợp lệ.") % {"code": question.code}))
            if question.code in seen_questions:
                problems.append(SpecProblem(question.code, "name", _("Mã câu hỏi «%(code)s» bị trùng.") % {"code": question.code}))
            seen_questions.add(question.code)
            if question.type not in types:
                problems.append(SpecProblem(question.code, "type", _("Loại câu hỏi «%(type)s» không tồn tại.") % {"type": question.type}))
            problems += [SpecProblem(question.code, "type", message) for message in _choice_problems(question)]
            problems += _length_problems(question)
            problems += [SpecProblem(question.code, "choice_filter", message) for message in filter_problems(question.choice_filter, known_names=known)]
            for column in ("relevant", "constraint"):
                problems += [
                    SpecProblem(question.code, column, message)
                    for message in expression_errors(getattr(question, column), known_names=known)
                ]
            problems += [SpecProblem(question.code, "calculation", message) for message in calculation_errors(question, known_names=known)]
    if not question_codes:
        problems.append(SpecProblem("", "survey", _("Phiếu không có câu hỏi nào.")))
    return problems + _title_length_problems(spec)


def _title_length_problems(spec: QuestionnaireSpec) -> list[SpecProblem]:
    """Codes and titles longer than their columns are refused, not cut."""
    too_long = _("Quá dài: tối đa %(n)d ký tự.")
    problems = [SpecProblem("", "form_id", too_long % {"n": 60})] if len(spec.code or "") > 60 else []
    problems += [SpecProblem("", "form_title", too_long % {"n": 255}) for title in (spec.title, spec.title_en) if len(title or "") > 255]
    return problems + [
        SpecProblem(section.code, "label", too_long % {"n": 255})
        for section in spec.sections
        for title in (section.title, section.title_en)
        if len(title or "") > 255
    ]


# ---------------------------------------------------------------------------------------------- writes


def questionnaire_version_taken(*, code: str, version: int) -> bool:
    """Whether the questionnaire `code` (in any letter case) already has version `version`."""
    return Questionnaire.objects.filter(code__iexact=code, version=version).exists()


def _next_version(code: str) -> int:
    """The next free version of the questionnaire `code`; versions are numbered regardless of the code's case."""
    return (Questionnaire.objects.filter(code__iexact=code).aggregate(top=Max("version"))["top"] or 0) + 1


def questionnaire_code_problem(*, code: str, owner: Unit | None) -> str | None:
    """Why a questionnaire `code` may not be saved for `owner`: every version of a code belongs to one owner
    (a new version elsewhere would slip into the owner's campaigns that ask for the latest). None when it may."""
    others = Questionnaire.objects.filter(code__iexact=code).exclude(owner=owner) if owner else Questionnaire.objects.filter(code__iexact=code, owner__isnull=False)
    if others.exists():
        return _("Mã phiếu «%(code)s» đã thuộc một đơn vị khác: hãy đặt mã khác, hoặc sao chép phiếu đó về đơn vị của mình.") % {"code": code}
    return None


def _require_questionnaire_write(actor: Actor, questionnaire: Questionnaire) -> None:
    """Officials of the owner (and above) edit a questionnaire (404 for outsiders, 403 for members); a shared
    template (no owner): superusers only."""
    require(actor, Action.QUESTIONNAIRE_WRITE, questionnaire.owner)


@transaction.atomic
def questionnaire_create(
    *, spec: QuestionnaireSpec, actor: Actor, owner: Unit | None = None, action: str = "questionnaire.create"
) -> Questionnaire:
    """Validate a whole spec and save it as a draft owned by `owner` (None: a shared template, superusers
    only). Raises QuestionnaireInvalid; nothing is saved then.

    When the (code, version) pair is taken, the next free version is used; a code owned by another unit is refused.
    """
    require(actor, Action.QUESTIONNAIRE_WRITE, owner)
    return _questionnaire_create(spec=spec, actor=actor, owner=owner, action=action)


def _questionnaire_create(*, spec: QuestionnaireSpec, actor: Actor, owner: Unit | None, action: str) -> Questionnaire:
    problems = questionnaire_spec_problems(spec)
    if problem := questionnaire_code_problem(code=spec.code, owner=owner):
        problems.append(SpecProblem("", "code", problem))
    if problems:
        raise QuestionnaireInvalid(problems)
    version = spec.version if not questionnaire_version_taken(code=spec.code, version=spec.version) else _next_version(spec.code)
    questionnaire = Questionnaire.objects.create(
        code=spec.code,
        version=version,
        title=spec.title[:255],
        title_en=spec.title_en[:255],
        language=spec.language,
        xlsform_version=spec.version_text[:60],
        template=spec.template,
        owner=owner,
        parts=copy.deepcopy(spec.parts),
        roles_pending=not spec.roles_confirmed,
        languages=copy.deepcopy(spec.languages),
        default_language=spec.default_language[:100],
    )
    sections = Section.objects.bulk_create(
        [
            Section(questionnaire=questionnaire, code=s.code, title=s.title[:255], title_en=s.title_en[:255], order=n, relevant=s.relevant, part=s.part,
                    translations=copy.deepcopy(s.translations))
            for n, s in enumerate(spec.sections, start=1)
        ]
    )
    questions = [
        Question(questionnaire=questionnaire, section=section, order=n, **{name: getattr(q, name) for name in QUESTION_FIELDS})
        for section, section_spec in zip(sections, spec.sections, strict=True)
        for n, q in enumerate(section_spec.questions, start=1)
    ]
    Question.objects.bulk_create(questions)
    audit_record(actor=actor, action=action, obj=questionnaire, changes={"code": questionnaire.code, "version": version, "questions": len(questions)})
    return questionnaire


def questionnaire_to_spec(questionnaire: Questionnaire) -> QuestionnaireSpec:
    """The spec of a saved questionnaire (used to copy it and to export it)."""
    sections: dict[int, SectionSpec] = {}
    for section in questionnaire.sections.order_by("order", "pk"):
        sections[section.pk] = SectionSpec(
            code=section.code, title=section.title, title_en=section.title_en, relevant=section.relevant, part=section.part,
            translations=copy.deepcopy(section.translations or {}),
        )
    for q in questionnaire.questions.order_by("section__order", "order", "pk"):
        sections[q.section_id].questions.append(QuestionSpec(**{name: copy.deepcopy(getattr(q, name)) for name in QUESTION_FIELDS}))
    return QuestionnaireSpec(
        code=questionnaire.code,
        title=questionnaire.title,
        title_en=questionnaire.title_en,
        version=questionnaire.version,
        language=questionnaire.language,
        version_text=questionnaire.xlsform_version,
        template=questionnaire.template,
        sections=list(sections.values()),
        parts=copy.deepcopy(questionnaire.parts or []),
        roles_confirmed=not questionnaire.roles_pending,
        languages=copy.deepcopy(questionnaire.languages or []),
        default_language=questionnaire.default_language,
    )


@transaction.atomic
def questionnaire_freeze(*, questionnaire: Questionnaire, actor: Actor) -> Questionnaire:
    """Lock a questionnaire (idempotent); officials of its owner only (campaign activation freezes its forms itself)."""
    _require_questionnaire_write(actor, questionnaire)
    locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if locked.status != QuestionnaireStatus.FROZEN:
        spec = questionnaire_to_spec(locked)
        problems = questionnaire_spec_problems(spec) + [SpecProblem("", "role", message) for message in questionnaire_use_problems(spec)]
        if problems:
            raise QuestionnaireInvalid(problems)
        locked.status = QuestionnaireStatus.FROZEN
        locked.save(update_fields=["status"])
        audit_record(actor=actor, action="questionnaire.freeze", obj=locked, changes={"status": locked.status})
    questionnaire.status = locked.status
    return locked


@transaction.atomic
def questionnaire_new_version(*, questionnaire: Questionnaire, actor: Actor) -> Questionnaire:
    """A draft deep copy (sections, questions, choices, expressions) under the next free version number,
    with the same owner: for the owner's officials (others use questionnaire_copy)."""
    _require_questionnaire_write(actor, questionnaire)
    spec = questionnaire_to_spec(questionnaire)
    spec.version, spec.version_text = _next_version(questionnaire.code), ""  # a new version is no longer the file's
    copy = _questionnaire_create(spec=spec, actor=actor, owner=questionnaire.owner, action="questionnaire.new_version")
    audit_record(actor=actor, action="questionnaire.copied", obj=questionnaire, changes={"new_version": copy.version})
    return copy


def questionnaire_copy_code(questionnaire: Questionnaire, owner: Unit) -> str:
    """The code of a unit's copy: the source's code followed by the unit's code ("sipas-56"), cut to a code's length."""
    return code_from_text(f"{questionnaire.code}-{owner.code}")[: Questionnaire._meta.get_field("code").max_length]


@transaction.atomic
def questionnaire_copy(*, questionnaire: Questionnaire, owner: Unit, actor: Actor) -> Questionnaire:
    """A draft copy of a questionnaire the actor may read (a shared template, or another unit's) owned by
    `owner`, where the actor is an official; its code is `questionnaire_copy_code` (next version when
    the unit copied it before). Audited on both."""
    if not questionnaires_visible_to(actor).filter(pk=questionnaire.pk).exists():
        raise Http404
    require(actor, Action.QUESTIONNAIRE_WRITE, owner)
    spec = questionnaire_to_spec(questionnaire)
    spec.code = questionnaire_copy_code(questionnaire, owner)
    spec.version = _next_version(spec.code)
    spec.template = ""
    copy = _questionnaire_create(spec=spec, actor=actor, owner=owner, action="questionnaire.copy")
    audit_record(actor=actor, action="questionnaire.copied", obj=questionnaire, changes={"copy": copy.code, "version": copy.version, "owner": owner.code})
    return copy


@transaction.atomic
def questionnaire_delete(*, questionnaire: Questionnaire, actor: Actor) -> None:
    """Delete an editable questionnaire (never used by a running campaign; the database protects used ones)."""
    _require_questionnaire_write(actor, questionnaire)
    questionnaire_check_editable(questionnaire)
    audit_record(actor=actor, action="questionnaire.delete", obj=questionnaire, changes={"code": questionnaire.code, "version": questionnaire.version})
    questionnaire.delete()


def question_problems(*, question: Question, known_names: set[str]) -> list[SpecProblem]:
    """The rules of one edited question, against the codes of its questionnaire."""
    spec = QuestionSpec(
        code=question.code,
        text=question.text,
        type=question.type,
        choices=list(question.choices or []),
        satisfied_levels=list(question.satisfied_levels or []),
        missing_codes=list(question.missing_codes or []),
        relevant=question.relevant,
        constraint=question.constraint,
        calculation=question.calculation,
    )
    problems = [SpecProblem(question.code, "choices", message) for message in _choice_problems(spec)]
    problems += [SpecProblem(question.code, "calculation", m) for m in calculation_errors(spec, known_names=known_names)]
    for column in ("relevant", "constraint"):
        problems += [SpecProblem(question.code, column, m) for m in expression_errors(getattr(question, column), known_names=known_names)]
    problems += [SpecProblem(question.code, "choice_filter", m) for m in filter_problems(question.choice_filter, known_names=known_names)]
    return problems


def questionnaire_codes(questionnaire: Questionnaire) -> set[str]:
    return set(questionnaire.questions.values_list("code", flat=True)) if questionnaire.pk else set()


@transaction.atomic
def questionnaire_save(*, questionnaire: Questionnaire, actor: Actor) -> Questionnaire:
    """Save the questionnaire's own fields; refused when it is locked (see `questionnaire_lock_reason`).

    The actor must be an official of the owner as stored and as given (a shared template: superusers).
    """
    creating = questionnaire.pk is None
    if not creating:
        stored = Questionnaire.objects.select_related("owner").get(pk=questionnaire.pk)
        _require_questionnaire_write(actor, stored)
    require(actor, Action.QUESTIONNAIRE_WRITE, questionnaire.owner)
    if problem := questionnaire_code_problem(code=questionnaire.code, owner=questionnaire.owner):
        raise QuestionnaireInvalid([SpecProblem("", "code", problem)])
    if not creating:
        questionnaire_check_editable(stored)
        if questionnaire.status != stored.status:
            raise QuestionnaireLocked(_("Hãy dùng thao tác «Khoá phiếu» để đổi trạng thái."))
    questionnaire.save()
    audit_record(
        actor=actor,
        action="questionnaire.create" if creating else "questionnaire.update",
        obj=questionnaire,
        changes={"code": questionnaire.code, "version": questionnaire.version, "title": questionnaire.title},
    )
    return questionnaire


@transaction.atomic
def section_save(*, section: Section, actor: Actor) -> Section:
    _require_questionnaire_write(actor, section.questionnaire)
    questionnaire_check_editable(section.questionnaire)
    problems = [SpecProblem(section.code, "relevant", m) for m in expression_errors(section.relevant, known_names=questionnaire_codes(section.questionnaire))]
    if problems:
        raise QuestionnaireInvalid(problems)
    section.save()
    audit_record(actor=actor, action="questionnaire.section_save", obj=section.questionnaire, changes={"section": section.code})
    return section


@transaction.atomic
def question_save(*, question: Question, actor: Actor, batch_codes: frozenset[str] = frozenset()) -> Question:
    """Save one question of an editable questionnaire after checking its choices and expressions.

    `batch_codes` are the codes of questions saved together with this one (a whole admin form), which
    its expressions may already name. A question moved to another questionnaire needs the rights on both.
    """
    if question.pk:
        _require_questionnaire_write(actor, Question.objects.select_related("questionnaire").get(pk=question.pk).questionnaire)
    _require_questionnaire_write(actor, question.questionnaire)
    questionnaire_check_editable(question.questionnaire)
    known = questionnaire_codes(question.questionnaire) | {question.code} | batch_codes
    problems = question_problems(question=question, known_names=known)
    if problems:
        raise QuestionnaireInvalid(problems)
    question.save()
    audit_record(actor=actor, action="questionnaire.question_save", obj=question.questionnaire, changes={"question": question.code})
    return question


@transaction.atomic
def questionnaire_part_delete(*, obj: Section | Question, actor: Actor) -> None:
    """Delete a section or a question of an editable questionnaire."""
    _require_questionnaire_write(actor, obj.questionnaire)
    questionnaire_check_editable(obj.questionnaire)
    audit_record(actor=actor, action="questionnaire.part_delete", obj=obj.questionnaire, changes={"deleted": f"{obj._meta.model_name} {obj.code}"})
    obj.delete()


def questionnaire_load_template(*, name: str, actor: Actor) -> tuple[Questionnaire, bool]:
    """The newest shared questionnaire made from a built-in template, creating it when none exists (idempotent).

    Any official may load one: its content comes from the code, and as a shared template (no owner) it
    is changed by superusers only; units copy it to adapt it. Returns (questionnaire, created).
    Raises KeyError for an unknown template name, PermissionDenied for users who are officials nowhere.
    """
    if not allowed_anywhere(actor, Action.QUESTIONNAIRE_WRITE):
        raise PermissionDenied
    spec = builtin_spec(name)
    existing = Questionnaire.objects.filter(template=spec.template, owner__isnull=True).order_by("-version").first()
    if existing is not None:
        return existing, False
    return _questionnaire_create(spec=spec, actor=actor, owner=None, action="questionnaire.load_template"), True
