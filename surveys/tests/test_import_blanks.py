"""Paper and call-centre forms keep their blanks: a blank cell is an unanswered item, even on a required question."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from reports.selectors import index_values, working_snapshot
from surveys.models import Answer, Response
from surveys.tests.test_import_responses import HEADER, grant_survey_permissions, write
from units.tests.xlsx import xlsx_bytes


def paper_form(unit: str = "A1", *, s1_q1=5, s1_q2=4, s2_q3=4, used_before="yes", comment="Tốt") -> list:
    """One paper form as a row of HEADER; every Likert question here is marked required."""
    return [unit, "paper", None, used_before, None, s1_q1, s1_q2, 4, 4, 4, s2_q3, 15, comment]


def test_blank_cells_on_required_questions_are_imported_as_unanswered_items(setup, tmp_path, capsys):
    rows = [paper_form(s1_q1=5), paper_form(s1_q1=None, s2_q3=None), paper_form(s1_q1=2), paper_form(s1_q1=None)]
    call_command("import_responses", "sipas-2026", write(tmp_path, rows))
    assert Response.objects.filter(source="import").count() == 4
    second = Response.objects.order_by("pk")[1]
    answered = set(Answer.objects.filter(response=second).values_list("question__code", flat=True))
    assert "S1_Q1" not in answered and "S2_Q3" not in answered and "S1_Q2" in answered
    assert second.index_valid == 4  # six index questions, two left blank: out of the denominator
    assert not Answer.objects.filter(question__code="S1_Q1", value__isnull=True).exists()


def test_blanks_are_out_of_the_numerator_and_the_denominator_of_the_index(setup, tree, tmp_path):
    rows = [paper_form(s1_q1=5), paper_form(s1_q1=None), paper_form(s1_q1=2), paper_form(s1_q1=None)]
    call_command("import_responses", "sipas-2026", write(tmp_path, rows))
    call_command("recompute", "sipas-2026", stdout=io.StringIO())
    criterion = index_values(working_snapshot(setup.campaign), tree["A1"], "criterion").get(key="S1_Q1")
    assert (criterion.value, criterion.n) == (Decimal("50.00"), 2)  # 1 satisfied of 2 answers, not of 4 forms
    assert index_values(working_snapshot(setup.campaign), tree["A1"], "responses").get(key="").value == 4


def test_the_summary_lists_the_blanks_of_each_question(setup, tmp_path, capsys):
    rows = [paper_form(s1_q1=None, s2_q3=None), paper_form(s1_q1=None), paper_form(), paper_form(used_before="no")]
    call_command("import_responses", "sipas-2026", write(tmp_path, rows))
    out = capsys.readouterr().out
    assert "Đã nhập 4 phiếu" in out
    assert "S1_Q1: 2" in out and "S2_Q3: 1" in out and "why_not: 1" in out
    assert "S1_Q2:" not in out  # answered on every form
    assert "used_before:" not in out


def test_a_file_without_blanks_says_so(setup, tmp_path, capsys):
    call_command("import_responses", "sipas-2026", write(tmp_path, [paper_form(), paper_form("A2")]))
    out = capsys.readouterr().out
    assert "Đã nhập 2 phiếu" in out and "Không có ô trống" in out


def test_a_question_hidden_by_its_skip_rule_is_not_a_blank(setup, tmp_path, capsys):
    call_command("import_responses", "sipas-2026", write(tmp_path, [paper_form(used_before="yes"), paper_form(used_before=None)]))
    assert "why_not" not in capsys.readouterr().out  # shown only after "no"; left blank, used_before hides it


@pytest.mark.parametrize(
    ("column", "value", "where", "message"),
    [
        (5, 7, "cột «S1_Q1»", "Mức «7» không hợp lệ"),
        (0, "ZZZ", "cột «unit_code»", "không thuộc đợt"),
        (1, "fax", "cột «channel»", "không hợp lệ"),
        (2, "31/02/2026", "cột «submitted_at»", "Ngày gửi không hợp lệ"),
        (2, (timezone.localdate() - dt.timedelta(days=60)).strftime("%d/%m/%Y"), "cột «channel»", "không mở"),  # before the window opens (a later day is refused as a date)
    ],
    ids=["unknown level", "unknown unit", "unknown channel", "malformed date", "closed window"],
)
def test_values_that_cannot_be_right_still_refuse_the_whole_file_beside_blanks(setup, tmp_path, capsys, column, value, where, message):
    rows = [paper_form(s1_q1=None), paper_form(s2_q3=None), paper_form()]
    rows[2][column] = value
    with pytest.raises(CommandError, match="không lưu phiếu nào"):
        call_command("import_responses", "sipas-2026", write(tmp_path, rows))
    err = capsys.readouterr().err
    assert f"dòng 4, {where}" in err and message in err
    assert Response.objects.count() == 0


def test_the_admin_upload_keeps_the_blanks_and_lists_them(client, alice, setup):
    grant_survey_permissions(alice)
    client.force_login(alice)
    rows = [paper_form(s1_q1=None), paper_form(s1_q1=None, s2_q3=None), paper_form()]
    upload = SimpleUploadedFile("phieu.xlsx", xlsx_bytes([HEADER, *rows]))
    page = client.post("/admin/surveys/response/import/", {"campaign": setup.campaign.pk, "file": upload}, follow=True)
    text = page.content.decode()
    assert page.status_code == 200 and "Đã nhập 3 phiếu" in text
    assert "S1_Q1: 2" in text and "S2_Q3: 1" in text
    assert Response.objects.count() == 3
    assert Answer.objects.filter(question__code="S1_Q1").count() == 1
