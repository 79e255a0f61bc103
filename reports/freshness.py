"""How fresh a campaign's figures are, the state of its last recompute, and "Tính lại ngay".

The working snapshot carries its last run (asked for, started, ended, why it failed); the campaign's
dirty mark says that counted changes are waiting. Pages and files read `freshness` and show when the
figures were computed and whether changes are waiting ("đang cập nhật"); officials of the organiser
also see a failed run's reason and may start a recompute now.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import AnonymousUser, User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from campaigns.services import recompute_request
from reports.models import Snapshot, SnapshotStatus
from reports.selectors import working_snapshot
from units.access import Action, require
from units.services import audit_record

logger = logging.getLogger(__name__)

# A run that has not ended this long after it started was killed (the recompute task's hard limit is 360 s).
RUN_LOST_AFTER = dt.timedelta(seconds=420)


# ------------------------------------------------------------------------------------------------
# The working snapshot and its run's state, written by the engine (reports.services)
# ------------------------------------------------------------------------------------------------


def working_snapshot_ensure(campaign: Campaign) -> Snapshot:
    """The campaign's working snapshot, created on first use."""
    snapshot = working_snapshot(campaign)
    if snapshot is not None:
        return snapshot
    try:
        with transaction.atomic():
            return Snapshot.objects.create(campaign=campaign, status=SnapshotStatus.WORKING, version=0)
    except IntegrityError:  # another worker created it in the meantime
        return Snapshot.objects.get(campaign=campaign, status=SnapshotStatus.WORKING, version=0)



def _run_update(snapshot_id: int, *, guarded: bool = False, **fields: object) -> None:
    """Write run state; never raises, since it only reports. `guarded` (after a failure, when the database
    may be what failed) writes inside a savepoint when a caller's transaction is open, so that a failure
    here rolls back only this write."""
    try:
        if guarded and connection.in_atomic_block:
            with transaction.atomic():
                Snapshot.objects.filter(pk=snapshot_id).update(**fields)
        else:
            Snapshot.objects.filter(pk=snapshot_id).update(**fields)
    except Exception:
        logger.exception("Không ghi được trạng thái lượt tính của ảnh chụp %s.", snapshot_id)


def run_started(*, snapshot_id: int, at: dt.datetime | None = None) -> None:
    _run_update(snapshot_id, run_started_at=at or timezone.now())


def run_finished(*, snapshot_id: int) -> None:
    _run_update(snapshot_id, run_finished_at=timezone.now(), run_error="")


def run_error_text(error: BaseException) -> str:
    """What officials read about a failed run: a Vietnamese lead and the error itself, bounded."""
    if isinstance(error, SoftTimeLimitExceeded):
        lead = _("Quá thời gian cho phép của lượt tính.")
    elif isinstance(error, DatabaseError):
        lead = _("Lỗi cơ sở dữ liệu khi tính.")
    else:
        lead = _("Lỗi khi tính chỉ số.")
    detail = f"{type(error).__name__}: {error}".strip()
    return f"{lead} ({detail[:400]})"


def run_failed(*, snapshot_id: int, error: BaseException) -> None:
    """Record a failed run: the figures stay as they were, the reason is kept for officials."""
    logger.error("Lượt tính lại của ảnh chụp %s thất bại: %s", snapshot_id, error, exc_info=error)
    _run_update(snapshot_id, guarded=True, run_finished_at=timezone.now(), run_error=run_error_text(error))


# ------------------------------------------------------------------------------------------------
# Reading it
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """When a campaign's working figures were computed and what is going on with them."""

    computed_at: dt.datetime | None
    waiting_since: dt.datetime | None  # counted changes not yet in the figures (the dirty mark)
    requested_at: dt.datetime | None  # an official asked for a recompute that has not started yet
    running_since: dt.datetime | None
    lost_since: dt.datetime | None  # a run that started and never ended (its worker was killed)
    last_run_at: dt.datetime | None
    error: str

    @property
    def waiting(self) -> bool:
        return self.waiting_since is not None

    @property
    def busy(self) -> bool:
        """A recompute is asked for or running: the page polls until it ends."""
        return self.requested_at is not None or self.running_since is not None

    @property
    def stale(self) -> bool:
        """The figures do not include every counted change (or were never computed)."""
        return self.computed_at is None or self.waiting

    @property
    def progress(self) -> int:
        """Where a recompute is: asked for 10%, running 50%, done 100%."""
        if self.running_since is not None:
            return 50
        if self.requested_at is not None:
            return 10
        return 100

    @property
    def stage(self) -> str:
        if self.running_since is not None:
            return _("Đang tính lại…")
        if self.requested_at is not None:
            return _("Đã gửi yêu cầu, đang chờ máy tính…")
        if self.error:
            return _("Lượt tính gần nhất bị lỗi.")
        if self.lost_since is not None:
            return _("Lượt tính gần nhất không kết thúc.")
        return _("Đã tính xong.")


def freshness(campaign: Campaign, snapshot: Snapshot | None, *, now: dt.datetime | None = None) -> Freshness:
    """The state of `campaign`'s working figures (`snapshot` is its working snapshot, or None); no query."""
    now = now or timezone.now()
    waiting = campaign.dirty_at
    if snapshot is None or snapshot.status != SnapshotStatus.WORKING:
        return Freshness(None, waiting, None, None, None, None, "")
    started, finished, requested = snapshot.run_started_at, snapshot.run_finished_at, snapshot.run_requested_at
    open_run = started is not None and (finished is None or finished < started)
    running = started if open_run and now - started < RUN_LOST_AFTER else None
    lost = started if open_run and running is None else None
    pending_request = requested if requested is not None and (started is None or started < requested) else None
    return Freshness(
        computed_at=snapshot.computed_at,
        waiting_since=waiting,
        requested_at=pending_request,
        running_since=running,
        lost_since=lost,
        last_run_at=finished,
        error=snapshot.run_error if not open_run else "",
    )


def freshness_of(campaign: Campaign) -> Freshness:
    """`freshness` for a campaign whose working snapshot is not at hand (one query)."""
    return freshness(campaign, working_snapshot(campaign))


# ------------------------------------------------------------------------------------------------
# "Tính lại ngay"
# ------------------------------------------------------------------------------------------------


def index_recompute_now(*, actor: User | AnonymousUser, campaign: Campaign) -> bool:
    """An official of the organiser asks for a full recompute now; True when it was sent (or ran, in the
    embedded mode). Audited. The request time is kept on the working snapshot so the page can show the
    run's progress until it ends.
    """
    require(actor, Action.RESULTS_RECOMPUTE, campaign.organiser)
    snapshot = working_snapshot_ensure(campaign)
    now = timezone.now()
    Snapshot.objects.filter(pk=snapshot.pk).update(run_requested_at=now)
    audit_record(actor=actor, action="campaign.recompute_now", obj=campaign, changes={"requested_at": now})
    return recompute_request(campaign_id=campaign.pk, full=True)
