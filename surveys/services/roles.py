"""What each question counts for, and the parts of an index: the author's choice, checked before use.

Nothing counts in an index by accident (DESIGN.md §5, docs/methodology.md §8): a question's role
(`Question.role`) is set by the questionnaire's author: a built-in template sets it, an official sets it
in the admin, an XLSForm in its `hl_role` column. A questionnaire imported from a file is used only after
an official has looked at which questions it counts and confirmed (`questionnaire_confirm_roles`).

Before a questionnaire is frozen or used by a campaign, `questionnaire_use_problems` names every question
or part that would make a figure wrong: a counted question without satisfied levels, a part whose weights
do not add up to 100%, a section with counted questions outside every part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import CHOICE_TYPES, Questionnaire, QuestionRole, QuestionType
from surveys.specs import QuestionnaireSpec
from units.access import Action, require
from units.services import Actor, audit_record

PART_RULES = ("mean", "pooled")  # the mean of the part's elements, or all its answers pooled
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RoleSummary:
    """Which questions of a questionnaire count, and for what (codes in questionnaire order)."""

    by_role: dict[str, list[str]] = field(default_factory=dict)

    def codes(self, role: str) -> list[str]:
        return self.by_role.get(role, [])

    @property
    def counted(self) -> list[str]:
        return self.codes(QuestionRole.INDEX)


def role_summary(spec: QuestionnaireSpec) -> RoleSummary:
    by_role: dict[str, list[str]] = {}
    for section in spec.sections:
        for question in section.questions:
            if question.type not in (QuestionType.NOTE, QuestionType.CALCULATE, QuestionType.META):  # never answered
                by_role.setdefault(question.role, []).append(question.code)
    return RoleSummary(by_role)


def role_summary_lines(spec: QuestionnaireSpec) -> list[str]:
    """The summary in Vietnamese sentences, for the import report and the confirmation page."""
    summary = role_summary(spec)
    labels = dict(QuestionRole.choices)
    lines = []
    for role in QuestionRole.values:
        codes = summary.codes(role)
        if codes:
            lines.append(_("%(role)s: %(n)d câu (%(codes)s).") % {"role": labels[role], "n": len(codes), "codes": ", ".join(codes)})
    if not summary.counted:
        lines.append(_("Không câu nào được tính vào chỉ số: hãy đặt vai trò «Câu hỏi hài lòng» cho các câu cần tính (cột hl_role của XLSForm, hoặc trong trang quản trị)."))
    return lines


def _weight(value: Any) -> Decimal | None:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return weight if weight.is_finite() else None


def parts_problems(spec: QuestionnaireSpec) -> list[str]:
    """The index parts' rules: known codes, a rule each, positive weights adding up to exactly 100%."""
    parts = spec.parts or []
    if not parts:
        return []
    problems: list[str] = []
    codes: list[str] = []
    total = Decimal(0)
    for number, part in enumerate(parts, start=1):
        if not isinstance(part, dict) or not str(part.get("code") or "").strip():
            problems.append(_("Phần thứ %(n)d của chỉ số thiếu mã.") % {"n": number})
            continue
        code = str(part["code"])
        if code in codes:
            problems.append(_("Mã phần «%(part)s» bị trùng.") % {"part": code})
        codes.append(code)
        if part.get("rule", "mean") not in PART_RULES:
            problems.append(_("Phần «%(part)s»: cách tính «%(rule)s» không hợp lệ (mean hoặc pooled).") % {"part": code, "rule": part.get("rule")})
        weight = _weight(part.get("weight"))
        if weight is None or weight <= 0:
            problems.append(_("Phần «%(part)s»: trọng số phải là một số dương (phần trăm).") % {"part": code})
        else:
            total += weight
    if not problems and total != HUNDRED:
        problems.append(
            _("Trọng số các phần (%(parts)s) cộng lại là %(total)s%%, phải bằng đúng 100%%.")
            % {"parts": ", ".join(codes), "total": format(total.normalize(), "f")}
        )
    counted_parts = set()
    for section in spec.sections:
        counted = any(q.role == QuestionRole.INDEX for q in section.questions)
        if section.part and section.part not in codes:
            problems.append(_("Khía cạnh «%(section)s» ghi phần «%(part)s», không có trong các phần của chỉ số.") % {"section": section.code, "part": section.part})
        elif counted and not section.part:
            problems.append(_("Khía cạnh «%(section)s» có câu tính vào chỉ số nhưng chưa thuộc phần nào của chỉ số.") % {"section": section.code})
        elif counted:
            counted_parts.add(section.part)
    problems += [_("Phần «%(part)s» không có câu hỏi nào tính vào chỉ số.") % {"part": code} for code in codes if code not in counted_parts]
    return problems


def question_role_problems(spec: QuestionnaireSpec) -> list[str]:
    """Counted questions that could not be counted honestly, each named."""
    problems: list[str] = []
    for section in spec.sections:
        for q in section.questions:
            if q.role in (QuestionRole.INDEX, QuestionRole.RETURN):
                label = _("tính vào chỉ số") if q.role == QuestionRole.INDEX else _("là câu quay lại / giới thiệu")
                if q.type not in CHOICE_TYPES or q.type == QuestionType.MULTI:
                    problems.append(_("Câu «%(code)s» %(role)s nhưng không phải câu chọn một mức.") % {"code": q.code, "role": label})
                elif not q.satisfied_levels:
                    problems.append(_("Câu «%(code)s» %(role)s nhưng chưa có mức nào được tính là hài lòng.") % {"code": q.code, "role": label})
            elif q.role == QuestionRole.EXPECTATION and q.type not in (QuestionType.NUMBER, *CHOICE_TYPES):
                problems.append(_("Câu «%(code)s» là câu đáp ứng mong đợi nhưng không phải câu số hoặc câu chọn.") % {"code": q.code})
    return problems


def questionnaire_use_problems(spec: QuestionnaireSpec) -> list[str]:
    """Why a questionnaire may not be frozen or used by a campaign yet (empty: it may)."""
    problems = []
    if not spec.roles_confirmed:
        problems.append(
            _("Phiếu «%(code)s» nhập từ tệp: cán bộ cần xem và xác nhận vai trò các câu hỏi (câu nào tính vào chỉ số) trước khi dùng.")
            % {"code": spec.code}
        )
    return problems + question_role_problems(spec) + parts_problems(spec)


@transaction.atomic
def questionnaire_confirm_roles(*, questionnaire: Questionnaire, actor: Actor) -> Questionnaire:
    """An official of the owner confirms the questions' roles as they stand (idempotent); refused while a
    counted question or a part breaks a rule. Raises QuestionnaireInvalid naming each."""
    from surveys.services.questionnaires import QuestionnaireInvalid, SpecProblem, questionnaire_to_spec

    require(actor, Action.QUESTIONNAIRE_WRITE, questionnaire.owner)
    locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    spec = questionnaire_to_spec(locked)
    problems = question_role_problems(spec) + parts_problems(spec)
    if problems:
        raise QuestionnaireInvalid([SpecProblem("", "role", message) for message in problems])
    if locked.roles_pending:
        locked.roles_pending = False
        locked.roles_confirmed_at = timezone.now()
        locked.roles_confirmed_by = actor if getattr(actor, "pk", None) else None
        locked.save(update_fields=["roles_pending", "roles_confirmed_at", "roles_confirmed_by"])
        audit_record(actor=actor, action="questionnaire.confirm_roles", obj=locked, changes=role_summary(spec).by_role)
    questionnaire.roles_pending = False
    questionnaire.roles_confirmed_at = locked.roles_confirmed_at
    return locked


def campaign_questionnaire_problems(campaign: Any) -> list[str]:
    """The use problems of every questionnaire a campaign would freeze on activation (campaigns.services
    asks this through its activation checks)."""
    from surveys.services.questionnaires import questionnaire_to_spec

    problems: list[str] = []
    for questionnaire in Questionnaire.objects.filter(campaign_forms__campaign=campaign).distinct().order_by("code", "version"):
        problems += questionnaire_use_problems(questionnaire_to_spec(questionnaire))
    return problems
