"""`import_responses CAMPAIGN FILE.xlsx` and the admin upload: all rows valid or nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaigns.models import Campaign
from surveys.models import Answer, Response
from units.models import AuditEntry, ImportJob, ImportStatus
from units.tests.xlsx import xlsx_bytes

HEADER = ["unit_code", "channel", "submitted_at", "used_before", "why_not", "S1_Q1", "S1_Q2", "S1_Q3", "S2_Q1", "S2_Q2", "S2_Q3", "wait_minutes", "comment"]


def grant_survey_permissions(user) -> None:
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="surveys"))


def good_rows(n: int) -> list[list]:
    today = timezone.localdate()
    rows = []
    for i in range(n):
        when = today.strftime("%d/%m/%Y") if i % 3 == 0 else (dt.datetime.combine(today, dt.time(9, 30)) if i % 3 == 1 else None)
        used = "no" if i % 5 == 0 else "yes"
        rows.append(
            ["A1" if i % 2 else "A2", "paper", when, used, "chưa cần" if used == "no" else None,
             4, 5, "3", 4.0, 9 if i % 7 == 0 else 5, 2, 15 if i % 4 else None, "Tốt" if i % 10 == 0 else None]
        )
    return rows


def write(tmp_path, rows: list[list], header: list[str] = HEADER) -> str:
    path = tmp_path / "phieu.xlsx"
    path.write_bytes(xlsx_bytes([header, *rows]))
    return str(path)


def test_a_65_row_file_gives_65_responses(setup, tmp_path, capsys):
    call_command("import_responses", "sipas-2026", write(tmp_path, good_rows(65)))
    assert "Đã nhập 65 phiếu" in capsys.readouterr().out
    assert Response.objects.filter(source="import", channel="paper", status="submitted").count() == 65
    first = Response.objects.filter(unit__code="A2").order_by("pk").first()
    answers = dict(Answer.objects.filter(response=first).values_list("question__code", "value"))
    assert answers["S1_Q3"] == 3 and answers["S2_Q1"] == 4 and answers["S2_Q2"] == 9 and answers["used_before"] == 2
    assert Answer.objects.get(response=first, question__code="why_not").text == "chưa cần"
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is not None
    assert AuditEntry.objects.filter(action="response.import").count() == 1


def test_one_bad_row_saves_nothing_and_names_the_row(setup, tmp_path, capsys):
    rows = good_rows(65)
    rows[40][6] = 7  # S1_Q2 out of range, on spreadsheet row 42
    with pytest.raises(CommandError, match="không lưu phiếu nào"):
        call_command("import_responses", "sipas-2026", write(tmp_path, rows))
    err = capsys.readouterr().err
    assert "dòng 42" in err and "cột «s1_q2»" in err.lower() and "Mức «7» không hợp lệ" in err
    assert Response.objects.count() == 0 and Answer.objects.count() == 0


def test_every_kind_of_bad_cell_is_reported(setup, tree, tmp_path, capsys):
    rows = good_rows(6)
    rows[0][0] = "B1"  # outside the campaign
    rows[1][1] = "fax"
    rows[2][2] = "31/02/2026"
    rows[3][5] = 0  # a level off the scale
    rows[4][11] = 500  # breaks the question's constraint (at most 480 minutes)
    with pytest.raises(CommandError):
        call_command("import_responses", "sipas-2026", write(tmp_path, rows))
    err = capsys.readouterr().err
    for expected in ("dòng 2, cột «unit_code»", "dòng 3, cột «channel»", "dòng 4, cột «submitted_at»", "dòng 5, cột «S1_Q1»", "dòng 6, cột «wait_minutes»"):
        assert expected in err
    assert Response.objects.count() == 0


def test_unknown_question_columns_missing_columns_and_closed_campaigns_are_refused(setup, tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("import_responses", "sipas-2026", write(tmp_path, [["A1", "paper", None, 4]], ["unit_code", "channel", "submitted_at", "Q99"]))
    assert "không có câu hỏi mã «q99»" in capsys.readouterr().err.lower()
    with pytest.raises(CommandError):
        call_command("import_responses", "sipas-2026", write(tmp_path, [["A1"]], ["unit_code"]))
    assert "Thiếu cột bắt buộc «channel»" in capsys.readouterr().err
    Campaign.objects.filter(pk=setup.campaign.pk).update(status="closed")
    with pytest.raises(CommandError):
        call_command("import_responses", "sipas-2026", write(tmp_path, good_rows(2)))
    assert "không còn nhận phiếu" in capsys.readouterr().err
    with pytest.raises(CommandError, match="Không tìm thấy đợt"):
        call_command("import_responses", "khong-co", write(tmp_path, good_rows(2)))
    assert Response.objects.count() == 0


def test_the_same_file_imported_twice_is_refused_the_second_time(setup, tmp_path, capsys):
    path = write(tmp_path, good_rows(3))
    call_command("import_responses", "sipas-2026", path)
    with pytest.raises(CommandError):
        call_command("import_responses", "sipas-2026", path)
    assert "đã được nhập từ cùng tệp" in capsys.readouterr().err
    assert Response.objects.count() == 3


def test_a_non_excel_file_is_refused(setup, tmp_path, capsys):
    path = tmp_path / "phieu.xlsx"
    path.write_text("unit_code,channel\nA1,paper\n")
    with pytest.raises(CommandError):
        call_command("import_responses", "sipas-2026", str(path))
    assert "không phải là tệp Excel" in capsys.readouterr().err


def test_the_admin_upload_imports_or_lists_the_errors(client, alice, setup):
    grant_survey_permissions(alice)
    client.force_login(alice)
    url = "/admin/surveys/response/import/"
    assert client.get(url).status_code == 200
    rows = good_rows(5)
    rows[2][0] = "ZZZ"
    bad = client.post(url, {"campaign": setup.campaign.pk, "file": SimpleUploadedFile("p.xlsx", xlsx_bytes([HEADER, *rows]))})
    assert bad.status_code == 200 and "dòng 4" in bad.content.decode() and Response.objects.count() == 0
    good = client.post(url, {"campaign": setup.campaign.pk, "file": SimpleUploadedFile("p.xlsx", xlsx_bytes([HEADER, *good_rows(5)]))})
    assert good.status_code == 302 and Response.objects.count() == 5
    listing = client.get("/admin/surveys/response/")
    assert listing.status_code == 200 and "Nhập phiếu từ Excel" in listing.content.decode()


@pytest.mark.parametrize(("persona", "expected"), [("alice", 200), ("charlie", 0)])
def test_the_admin_upload_offers_only_campaigns_in_scope(client, setup, persona, expected, request):
    user = request.getfixturevalue(persona)
    grant_survey_permissions(user)
    client.force_login(user)
    page = client.get("/admin/surveys/response/import/")
    assert page.status_code == 200
    assert (setup.campaign.name in page.content.decode()) == bool(expected)


def test_a_large_admin_upload_is_imported_by_a_job(client, alice, setup, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS, settings.MEDIA_ROOT = 10, tmp_path / "media"
    grant_survey_permissions(alice)
    client.force_login(alice)
    file = SimpleUploadedFile("p.xlsx", xlsx_bytes([HEADER, *good_rows(12)]))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/admin/surveys/response/import/", {"campaign": setup.campaign.pk, "file": file})
    job = ImportJob.objects.get()
    assert answer.status_code == 302 and job.status == ImportStatus.DONE, (job.message, job.errors)
    assert Response.objects.filter(source="import").count() == 12 and job.message.startswith("Đã nhập 12 phiếu. Ô trống")


def test_submission_dates_and_date_answers_outside_their_range_are_refused(setup, tmp_path, capsys):
    rows = good_rows(4)
    rows[0][2] = "01/01/0001"
    rows[1][2] = dt.datetime(9999, 12, 31, 23, 0)
    rows[2][2] = (timezone.localdate() + dt.timedelta(days=400)).strftime("%d/%m/%Y")
    with pytest.raises(CommandError):
        call_command("import_responses", "sipas-2026", write(tmp_path, rows))
    err = capsys.readouterr().err
    for row in (2, 3, 4):
        assert f"dòng {row}, cột «submitted_at»: Ngày gửi không hợp lệ" in err
    assert Response.objects.count() == 0
