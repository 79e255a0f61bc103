from django.core.management.base import BaseCommand, CommandParser

from units.access import SYSTEM
from units.management.imports import import_errors_reported, import_from_path
from units.people import PEOPLE_COLUMNS_HELP, people_import


class Command(BaseCommand):
    help = (
        f"Tạo tài khoản điều tra viên và giám sát viên từ tệp Excel. Các cột: {PEOPLE_COLUMNS_HELP}. Mỗi tài khoản có mật khẩu tạm "
        "(in ra một lần) và phải đặt mật khẩu mới khi đăng nhập lần đầu. Tệp có lỗi thì không tạo tài khoản nào và liệt kê mọi lỗi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="Tệp .xlsx")

    def handle(self, *args, **options) -> None:
        with import_errors_reported(self.stderr, nothing_saved="không tạo tài khoản nào"):
            accounts = import_from_path(options["file"], lambda handle: people_import(actor=SYSTEM, source=handle))
        self.stdout.write(f"Đã tạo {len(accounts)} tài khoản (tên đăng nhập, mật khẩu tạm, phải đổi khi đăng nhập lần đầu):")
        for account in accounts:
            self.stdout.write(f"{account.user.username}\t{account.password}")
