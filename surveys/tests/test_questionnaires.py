import datetime

import pytest

from campaigns.models import Campaign, CampaignForm
from surveys.models import Question, Questionnaire, QuestionnaireStatus
from surveys.services.questionnaires import (
    QuestionnaireInvalid,
    QuestionnaireLocked,
    question_save,
    questionnaire_create,
    questionnaire_freeze,
    questionnaire_load_template,
    questionnaire_lock_reason,
    questionnaire_new_version,
    questionnaire_save,
)
from surveys.specs import QuestionnaireSpec, QuestionSpec, SectionSpec
from units.access import SYSTEM
from units.models import AuditEntry

pytestmark = pytest.mark.django_db


def small_spec(**question_overrides) -> QuestionnaireSpec:
    choices = [{"value": v, "name": str(v), "label": f"Mức {v}", "label_en": ""} for v in range(1, 6)]
    second = {"code": "q2", "text": "Vì sao?", "type": "text", "relevant": "${q1} <= 2", **question_overrides}
    return QuestionnaireSpec(
        code="thu",
        title="Phiếu thử",
        sections=[
            SectionSpec(
                code="S1",
                title="Phần 1",
                questions=[
                    QuestionSpec(code="q1", text="Hài lòng?", type="likert5", choices=choices, satisfied_levels=[4, 5], counts_in_index=True),
                    QuestionSpec(**second),
                ],
            )
        ],
    )


def make_campaign(organiser, questionnaire, status):
    campaign = Campaign.objects.create(
        code=f"c-{status}",
        name="Đợt thử",
        organiser=organiser,
        year=2025,
        fieldwork_start=datetime.date(2025, 1, 1),
        fieldwork_end=datetime.date(2025, 3, 1),
        status=status,
    )
    CampaignForm.objects.create(campaign=campaign, questionnaire=questionnaire)
    return campaign


def test_a_valid_spec_is_saved_with_its_sections_questions_and_an_audit_row():
    questionnaire = questionnaire_create(spec=small_spec(), actor=SYSTEM)
    assert list(questionnaire.questions.values_list("code", flat=True)) == ["q1", "q2"]
    assert questionnaire.status == QuestionnaireStatus.DRAFT
    assert AuditEntry.objects.filter(action="questionnaire.create", object_id=str(questionnaire.pk)).exists()


def test_a_relevant_naming_an_unknown_question_is_refused_in_vietnamese_and_nothing_is_saved():
    with pytest.raises(QuestionnaireInvalid) as error:
        questionnaire_create(spec=small_spec(relevant="${q9} = 1"), actor=SYSTEM)
    assert "không có câu hỏi nào mã «q9»" in str(error.value.problems[0])
    assert error.value.problems[0].code == "q2" and error.value.problems[0].column == "relevant"
    assert not Questionnaire.objects.exists()


def test_a_malformed_constraint_is_refused():
    with pytest.raises(QuestionnaireInvalid) as error:
        questionnaire_create(spec=small_spec(constraint=". >"), actor=SYSTEM)
    assert error.value.problems[0].column == "constraint"


def test_a_satisfied_level_outside_the_choices_is_refused():
    spec = small_spec()
    spec.sections[0].questions[0].satisfied_levels = [6]
    with pytest.raises(QuestionnaireInvalid, match="không có trong danh sách lựa chọn"):
        questionnaire_create(spec=spec, actor=SYSTEM)


def test_freezing_locks_the_questionnaire_and_a_new_version_is_an_editable_deep_copy():
    original = questionnaire_create(spec=small_spec(), actor=SYSTEM)
    questionnaire_freeze(questionnaire=original, actor=SYSTEM)
    original.refresh_from_db()
    assert original.status == QuestionnaireStatus.FROZEN
    question = original.questions.get(code="q2")
    question.text = "Sửa"
    with pytest.raises(QuestionnaireLocked):
        question_save(question=question, actor=SYSTEM)
    copy = questionnaire_new_version(questionnaire=original, actor=SYSTEM)
    assert (copy.code, copy.version, copy.status) == ("thu", 2, QuestionnaireStatus.DRAFT)
    fields = ["section__code", "code", "type", "text", "choices", "satisfied_levels", "relevant", "counts_in_index"]
    assert list(copy.questions.values_list(*fields)) == list(original.questions.values_list(*fields))
    assert copy.questions.first().section.questionnaire_id == copy.pk
    edited = copy.questions.get(code="q2")
    edited.text = "Vì sao ông/bà chưa hài lòng?"
    question_save(question=edited, actor=SYSTEM)
    assert Question.objects.get(pk=question.pk).text == "Vì sao?"


def test_a_second_new_version_takes_the_next_free_number():
    original = questionnaire_create(spec=small_spec(), actor=SYSTEM)
    questionnaire_new_version(questionnaire=original, actor=SYSTEM)
    assert questionnaire_new_version(questionnaire=original, actor=SYSTEM).version == 3


@pytest.mark.parametrize(("status", "locked"), [("draft", False), ("active", True), ("closed", True), ("published", True)])
def test_a_questionnaire_used_by_a_running_campaign_cannot_be_edited(tree, status, locked):
    questionnaire = questionnaire_create(spec=small_spec(), actor=SYSTEM)
    make_campaign(tree["A"], questionnaire, status)
    reason = questionnaire_lock_reason(questionnaire)
    assert bool(reason) is locked
    if locked:
        assert "c-" + status in reason
        questionnaire.title = "Đổi tên"
        with pytest.raises(QuestionnaireLocked):
            questionnaire_save(questionnaire=questionnaire, actor=SYSTEM)
    else:
        questionnaire.title = "Đổi tên"
        questionnaire_save(questionnaire=questionnaire, actor=SYSTEM)


def test_editing_a_question_checks_its_expressions_against_the_questionnaire():
    questionnaire = questionnaire_create(spec=small_spec(), actor=SYSTEM)
    question = questionnaire.questions.get(code="q2")
    question.relevant = "${khong_co} = 1"
    with pytest.raises(QuestionnaireInvalid, match="khong_co"):
        question_save(question=question, actor=SYSTEM)


def test_loading_a_template_twice_returns_the_same_questionnaire():
    first, created = questionnaire_load_template(name="one-stop", actor=SYSTEM)
    again, created_again = questionnaire_load_template(name="one-stop", actor=SYSTEM)
    assert created and not created_again and first.pk == again.pk
