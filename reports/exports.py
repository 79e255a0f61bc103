"""ExportJob lifecycle: request → running → done | failed; retry a failed or stuck one.

Files whose `expires_at` has passed are deleted by reports.tasks.expire_exports (the engine's periodic task).

A job is a row with a status. The worker claims it with `select_for_update` and a status check, so a
redelivered task finds it taken (or done) and returns; progress is a plain column the page polls.
Every job ends: the running worker renews a lease (units/jobs.py) and `exports_sweep` sends a job
whose worker died again (or fails it with the reason after EXPORT_MAX_ATTEMPTS), and sends again a
requested job whose message the broker lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files import File
from django.db import OperationalError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from reports.dashboards import Reach, snapshot_published
from reports.models import ExportJob, ExportStatus, IndexValue
from reports.raw_export import counted_responses
from reports.selectors import working_snapshot
from units.access import Action, allowed, require
from units.formatting import number
from units.jobs import JobQueue, lease_kept, statement_timeout
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


EXPORTS = JobQueue(ExportJob, TASK, "Xuất")


def _enqueue(job_id: int) -> bool:
    """Hand the job to the broker; True when sent. A broker that is down leaves the job requested: the
    sweep (`exports_sweep`) sends it again once the broker is back."""
    return EXPORTS.send(job_id)


def export_claim(*, job_id: int) -> ExportJob | None:
    """Move a requested job to running and return it; None when another worker has it or it is finished.

    Each claim is one more attempt; the attempt number fences every later write of this run, so a worker
    that lost its lease (and the job to another worker) can no longer change it.
    """
    return EXPORTS.claim(job_id, related=("campaign__organiser",), error="")


def _running(job_id: int, attempt: int | None) -> QuerySet[ExportJob]:
    jobs = ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING)
    return jobs if attempt is None else jobs.filter(attempts=attempt)


def export_progress(*, job_id: int, percent: int, attempt: int | None = None) -> None:
    _running(job_id, attempt).update(progress=max(0, min(100, int(percent))))


def export_fail(*, job_id: int, reason: str, attempt: int | None = None) -> None:
    """End a job as failed with `reason`; with `attempt`, only while that attempt still holds it."""
    jobs = ExportJob.objects.filter(pk=job_id).exclude(status=ExportStatus.DONE)
    if attempt is not None:
        jobs = jobs.filter(status=ExportStatus.RUNNING, attempts=attempt)
    jobs.update(status=ExportStatus.FAILED, error=reason[:2000], finished_at=timezone.now())


def export_filename(job: ExportJob) -> str:
    stem = {REPORT: "bao-cao", RAW_XLSX: "du-lieu-tho", RAW_CSV: "du-lieu-tho"}.get(job.kind, "xuat")
    return f"{stem}-{job.campaign.code}-{job.pk}.{KINDS.get(job.kind, 'bin')}"


def _build(job: ExportJob, path: Path) -> None:
    """Write the job's file to `path`; raise ExportError with a reason a user can act on."""
    campaign = job.campaign
    if export_holds_raw(job.kind, job.filters) and not (job.requested_by and allowed(job.requested_by, Action.RAW_EXPORT, campaign.organiser)):
        raise ExportError(_("Người yêu cầu không còn quyền xuất dữ liệu thô của đợt này."))
    report = lambda percent: export_progress(job_id=job.pk, percent=percent, attempt=job.attempts)  # noqa: E731
    if job.kind == REPORT:
        from reports.workbook import report_workbook_write

        snapshot = snapshot_published(campaign) if campaign.status == "published" else None
        snapshot = snapshot or working_snapshot(campaign)
        if snapshot is None or not IndexValue.objects.filter(snapshot=snapshot).exists():
            raise ExportError(_("Đợt khảo sát chưa có số liệu đã tính: hãy tính lại chỉ số rồi xuất lại."))
        if job.filters.get("include_raw") and counted_responses(campaign).count() > RAW_IN_REPORT_MAX:
            raise ExportError(
                _("Đợt có hơn %(max)s phiếu: trang dữ liệu thô quá lớn cho báo cáo; hãy xuất báo cáo không kèm dữ liệu thô và dùng “Dữ liệu thô”.")
                % {"max": number(RAW_IN_REPORT_MAX)}
            )
        report_workbook_write(campaign=campaign, snapshot=snapshot, out=path, include_raw=bool(job.filters.get("include_raw")), progress=report)
        return
    from reports.raw_export import raw_export_write

    raw_export_write(campaign=campaign, out=path, fmt=KINDS[job.kind], codes=bool(job.filters.get("codes")), progress=report)


def _failure_reason(error: BaseException) -> str:
    if isinstance(error, SoftTimeLimitExceeded):
        return _("Quá thời gian cho phép để tạo tệp. Hãy thử lại vào lúc ít việc hơn, hoặc xuất phần dữ liệu nhỏ hơn.")
    if isinstance(error, OperationalError) and "statement timeout" in str(error):
        return _("Cơ sở dữ liệu bận quá lâu khi tạo tệp (quá thời gian chờ). Hãy thử lại sau.")
    return _("Lỗi khi tạo tệp: %(error)s") % {"error": f"{type(error).__name__}: {error}"[:500]}


def export_run(*, job_id: int, lease: bool = False, time_limit: float | None = None) -> ExportJob | None:
    """Claim and build one job. Safe to call twice: a job not in `requested` is left alone.

    `lease`: renew the job's lease from a thread while it runs (a worker; units/jobs.py);
    `time_limit`: bound each SQL statement (seconds), so a query stuck on a lock fails this job with a
    reason instead of holding the worker until its hard time limit.
    """
    job = export_claim(job_id=job_id)
    if job is None:
        return None
    attempt = job.attempts
    with lease_kept(ExportJob, enabled=lease, pk=job.pk, status=ExportStatus.RUNNING, attempts=attempt):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / export_filename(job)
            try:
                with statement_timeout(time_limit):
                    _build(job, path)
            except ExportError as error:
                export_fail(job_id=job.pk, reason=str(error), attempt=attempt)
                return ExportJob.objects.get(pk=job.pk)
            except Exception as error:  # noqa: BLE001 (any failure must end as a failed job with a reason, never a lost one)
                logger.exception("Xuất %s thất bại", job.pk)
                export_fail(job_id=job.pk, reason=_failure_reason(error), attempt=attempt)
                return ExportJob.objects.get(pk=job.pk)
            with open(path, "rb") as handle:
                job.file.save(export_filename(job), File(handle), save=False)
        now = timezone.now()
        finished = _running(job.pk, attempt).update(
            status=ExportStatus.DONE, file=job.file.name, progress=100, finished_at=now, expires_at=now + EXPORT_TTL
        )
    if not finished:  # this attempt lost the job (its lease lapsed and another attempt took over)
        job.file.delete(save=False)
    return ExportJob.objects.get(pk=job.pk)


def export_stuck(job: ExportJob, *, now: dt.datetime | None = None) -> bool:
    """A job that will not end by itself soon: running with a lapsed lease (its worker died), or requested
    and sent (or meant to be sent) long ago without any worker taking it."""
    return EXPORTS.stuck(job, now=now)


def export_retryable(job: ExportJob) -> bool:
    return job.status == ExportStatus.FAILED or export_stuck(job)


@transaction.atomic
def export_retry(*, job_id: int, user: User) -> ExportJob:
    """Put a failed or stuck job back to requested and enqueue it. Caller guarantees the job is the user's own."""
    job = ExportJob.objects.select_for_update().get(pk=job_id)
    if not export_retryable(job):
        raise ExportError(_("Chỉ thử lại được yêu cầu xuất bị lỗi hoặc bị treo."))
    _requeue(job, attempts=0)
    return job


def _requeue(job: ExportJob, *, attempts: int) -> None:
    job.status = ExportStatus.REQUESTED
    job.progress = 0
    job.error = ""
    job.attempts = attempts
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.save(update_fields=["status", "progress", "error", "attempts", "started_at", "finished_at", "heartbeat_at"])
    transaction.on_commit(lambda: _enqueue(job.pk))


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "EXPORT_MAX_ATTEMPTS", 2)))


def exports_sweep() -> dict[str, int]:
    """The periodic sweep of jobs that would never end by themselves.

    - running with a lapsed lease (the worker died): sent again while attempts remain, else failed with
      the reason (a job that kills its worker every time must not kill them all);
    - requested, sent long ago and never started (the broker lost the message, e.g. in a Redis restart,
      or could not be reached when it was asked): sent again; a duplicate message finds the job taken.
    """
    def fail(job: ExportJob) -> None:
        reason = _("Máy xử lý dừng đột ngột khi đang tạo tệp (đã thử %(n)s lần). Bấm “Thử lại” để tạo lại.") % {"n": job.attempts}
        export_fail(job_id=job.pk, attempt=job.attempts, reason=reason)

    return EXPORTS.sweep(max_attempts=_max_attempts(), fail=fail, requeue=lambda job: _requeue(job, attempts=job.attempts))


def export_status(job: ExportJob) -> dict[str, Any]:
    """What the export page and its poller show."""
    expired = job.status == ExportStatus.DONE and not job.file
    stuck = export_stuck(job)
    if expired:
        label = _("Tệp đã hết hạn và đã được xoá; hãy tạo yêu cầu mới.")
    elif stuck and job.status == ExportStatus.RUNNING:
        label = _("Máy xử lý không còn báo tiến độ; yêu cầu sẽ được chạy lại tự động, hoặc bấm “Thử lại”.")
    elif stuck:
        label = _("Yêu cầu chưa được máy xử lý nhận; hệ thống sẽ tự gửi lại, hoặc bấm “Thử lại”.")
    else:
        label = job.get_status_display()
    return {
        "id": job.pk,
        "status": job.status,
        "label": label,
        "retryable": job.status == ExportStatus.FAILED or stuck,
        "stuck": stuck,
        "progress": job.progress,
        "error": job.error,
        "ready": job.status == ExportStatus.DONE and bool(job.file),
        "expired": expired,
        "finished": job.status in (ExportStatus.DONE, ExportStatus.FAILED),
        "kind": KIND_LABELS.get(job.kind, job.kind),
    }
