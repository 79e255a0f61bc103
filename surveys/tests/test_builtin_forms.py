from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from surveys.builtin_forms import TEMPLATES
from surveys.demo import load_questionnaires_demo
from surveys.models import Question, Questionnaire, QuestionType

pytestmark = pytest.mark.django_db


def section_counts(questionnaire: Questionnaire, *, in_index: bool = True) -> dict[str, int]:
    counts = Counter(q.section.code for q in questionnaire.questions.select_related("section") if q.counts_in_index == in_index)
    return dict(counts)


def test_every_builtin_template_loads_in_one_call_and_a_second_call_creates_nothing():
    loaded = load_questionnaires_demo()
    assert set(loaded) == set(TEMPLATES)
    again = load_questionnaires_demo()
    assert {name: q.pk for name, q in again.items()} == {name: q.pk for name, q in loaded.items()}
    assert Questionnaire.objects.count() == len(TEMPLATES)


def test_sipas_has_the_five_service_elements_on_a_five_level_scale_with_a_dont_know_code():
    sipas = load_questionnaires_demo()["sipas"]
    assert section_counts(sipas) == {"TC": 3, "TT": 4, "CC": 3, "KQ": 3, "PA": 3}
    first = sipas.questions.get(code="TC1")
    assert first.type == QuestionType.LIKERT5
    assert first.choices[0]["label"] == "Rất không hài lòng" and first.choices[4]["label"] == "Rất hài lòng"
    assert first.satisfied_levels == [4, 5]
    assert first.missing_codes == [9]
    expectations = sipas.questions.filter(section__code="MD")
    assert expectations.count() == 10
    assert {(q.type, q.counts_in_index) for q in expectations} == {(QuestionType.LIKERT4, False)}
    assert expectations.first().choices[-1]["label"] == "Rất mong muốn"


def test_moh_inpatient_has_sections_a_to_e_and_the_general_items_outside_the_rates():
    inpatient = load_questionnaires_demo()["moh-inpatient"]
    assert section_counts(inpatient) == {"A": 5, "B": 7, "C": 11, "D": 7, "E": 6}
    g1 = inpatient.questions.get(code="G1")
    assert (g1.type, g1.min_value, g1.max_value, g1.counts_in_index) == (QuestionType.NUMBER, 0, 100, False)
    g2 = inpatient.questions.get(code="G2")
    assert [c["value"] for c in g2.choices] == [1, 2, 3, 4, 5, 6] and g2.type == QuestionType.SINGLE
    assert inpatient.questions.get(code="G2_khac").relevant == "${G2} = 6"
    assert inpatient.questions.get(code="CP").counts_in_index is False


def test_moh_outpatient_and_staff_forms_have_the_published_item_counts():
    loaded = load_questionnaires_demo()
    assert section_counts(loaded["moh-outpatient"]) == {"A": 5, "B": 10, "C": 8, "D": 4, "E": 4}
    assert loaded["moh-outpatient"].questions.filter(code__in=["G1", "G2"]).count() == 2
    assert section_counts(loaded["moh-staff"]) == {"A": 9, "B": 9, "C": 12, "D": 7, "E": 7}


def test_one_stop_form_asks_return_time_publicity_attitude_premises_trips_and_overall_result():
    one_stop = load_questionnaires_demo()["one-stop"]
    hen = one_stop.questions.get(code="HEN")
    assert [c["label"] for c in hen.choices] == ["Sớm hơn ngày hẹn", "Đúng ngày hẹn", "Trễ hẹn"]
    assert one_stop.questions.get(code="SO_LAN").type == QuestionType.NUMBER
    assert one_stop.questions.get(code="XIN_LOI").relevant == "${HEN} = 3"
    assert section_counts(one_stop) == {"PV": 4}


def test_every_builtin_question_is_written_in_vietnamese():
    load_questionnaires_demo()
    assert not Question.objects.filter(text="").exists()
    assert Question.objects.filter(text__regex=r"[ăâđêôơưáàảãạ]").count() == Question.objects.count()


def test_the_command_lists_its_templates_and_loads_one(capsys):
    out = StringIO()
    call_command("load_questionnaire_template", "moh-staff", stdout=out)
    assert "moh-staff" in out.getvalue() and "đã tạo" in out.getvalue()
    call_command("load_questionnaire_template", "moh-staff", stdout=out)
    assert "đã có sẵn" in out.getvalue()
    assert Questionnaire.objects.filter(template="moh-staff").count() == 1
    with pytest.raises(SystemExit):
        call_command("load_questionnaire_template", "--help")
    assert "sipas" in capsys.readouterr().out
