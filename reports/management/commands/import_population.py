"""`manage.py import_population CAMPAIGN FILE.xlsx` (or `--from-frame`): the design's population sizes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.management.lookup import campaign_or_error
from campaigns.services import CampaignRuleError
from reports.estimation.population import POPULATION_COLUMNS_HELP, population_from_frame, population_import
from units.access import SYSTEM
from units.management.imports import import_errors_reported, import_from_path


class Command(BaseCommand):
    help = (
        "Nhập cỡ tổng thể (N) của từng tầng (đơn vị × kênh) cho một đợt khảo sát, để tính chỉ số có trọng số. "
        f"Các cột: {POPULATION_COLUMNS_HELP}. Tệp mới thay toàn bộ cỡ tổng thể cũ; tệp có lỗi thì không lưu gì và "
        "liệt kê mọi lỗi (trang tính, dòng, cột). --from-frame: đếm từ khung mẫu của đợt. "
        "Import the population size of each stratum (unit × channel) of a campaign, or count it from the frame."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", metavar="CAMPAIGN", help="Mã đợt khảo sát / campaign code")
        parser.add_argument("file", metavar="FILE", nargs="?", help="Tệp .xlsx")
        parser.add_argument("--from-frame", action="store_true", help="Đếm cỡ tổng thể từ khung mẫu / count from the frame")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["campaign"])
        if bool(options["file"]) == bool(options["from_frame"]):
            raise CommandError("Hãy nêu một tệp .xlsx hoặc --from-frame (không cả hai).")
        try:
            if options["from_frame"]:
                count = population_from_frame(actor=SYSTEM, campaign=campaign)
            else:
                with import_errors_reported(self.stderr, nothing_saved="không lưu cỡ tổng thể nào"):
                    count = import_from_path(options["file"], lambda handle: population_import(actor=SYSTEM, campaign=campaign, source=handle))
        except CampaignRuleError as problem:
            raise CommandError(" ".join(problem.messages)) from None
        self.stdout.write(f"Đã lưu cỡ tổng thể của {count} tầng cho đợt «{campaign.code}»; chỉ số sẽ được tính lại có trọng số.")
