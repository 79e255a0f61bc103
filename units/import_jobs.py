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
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

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


def _enqueue(job_id: int) -> None:
    from celery import current_app

    try:
        current_app.tasks[TASK].apply_async(args=[job_id], retry=False)
    except Exception as error:  # the broker being down: the job says so; the user uploads again later
        logger.warning("Không gửi được lượt nhập %s tới hàng đợi", job_id, exc_info=True)
        _finish(job_id, ImportStatus.FAILED, message=_("Không gửi được tệp tới hàng đợi xử lý (%(error)s). Hãy tải lên lại sau.") % {"error": type(error).__name__})


def _claim(job_id: int) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("requested_by").filter(pk=job_id).first()
        if job is None or job.status != ImportStatus.REQUESTED:
            return None
        job.status, job.started_at, job.progress = ImportStatus.RUNNING, timezone.now(), 0
        job.save(update_fields=["status", "started_at", "progress"])
    return job


def _finish(job_id: int, status: str, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportStatus.DONE).update(status=status, finished_at=timezone.now(), **fields)


def import_run(*, job_id: int) -> ImportJob | None:
    """Claim and run one job. Safe to call twice: a job not in `requested` is left alone."""
    job = _claim(job_id)
    if job is None:
        return None

    def progress(percent: int) -> None:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(progress=max(0, min(99, int(percent))))

    try:
        with job.file.open("rb") as source:
            summary = IMPORT_KINDS[job.kind].run(job, source, progress)
    except ImportFailed as failure:
        _finish(job.pk, ImportStatus.FAILED, errors=failure.messages(), error_count=failure.total, message=_("Tệp có lỗi; không có gì được lưu."))
    except (PermissionDenied, Http404):  # the uploader's rights were withdrawn after the upload
        _finish(job.pk, ImportStatus.FAILED, message=_("Người tải tệp lên không còn quyền thực hiện lượt nhập này; không có gì được lưu."))
    except Exception as error:  # noqa: BLE001 (any failure must end the job with a reason)
        logger.exception("Lượt nhập %s thất bại", job.pk)
        _finish(job.pk, ImportStatus.FAILED, message=_("Lỗi khi nhập: %(error)s") % {"error": f"{type(error).__name__}: {error}"[:500]})
    else:
        _finish(job.pk, ImportStatus.DONE, progress=100, message=summary)
    finally:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
    return ImportJob.objects.get(pk=job.pk)


def import_status(job: ImportJob) -> dict[str, Any]:
    """What the job's page and its poller show."""
    kind = IMPORT_KINDS.get(job.kind)
    return {
        "id": job.pk,
        "status": job.status,
        "label": job.get_status_display(),
        "kind": kind.label if kind else job.kind,
        "progress": job.progress,
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "message": job.message,
        "errors": job.errors,
        "error_count": job.error_count,
        "back_url": kind.back_url(job) if kind else "",
    }
