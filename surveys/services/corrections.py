"""Corrections of submitted answers by officials and supervisors (a typing error on a paper form), with an
audit trail: each changed answer keeps its old and new value, who, when and why (`AnswerRevision`, written
by the one writer of answers), and the indices recompute (the campaign's dirty mark)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from surveys.calculations import response_metadata
from surveys.models import Response, ResponseSource, ResponseStatus, RevisionKind
from surveys.selectors import compiled_form
from surveys.services.answers import Revision, answers_current, answers_replace, answers_validate
from units.access import Action, require
from units.services import Actor, audit_record


class CorrectionError(Exception):
    """A correction refused; `message` and the per-question `errors` are in Vietnamese."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None) -> None:
        self.message = message
        self.errors = dict(errors or {})
        super().__init__(message)


def _blank(raw: Any) -> bool:
    return raw is None or raw == "" or raw == []


@transaction.atomic
def response_correct(*, actor: Actor, response: Response, changes: Mapping[str, Any], reason: str) -> list[Revision]:
    """Correct answers of a submitted response: `changes` maps question codes to new answers as a submission
    sends them (a level, a choice's name, a number, a text; blank clears the answer). The response keeps its
    status; the whole answer set is checked again (levels, skip logic, constraints, required answers).

    The actor must correct at the response's unit (units.access RESPONSES_CORRECT: 404 outside the subtree,
    403 without the role). Raises CorrectionError, changing nothing, for a missing reason, a draft, a
    question the form does not have, a level that does not exist, a question the skip logic routes out
    (after the change), or no change at all. Returns the changes written.
    """
    require(actor, Action.RESPONSES_CORRECT, response.unit)
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionError(_("Cần ghi lý do sửa câu trả lời."), {"reason": [_("Cần ghi lý do.")]})
    locked = Response.objects.select_for_update().select_related("campaign", "unit", "form__questionnaire").get(pk=response.pk)
    if locked.status == ResponseStatus.DRAFT:
        raise CorrectionError(_("Phiếu nháp chưa được gửi; không sửa được."))
    form = compiled_form(locked.form.questionnaire)
    unknown = [str(code) for code in changes if str(code) not in form.questions]
    if unknown:
        raise CorrectionError(
            _("Phiếu không có câu hỏi mã «%(code)s».") % {"code": unknown[0]},
            {f"answers.{code}": [_("Phiếu không có câu hỏi mã «%(code)s».") % {"code": code}] for code in unknown},
        )
    answers = {**answers_current(locked, form), **{str(code): raw for code, raw in changes.items()}}
    validated = answers_validate(
        form=form, answers=answers, blanks_allowed=locked.source == ResponseSource.IMPORT,
        metadata=response_metadata(locked, form, answers), now=locked.submitted_at,  # calculations as on the day it was sent
    )
    if validated.errors:
        raise CorrectionError(_("Không sửa được: %(n)d câu trả lời không hợp lệ.") % {"n": len(validated.errors)}, validated.errors)
    kept = {question.code for question, *_row in validated.rows}
    skipped = [str(code) for code, raw in changes.items() if not _blank(raw) and str(code) not in kept]
    if skipped:
        message = _("Câu «%(code)s» bị bỏ qua theo điều kiện hiển thị của phiếu (sau khi sửa); không ghi câu trả lời cho câu này được.")
        raise CorrectionError(message % {"code": skipped[0]}, {f"answers.{code}": [message % {"code": code}] for code in skipped})
    counted = locked.status in locked.campaign.counted_statuses
    revisions = answers_replace(
        locked, validated, form=form, actor=actor, kind=RevisionKind.CORRECTION, reason=reason, version=locked.version, mark_dirty=counted
    )
    if not revisions:
        raise CorrectionError(_("Giá trị mới giống giá trị hiện có; không có gì để sửa."))
    audit_record(
        actor=actor, action="response.correct", obj=locked,
        changes={"answers": {change.code: [change.old, change.new] for change in revisions}, "reason": reason},
    )
    return revisions
