"""ExportJob lifecycle: request → running → done | failed; retry a failed one.

Files whose `expires_at` has passed are deleted by reports.tasks.expire_exports (the engine's periodic task).

A job is a row with a status. The worker claims it with `select_for_update` and a status check, so a
redelivered task finds it taken (or done) and returns; progress is a plain column the page polls.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from reports.dashboards import Reach, snapshot_published
from reports.models import ExportJob, ExportStatus, IndexValue
from reports.raw_export import counted_responses
from reports.selectors import working_snapshot
from units.access import Action, allowed, require
from units.formatting import number_vi
from units.services import Actor, audit_record

logger = logging.getLogger(__name__)

EXPORT_TTL = dt.timedelta(days=getattr(settings, "EXPORT_TTL_DAYS", 7))
REPORT = "report"
RAW_XLSX = "raw_xlsx"
RAW_CSV = "raw_csv"
KINDS = {REPORT: "xlsx", RAW_XLSX: "xlsx", RAW_CSV: "csv"}
KIND_LABELS = {REPORT: "Báo cáo Excel của Sở", RAW_XLSX: "Dữ liệu thô (Excel)", RAW_CSV: "Dữ liệu thô (CSV)"}
TASK = "reports.tasks_exports.export_run_task"
# The report workbook is built in memory (charts, styles): a raw-data sheet in it is capped; the
# separate raw export streams any size.
RAW_IN_REPORT_MAX = 50_000


class ExportError(Exception):
    """An export that cannot be made; the message (Vietnamese) is shown to the user and kept on the job."""


def export_holds_raw(kind: str, filters: dict[str, Any] | None) -> bool:
    """Whether an export holds respondent rows: raw data, or the report with its raw-data sheet."""
    return kind in (RAW_XLSX, RAW_CSV) or (kind == REPORT and bool((filters or {}).get("include_raw")))


def export_allowed(*, user: User | AnonymousUser, reach: Reach, kind: str, filters: dict[str, Any] | None = None) -> bool:
    """Who may ask for what: the department report needs the whole campaign; respondent rows (raw data, the
    report "kèm dữ liệu thô") need units.access RAW_EXPORT at the organiser (officials)."""
    if kind not in KINDS or not reach.everything:
        return False
    return not export_holds_raw(kind, filters) or allowed(user, Action.RAW_EXPORT, reach.campaign.organiser)


def export_request(*, actor: Actor, campaign: Campaign, kind: str, filters: dict[str, Any] | None = None) -> ExportJob:
    """Create a requested job, audited on the campaign, and enqueue it once the caller's transaction commits.

    The actor reads results of the campaign (RESULTS_VIEW at the organiser) and, for respondent rows, holds RAW_EXPORT.
    """
    require(actor, Action.RESULTS_VIEW, campaign.organiser)
    if export_holds_raw(kind, filters):
        require(actor, Action.RAW_EXPORT, campaign.organiser)
    if kind not in KINDS:
        raise ExportError(_("Loại tệp xuất không hợp lệ."))
    job = ExportJob.objects.create(requested_by=actor, campaign=campaign, kind=kind, filters=filters or {})
    audit_record(actor=actor, action=f"export.{kind}", obj=campaign, changes={"job": job.pk, "filters": job.filters})
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from celery import current_app

    try:
        current_app.tasks[TASK].apply_async(args=[job_id], retry=False)
    except Exception as error:  # the broker being down: say so on the job; the user can retry
        logger.warning("Không gửi được yêu cầu xuất %s", job_id, exc_info=True)
        export_fail(job_id=job_id, reason=_("Không gửi được yêu cầu tới hàng đợi xử lý (%(error)s). Hãy thử lại sau.") % {"error": type(error).__name__})


def export_claim(*, job_id: int) -> ExportJob | None:
    """Move a requested job to running and return it; None when another worker has it or it is finished."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("campaign__organiser").filter(pk=job_id).first()
        if job is None or job.status != ExportStatus.REQUESTED:
            return None
        job.status = ExportStatus.RUNNING
        job.started_at = timezone.now()
        job.progress = 0
        job.error = ""
        job.save(update_fields=["status", "started_at", "progress", "error"])
    return job


def export_progress(*, job_id: int, percent: int) -> None:
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(progress=max(0, min(100, int(percent))))


def export_fail(*, job_id: int, reason: str) -> None:
    ExportJob.objects.filter(pk=job_id).exclude(status=ExportStatus.DONE).update(
        status=ExportStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


def export_filename(job: ExportJob) -> str:
    stem = {REPORT: "bao-cao", RAW_XLSX: "du-lieu-tho", RAW_CSV: "du-lieu-tho"}.get(job.kind, "xuat")
    return f"{stem}-{job.campaign.code}-{job.pk}.{KINDS.get(job.kind, 'bin')}"


def _build(job: ExportJob, path: Path) -> None:
    """Write the job's file to `path`; raise ExportError with a reason a user can act on."""
    campaign = job.campaign
    if export_holds_raw(job.kind, job.filters) and not (job.requested_by and allowed(job.requested_by, Action.RAW_EXPORT, campaign.organiser)):
        raise ExportError(_("Người yêu cầu không còn quyền xuất dữ liệu thô của đợt này."))
    report = lambda percent: export_progress(job_id=job.pk, percent=percent)  # noqa: E731
    if job.kind == REPORT:
        from reports.workbook import report_workbook_write

        snapshot = snapshot_published(campaign) if campaign.status == "published" else None
        snapshot = snapshot or working_snapshot(campaign)
        if snapshot is None or not IndexValue.objects.filter(snapshot=snapshot).exists():
            raise ExportError(_("Đợt khảo sát chưa có số liệu đã tính: hãy tính lại chỉ số rồi xuất lại."))
        if job.filters.get("include_raw") and counted_responses(campaign).count() > RAW_IN_REPORT_MAX:
            raise ExportError(
                _("Đợt có hơn %(max)s phiếu: trang dữ liệu thô quá lớn cho báo cáo; hãy xuất báo cáo không kèm dữ liệu thô và dùng “Dữ liệu thô”.")
                % {"max": number_vi(RAW_IN_REPORT_MAX)}
            )
        report_workbook_write(campaign=campaign, snapshot=snapshot, out=path, include_raw=bool(job.filters.get("include_raw")), progress=report)
        return
    from reports.raw_export import raw_export_write

    raw_export_write(campaign=campaign, out=path, fmt=KINDS[job.kind], codes=bool(job.filters.get("codes")), progress=report)


def export_run(*, job_id: int) -> ExportJob | None:
    """Claim and build one job. Safe to call twice: a job not in `requested` is left alone."""
    job = export_claim(job_id=job_id)
    if job is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / export_filename(job)
        try:
            _build(job, path)
        except ExportError as error:
            export_fail(job_id=job.pk, reason=str(error))
            return ExportJob.objects.get(pk=job.pk)
        except Exception as error:  # noqa: BLE001 (any failure must end as a failed job with a reason, never a lost one)
            logger.exception("Xuất %s thất bại", job.pk)
            export_fail(job_id=job.pk, reason=_("Lỗi khi tạo tệp: %(error)s") % {"error": f"{type(error).__name__}: {error}"[:500]})
            return ExportJob.objects.get(pk=job.pk)
        with open(path, "rb") as handle:
            job.file.save(export_filename(job), File(handle), save=False)
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE, file=job.file.name, progress=100, finished_at=now, expires_at=now + EXPORT_TTL
    )
    return ExportJob.objects.get(pk=job.pk)


@transaction.atomic
def export_retry(*, job_id: int, user: User) -> ExportJob:
    """Put a failed job back to requested and enqueue it. Caller guarantees the job is the user's own."""
    job = ExportJob.objects.select_for_update().get(pk=job_id)
    if job.status != ExportStatus.FAILED:
        raise ExportError(_("Chỉ thử lại được yêu cầu xuất bị lỗi."))
    job.status = ExportStatus.REQUESTED
    job.progress = 0
    job.error = ""
    job.started_at = job.finished_at = None
    job.save(update_fields=["status", "progress", "error", "started_at", "finished_at"])
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def export_status(job: ExportJob) -> dict[str, Any]:
    """What the export page and its poller show."""
    expired = job.status == ExportStatus.DONE and not job.file
    return {
        "id": job.pk,
        "status": job.status,
        "label": _("Tệp đã hết hạn và đã được xoá; hãy tạo yêu cầu mới.") if expired else job.get_status_display(),
        "progress": job.progress,
        "error": job.error,
        "ready": job.status == ExportStatus.DONE and bool(job.file),
        "expired": expired,
        "finished": job.status in (ExportStatus.DONE, ExportStatus.FAILED),
        "kind": KIND_LABELS.get(job.kind, job.kind),
    }
