"""Large imports run as jobs: over IMPORT_BACKGROUND_ROWS rows the admin's upload becomes an ImportJob that
a worker runs, with a progress page (a static script, no inline one) and the same row-numbered errors."""

from __future__ import annotations

import datetime as dt
import io
import os
import time

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import timezone

from units.import_jobs import _claim, _end, import_run, imports_sweep
from units.models import AuditEntry, ImportJob, ImportStatus, Unit
from units.tests.xlsx import xlsx_bytes

HEADER = ["code", "name", "type", "parent_code"]
URL = "/admin/units/unit/import/"


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.IMPORT_BACKGROUND_ROWS = 5
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(rows: list[list]) -> io.BytesIO:
    file = io.BytesIO(xlsx_bytes([HEADER, *rows]))
    file.name = "don-vi.xlsx"
    return file


def units_rows(count: int, type_code: str = "agency") -> list[list]:
    """New units under province A, where alice (an official of A) may create them."""
    return [[f"U{n}", f"Đơn vị {n}", type_code, "A"] for n in range(count)]


def test_a_large_upload_runs_as_a_job_and_its_page_shows_the_outcome(client, alice, unit_types, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):  # Celery is eager here: the job runs on commit
        answer = client.post(URL, {"file": upload(units_rows(6))})
    job = ImportJob.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("import_job", args=[job.pk])
    assert (job.kind, job.rows, job.status, job.progress, job.file_name) == ("units", 6, ImportStatus.DONE, 100, "don-vi.xlsx")
    assert job.message == "Đã nhập 6 đơn vị." and Unit.objects.filter(code__startswith="U").count() == 6
    assert not job.file  # the upload is not kept once imported
    assert AuditEntry.objects.filter(action="unit.import", actor=alice).exists()
    page = client.get(answer.url).content.decode()
    assert "import_progress.js" in page and "<script>" not in page and "Đã nhập 6 đơn vị." in page
    status = client.get(reverse("import_job_status", args=[job.pk])).json()
    assert status["finished"] and status["status"] == "done" and status["back_url"] == reverse("admin:units_unit_changelist")


def test_a_large_file_with_errors_ends_failed_with_the_first_errors_and_their_count(settings, client, alice, unit_types, django_capture_on_commit_callbacks):
    settings.IMPORT_ERRORS_SHOWN = 3
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"file": upload(units_rows(8, type_code="spaceship"))})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and job.error_count == 8 and len(job.errors) == 4
    assert job.errors[0].startswith("Trang tính «Sheet1», dòng 2, cột «type»: Loại đơn vị «spaceship» không tồn tại")
    assert "… và 5 lỗi khác: tệp có 8 lỗi" in job.errors[-1]
    assert not Unit.objects.filter(code__startswith="U").exists()
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "không có gì được lưu" in page and "dòng 2" in page


def test_a_small_upload_is_imported_at_once(client, alice, unit_types):
    client.force_login(alice)
    answer = client.post(URL, {"file": upload(units_rows(5))})
    assert answer.status_code == 302 and answer.url == reverse("admin:units_unit_changelist")
    assert not ImportJob.objects.exists() and Unit.objects.filter(code__startswith="U").count() == 5


def test_a_refused_upload_makes_no_job(client, alice, unit_types):
    client.force_login(alice)
    bad = io.BytesIO(b"code,name\nA,B\n")
    bad.name = "don-vi.csv"
    page = client.post(URL, {"file": bad})
    assert page.status_code == 200 and "không phải là tệp Excel" in page.content.decode() and not ImportJob.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_the_uploader_sees_a_job(client, alice, unit_types, persona, request):
    job = ImportJob.objects.create(kind="units", requested_by=alice, rows=6)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("import_job_status", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("import_job_status", args=[job.pk])).status_code == 302


def test_a_job_runs_once(client, alice, unit_types, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(URL, {"file": upload(units_rows(6))})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REQUESTED and job.file
    assert import_run(job_id=job.pk).status == ImportStatus.DONE
    assert import_run(job_id=job.pk) is None  # a redelivered task finds it done


@pytest.fixture
def media_shared_with_the_worker(monkeypatch, settings, tmp_path):
    """The worker process (started after this) stores and reads files in the same folder as the test."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_job_while_the_page_polls(client, alice, unit_types, media_shared_with_the_worker, celery_worker_process):
    client.force_login(alice)
    answer = client.post(URL, {"file": upload(units_rows(40))})
    status_url = reverse("import_job_status", args=[ImportJob.objects.get().pk])
    deadline = time.monotonic() + 60
    while not (status := client.get(status_url).json())["finished"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert answer.status_code == 302 and status["status"] == "done", status
    assert Unit.objects.filter(code__startswith="U").count() == 40


# ------------------------------------------------------------------------------------------ jobs that always end


def uploaded_job(client, alice, captured) -> ImportJob:  # type: ignore[no-untyped-def]
    """A job of 6 units, stored and not yet taken by any worker."""
    client.force_login(alice)
    with captured(execute=False):
        client.post(URL, {"file": upload(units_rows(6))})
    return ImportJob.objects.get()


def lapse(job: ImportJob, *, attempts: int) -> None:
    """What a worker killed in the middle leaves: the job running, its lease not renewed for two minutes."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, attempts=attempts, heartbeat_at=timezone.now() - dt.timedelta(minutes=2)
    )


def test_a_job_whose_worker_died_is_run_again_by_the_sweep(client, alice, unit_types, django_capture_on_commit_callbacks):
    job = uploaded_job(client, alice, django_capture_on_commit_callbacks)
    lapse(job, attempts=1)
    page = client.get(reverse("import_job_status", args=[job.pk])).json()
    assert not page["finished"] and "chạy lại tự động" in page["label"]
    with django_capture_on_commit_callbacks(execute=True):  # Celery is eager: the job runs again at once
        assert imports_sweep() == {"requeued": 1, "failed": 0, "resent": 0}
    job.refresh_from_db()
    assert (job.status, job.attempts, job.message) == (ImportStatus.DONE, 2, "Đã nhập 6 đơn vị.") and not job.file
    assert Unit.objects.filter(code__startswith="U").count() == 6


def test_a_job_that_lost_every_worker_it_was_given_ends_failed_and_its_file_is_deleted(settings, client, alice, unit_types, django_capture_on_commit_callbacks):
    settings.IMPORT_MAX_ATTEMPTS = 2
    job = uploaded_job(client, alice, django_capture_on_commit_callbacks)
    stored = job.file.path
    lapse(job, attempts=2)
    assert imports_sweep() == {"requeued": 0, "failed": 1, "resent": 0}
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "dừng đột ngột" in job.message and "đã thử 2 lần" in job.message
    assert not job.file and not os.path.exists(stored) and not Unit.objects.filter(code__startswith="U").exists()
    assert imports_sweep() == {"requeued": 0, "failed": 0, "resent": 0}  # ended for good


def test_a_job_the_broker_lost_or_never_took_is_sent_again(client, alice, unit_types, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("Redis")

    monkeypatch.setattr(current_app.tasks["units.tasks.import_run_task"], "apply_async", broker_down)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"file": upload(units_rows(6))})
    job = ImportJob.objects.get()
    assert (job.status, job.sent_at) == (ImportStatus.REQUESTED, None) and job.file  # waits; nothing lost
    assert imports_sweep()["resent"] == 0  # not yet: it may still be on its way
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert "tự gửi lại" in client.get(reverse("import_job_status", args=[job.pk])).json()["label"]
    monkeypatch.undo()
    assert imports_sweep()["resent"] == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_a_worker_that_lost_its_job_changes_nothing_when_it_ends_late(client, alice, unit_types, django_capture_on_commit_callbacks):
    job = uploaded_job(client, alice, django_capture_on_commit_callbacks)
    late = _claim(job.pk)  # attempt 1 takes the job, then stops renewing its lease
    lapse(job, attempts=1)
    imports_sweep()  # on commit (not run here) the job goes to another worker
    again = _claim(job.pk)
    assert (late.attempts, again.attempts) == (1, 2)
    _end(late, ImportStatus.FAILED, message="muộn")
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportStatus.RUNNING, "") and job.file.storage.exists(job.file.name)
    assert import_run(job_id=job.pk) is None  # a duplicate message finds it taken
