from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.frames import FRAME_COLUMNS_HELP, frame_import
from campaigns.management.lookup import campaign_or_error
from campaigns.services import CampaignRuleError
from units.access import SYSTEM
from units.management.imports import import_errors_reported, import_from_path


class Command(BaseCommand):
    help = (
        f"Nhập khung mẫu (danh sách người đã hoàn thành thủ tục, xuất từ hệ thống một cửa) cho một đợt khảo sát. "
        f"Các cột: {FRAME_COLUMNS_HELP}. Tệp mới thay khung mẫu cũ; tệp có lỗi thì không lưu gì và liệt kê mọi lỗi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", metavar="CAMPAIGN", help="Mã đợt khảo sát")
        parser.add_argument("file", metavar="FILE", help="Tệp .xlsx")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["campaign"])
        try:
            with import_errors_reported(self.stderr, nothing_saved="không lưu người nào"):
                count = import_from_path(options["file"], lambda handle: frame_import(campaign=campaign, source=handle, actor=SYSTEM))
        except CampaignRuleError as problem:
            raise CommandError(" ".join(problem.messages)) from None
        self.stdout.write(f"Đã nhập {count} người vào khung mẫu của đợt «{campaign.code}».")
