"""Demo results: compute both demo campaigns and publish the SIPAS one (called by load_demo), its
signed-format report's heading filled first so that the published report carries a signer.

Idempotent: a campaign already published keeps its published versions.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import campaign_close
from reports.documents.headings import heading_default, report_heading_save
from reports.models import ReportHeading, Snapshot, SnapshotStatus
from reports.publication import campaign_results_publish
from reports.services import index_recompute
from units.access import SYSTEM

DEMO_COMPUTED = ("sipas-2025-khanh-hoa", "noi-tru-2025-khanh-hoa")
DEMO_PUBLISHED = ("sipas-2025-khanh-hoa",)
DEMO_PUBLISHER = "canbo"


def load_results_demo(*, computed: tuple[str, ...] = DEMO_COMPUTED, published: tuple[str, ...] = DEMO_PUBLISHED) -> list[str]:
    """Recompute the demo campaigns' indices, close and publish those in `published`; return what was done."""
    actor = User.objects.filter(username=DEMO_PUBLISHER).first() or SYSTEM
    lines = []
    for campaign in Campaign.objects.filter(code__in=computed).order_by("code"):
        summary = index_recompute(campaign.pk, full=True)
        lines.append(f"{campaign.code}: đã tính chỉ số ({summary.responses if summary else 0} phiếu)")
        if campaign.code not in published:
            continue
        if Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).exists():
            lines.append(f"{campaign.code}: đã công bố từ trước")
            continue
        if campaign.status == CampaignStatus.ACTIVE:
            campaign_close(campaign=campaign, actor=actor)
        heading_fill(campaign, actor)
        snapshot = campaign_results_publish(campaign_id=campaign.pk, actor=actor)
        lines.append(f"{campaign.code}: đã công bố phiên bản {snapshot.version}")
    return lines


def heading_fill(campaign: Campaign, actor) -> None:
    """The heading an official of the organiser would fill: the defaults, a deputy of the head signing for
    them ("KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" for a department, "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" for the province)."""
    if ReportHeading.objects.filter(campaign=campaign).exists():
        return
    heading = heading_default(campaign)
    head = heading.signer_title
    heading.signer_authority, heading.signer_title, heading.signer_name = f"KT. {head}", f"PHÓ {head}", "Trần Thị Minh Thư"
    heading.recipients = "\n".join([heading.recipients.splitlines()[0], "Bộ Nội vụ (để báo cáo)", "Các sở, ban, ngành; UBND các xã, phường", "Cổng thông tin điện tử tỉnh (để đăng tải)"])
    report_heading_save(actor=actor, heading=heading)
