"""`manage.py recompute CAMPAIGN_CODE [--json]`: recompute one campaign's indices now, synchronously."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from campaigns.management.lookup import campaign_or_error
from reports.selectors import campaign_summary
from reports.services import index_recompute
from units.formatting import percent_vi


class Command(BaseCommand):
    help = (
        "Tính lại toàn bộ chỉ số hài lòng của một đợt khảo sát (đồng bộ) và in tóm tắt. "
        "Recompute a campaign's satisfaction indices synchronously and print a summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign_code", metavar="CAMPAIGN_CODE", help="Mã đợt khảo sát / campaign code")
        parser.add_argument("--json", action="store_true", help="In một đối tượng JSON cho cả đợt / print one JSON object")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["campaign_code"])
        summary = index_recompute(campaign.pk, full=True)
        if options["json"]:
            self.stdout.write(json.dumps(campaign_summary(campaign), ensure_ascii=False))
            return
        overall = percent_vi(summary.overall) if summary.overall is not None else "chưa có dữ liệu"
        self.stdout.write(
            f"Đợt {campaign.code}: {summary.responses} phiếu được tính, chỉ số chung {overall} "
            f"({campaign.get_index_scheme_display()}), {summary.seconds:.2f} giây."
        )
