"""Explicit roles (issue «The methods in force», item 3): nothing counts in an index by accident.

A list coded 1–4 or 1–5 is not a satisfaction scale because of its codes; an XLSForm says a question's role
in `hl_role`; an import lists what counts and an official confirms before a campaign uses it; a counted
question without satisfied levels or parts whose weights do not add up block freezing and activation.
"""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Channel
from campaigns.services import CampaignRuleError, campaign_activate, campaign_create, campaign_form_add, channel_window_add, quota_set
from surveys.models import Question, QuestionnaireStatus, QuestionRole
from surveys.services.questionnaires import QuestionnaireInvalid, questionnaire_freeze, questionnaire_to_spec
from surveys.services.roles import questionnaire_confirm_roles, questionnaire_use_problems
from surveys.tests.test_xlsform import workbook_bytes
from surveys.xlsform import xlsform_import
from surveys.xlsform_export import xlsform_export
from units.access import SYSTEM
from units.spreadsheets import ImportFailed

pytestmark = pytest.mark.django_db
VI = "label::Tiếng Việt (vi)"


def form_bytes(survey: list[list], *, choices: list[list] | None = None, settings: list[list] | None = None) -> io.BytesIO:
    return workbook_bytes(survey, choices, settings)


MATERNAL_CHOICES = [
    ["list_name", "name", VI],
    ["dich_vu", "1", "Sinh thường"], ["dich_vu", "2", "Sinh mổ"], ["dich_vu", "3", "Sinh có can thiệp"], ["dich_vu", "4", "Khác"],
    ["bien_chung", "1", "Không"], ["bien_chung", "2", "Chảy máu"], ["bien_chung", "3", "Nhiễm trùng"], ["bien_chung", "4", "Khác"], ["bien_chung", "5", "Biến chứng"],
    ["chuyen", "1", "Không"], ["chuyen", "2", "Chuyển tuyến trên"], ["chuyen", "3", "Chuyển tuyến dưới"], ["chuyen", "4", "Chuyển tuyến"],
    ["hl5", "1", "Rất không hài lòng"], ["hl5", "2", "Không hài lòng"], ["hl5", "3", "Bình thường"], ["hl5", "4", "Hài lòng"], ["hl5", "5", "Rất hài lòng"],
]


def maternal_form(*, with_roles: bool) -> io.BytesIO:
    """A maternal-health form whose categorical lists are coded 1–4 and 1–5, like the real one."""
    header = ["type", "name", VI, "appearance"] + (["hl_role", "hl_satisfied_levels"] if with_roles else [])
    role = (lambda *cells: list(cells)) if with_roles else (lambda *cells: [])
    survey = [
        header,
        ["begin group", "A", "Thông tin cuộc sinh", ""],
        ["select_one dich_vu", "loai_dv", "Loại dịch vụ", "", *role("profile", "")],
        ["select_one bien_chung", "bien_chung", "Biến chứng", "", *role("", "")],
        ["select_one chuyen", "chuyen_tuyen", "Chuyển tuyến", "", *role("other", "")],
        ["end group", "", "", ""],
        ["begin group", "B", "Đánh giá", ""],
        ["select_one hl5", "B1", "Nhân viên y tế nói năng đúng mực", "likert", *role("index", "4 5")],
        ["select_one hl5", "B2", "Phòng sinh sạch sẽ", "", *role("hài lòng", "4 5")],
        ["end group", "", "", ""],
    ]
    return form_bytes(survey, choices=MATERNAL_CHOICES, settings=[["form_id", "version"], ["me_sinh_con", "1"]])


def test_numeric_coded_lists_never_count_without_a_role_and_the_import_says_so(tree):
    result = xlsform_import(maternal_form(with_roles=False), actor=SYSTEM, owner=tree["A"])
    questions = {q.code: q for q in result.questionnaire.questions.all()}
    assert {code: q.role for code, q in questions.items()} == dict.fromkeys(["loai_dv", "bien_chung", "chuyen_tuyen", "B1", "B2"], QuestionRole.OTHER)
    assert not any(q.counts_in_index for q in questions.values())
    assert questions["bien_chung"].type == "single" and questions["bien_chung"].satisfied_levels == []  # 1–5 codes: still a plain list
    assert any("Không câu nào được tính vào chỉ số" in line for line in result.roles)
    assert result.questionnaire.roles_pending


def test_roles_come_from_hl_role_and_the_import_lists_what_counts(tree):
    result = xlsform_import(maternal_form(with_roles=True), actor=SYSTEM, owner=tree["A"])
    roles = dict(result.questionnaire.questions.values_list("code", "role"))
    assert roles == {"loai_dv": "profile", "bien_chung": "other", "chuyen_tuyen": "other", "B1": "index", "B2": "index"}
    counted = next(line for line in result.roles if line.startswith("Câu hỏi hài lòng"))
    assert "2 câu (B1, B2)" in counted
    assert any("loai_dv" in line for line in result.roles if line.startswith("Thông tin người trả lời"))


def test_an_unknown_role_is_refused_with_its_row_and_the_allowed_words(tree):
    survey = [["type", "name", VI, "hl_role", "hl_satisfied_levels"], ["select_one hl5", "B1", "Thái độ", "hai long lam", "4 5"]]
    with pytest.raises(ImportFailed) as failure:
        xlsform_import(form_bytes(survey, choices=MATERNAL_CHOICES), actor=SYSTEM, owner=tree["A"])
    message = "\n".join(failure.value.messages())
    assert "hl_role" in message and "2" in message and "index, expectation, return, profile, other" in message


def test_roles_and_parts_survive_export_and_reimport(tree):
    first = xlsform_import(maternal_form(with_roles=True), actor=SYSTEM, owner=tree["A"]).questionnaire
    first.parts = [{"code": "CS", "title": "Chính sách", "weight": 60, "rule": "mean"}, {"code": "DV", "title": "Dịch vụ", "weight": 40, "rule": "mean"}]
    first.save()
    first.sections.filter(code="A").update(part="CS")
    first.sections.filter(code="B").update(part="DV")
    again = xlsform_import(io.BytesIO(xlsform_export(first)), code="me_sinh_con_2", actor=SYSTEM, owner=tree["A"]).questionnaire
    assert dict(again.questions.values_list("code", "role")) == dict(first.questions.values_list("code", "role"))
    assert dict(again.sections.values_list("code", "part")) == {"A": "CS", "B": "DV"}
    assert again.parts == first.parts
    assert again.roles_pending  # a file's roles are confirmed again by an official


def test_an_imported_questionnaire_is_used_only_after_an_official_confirms_its_roles(client, tree, alice):
    questionnaire = xlsform_import(maternal_form(with_roles=True), actor=SYSTEM, owner=tree["A"]).questionnaire
    campaign = campaign_create(code="me-2026", name="Mẹ sinh con 2026", organiser=tree["A"], fieldwork_start=dt.date(2026, 9, 1), fieldwork_end=dt.date(2026, 12, 31), actor=alice)
    form = campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.DESK, start=dt.date(2026, 9, 1), end=dt.date(2026, 12, 31), actor=alice)
    quota_set(campaign=campaign, unit=tree["A1"], channel=Channel.DESK, form=form, target=10, actor=alice)
    with pytest.raises(CampaignRuleError) as refused:
        campaign_activate(campaign=campaign, actor=alice)
    assert "xác nhận vai trò các câu hỏi" in " ".join(refused.value.messages)
    with pytest.raises(QuestionnaireInvalid):
        questionnaire_freeze(questionnaire=questionnaire, actor=alice)

    client.force_login(alice)
    page = client.get(reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk])).content.decode()
    assert "Câu nào được tính vào chỉ số" in page and "2 câu (B1, B2)" in page and "Xác nhận vai trò câu hỏi" in page
    client.post(reverse("admin:surveys_questionnaire_confirm_roles", args=[questionnaire.pk]))
    questionnaire.refresh_from_db()
    assert not questionnaire.roles_pending and questionnaire.roles_confirmed_by == alice
    campaign_activate(campaign=campaign, actor=alice)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.FROZEN


def test_the_command_confirms_only_when_asked(tree, tmp_path):
    path = tmp_path / "me.xlsx"
    path.write_bytes(maternal_form(with_roles=True).getvalue())
    out = StringIO()
    call_command("import_xlsform", str(path), "--owner", tree["A"].code, stdout=out)
    assert "chưa được xác nhận" in out.getvalue() and "B1, B2" in out.getvalue()
    out = StringIO()
    call_command("import_xlsform", str(path), "--owner", tree["A"].code, "--code", "me2", "--confirm-roles", stdout=out)
    assert "Đã xác nhận vai trò" in out.getvalue()


def test_a_counted_question_without_satisfied_levels_blocks_freezing_and_is_named(tree, alice):
    questionnaire = xlsform_import(maternal_form(with_roles=True), actor=SYSTEM, owner=tree["A"]).questionnaire
    Question.objects.filter(questionnaire=questionnaire, code="bien_chung").update(role=QuestionRole.INDEX)
    with pytest.raises(QuestionnaireInvalid) as refused:
        questionnaire_confirm_roles(questionnaire=questionnaire, actor=alice)
    assert "Câu «bien_chung» tính vào chỉ số nhưng chưa có mức nào được tính là hài lòng." in refused.value.messages


@pytest.mark.parametrize(
    "parts, sections, expected",
    [
        ([{"code": "CS", "weight": 60}, {"code": "DV", "weight": 30}], {"A": "CS", "B": "DV"}, "Trọng số các phần (CS, DV) cộng lại là 90%, phải bằng đúng 100%."),
        ([{"code": "CS", "weight": 50}, {"code": "DV", "weight": 50}], {"A": "", "B": "XX"}, "Khía cạnh «B» ghi phần «XX», không có trong các phần của chỉ số."),
        ([{"code": "CS", "weight": 50}, {"code": "DV", "weight": 50}], {"A": "", "B": "CS"}, "Phần «DV» không có câu hỏi nào tính vào chỉ số."),
        ([{"code": "CS", "weight": "năm mươi"}, {"code": "DV", "weight": 50}], {"B": "CS"}, "Phần «CS»: trọng số phải là một số dương (phần trăm)."),
    ],
)
def test_parts_whose_weights_or_sections_do_not_hold_block_use_and_are_named(tree, parts, sections, expected):
    questionnaire = xlsform_import(maternal_form(with_roles=True), actor=SYSTEM, owner=tree["A"]).questionnaire
    questionnaire.parts = parts
    questionnaire.save()
    for code, part in sections.items():
        questionnaire.sections.filter(code=code).update(part=part)
    assert expected in questionnaire_use_problems(questionnaire_to_spec(questionnaire))
