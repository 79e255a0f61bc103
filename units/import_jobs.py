"""Imports too large for a web request run as jobs: a row with a status and progress (ImportJob), a
Celery worker that runs the import (units.tasks.import_run_task), and a page that polls the row.

Each app registers what its imports do (`import_kind_register`, from its AppConfig.ready), so that this
module, at the bottom of the layers, runs imports of units, frames and responses without importing them.
The admin's upload pages call `import_in_background`: a file of more than IMPORT_BACKGROUND_ROWS rows
(counted in its XML, after the package checks) becomes a job; a smaller one is imported in the request.
The kind's access check (units.access) runs before the file is stored, and the import itself asks again
on the worker as the uploader: rights withdrawn meanwhile end the job with that reason, nothing saved.
A job ends `done` with a summary, or `failed` with the same row-numbered errors as the page would show
(the first IMPORT_ERRORS_SHOWN, and how many in all). The file is deleted when the job ends.

Every job ends, as exports do (units/jobs.py): the running worker renews a lease, and `imports_sweep`
(beat, every minute) sends again a job whose worker died (an import saves in one transaction, so a dead
worker saved nothing) or fails it after IMPORT_MAX_ATTEMPTS, and sends again a requested job whose message
the broker lost or could not take.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from units.jobs import JobQueue, lease_kept, statement_timeout
from units.models import ImportJob, ImportStatus
from units.spreadsheets import ImportFailed, upload_bytes, upload_data_rows

logger = logging.getLogger(__name__)

TASK = "units.tasks.import_run_task"
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportKind:
    """What one kind of import does in a job."""

    label: str  # shown on the job's page, e.g. "Nhập đơn vị"
    run: Callable[[ImportJob, IO[bytes], Progress], str]  # imports the file; returns the summary; raises ImportFailed
    back_url: Callable[[ImportJob], str]  # where the user goes on from the job's page
    # Asks units.access whether the actor may run this import with these params (Http404/PermissionDenied);
    # the import asks again on the worker.
    check: Callable[[User | AnonymousUser, dict[str, Any]], None] | None = None


IMPORT_KINDS: dict[str, ImportKind] = {}


def import_kind_register(code: str, kind: ImportKind) -> None:
    IMPORT_KINDS[code] = kind


def import_in_background(*, actor: User, kind: str, upload: IO[bytes], params: dict[str, Any] | None = None) -> ImportJob | None:
    """A job for an upload of more than IMPORT_BACKGROUND_ROWS rows, enqueued once the caller's
    transaction commits; None for a smaller one (the upload is rewound, for the caller to import now).

    Raises Http404/PermissionDenied when `actor` may not run this import (the kind's check), ImportFailed
    when the upload is refused (type, size, unpacked size, rows).
    """
    check = IMPORT_KINDS[kind].check
    if check is not None:
        check(actor, params or {})
    data = upload_bytes(upload)
    rows = upload_data_rows(data)
    upload.seek(0)
    if rows <= getattr(settings, "IMPORT_BACKGROUND_ROWS", 2_000):
        return None
    job = ImportJob(kind=kind, requested_by=actor, params=params or {}, rows=rows, file_name=str(getattr(upload, "name", ""))[:255])
    job.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(data), save=False)
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


IMPORTS = JobQueue(ImportJob, TASK, "Lượt nhập")


def _enqueue(job_id: int) -> bool:
    """Hand the job to the broker; a broker that is down leaves it requested, for `imports_sweep`."""
    return IMPORTS.send(job_id)


def _claim(job_id: int) -> ImportJob | None:
    """Move a requested job to running, one more attempt (which fences this run's writes); None when
    another worker has it or it is finished."""
    return IMPORTS.claim(job_id, related=("requested_by",))


def _finish(job_id: int, status: str, *, attempt: int | None = None, **fields: Any) -> bool:
    """End a job; with `attempt`, only while that attempt still holds it. True when this call ended it."""
    jobs = ImportJob.objects.filter(pk=job_id).exclude(status=ImportStatus.DONE)
    if attempt is not None:
        jobs = jobs.filter(status=ImportStatus.RUNNING, attempts=attempt)
    return bool(jobs.update(status=status, finished_at=timezone.now(), **fields))


def _end(job: ImportJob, status: str, **fields: Any) -> None:
    """End the job and delete its file (it may hold personal data); nothing when it is no longer this
    attempt's (its lease lapsed and another attempt reads the file)."""
    if _finish(job.pk, status, attempt=job.attempts, file="", **fields):
        job.file.delete(save=False)


def import_run(*, job_id: int, lease: bool = False, time_limit: float | None = None) -> ImportJob | None:
    """Claim and run one job. Safe to call twice: a job not in `requested` is left alone.

    `lease`: renew the job's lease from a thread while it runs (a worker; units/jobs.py), so that
    `imports_sweep` sees a worker that died; `time_limit`: bound each SQL statement (seconds).
    """
    job = _claim(job_id)
    if job is None:
        return None
    attempt = job.attempts

    def progress(percent: int) -> None:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, attempts=attempt).update(progress=max(0, min(99, int(percent))))

    with lease_kept(ImportJob, enabled=lease, pk=job.pk, status=ImportStatus.RUNNING, attempts=attempt):
        try:
            with statement_timeout(time_limit), job.file.open("rb") as source:
                summary = IMPORT_KINDS[job.kind].run(job, source, progress)
        except ImportFailed as failure:
            _end(job, ImportStatus.FAILED, errors=failure.messages(), error_count=failure.total, message=_("Tệp có lỗi; không có gì được lưu."))
        except (PermissionDenied, Http404):  # the uploader's rights were withdrawn after the upload
            _end(job, ImportStatus.FAILED, message=_("Người tải tệp lên không còn quyền thực hiện lượt nhập này; không có gì được lưu."))
        except Exception as error:  # noqa: BLE001 (any failure must end the job with a reason)
            logger.exception("Lượt nhập %s thất bại", job.pk)
            _end(job, ImportStatus.FAILED, message=_failure_reason(error))
        else:
            _end(job, ImportStatus.DONE, progress=100, message=summary)
    return ImportJob.objects.get(pk=job.pk)


def _failure_reason(error: BaseException) -> str:
    if isinstance(error, SoftTimeLimitExceeded):
        return _("Quá thời gian cho phép để nhập tệp; không có gì được lưu. Hãy chia tệp thành nhiều tệp nhỏ hơn.")
    if isinstance(error, OperationalError) and "statement timeout" in str(error):
        return _("Cơ sở dữ liệu bận quá lâu khi nhập (quá thời gian chờ); không có gì được lưu. Hãy thử lại sau.")
    return _("Lỗi khi nhập: %(error)s") % {"error": f"{type(error).__name__}: {error}"[:500]}


def import_stuck(job: ImportJob, *, now: dt.datetime | None = None) -> bool:
    """Running with a lapsed lease (its worker died), or requested long ago and never taken."""
    return IMPORTS.stuck(job, now=now)


def imports_sweep() -> dict[str, int]:
    """The periodic sweep of imports that would never end by themselves (units.jobs.JobQueue.sweep).

    A job whose worker died (its transaction rolled back: nothing saved) is sent again while fewer than
    IMPORT_MAX_ATTEMPTS workers were lost, else it ends failed with the reason and its file is deleted; a
    requested job the broker lost is sent again.
    """

    def fail(job: ImportJob) -> None:
        reason = _("Máy xử lý dừng đột ngột khi đang nhập (đã thử %(n)s lần); không có gì được lưu. Hãy tải tệp lên lại.")
        _end(job, ImportStatus.FAILED, message=reason % {"n": job.attempts})

    def requeue(job: ImportJob) -> None:
        job.status, job.progress, job.started_at, job.heartbeat_at = ImportStatus.REQUESTED, 0, None, None
        job.save(update_fields=["status", "progress", "started_at", "heartbeat_at"])
        transaction.on_commit(lambda: _enqueue(job.pk))

    return IMPORTS.sweep(max_attempts=max(1, int(getattr(settings, "IMPORT_MAX_ATTEMPTS", 2))), fail=fail, requeue=requeue)


def _label(job: ImportJob) -> str:
    if not import_stuck(job):
        return job.get_status_display()
    if job.status == ImportStatus.RUNNING:
        return _("Máy xử lý không còn báo tiến độ; lượt nhập sẽ được chạy lại tự động.")
    return _("Tệp chưa được máy xử lý nhận; hệ thống sẽ tự gửi lại.")


def import_status(job: ImportJob) -> dict[str, Any]:
    """What the job's page and its poller show."""
    kind = IMPORT_KINDS.get(job.kind)
    return {
        "id": job.pk,
        "status": job.status,
        "label": _label(job),
        "kind": kind.label if kind else job.kind,
        "progress": job.progress,
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "message": job.message,
        "errors": job.errors,
        "error_count": job.error_count,
        "back_url": kind.back_url(job) if kind else "",
    }
