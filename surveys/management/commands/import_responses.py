from django.core.management.base import BaseCommand

from campaigns.management.lookup import campaign_or_error
from surveys.services.response_import import responses_import
from units.access import SYSTEM
from units.management.imports import import_errors_reported, import_from_path


class Command(BaseCommand):
    help = (
        "Nhập phiếu giấy / tổng đài từ tệp Excel: cột unit_code, channel, submitted_at (tuỳ chọn, dd/mm/yyyy), "
        "rồi mỗi cột một mã câu hỏi (mức hoặc tên lựa chọn; ô trống là câu không trả lời, kể cả câu bắt buộc, "
        "và được liệt kê theo câu hỏi). Tệp có giá trị sai thì không lưu gì và liệt kê mọi lỗi theo dòng, cột."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("campaign", help="Mã đợt khảo sát")
        parser.add_argument("file", help="Tệp .xlsx")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["campaign"])
        with import_errors_reported(self.stderr, nothing_saved="không lưu phiếu nào"):
            result = import_from_path(options["file"], lambda handle: responses_import(campaign=campaign, source=handle, actor=SYSTEM))
        self.stdout.write(f"Đã nhập {result.saved} phiếu vào đợt {campaign.code}.")
        self.stdout.write(result.blanks_text())
