"""Publication: an immutable copy of the working snapshot, its checksum, its workbook, the public page.

Each publication is a new version (1, 2, ...); earlier versions stay readable. A published snapshot's
values never change: `snapshot_checksum` recomputes what `campaign_results_publish` stored.
"""

from __future__ import annotations

import hashlib
import tempfile

from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import CampaignRuleError, campaign_publish
from reports.models import IndexValue, Snapshot, SnapshotStatus
from reports.published_tallies import published_tallies_freeze
from reports.selectors import working_snapshot
from reports.workbook import report_workbook_write
from units.services import audit_record


class PublicationError(Exception):
    """A campaign that cannot be published now; the message says why, in Vietnamese."""


def snapshot_checksum(snapshot: Snapshot) -> str:
    """sha256 over the snapshot's values in a canonical order (unit code, scope, key)."""
    digest = hashlib.sha256()
    rows = (
        IndexValue.objects.filter(snapshot=snapshot)
        .order_by("unit__code", "scope", "key")
        .values_list("unit__code", "scope", "key", "value", "n", "ci_low", "ci_high")
    )
    for row in rows.iterator(chunk_size=5000):
        digest.update(("|".join("" if part is None else str(part) for part in row) + "\n").encode())
    return digest.hexdigest()


def snapshot_verify(snapshot: Snapshot) -> bool:
    """True when a published snapshot's values are still the ones its checksum was taken over."""
    return bool(snapshot.checksum) and snapshot_checksum(snapshot) == snapshot.checksum


def workbook_filename(snapshot: Snapshot) -> str:
    return f"bao-cao-{snapshot.campaign.code}-v{snapshot.version}.xlsx"


@transaction.atomic
def campaign_results_publish(*, campaign_id: int, actor: User | None) -> Snapshot:
    """Publish the campaign's current results as version n+1 and return the new snapshot.

    Caller guarantees `actor` is an official of the organiser. The campaign must be closed (first
    publication) or already published (republication); its working snapshot must hold values.
    """
    campaign = Campaign.objects.select_for_update().select_related("organiser").get(pk=campaign_id)
    if campaign.status not in (CampaignStatus.CLOSED, CampaignStatus.PUBLISHED):
        raise PublicationError(_("Chỉ công bố được đợt đã kết thúc khảo sát (trạng thái hiện tại: %(status)s).") % {"status": campaign.get_status_display()})
    working = working_snapshot(campaign)
    if working is None or not IndexValue.objects.filter(snapshot=working).exists():
        raise PublicationError(_("Đợt khảo sát chưa có số liệu đã tính: hãy tính lại chỉ số trước khi công bố."))
    latest = Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).aggregate(v=Max("version"))["v"] or 0
    snapshot = Snapshot.objects.create(
        campaign=campaign,
        status=SnapshotStatus.PUBLISHED,
        version=latest + 1,
        computed_at=working.computed_at,
        published_at=timezone.now(),
        published_by=actor if actor is not None and actor.is_authenticated else None,
        responses=working.responses,
    )
    IndexValue.objects.bulk_create(
        [
            IndexValue(snapshot=snapshot, unit_id=v.unit_id, scope=v.scope, key=v.key, value=v.value, n=v.n, ci_low=v.ci_low, ci_high=v.ci_high)
            for v in IndexValue.objects.filter(snapshot=working).iterator(chunk_size=5000)
        ],
        batch_size=2000,
    )
    if not published_tallies_freeze(snapshot=snapshot, working=working):
        raise PublicationError(_("Chỉ số vừa được tính lại trong lúc công bố: hãy công bố lại."))
    snapshot.checksum = snapshot_checksum(snapshot)
    with tempfile.TemporaryFile() as buffer:
        report_workbook_write(campaign=campaign, snapshot=snapshot, out=buffer)
        buffer.seek(0)
        snapshot.workbook.save(workbook_filename(snapshot), File(buffer), save=False)
    snapshot.save(update_fields=["checksum", "workbook"])
    if campaign.status == CampaignStatus.CLOSED:
        try:
            campaign_publish(campaign=campaign, actor=actor)
        except CampaignRuleError as refused:
            raise PublicationError(str(refused)) from None
    audit_record(
        actor=actor,
        action="campaign.results_publish",
        obj=campaign,
        changes={"version": snapshot.version, "checksum": snapshot.checksum, "values": IndexValue.objects.filter(snapshot=snapshot).count()},
    )
    return snapshot


def published_campaigns() -> QuerySet[Campaign]:
    """Campaigns with at least one published snapshot, newest first (the public list)."""
    return (
        Campaign.objects.filter(snapshots__status=SnapshotStatus.PUBLISHED)
        .select_related("organiser")
        .annotate(latest_version=Max("snapshots__version"))
        .order_by("-year", "code")
    )
