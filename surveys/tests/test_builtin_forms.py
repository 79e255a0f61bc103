import ast
import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.selectors import index_values, working_snapshot
from reports.services import index_recompute
from surveys.builtin_forms import TEMPLATES, builtin_spec
from surveys.demo import load_questionnaires_demo
from surveys.models import Question, Questionnaire, QuestionRole, QuestionType
from surveys.services.questionnaires import questionnaire_to_spec
from surveys.services.roles import questionnaire_use_problems
from surveys.tests.factories_collection import make_campaign

pytestmark = pytest.mark.django_db

D = Decimal
MOH_PATIENT_FORMS = ["moh-inpatient", "moh-outpatient", "moh-maternity"]
NOT_USED = 0  # "Không sử dụng": the one missing code for services a patient did not use


def section_counts(questionnaire: Questionnaire, *, in_index: bool = True) -> dict[str, int]:
    counts = Counter(q.section.code for q in questionnaire.questions.select_related("section") if q.counts_in_index == in_index)
    return dict(counts)


def role_counts(questionnaire: Questionnaire) -> dict[str, int]:
    return dict(Counter(questionnaire.questions.values_list("role", flat=True)))


# --- every template ---------------------------------------------------------------------------


def test_every_builtin_template_loads_in_one_call_and_a_second_call_creates_nothing():
    loaded = load_questionnaires_demo()
    assert set(loaded) == set(TEMPLATES) == {
        "sipas", "sipas-2023", "moh-inpatient", "moh-outpatient", "moh-staff", "moh-maternity", "moh-breastfeeding", "one-stop",
    }
    again = load_questionnaires_demo()
    assert {name: q.pk for name, q in again.items()} == {name: q.pk for name, q in loaded.items()}
    assert Questionnaire.objects.count() == len(TEMPLATES)


def test_every_template_may_be_used_as_it_is_loaded():
    for name, questionnaire in load_questionnaires_demo().items():
        assert questionnaire_use_problems(questionnaire_to_spec(questionnaire)) == [], name


def test_every_counted_or_return_question_says_which_levels_are_satisfied():
    for name, questionnaire in load_questionnaires_demo().items():
        for question in questionnaire.questions.filter(role__in=[QuestionRole.INDEX, QuestionRole.RETURN]):
            assert question.satisfied_levels, (name, question.code)
            values = {choice["value"] for choice in question.choices}
            assert set(question.satisfied_levels) <= values - set(question.missing_codes), (name, question.code)


def test_every_question_of_every_template_is_given_its_role_by_the_author():
    """Each call that makes a question or an element in the templates' modules names its role: a question
    left to the spec's default ("other") would be a silent choice."""
    package = Path(__file__).resolve().parents[1] / "builtin_forms"
    makers = {"QuestionSpec", "choice_question", "number_question", "Element"}
    calls = 0
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in makers:
                calls += 1
                assert "role" in {keyword.arg for keyword in node.keywords}, f"{module.name}:{node.lineno}"
    assert calls > 40


def test_every_template_names_the_text_it_follows():
    for name, template in TEMPLATES.items():
        assert str(template.source).strip(), name
    assert "3869/QĐ-BYT" in str(TEMPLATES["moh-maternity"].source) and "Mẫu số 4" in str(TEMPLATES["moh-maternity"].source)
    assert "Mẫu số 5" in str(TEMPLATES["moh-breastfeeding"].source)
    assert "56/QĐ-BYT" in str(TEMPLATES["moh-outpatient"].source)
    assert "1001/QĐ-BNV" in str(TEMPLATES["sipas-2023"].source) and "1001/QĐ-BNV" in str(TEMPLATES["sipas"].source)


def test_the_load_page_shows_each_template_with_its_source(client, alice):
    client.force_login(alice)
    page = client.get(reverse("admin:surveys_questionnaire_load_template")).content.decode()
    for template in TEMPLATES.values():
        assert str(template.source) in page


def test_every_builtin_question_is_written_in_vietnamese():
    load_questionnaires_demo()
    assert not Question.objects.filter(text="").exists()
    assert Question.objects.filter(text__regex=r"[ăâđêôơưáàảãạ]").count() == Question.objects.count()


# --- SIPAS ------------------------------------------------------------------------------------


def test_sipas_is_the_service_delivery_part_and_says_so_with_its_five_elements():
    sipas = load_questionnaires_demo()["sipas"]
    assert "cung ứng dịch vụ hành chính công" in sipas.title and "phần dịch vụ của SIPAS" in sipas.title
    assert "Chỉ số SIPAS" not in sipas.title and sipas.parts == []
    assert section_counts(sipas) == {"TC": 3, "TT": 4, "CC": 3, "KQ": 3, "PA": 3}
    first = sipas.questions.get(code="TC1")
    assert first.type == QuestionType.LIKERT5
    assert first.choices[0]["label"] == "Rất không hài lòng" and first.choices[4]["label"] == "Rất hài lòng"
    assert first.satisfied_levels == [4, 5]
    assert first.missing_codes == [9]
    expectations = sipas.questions.filter(section__code="MD")
    assert expectations.count() == 10
    # The expectation items stay outside every figure (role "not counted"): the dashboard's expectation
    # figure is the 0–100 G1 mean of the health forms, not a list of wishes.
    assert {(q.type, q.role) for q in expectations} == {(QuestionType.LIKERT4, QuestionRole.OTHER)}
    assert expectations.first().choices[-1]["label"] == "Rất mong muốn"


def test_sipas_2023_follows_the_structure_of_decision_1001():
    loaded = load_questionnaires_demo()
    sipas_2023, service = loaded["sipas-2023"], loaded["sipas"]
    assert [s.code for s in sipas_2023.sections.all()] == ["NT", "TTCS", "TGCS", "NDCS", "THCS", "KQCS", "TC", "TT", "CC", "KQ", "PA", "MD"]
    assert section_counts(sipas_2023) == {
        "TTCS": 3, "TGCS": 3, "NDCS": 3, "THCS": 3, "KQCS": 3, "TC": 3, "TT": 4, "CC": 3, "KQ": 3, "PA": 3,
    }
    assert section_counts(sipas_2023, in_index=False) == {"NT": 6, "MD": 10}
    assert dict(sipas_2023.sections.values_list("code", "part")) == {
        "NT": "", "TTCS": "CS", "TGCS": "CS", "NDCS": "CS", "THCS": "CS", "KQCS": "CS",
        "TC": "DV", "TT": "DV", "CC": "DV", "KQ": "DV", "PA": "DV", "MD": "",
    }
    # The service part is the `sipas` questionnaire's five elements, item for item.
    service_items = list(service.questions.filter(role=QuestionRole.INDEX).values_list("code", "text", "choices", "satisfied_levels"))
    assert list(sipas_2023.questions.filter(section__part="DV").values_list("code", "text", "choices", "satisfied_levels")) == service_items
    assert set(sipas_2023.questions.filter(section__code__in=["NT", "MD"]).values_list("role", flat=True)) <= {QuestionRole.OTHER, QuestionRole.PROFILE}


def test_sipas_2023_weighs_policy_60_and_services_40_as_the_2024_figures_imply_and_says_it_awaits_the_annex():
    parts = {part["code"]: part for part in TEMPLATES["sipas-2023"].parts}
    assert list(parts) == ["CS", "DV"]
    assert (parts["CS"]["weight"], parts["DV"]["weight"]) == (60, 40)
    assert {part["rule"] for part in parts.values()} == {"mean"}
    assert not any(part["confirmed"] for part in parts.values())
    for part in parts.values():
        assert "QĐ 1001/QĐ-BNV" in part["source"] and "cần xác nhận theo phụ lục" in part["source"]
        assert part["title"] and part["title_en"]
    # The 2024 national figures: policy 83.84%, service delivery 84.09%, SIPAS 83.94%.
    policy, services, published = D("83.84"), D("84.09"), D("83.94")
    weighted = (policy * parts["CS"]["weight"] + services * parts["DV"]["weight"]) / 100
    assert weighted == published
    assert ((policy + services) / 2).quantize(D("0.01"), rounding=ROUND_HALF_UP) != published  # the plain mean is not it
    loaded = load_questionnaires_demo()["sipas-2023"]
    assert loaded.parts == list(TEMPLATES["sipas-2023"].parts)


# --- Ministry of Health -----------------------------------------------------------------------


def test_the_ministry_of_health_patient_and_staff_forms_have_their_item_counts():
    loaded = load_questionnaires_demo()
    assert section_counts(loaded["moh-inpatient"]) == {"A": 5, "B": 7, "C": 11, "D": 7, "E": 6}
    assert section_counts(loaded["moh-outpatient"]) == {"A": 5, "B": 10, "C": 8, "D": 4, "E": 4}
    assert section_counts(loaded["moh-staff"]) == {"A": 9, "B": 9, "C": 12, "D": 7, "E": 7}
    assert section_counts(loaded["moh-maternity"]) == {"A": 4, "B": 5, "C": 6, "D": 6, "E": 4}
    assert section_counts(loaded["moh-breastfeeding"]) == {"TK": 3, "SS": 4, "NV": 5, "RV": 2}
    assert role_counts(loaded["moh-inpatient"]) == {"index": 36, "expectation": 1, "return": 1, "other": 2}
    assert role_counts(loaded["moh-outpatient"]) == {"index": 31, "expectation": 1, "return": 1, "other": 1}
    assert role_counts(loaded["moh-maternity"]) == {"index": 25, "expectation": 1, "return": 1, "other": 1}
    assert role_counts(loaded["moh-breastfeeding"]) == {"index": 14, "profile": 2}
    assert role_counts(loaded["moh-staff"]) == {"index": 44}


def test_the_titles_of_the_health_forms_name_their_decision_and_form_number():
    for name, number in [("moh-inpatient", 1), ("moh-outpatient", 2), ("moh-staff", 3), ("moh-maternity", 4), ("moh-breastfeeding", 5)]:
        assert f"Mẫu số {number}" in str(TEMPLATES[name].title), name
        assert "3869/QĐ-BYT" in str(TEMPLATES[name].source), name


@pytest.mark.parametrize("name", MOH_PATIENT_FORMS)
def test_expectation_met_is_a_number_from_0_to_200(name):
    questionnaire = load_questionnaires_demo()[name]
    g1 = questionnaire.questions.get(code="G1")
    assert (g1.type, g1.role, g1.min_value, g1.max_value) == (QuestionType.NUMBER, QuestionRole.EXPECTATION, 0, 200)
    assert g1.constraint == ". >= 0 and . <= 200" and "200" in g1.constraint_message


def test_each_return_question_has_its_own_list_and_satisfied_levels():
    loaded = load_questionnaires_demo()
    g2 = {name: loaded[name].questions.get(code="G2") for name in MOH_PATIENT_FORMS}
    assert {q.role for q in g2.values()} == {QuestionRole.RETURN}
    assert len({q.choice_list for q in g2.values()}) == 3
    inpatient, outpatient = g2["moh-inpatient"], g2["moh-outpatient"]
    assert [c["label"] for c in inpatient.choices] != [c["label"] for c in outpatient.choices]
    assert [c["value"] for c in inpatient.choices] == [1, 2, 3, 4, 5, 6]
    assert inpatient.choices[2]["label"] == "Muốn chuyển sang cơ sở y tế khác"
    assert outpatient.choices[2]["label"] == "Chưa chắc chắn"
    for question in g2.values():
        assert (question.satisfied_levels, question.missing_codes) == ([4, 5], [6])  # 6 = "Khác (ghi rõ)"
    assert loaded["moh-inpatient"].questions.get(code="G2_khac").relevant == "${G2} = 6"
    assert loaded["moh-inpatient"].questions.get(code="CP").role == QuestionRole.OTHER


def test_services_a_patient_may_not_have_used_offer_a_not_used_answer_that_is_a_missing_code():
    loaded = load_questionnaires_demo()
    offered = {
        name: sorted(q.code for q in loaded[name].questions.all() if NOT_USED in q.missing_codes)
        for name in MOH_PATIENT_FORMS
    }
    assert offered == {
        "moh-inpatient": ["B4", "B7", "C10", "C8"],
        "moh-outpatient": ["A4", "A5", "B10", "B9", "C8"],
        "moh-maternity": ["B3", "C5", "C6"],
    }
    item = loaded["moh-outpatient"].questions.get(code="B9")
    assert item.choices[-1] == {"value": NOT_USED, "name": str(NOT_USED), "label": "Không sử dụng", "label_en": "Not used"}
    assert item.type == QuestionType.LIKERT5 and item.satisfied_levels == [4, 5] and item.missing_codes == [NOT_USED]
    assert loaded["moh-outpatient"].questions.get(code="D1").missing_codes == []  # every patient meets the staff


def test_breastfeeding_counts_good_practice_and_keeps_the_birth_details_out():
    form = load_questionnaires_demo()["moh-breastfeeding"]
    skin = form.questions.get(code="SS1")
    assert (skin.type, skin.role, skin.satisfied_levels, skin.missing_codes) == (QuestionType.SINGLE, QuestionRole.INDEX, [1], [9])
    assert [c["label"] for c in skin.choices] == ["Có", "Không", "Không nhớ / không biết"]
    birth = form.questions.get(code="TT1")
    assert birth.role == QuestionRole.PROFILE and [c["value"] for c in birth.choices] == [1, 2]


def test_one_stop_form_asks_return_time_publicity_attitude_premises_trips_and_overall_result():
    one_stop = load_questionnaires_demo()["one-stop"]
    hen = one_stop.questions.get(code="HEN")
    assert [c["label"] for c in hen.choices] == ["Sớm hơn ngày hẹn", "Đúng ngày hẹn", "Trễ hẹn"]
    assert one_stop.questions.get(code="SO_LAN").type == QuestionType.NUMBER
    assert one_stop.questions.get(code="XIN_LOI").relevant == "${HEN} = 3"
    assert section_counts(one_stop) == {"PV": 4}


# --- through the submission API and the index engine ------------------------------------------


def required_answers(questionnaire: Questionnaire, **overrides):
    """An answer to every required question: level 4 on scales, the first option of a list, 100 for numbers."""
    answers = {}
    for question in questionnaire.questions.filter(required=True):
        if question.type in (QuestionType.LIKERT5, QuestionType.LIKERT4):
            answers[question.code] = 4
        elif question.type in (QuestionType.SINGLE, QuestionType.YES_NO):
            answers[question.code] = question.choices[0]["value"]
        elif question.type == QuestionType.MULTI:
            answers[question.code] = [question.choices[0]["value"]]
        elif question.type == QuestionType.NUMBER:
            answers[question.code] = int(question.max_value) // 2 if question.max_value is not None else 1
        else:
            answers[question.code] = "Ghi chú"
    answers.update(overrides)
    return answers


@pytest.fixture
def submit(client, enumerator, tree):
    """Submits answers to a built-in template's campaign at commune A1 through the API: (status, body)."""
    client.force_login(enumerator)
    campaigns = {}

    def post(name, **answers):
        if name not in campaigns:
            questionnaire = load_questionnaires_demo()[name]
            setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], questionnaire=questionnaire, code=f"dot-{name}")
            setup.campaign.index_scheme = "moh_pooled"
            setup.campaign.save(update_fields=["index_scheme"])
            campaigns[name] = setup
        setup = campaigns[name]
        body = {
            "uuid": f"00000000-0000-4000-8000-{len(campaigns):04d}{setup.campaign.responses.count():08d}",
            "campaign": setup.campaign.code, "unit": tree["A1"].code, "channel": "desk", "status": "submitted",
            "answers": required_answers(setup.questionnaire, **answers),
        }
        response = client.post("/api/v1/responses/", data=json.dumps(body), content_type="application/json")
        return response.status_code, response.json()

    post.campaigns = campaigns
    return post


@pytest.mark.parametrize("name", MOH_PATIENT_FORMS)
def test_an_expectation_met_of_120_percent_is_accepted_and_201_is_refused(submit, name):
    status, _body = submit(name, G1=120)
    assert status == 201
    status, body = submit(name, G1=201)
    assert status == 422
    assert body["errors"]["answers.G1"] == ["Giá trị không được lớn hơn 200."]
    status, body = submit(name, G1=-1)
    assert status == 422 and "answers.G1" in body["errors"]


def criterion(setup, unit, code):
    return index_values(working_snapshot(setup.campaign), unit, "criterion").get(key=code)


def test_a_not_used_answer_leaves_that_items_rate_unchanged_and_is_not_forced(submit, tree):
    assert submit("moh-outpatient", B9=5)[0] == 201
    assert submit("moh-outpatient", B9=2)[0] == 201
    setup = submit.campaigns["moh-outpatient"]
    index_recompute(setup.campaign.pk)
    before = criterion(setup, tree["A"], "B9")
    assert (before.value, before.n) == (D("50.00"), 2)
    status, _body = submit("moh-outpatient", B9=NOT_USED)  # a required item answered "Không sử dụng"
    assert status == 201
    index_recompute(setup.campaign.pk)
    after = criterion(setup, tree["A"], "B9")
    assert (after.value, after.n) == (before.value, before.n)
    assert criterion(setup, tree["A"], "B1").n == 3  # the same respondent's other items count
    # An item that every patient used has no such answer.
    status, body = submit("moh-outpatient", D1=NOT_USED)
    assert status == 422 and "answers.D1" in body["errors"]


def test_every_template_is_a_valid_spec_as_built():
    for name in TEMPLATES:
        spec = builtin_spec(name)
        assert spec.template == name and spec.roles_confirmed
        assert questionnaire_use_problems(spec) == [], name


def test_the_command_lists_its_templates_and_loads_one(capsys):
    out = StringIO()
    call_command("load_questionnaire_template", "moh-staff", stdout=out)
    assert "moh-staff" in out.getvalue() and "đã tạo" in out.getvalue()
    call_command("load_questionnaire_template", "moh-staff", stdout=out)
    assert "đã có sẵn" in out.getvalue()
    assert Questionnaire.objects.filter(template="moh-staff").count() == 1
    with pytest.raises(SystemExit):
        call_command("load_questionnaire_template", "--help")
    assert "sipas-2023" in capsys.readouterr().out
