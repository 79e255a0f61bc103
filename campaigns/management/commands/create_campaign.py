import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.copying import campaign_setup
from campaigns.models import IndexSchemeCode
from campaigns.selectors import questionnaire_latest, quotas_unmade_reasons
from campaigns.services import CampaignRuleError
from units.access import SYSTEM
from units.selectors import unit_by_code


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Ngày «{text}» không hợp lệ (cần dạng YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Tạo một đợt khảo sát (nháp) sẵn sàng kích hoạt: các phiếu cho toàn bộ đơn vị trực thuộc đơn vị tổ chức "
        "(chính đơn vị tổ chức khi nó không có đơn vị trực thuộc), kênh tại bộ phận một cửa trong suốt thời gian khảo sát "
        "và cỡ mẫu theo mặc định (150/xã, 200/phường, 100 cho đơn vị tổ chức tự khảo sát) hoặc --quota N cho mọi đơn vị. "
        "Mã đơn vị, mã phiếu viết hoa hay thường đều được."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="Mã đợt (chữ không dấu, số, gạch ngang), ví dụ sipas-2025")
        parser.add_argument("--name", required=True, help="Tên đợt khảo sát")
        parser.add_argument("--organiser", required=True, metavar="UNIT_CODE", help="Mã đơn vị tổ chức")
        parser.add_argument(
            "--questionnaire", required=True, action="append", metavar="QCODE", help="Mã phiếu (lấy phiên bản mới nhất); lặp lại để thêm phiếu"
        )
        parser.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="Ngày bắt đầu khảo sát")
        parser.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="Ngày kết thúc khảo sát")
        parser.add_argument("--scheme", required=True, choices=IndexSchemeCode.values, help="Phương pháp tính chỉ số")
        parser.add_argument(
            "--target", metavar="PERCENT",
            help="Chỉ tiêu (%%), ví dụ 87.5; mặc định: chỉ tiêu của văn bản đang áp dụng cho phương pháp và năm (kèm căn cứ)",
        )
        parser.add_argument("--target-source", default="", metavar="TEXT", help="Căn cứ của chỉ tiêu (số, ngày văn bản) khi đặt --target")
        parser.add_argument("--quota", type=int, metavar="N", help="Cỡ mẫu cho mỗi đơn vị (mặc định: theo loại đơn vị)")

    def handle(self, *args, **options) -> None:
        organiser = unit_by_code(options["organiser"])
        if organiser is None:
            raise CommandError(f"Không tìm thấy đơn vị có mã «{options['organiser']}».")
        questionnaires = []
        for code in options["questionnaire"]:
            questionnaire = questionnaire_latest(code)
            if questionnaire is None:
                raise CommandError(f"Không tìm thấy phiếu có mã «{code}».")
            questionnaires.append(questionnaire)
        try:
            target = Decimal(options["target"].replace(",", ".")) if options["target"] else None
        except InvalidOperation:
            raise CommandError(f"Chỉ tiêu «{options['target']}» không phải là số.") from None
        try:
            campaign, quotas = campaign_setup(
                code=options["code"],
                name=options["name"],
                organiser=organiser,
                questionnaires=questionnaires,
                fieldwork_start=_date(options["start"]),
                fieldwork_end=_date(options["end"]),
                index_scheme=options["scheme"],
                target_index=target,
                target_source=options["target_source"],
                quota=options["quota"],
                actor=SYSTEM,
            )
        except CampaignRuleError as problem:
            raise CommandError(" ".join(problem.messages)) from None
        self.stdout.write(f"Đã tạo đợt «{campaign.code}» (nháp) với {len(questionnaires)} phiếu và {quotas} cỡ mẫu.")
        if not quotas:
            self.stderr.write(" ".join(["Chưa có cỡ mẫu nào.", *quotas_unmade_reasons(campaign, size=options["quota"])]))
