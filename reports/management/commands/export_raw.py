import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns.management.lookup import campaign_or_error
from reports.raw_export import raw_export_write
from units.access import SYSTEM
from units.services import audit_record


class Command(BaseCommand):
    help = "Xuất dữ liệu thô của một đợt khảo sát: mỗi phiếu một dòng, mỗi câu hỏi một cột (.xlsx hoặc .csv)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("campaign", help="mã đợt khảo sát")
        parser.add_argument("--out", required=True, help="đường dẫn tệp .xlsx hoặc .csv")
        parser.add_argument("--codes", action="store_true", help="ghi mã thay cho nhãn câu trả lời")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["campaign"])
        out = Path(options["out"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("Tệp ra phải có đuôi .xlsx hoặc .csv.")
        started = time.monotonic()
        rows = raw_export_write(campaign=campaign, out=out, fmt=fmt, codes=options["codes"])
        audit_record(actor=SYSTEM, action=f"export.raw_{fmt}", obj=campaign, changes={"command": "export_raw", "rows": rows, "out": str(out)})
        self.stdout.write(f"Đã ghi {rows:,} phiếu vào {out} trong {time.monotonic() - started:.1f} giây.".replace(",", "."))
