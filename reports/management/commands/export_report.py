from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns.management.lookup import campaign_or_error
from campaigns.models import CampaignStatus
from reports.dashboards import snapshot_published
from reports.models import IndexValue
from reports.selectors import working_snapshot
from reports.workbook import report_workbook_write
from units.access import SYSTEM
from units.services import audit_record


class Command(BaseCommand):
    help = "Xuất báo cáo Excel của Sở cho một đợt khảo sát (bản công bố mới nhất, nếu chưa công bố thì số liệu đang tính)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("campaign", help="mã đợt khảo sát")
        parser.add_argument("--out", required=True, help="đường dẫn tệp .xlsx")
        parser.add_argument("--published-version", type=int, default=None, help="phiên bản đã công bố (mặc định: mới nhất)")
        parser.add_argument("--raw", action="store_true", help="kèm trang dữ liệu thô")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["campaign"])
        if options["published_version"] is not None:
            snapshot = snapshot_published(campaign, options["published_version"])
            if snapshot is None:
                raise CommandError(f"Đợt «{campaign.code}» không có phiên bản công bố {options['published_version']}.")
        else:
            snapshot = (snapshot_published(campaign) if campaign.status == CampaignStatus.PUBLISHED else None) or working_snapshot(campaign)
        if snapshot is None or not IndexValue.objects.filter(snapshot=snapshot).exists():
            raise CommandError("Đợt khảo sát chưa có số liệu đã tính: chạy `recompute` trước.")
        out = Path(options["out"])
        report_workbook_write(campaign=campaign, snapshot=snapshot, out=out, include_raw=options["raw"])
        audit_record(actor=SYSTEM, action="export.report", obj=campaign, changes={"command": "export_report", "include_raw": options["raw"], "out": str(out)})
        self.stdout.write(f"Đã ghi {out} ({'phiên bản ' + str(snapshot.version) if snapshot.version else 'số liệu đang tính'}).")
