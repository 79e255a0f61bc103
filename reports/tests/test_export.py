"""Exports: the job lifecycle, the progress endpoint, downloads, failures and retries, raw data, commands."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from reports import exports
from reports.models import ExportJob, ExportStatus, IndexValue
from reports.raw_export import META_HEADERS, raw_export_write, sheet_rows
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)
from units.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def request_export(client, kind: str, **extra) -> ExportJob:
    response = client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": kind, **extra})
    assert response.status_code == 302, response.status_code
    return ExportJob.objects.latest("pk")


def test_a_report_export_runs_as_a_job_and_downloads_when_done(client, alice, dashboard_data, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = request_export(client, "report")
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == (ExportStatus.DONE, 100, "")
    assert job.expires_at > job.finished_at
    status = client.get(reverse("reports:export_status", args=[job.pk])).json()
    assert status["ready"] and status["progress"] == 100 and status["download_url"].endswith("/tai-ve/")
    page = client.get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert "export_progress.js" in page and "<script>" not in page
    response = client.get(reverse("reports:export_download", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book["Tổng hợp"]["A10"].value == "Chỉ số hài lòng chung" and book["Tổng hợp"]["B10"].value == 0.75


def test_a_failed_export_says_why_and_can_be_retried(client, alice, dashboard_data, django_capture_on_commit_callbacks):
    values = list(IndexValue.objects.filter(snapshot__campaign=dashboard_data.campaign).values())
    IndexValue.objects.filter(snapshot__campaign=dashboard_data.campaign).delete()
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = request_export(client, "report")
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert "chưa có số liệu đã tính" in job.error
    page = client.get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert "chưa có số liệu đã tính" in page and 'id="export-retry" class=" mt-2"' in page
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 409
    IndexValue.objects.bulk_create([IndexValue(**row) for row in values])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("reports:export_retry", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.DONE, "")


def test_an_unexpected_error_ends_as_a_failed_job_with_its_reason(alice, dashboard_data, monkeypatch):
    job = ExportJob.objects.create(requested_by=alice, campaign=dashboard_data.campaign, kind="report")

    def broken(**kwargs):
        raise OSError("đĩa đầy")

    monkeypatch.setattr("reports.workbook.report_workbook_write", broken)
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "OSError: đĩa đầy" in job.error


def test_a_redelivered_job_is_not_run_twice(alice, dashboard_data):
    job = ExportJob.objects.create(requested_by=alice, campaign=dashboard_data.campaign, kind="raw_csv")
    assert exports.export_run(job_id=job.pk).status == ExportStatus.DONE
    assert exports.export_run(job_id=job.pk) is None
    with pytest.raises(exports.ExportError):
        exports.export_retry(job_id=job.pk, user=alice)


def test_an_expired_file_is_removed_and_the_page_says_so(client, alice, dashboard_data):
    from django.utils import timezone

    from reports.tasks import expire_exports

    job = ExportJob.objects.create(requested_by=alice, campaign=dashboard_data.campaign, kind="raw_csv")
    exports.export_run(job_id=job.pk)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    assert expire_exports() == 1
    client.force_login(alice)
    response = client.get(reverse("reports:export_download", args=[job.pk]))
    assert response.status_code == 410 and "hết hạn" in response.content.decode()


def test_someone_elses_export_is_404(client, alice, make_user, tree, dashboard_data):
    job = ExportJob.objects.create(requested_by=alice, campaign=dashboard_data.campaign, kind="raw_csv")
    exports.export_run(job_id=job.pk)
    colleague = make_user("dong-nghiep", Role.OFFICIAL, tree["A"])
    client.force_login(colleague)
    for name in ("export_detail", "export_status", "export_download"):
        assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404, name
    assert client.post(reverse("reports:export_retry", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("kind", ["report", "raw_xlsx", "raw_csv"])
def test_export_permissions(client, bob, charlie, make_user, tree, dashboard_data, kind):
    url = reverse("reports:export_create", args=["ks-2026"])
    client.force_login(charlie)
    assert client.post(url, {"kind": kind}).status_code == 404
    client.force_login(make_user("giamdoc", Role.UNIT_MANAGER, tree["A1"]))
    assert client.post(url, {"kind": kind}).status_code == 403
    client.force_login(bob)
    assert client.post(url, {"kind": kind}).status_code == (302 if kind == "report" else 403)


def test_a_bad_export_request_is_refused_with_a_message(client, alice, dashboard_data):
    client.force_login(alice)
    response = client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": "virus"}, follow=True)
    assert "Yêu cầu xuất không hợp lệ" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_raw_export_has_one_row_per_response_and_one_column_per_question(tmp_path, dashboard_data):
    out = tmp_path / "tho.xlsx"
    assert raw_export_write(campaign=dashboard_data.campaign, out=out) == 60
    sheet = load_workbook(out, read_only=True)["Dữ liệu thô"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("Mã phiếu (UUID)", "Mã đơn vị", "Đơn vị", "Kênh", "Phiếu", "Trạng thái", "Điều tra viên (tên đăng nhập)")
    assert rows[0][len(META_HEADERS) :] == ("TC1", "TC2", "TT1", "TT2")
    assert len(rows) == 61
    assert rows[1][1:4] == ("A1", "Xã A1", "Tại bộ phận một cửa")
    assert rows[1][len(META_HEADERS) :] == ("Rất hài lòng",) * 4  # labels by default


def test_the_raw_csv_export_writes_codes_when_asked(tmp_path, dashboard_data):
    out = tmp_path / "tho.csv"
    raw_export_write(campaign=dashboard_data.campaign, out=out, fmt="csv", codes=True)
    text = out.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Vietnamese text right
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert len(rows) == 61 and rows[1][len(META_HEADERS) :] == ["5", "5", "5", "5"]


def test_rows_beyond_the_sheet_limit_continue_on_a_new_sheet(tmp_path, dashboard_data):
    from reports import raw_export

    out = tmp_path / "tach.xlsx"
    rows = raw_export.raw_rows(campaign=dashboard_data.campaign)
    assert raw_export.write_xlsx_xlsxwriter(rows, out, max_rows=25) == 60
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Dữ liệu thô", "Dữ liệu thô (2)", "Dữ liệu thô (3)"]
    sizes = [len(list(book[name].iter_rows(values_only=True))) for name in book.sheetnames]
    assert sizes == [25, 25, 13]  # header + 24, header + 24, header + 12
    assert [s for s, _ in sheet_rows(iter([["h"]]), 2)] == [0]


def test_the_commands_write_the_report_and_the_raw_data(tmp_path, dashboard_data):
    call_command("export_report", "ks-2026", "--out", str(tmp_path / "bc.xlsx"))
    assert load_workbook(tmp_path / "bc.xlsx").sheetnames == ["Tổng hợp", "Tiêu chí", "Xếp hạng", "Phân nhóm"]
    out = io.StringIO()
    call_command("export_raw", "ks-2026", "--out", str(tmp_path / "tho.csv"), stdout=out)
    assert "60 phiếu" in out.getvalue()
    audited = dict(AuditEntry.objects.filter(object_id=str(dashboard_data.campaign.pk)).values_list("action", "changes"))
    assert audited["export.raw_csv"]["rows"] == 60 and audited["export.report"]["include_raw"] is False
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không tìm thấy đợt"):
        call_command("export_report", "khong-co", "--out", str(tmp_path / "x.xlsx"))


def test_an_outsider_gets_404_on_every_export_url(client, alice, charlie, dashboard_data):
    job = ExportJob.objects.create(requested_by=alice, campaign=dashboard_data.campaign, kind="raw_csv")
    exports.export_run(job_id=job.pk)
    client.force_login(charlie)
    assert client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": "report"}).status_code == 404
    for name in ("export_detail", "export_status", "export_download"):
        assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404, name
    assert client.post(reverse("reports:export_retry", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:export_detail", args=[99999])).status_code == 404


def test_a_raw_sheet_too_large_for_the_report_fails_with_advice(alice, dashboard_data, monkeypatch):
    monkeypatch.setattr(exports, "RAW_IN_REPORT_MAX", 10)
    job = ExportJob.objects.create(requested_by=alice, campaign=dashboard_data.campaign, kind="report", filters={"include_raw": True})
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "Đợt có hơn 10 phiếu" in job.error
