from django.core.management.base import BaseCommand

from units.access import SYSTEM
from units.management.imports import import_errors_reported, import_from_path
from units.services import units_import


class Command(BaseCommand):
    help = (
        "Nhập đơn vị từ tệp Excel (cột code, name, type, parent_code). "
        "Tệp có lỗi thì không lưu gì và liệt kê mọi lỗi theo trang tính, dòng, cột."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Tệp .xlsx")

    def handle(self, *args, **options) -> None:
        with import_errors_reported(self.stderr, nothing_saved="không lưu đơn vị nào"):
            changed = import_from_path(options["file"], lambda handle: units_import(source=handle, actor=SYSTEM))
        self.stdout.write(f"Đã nhập {changed} đơn vị.")
