from django.core.management.base import BaseCommand, CommandError

from units.services import units_import
from units.spreadsheets import ImportFailed


class Command(BaseCommand):
    help = (
        "Nhập đơn vị từ tệp Excel (cột code, name, type, parent_code). "
        "Tệp có lỗi thì không lưu gì và liệt kê mọi lỗi theo trang tính, dòng, cột."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Tệp .xlsx")

    def handle(self, *args, **options) -> None:
        try:
            with open(options["file"], "rb") as handle:
                changed = units_import(source=handle)
        except FileNotFoundError:
            raise CommandError(f"Không tìm thấy tệp {options['file']}") from None
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Không nhập được: {len(failure.errors)} lỗi, không lưu đơn vị nào.") from None
        self.stdout.write(f"Đã nhập {changed} đơn vị.")
