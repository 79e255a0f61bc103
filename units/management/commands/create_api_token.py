from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from units.access import SYSTEM
from units.forms import ApiTokenForm
from units.services import ApiTokenRuleError, api_token_create


class Command(BaseCommand):
    help = (
        "Tạo khoá API cá nhân cho một người dùng, để phần mềm bên ngoài gửi phiếu qua API thay cho người đó. "
        "Khoá được in ra một lần (dòng duy nhất trên stdout) và không lưu lại ở đâu."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="Tên đăng nhập của người dùng")
        parser.add_argument("--name", required=True, help="Khoá dùng cho việc gì, ví dụ «Tổng đài 1022»")
        parser.add_argument("--expires", default="", metavar="dd/mm/yyyy", help="Dùng được đến hết ngày này (bỏ trống: không hết hạn)")

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Không tìm thấy người dùng «{options['username']}».")
        # The page's form reads --name and --expires, so both accept and refuse the same input.
        form = ApiTokenForm(data={"name": options["name"], "expires_at": options["expires"]})
        if not form.is_valid():
            options_by_field = {"name": "--name", "expires_at": "--expires"}
            raise CommandError(" ".join(f"{options_by_field.get(field, '')} {message}".strip() for field, messages in form.errors.items() for message in messages))
        try:
            token, raw_key = api_token_create(user=user, name=form.cleaned_data["name"], expires_at=form.cleaned_data["expires_at"], actor=SYSTEM)
        except ApiTokenRuleError as problem:
            raise CommandError(" ".join(problem.messages)) from None
        self.stderr.write(f"Đã tạo khoá «{token.name}» ({token.prefix}…) cho {user.username}. Khoá chỉ hiện một lần, hãy lưu lại ngay:")
        self.stdout.write(raw_key)
