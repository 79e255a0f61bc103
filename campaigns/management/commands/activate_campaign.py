from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.management.lookup import campaign_or_error
from campaigns.services import CampaignRuleError, campaign_activate
from units.access import SYSTEM


class Command(BaseCommand):
    help = "Kích hoạt (bắt đầu khảo sát) một đợt đang ở trạng thái nháp; nếu chưa đủ điều kiện thì nêu rõ điều kiện còn thiếu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", metavar="CODE", help="Mã đợt khảo sát")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["code"])
        try:
            campaign_activate(campaign=campaign, actor=SYSTEM)
        except CampaignRuleError as problem:
            raise CommandError("Không kích hoạt được: " + " ".join(problem.messages)) from None
        self.stdout.write(f"Đợt «{campaign.code}» đã bắt đầu khảo sát.")
