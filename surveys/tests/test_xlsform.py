import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.builtin_forms import TEMPLATES
from surveys.models import Questionnaire, QuestionType
from surveys.services.questionnaires import questionnaire_load_template
from surveys.xlsform import xlsform_import
from surveys.xlsform_export import xlsform_export
from units.access import SYSTEM
from units.spreadsheets import ImportFailed

pytestmark = pytest.mark.django_db
SHARED_FORMS = sorted(Path("/work/shared/data/xlsform").glob("*.xlsx"))
VI, EN = "label::Tiếng Việt (vi)", "label::English (en)"


def workbook_bytes(survey, choices=None, settings=None, survey_title="survey") -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = survey_title
    for row in survey:
        sheet.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows is not None:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "thu_nghiem.xlsx"
    return data


def multilingual_form() -> io.BytesIO:
    header = ["type", "name", VI, EN, "hint::Tiếng Việt (vi)", "required", "relevant", "constraint", "constraint_message::Tiếng Việt (vi)", "appearance", "calculation"]
    survey = [
        header,
        ["text", "ho_ten", "Họ và tên", "Full name", "", "", "", "", "", "", ""],
        ["begin group", "phuc_vu", "Chất lượng phục vụ", "Service", "", "", "", "", "", "", ""],
        ["select_one hl5", "thai_do", "Thái độ của công chức", "Staff attitude", "Chọn một mức", "yes", "", "", "", "likert", ""],
        ["select_one so5", "co_so", "Cơ sở vật chất", "Premises", "", "", "", "", "", "", ""],
        ["select_one so4", "mong", "Mong muốn cải tiến", "Wish", "", "", "", "", "", "", ""],
        ["select_one cokhong", "tre_hen", "Có bị trễ hẹn không?", "Late?", "", "yes", "", "", "", "", ""],
        ["integer", "so_lan", "Số lần đi lại", "Trips", "", "", "${tre_hen} = 'yes'", ". >= 1 and . <= 20", "Từ 1 đến 20", "", ""],
        ["decimal", "chi_phi", "Chi phí (triệu đồng)", "Cost", "", "", "", "", "", "", ""],
        ["select_multiple ly_do", "ly_do", "Lý do chưa hài lòng", "Reasons", "", "", "${thai_do} <= 2", "", "", "", ""],
        ["end group", "", "", "", "", "", "", "", "", "", ""],
        ["date", "ngay", "Ngày nhận kết quả", "Date", "", "", "", "", "", "", ""],
        ["note", "cam_on", "Xin cảm ơn!", "Thank you!", "", "", "", "", "", "", ""],
        ["geopoint", "vi_tri", "Vị trí", "Location", "", "", "", "", "", "", ""],
        ["calculate", "tong", "", "", "", "", "", "", "", "", "1 + 1"],
        ["start", "start", "", "", "", "", "", "", "", "", ""],
        ["begin repeat", "thanh_vien", "Thành viên", "Members", "", "", "", "", "", "", ""],
        ["text", "ten_tv", "Tên", "Name", "", "", "", "", "", "", ""],
        ["end repeat", "", "", "", "", "", "", "", "", "", ""],
    ]
    choices = [["list_name", "name", VI, EN]]
    choices += [["hl5", name, label, ""] for name, label in [("rkhl", "Rất không hài lòng"), ("khl", "Không hài lòng"), ("bt", "Bình thường"), ("hl", "Hài lòng"), ("rhl", "Rất hài lòng")]]
    choices += [["so5", str(n), f"Mức {n}", f"Level {n}"] for n in range(1, 6)]
    choices += [["so4", str(n), f"Mức {n}", f"Level {n}"] for n in range(1, 5)]
    choices += [["cokhong", "yes", "Có", "Yes"], ["cokhong", "no", "Không", "No"]]
    choices += [["ly_do", "cham", "Chậm", "Slow"], ["ly_do", "phien_ha", "Phiền hà", "Red tape"]]
    settings = [["form_id", "version", "form_title"], ["PHIEU_MOT_CUA", "2024.1", "Phiếu một cửa thử nghiệm"]]
    return workbook_bytes(survey, choices, settings)


@pytest.mark.parametrize("path", SHARED_FORMS, ids=lambda p: p.name)
def test_real_forms_written_by_others_import_without_error(path):
    result = xlsform_import(str(path), actor=SYSTEM)
    assert result.questionnaire.questions.exists()


def test_shared_forms_keep_their_groups_lists_and_or_other():
    father = xlsform_import("/work/shared/data/xlsform/group.xlsx", actor=SYSTEM).questionnaire
    assert list(father.sections.values_list("code", flat=True)) == ["chung", "father"]
    assert father.questions.get(code="age").type == QuestionType.NUMBER
    yes_no = xlsform_import("/work/shared/data/xlsform/yes_or_no_question.xlsx", actor=SYSTEM).questionnaire
    assert yes_no.questions.get(code="good_day").type == QuestionType.YES_NO
    other = xlsform_import("/work/shared/data/xlsform/specify_other.xlsx", actor=SYSTEM).questionnaire
    sex = other.questions.get(code="sex")
    assert [(c["value"], c["name"]) for c in sex.choices] == [(1, "male"), (2, "female"), (3, "other")]
    assert other.questions.get(code="sex_other").relevant == "selected(${sex}, 'other')"


def test_a_multilingual_form_with_likert_questions_becomes_scaled_questions_in_vietnamese():
    result = xlsform_import(multilingual_form(), actor=SYSTEM)
    q = result.questionnaire
    assert (q.code, q.version, q.title) == ("PHIEU_MOT_CUA", 2024, "Phiếu một cửa thử nghiệm")  # form_id as written
    assert list(q.sections.values_list("code", flat=True)) == ["chung", "phuc_vu", "chung_2"]
    questions = {question.code: question for question in q.questions.all()}
    attitude = questions["thai_do"]
    assert (attitude.type, attitude.text, attitude.text_en, attitude.hint, attitude.required) == (
        QuestionType.LIKERT5, "Thái độ của công chức", "Staff attitude", "Chọn một mức", True
    )
    assert [c["value"] for c in attitude.choices] == [1, 2, 3, 4, 5] and attitude.choices[0]["name"] == "rkhl"
    assert attitude.satisfied_levels == [4, 5] and attitude.role == "other" and attitude.appearance == ""  # no hl_role: not counted
    assert (questions["co_so"].type, questions["co_so"].satisfied_levels) == (QuestionType.SINGLE, [])  # codes 1–5 alone make no scale
    assert (questions["mong"].type, questions["mong"].satisfied_levels) == (QuestionType.SINGLE, [])
    assert questions["tre_hen"].type == QuestionType.YES_NO
    trips = questions["so_lan"]
    assert (trips.type, trips.relevant, trips.constraint, trips.constraint_message) == (
        QuestionType.NUMBER, "${tre_hen} = 'yes'", ". >= 1 and . <= 20", "Từ 1 đến 20"
    )
    assert questions["chi_phi"].type == QuestionType.NUMBER
    assert questions["ly_do"].type == QuestionType.MULTI and questions["ly_do"].choices[1]["label_en"] == "Red tape"
    assert (questions["ngay"].type, questions["cam_on"].type) == (QuestionType.DATE, QuestionType.NOTE)
    assert not {"vi_tri", "thanh_vien", "ten_tv"} & set(questions)
    assert (questions["tong"].type, questions["tong"].calculation) == (QuestionType.CALCULATE, "1 + 1")  # computed, not asked
    assert (questions["start"].type, questions["start"].calculation) == (QuestionType.META, "start")
    notes = " ".join(result.warnings)
    for skipped in ("vi_tri", "thanh_vien"):
        assert f"«{skipped}»" in notes
    assert "«tong»" not in notes and "«start»" not in notes


def test_a_calculation_we_cannot_evaluate_is_skipped_with_a_note_naming_its_row():
    survey = [[*HEADER, "calculation"], ["calculate", "c", "", "", "pulldata('f', 'x', 'y', 'z')"], ["integer", "a", "A", "", ""]]
    result = xlsform_import(workbook_bytes(survey, None), actor=SYSTEM)
    assert list(result.questionnaire.questions.values_list("code", flat=True)) == ["a"]
    assert any("Dòng 2" in note and "«c»" in note and "pulldata" in note for note in result.warnings), result.warnings


def test_importing_the_same_form_again_makes_the_next_version():
    xlsform_import(multilingual_form(), actor=SYSTEM)
    second = xlsform_import(multilingual_form(), actor=SYSTEM)
    assert second.questionnaire.version == 2025
    assert "đã có" in second.warnings[-1]


def test_the_code_argument_wins_over_form_id():
    assert xlsform_import(multilingual_form(), code="mot-cua", actor=SYSTEM).questionnaire.code == "mot-cua"


def failure_of(source) -> list:
    with pytest.raises(ImportFailed) as caught:
        xlsform_import(source, actor=SYSTEM)
    assert not Questionnaire.objects.exists()
    return caught.value.errors


HEADER = ["type", "name", "label", "relevant"]


@pytest.mark.parametrize(
    ("survey", "choices", "where", "words"),
    [
        ([HEADER, ["integr", "a", "A", ""]], None, ("survey", 2, "type"), "không tồn tại"),
        ([HEADER, ["integer", "a", "A", ""], ["text", "b", "B", "${khong_co} = 1"]], None, ("survey", 3, "relevant"), "«khong_co»"),
        ([HEADER, ["integer", "a", "A", ""], ["text", "a", "B", ""]], None, ("survey", 3, "name"), "bị trùng"),
        ([HEADER, ["select_one yn", "a", "A", ""]], [["list_name", "name", "label"]], ("survey", 2, "type"), "«yn»"),
        ([HEADER, ["select_one yn", "a", "A", ""]], None, ("survey", 2, "type"), "không có lựa chọn"),
        ([HEADER, ["integer", "a", "A", ". >> 2"]], None, ("survey", 2, "relevant"), "biểu thức"),
        ([HEADER, ["begin group", "g", "G", ""], ["integer", "a", "A", ""]], None, ("survey", 2, "type"), "không có dòng kết thúc"),
        ([HEADER, ["geopoint", "c", "C", ""], ["integer", "a", "A", "${c} != ''"]], None, ("survey", 3, "relevant"), "bỏ qua"),
        ([[*HEADER, "calculation"], ["calculate", "c", "", "", "random()"], ["integer", "a", "A", "${c} > 0.5", ""]], None, ("survey", 3, "relevant"), "random"),
        ([HEADER, ["select_one", "a", "A", ""]], None, ("survey", 2, "type"), "thiếu tên danh sách"),
        ([["type", "label"], ["integer", "A"]], None, ("survey", 1, "name"), "Thiếu cột"),
        ([HEADER, ["select_one s", "a", "A", ""]], [["list_name", "name", "label"], ["s", "1", "x"], ["s", "1", "y"]], ("choices", 3, "name"), "bị trùng"),
    ],
    ids=["unknown-type", "unknown-relevant", "duplicate-name", "empty-list", "no-choices-sheet", "bad-expression", "open-group", "refers-to-skipped", "calculation-we-cannot-evaluate", "select-without-list", "no-name-column", "duplicate-choice"],
)
def test_a_malformed_form_is_refused_with_sheet_row_column_and_nothing_is_saved(survey, choices, where, words):
    errors = failure_of(workbook_bytes(survey, choices))
    assert any((e.sheet, e.row, e.column) == where and words in e.message for e in errors), errors


def test_a_workbook_of_one_sheet_is_read_as_its_survey_whatever_its_name_as_pyxform_reads_it():
    result = xlsform_import(workbook_bytes([HEADER, ["integer", "a", "A", ""]], survey_title="cau_hoi"), actor=SYSTEM)
    assert list(result.questionnaire.questions.values_list("code", flat=True)) == ["a"]


def test_a_workbook_of_several_sheets_without_a_survey_sheet_is_refused_with_pyxforms_reason():
    errors = failure_of(workbook_bytes([HEADER, ["integer", "a", "A", ""]], choices=[["list_name", "name", "label"]], survey_title="cau_hoi"))
    assert errors[0].sheet == "survey" and "Thiếu trang tính «survey»" in errors[0].message
    assert any("pyxform báo: You must have a sheet named 'survey'" in error.message for error in errors)


@pytest.mark.parametrize(
    ("content", "words"), [(b"", "Tệp rỗng"), (b"type,name\ninteger,a\n", "không phải là tệp Excel"), (None, "không phải là tệp Excel"), (b"PK\x03\x04" + b"x" * 100, "không phải là tệp Excel")]
)
def test_a_file_that_is_not_an_xlsx_workbook_is_refused(content, words):
    if content is None:  # a zip archive that is not a workbook
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("ghi_chu.txt", "không phải bảng tính")
        content = archive.getvalue()
    errors = failure_of(io.BytesIO(content))
    assert words in errors[0].message


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_export_then_import_gives_the_same_sections_questions_choices_and_expressions(name):
    original, _created = questionnaire_load_template(name=name, actor=SYSTEM)
    again = xlsform_import(io.BytesIO(xlsform_export(original)), code="ban-sao", actor=SYSTEM).questionnaire
    section_fields = ["code", "title", "title_en", "relevant", "order", "part"]
    assert list(again.sections.values_list(*section_fields)) == list(original.sections.values_list(*section_fields))
    question_fields = [
        "section__code", "code", "text", "text_en", "hint", "type", "required", "choices", "choice_list", "satisfied_levels",
        "missing_codes", "relevant", "constraint", "constraint_message", "min_value", "max_value", "role", "appearance", "order",
    ]
    assert list(again.questions.values_list(*question_fields)) == list(original.questions.values_list(*question_fields))
    assert (again.title, again.version, again.parts) == (original.title, original.version, original.parts)


def test_an_imported_form_exports_and_imports_again_unchanged():
    first = xlsform_import(multilingual_form(), actor=SYSTEM).questionnaire
    second = xlsform_import(io.BytesIO(xlsform_export(first)), code="lan-hai", actor=SYSTEM).questionnaire
    fields = ["code", "type", "text", "text_en", "choices", "satisfied_levels", "relevant", "constraint", "role"]
    assert list(second.questions.values_list(*fields)) == list(first.questions.values_list(*fields))
    assert second.questions.get(code="so_lan").type == QuestionType.NUMBER


def test_the_commands_import_and_export_a_form(tmp_path):
    out = io.StringIO()
    call_command("import_xlsform", "/work/shared/data/xlsform/group.xlsx", "--code", "gia-dinh", stdout=out)
    assert "gia-dinh" in out.getvalue()
    target = tmp_path / "phieu.xlsx"
    call_command("export_xlsform", "gia-dinh", "--out", str(target), stdout=out)
    assert openpyxl.load_workbook(target).sheetnames == ["survey", "choices", "settings"]
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"khong phai excel")
    with pytest.raises(CommandError, match="không phải là tệp Excel"):
        call_command("import_xlsform", str(bad))


def test_number_bounds_survive_the_round_trip():
    original, _created = questionnaire_load_template(name="moh-inpatient", actor=SYSTEM)
    again = xlsform_import(io.BytesIO(xlsform_export(original)), code="noi-tru", actor=SYSTEM).questionnaire
    g1 = again.questions.get(code="G1")
    assert (g1.min_value, g1.max_value) == (Decimal(0), Decimal(200))  # a patient may answer more than 100%


def test_over_long_codes_titles_and_list_names_are_refused_not_cut():
    survey = [["type", "name", VI], ["select_one " + "l" * 61, "q1", "Câu 1"]]
    choices = [["list_name", "name", VI], ["l" * 61, "1", "Một"]]
    settings = [["form_id", "form_title"], ["F" * 61, "T" * 256]]
    errors = failure_of(workbook_bytes(survey, choices, settings))
    where = {(error.sheet, error.column): error.message for error in errors}
    assert where[("settings", "form_id")] == "Quá dài: tối đa 60 ký tự." and where[("settings", "form_title")] == "Quá dài: tối đa 255 ký tự."
    assert where[("survey", "choice_list")] == "Quá dài: tối đa 60 ký tự."


def test_a_formula_without_a_stored_value_in_an_xlsform_is_refused_with_its_cell_named():
    errors = failure_of(workbook_bytes([["type", "name", VI], ["text", "q1", "=HYPERLINK(\"http://x\")"]]))
    assert (errors[0].sheet, errors[0].row, errors[0].column) == ("survey", 2, VI.lower())
    assert "Ô C2 chứa công thức" in errors[0].message
