from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from campaigns.privacy import personal_data_purge
from units.access import SYSTEM


class Command(BaseCommand):
    help = (
        "Xoá họ tên, điện thoại, địa chỉ trong khung mẫu của các đợt đã công bố quá PERSONAL_DATA_RETENTION_DAYS ngày "
        "(việc định kỳ hằng ngày cũng làm việc này; mỗi lần xoá được ghi nhật ký). --dry-run: chỉ liệt kê, không xoá."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Chỉ liệt kê những gì sẽ bị xoá")

    def handle(self, *args, **options) -> None:
        dry_run = options["dry_run"]
        results = personal_data_purge(actor=SYSTEM, dry_run=dry_run)
        for result in results:
            self.stdout.write(result.line(dry_run=dry_run))
        if not results:
            self.stdout.write(f"Không có đợt nào đã công bố quá {settings.PERSONAL_DATA_RETENTION_DAYS} ngày còn giữ dữ liệu cá nhân.")
