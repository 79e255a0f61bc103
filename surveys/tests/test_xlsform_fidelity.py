"""What issue 18 asks of the XLSForm import and export, one behaviour at a time: forms pyxform accepts are
taken (curly quotes, Excel booleans, notes without names, loops, types we do not collect), what is not kept is
noted with its row, product limits are refused in Vietnamese, the export gives the form back as it was, and
a question's role comes only from its author."""

import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from pyxform.xls2xform import convert

from surveys.models import Questionnaire, QuestionRole, QuestionType
from surveys.tests.test_xlsform import failure_of, workbook_bytes
from surveys.xlsform import xlsform_import
from surveys.xlsform_export import xlsform_export
from units.access import SYSTEM

pytestmark = pytest.mark.django_db
YES_NO = [["list_name", "name", "label"], ["yn", "yes", "Có"], ["yn", "no", "Không"]]
PYXFORM_CORPUS = Path("/work/shared/data/xlsform/pyxform")


def imported(survey, choices=None, settings=None):
    return xlsform_import(workbook_bytes(survey, choices, settings), actor=SYSTEM)


def test_curly_quotes_in_an_expression_are_straightened_as_pyxform_does():
    result = imported(
        [["type", "name", "label", "relevant"], ["select_one yn", "a", "A", ""], ["text", "b", "B", "${a} = \u2018yes\u2019"]], YES_NO
    )
    assert result.questionnaire.questions.get(code="b").relevant == "${a} = 'yes'"


def test_excel_true_and_false_cells_in_relevant_and_required_are_read_as_booleans():
    result = imported([["type", "name", "label", "relevant", "required"], ["text", "a", "A", False, True], ["text", "b", "B", True, False]])
    a, b = result.questionnaire.questions.order_by("order")
    assert (a.relevant, a.required, b.relevant, b.required) == ("false()", True, "true()", False)


def test_a_note_without_a_name_is_named_as_pyxform_names_it():
    result = imported([["type", "name", "label"], ["note", "", "Xin chào"], ["integer", "tuoi", "Tuổi"]])
    assert list(result.questionnaire.questions.values_list("code", "type")) == [("generated_note_name_2", QuestionType.NOTE), ("tuoi", QuestionType.NUMBER)]


def test_a_loop_is_skipped_like_a_repeat_with_every_field_inside_named_with_its_row():
    result = imported(
        [["type", "name", "label"], ["select_multiple yn", "ds", "Danh sách"], ["begin loop over yn", "vong", ""], ["integer", "so", "Số"],
         ["text", "ds", "Trùng tên trong vòng lặp"], ["end loop", "", ""], ["text", "ghi_chu", "Ghi chú"]],
        YES_NO,
    )
    assert list(result.questionnaire.questions.values_list("code", flat=True)) == ["ds", "ghi_chu"]
    [note] = [w for w in result.warnings if "vong" in w]
    assert note.startswith("Dòng 3: bỏ qua nhóm lặp «vong» («begin loop over yn»)") and "«so» (dòng 4)" in note and "«ds» (dòng 5)" in note


def test_types_we_do_not_collect_are_skipped_with_their_row_and_the_rest_is_taken():
    result = imported(
        [["type", "name", "label"], ["geopoint", "vi_tri", "Vị trí"], ["image", "anh", "Ảnh"], ["audio", "ghi_am", "Ghi âm"],
         ["osm osm_list", "nha", "Ngôi nhà"], ["integer", "tuoi", "Tuổi"]],
    )
    assert list(result.questionnaire.questions.values_list("code", flat=True)) == ["tuoi"]
    for row, name in ((2, "vi_tri"), (3, "anh"), (4, "ghi_am"), (5, "nha")):
        assert any(w.startswith(f"Dòng {row}: bỏ qua «{name}»") for w in result.warnings), name


def test_a_form_with_nothing_we_collect_is_refused_with_what_was_skipped():
    [error] = failure_of(workbook_bytes([["type", "name", "label"], ["geopoint", "vi_tri", "Vị trí"], ["start", "start", ""]]))
    assert "không có câu hỏi nào hệ thống thu thập được" in error.message
    assert "«vi_tri» (dòng 2, loại «geopoint»)" in error.message and "«start» (dòng 3, loại «start»)" in error.message


@pytest.mark.parametrize(
    ("survey", "row", "words"),
    [
        ([["type", "name", "label"], ["begin group", "g1", "G1"], ["text", "ten", "A"], ["end group", "", ""],
          ["begin group", "g2", "G2"], ["text", "ten", "B"], ["end group", "", ""]], 6, "cần mỗi câu hỏi một tên riêng trong cả phiếu"),
        ([["type", "name", "label"], ["text", "ho.ten", "Họ tên"]], 2, "có dấu chấm"),
    ],
    ids=["same-name-in-two-groups", "dotted-name"],
)
def test_names_pyxform_accepts_and_we_cannot_keep_are_refused_with_a_vietnamese_reason(survey, row, words):
    errors = failure_of(workbook_bytes(survey))
    assert any(e.row == row and e.column == "name" and words in e.message for e in errors), errors


def test_every_column_and_setting_not_kept_is_noted_with_its_rows():
    result = imported(
        [["type", "name", "label::Tiếng Việt (vi)", "label::Français (fr)", "default", "media::image", "$kuid"],
         ["integer", "tuoi", "Tuổi", "Âge", "30", "", "a1"], ["text", "ten", "Tên", "Nom", "", "anh.jpg", "b2"], ["text", "dc", "Địa chỉ", "Địa chỉ", "", "", "c3"]],
        settings=[["form_id", "instance_name"], ["phieu", "${ten}"]],
    )
    notes = result.warnings
    assert not any("label::français (fr)" in note for note in notes)  # every language of the form is kept (surveys.xlsform_keep)
    assert "Trang tính «survey»: cột «media::image» không được giữ khi nhập (dòng 3)." in notes
    assert "Trang tính «settings»: cài đặt «instance_name» = «${ten}» không được giữ khi nhập." in notes
    assert len(notes) == 2  # languages and defaults are kept; KoboToolbox's $kuid is bookkeeping, not content
    assert result.questionnaire.language == "vi"


def test_a_reference_to_a_field_not_kept_is_written_plainly_with_a_note_and_the_export_converts():
    result = imported([["type", "name", "label", "calculation"], ["geopoint", "tong", "Vị trí", ""], ["note", "kq", "Tổng: ${tong}", ""]])
    # the label shows it empty (surveys.xlsform_keep), with a note naming the row and the field
    assert result.questionnaire.questions.get(code="kq").text == "Tổng:"
    assert any("Dòng 3" in w and "tong" in w for w in result.warnings), result.warnings
    convert(xlsform_export(result.questionnaire), validate=False, warnings=[], file_type=".xlsx")


def test_a_decimal_a_range_a_version_string_and_an_english_form_export_as_they_were_written():
    result = imported(
        [["type", "name", "label::English (en)", "parameters"], ["decimal", "weight", "Weight (kg)", ""], ["range", "pain", "Pain", "start=0 end=10 step=0.5"],
         ["integer", "age", "Age", ""]],
        settings=[["form_id", "version", "default_language"], ["clinic", "2024-05-01", "English (en)"]],
    )
    questionnaire = result.questionnaire
    assert (questionnaire.language, questionnaire.version, questionnaire.xlsform_version) == ("en", 2024, "2024-05-01")
    assert questionnaire.questions.get(code="pain").max_value == Decimal(10)
    exported = xlsform_export(questionnaire)
    book = openpyxl.load_workbook(io.BytesIO(exported))
    survey = [dict(zip([c.value for c in book["survey"][1]], [c.value for c in row], strict=False)) for row in book["survey"].iter_rows(min_row=2)]
    types = {row["name"]: (row["type"], row["parameters"]) for row in survey if not str(row["type"]).startswith(("begin", "end"))}
    assert types == {"weight": ("decimal", None), "pain": ("range", "start=0 end=10 step=0.5"), "age": ("integer", None)}
    settings = dict(zip([c.value for c in book["settings"][1]], [c.value for c in book["settings"][2]], strict=False))
    assert (settings["version"], settings["default_language"]) == ("2024-05-01", "English (en)")
    xform = convert(exported, validate=False, warnings=[], file_type=".xlsx").xform
    assert set(re.findall(r'<translation[^>]*lang="([^"]+)"', xform)) <= {"English (en)"} and "Tiếng Việt" not in xform
    assert 'version="2024-05-01"' in xform and 'type="decimal"' in xform


@pytest.mark.parametrize(
    ("appearance", "hl_role", "kind", "role"),
    [("", "", QuestionType.SINGLE, QuestionRole.OTHER), ("likert", "", QuestionType.LIKERT5, QuestionRole.OTHER), ("likert", "hai_long", QuestionType.LIKERT5, QuestionRole.INDEX)],
    ids=["codes-only", "likert-without-role", "author-says-index"],
)
def test_a_numeric_coded_list_is_a_satisfaction_question_only_when_its_author_says_so(appearance, hl_role, kind, role):
    choices = [["list_name", "name", "label"], *[["muc", str(n), f"Mức {n}"] for n in range(1, 6)]]
    result = imported([["type", "name", "label", "appearance", "hl_role"], ["select_one muc", "q1", "Mức hài lòng", appearance, hl_role]], choices)
    question = result.questionnaire.questions.get()
    assert (question.type, question.role, question.counts_in_index) == (kind, role, role == QuestionRole.INDEX)


def test_an_xls_file_is_read_and_a_damaged_one_refused_in_vietnamese(tmp_path):
    [error] = failure_of(io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 600))
    assert "Không đọc được tệp Excel .xls" in error.message
    out, err = io.StringIO(), io.StringIO()
    call_command("import_xlsform", str(PYXFORM_CORPUS / "pyxform_repeat_date_test.xls"), stdout=out, stderr=err)
    assert "3 câu hỏi" in out.getvalue() and "Lưu ý: Dòng 4: bỏ qua nhóm lặp «repeat_test»" in err.getvalue()


def test_an_official_uploads_an_xls_form_and_sees_what_was_skipped(client, charlie, tree):
    client.force_login(charlie)
    with open(PYXFORM_CORPUS / "pyxform_repeat_date_test.xls", "rb") as upload:
        response = client.post(reverse("admin:surveys_questionnaire_import"), {"file": upload, "owner": tree["B"].pk}, follow=True)
    assert response.status_code == 200 and Questionnaire.objects.get().questions.count() == 3
    assert "repeat_test" in response.content.decode()


def test_range_parameters_longer_than_their_column_are_refused_not_cut():
    parameters = "start=0 end=10 step=0." + "0" * 240 + "1"
    errors = failure_of(workbook_bytes([["type", "name", "label", "parameters"], ["range", "muc", "Mức", parameters]]))
    assert any((e.row, e.column, e.message) == (2, "parameters", "Quá dài: tối đa 255 ký tự.") for e in errors), errors
