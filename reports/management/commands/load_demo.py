from django.core.management.base import BaseCommand

from units.demo import load_units_demo


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: tỉnh Khánh Hòa, các sở, cơ sở y tế, người dùng mẫu theo vai trò. Chạy lại không tạo trùng."

    def handle(self, *args, **options) -> None:
        logins = load_units_demo()
        self.stdout.write("Dữ liệu mẫu đã sẵn sàng. Tài khoản mẫu (tên đăng nhập / mật khẩu — vai trò):")
        for username, password, role in logins:
            self.stdout.write(f"  {username} / {password} — {role}")
