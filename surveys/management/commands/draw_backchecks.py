from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.management.lookup import campaign_or_error
from surveys.quality.backchecks import BackCheckError, backchecks_draw
from units.access import SYSTEM


class Command(BaseCommand):
    help = (
        "Chọn ngẫu nhiên phiếu phúc tra của đợt: mỗi điều tra viên một tỷ lệ phiếu đã hoàn thành (quy tắc chất lượng "
        "của đợt, ít nhất 1 phiếu). Cùng phiếu và cùng hạt giống thì cùng kết quả; lần chọn sau chỉ thêm phiếu mới."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", metavar="CODE", help="Mã đợt khảo sát")
        parser.add_argument(
            "--seed", type=int, default=None, metavar="N", help="Hạt giống (mặc định: hạt giống lần chọn trước, hoặc một số ngẫu nhiên)"
        )

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["code"])
        try:
            result = backchecks_draw(actor=SYSTEM, campaign=campaign, seed=options["seed"])
        except BackCheckError as problem:
            raise CommandError(" ".join(problem.messages)) from None
        self.stdout.write(f"Phúc tra đợt «{campaign.code}», hạt giống {result.seed}:")
        for row in result.rows:
            name = row.enumerator.get_full_name()
            self.stdout.write(
                f"  {row.enumerator.username}{f' ({name})' if name else ''}: {row.completed} phiếu hoàn thành, "
                f"chọn thêm {row.drawn_now}, tổng {row.drawn} phiếu phúc tra"
            )
        self.stdout.write(f"Tổng: {result.drawn_now} phiếu mới được chọn.")
