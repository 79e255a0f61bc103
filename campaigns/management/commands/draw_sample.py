from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.management.lookup import campaign_or_error
from campaigns.sampling import DEFAULT_RESERVE_RATIO, sample_draw
from campaigns.services import CampaignRuleError
from units.access import SYSTEM


class Command(BaseCommand):
    help = (
        "Rút mẫu ngẫu nhiên phân tầng (theo đơn vị × kênh × phiếu) từ khung mẫu của đợt, kèm người dự phòng, "
        "và phân công cho điều tra viên. Cùng hạt giống thì cùng kết quả."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", metavar="CODE", help="Mã đợt khảo sát")
        parser.add_argument("--reserve", type=float, default=DEFAULT_RESERVE_RATIO * 100, metavar="PERCENT", help="Tỷ lệ dự phòng (%%), mặc định 20")
        parser.add_argument("--redraw", action="store_true", help="Rút lại (chỉ khi chưa có phân công nào được liên hệ)")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["code"])
        try:
            report = sample_draw(campaign=campaign, reserve_ratio=options["reserve"] / 100, redraw=options["redraw"], actor=SYSTEM)
        except CampaignRuleError as problem:
            raise CommandError(" ".join(problem.messages)) from None
        self.stdout.write(report.summary())
