from django.core.management.base import BaseCommand, CommandParser

from campaigns.fieldwork.contacts_import import CONTACT_COLUMNS_HELP, contacts_import
from campaigns.management.lookup import campaign_or_error
from units.access import SYSTEM
from units.management.imports import import_errors_reported, import_from_path


class Command(BaseCommand):
    help = (
        "Nhập nhật ký cuộc gọi của tổng đài vào các trường hợp của một đợt khảo sát: mỗi dòng một cuộc gọi, ghi theo thứ tự "
        f"thời gian như khi nhập trên trang (đủ số lần thì kết thúc, dùng người dự phòng). Các cột: {CONTACT_COLUMNS_HELP}. "
        "Tệp có lỗi thì không lưu gì và liệt kê mọi lỗi theo dòng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", metavar="CAMPAIGN", help="Mã đợt khảo sát")
        parser.add_argument("file", metavar="FILE", help="Tệp .xlsx")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["campaign"])
        with import_errors_reported(self.stderr, nothing_saved="không lưu cuộc gọi nào"):
            count = import_from_path(options["file"], lambda handle: contacts_import(campaign=campaign, source=handle, actor=SYSTEM))
        self.stdout.write(f"Đã ghi {count} cuộc gọi vào các trường hợp của đợt «{campaign.code}».")
