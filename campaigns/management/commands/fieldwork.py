import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from campaigns.fieldwork.selectors import RateRow, fieldwork_report
from campaigns.management.lookup import campaign_or_error
from units.formatting import percent_vi
from units.selectors import unit_by_code

RATE_NAMES = ("RR1", "RR3", "COOP1", "REF1", "CON1")


def _rates_text(row: RateRow, e: float) -> str:
    rates = row.as_dict(e)["rates"]
    return "  ".join(f"{name} {percent_vi(rates[name] * 100) if rates[name] is not None else '—'}" for name in RATE_NAMES)


class Command(BaseCommand):
    help = (
        "Tiến độ thực địa của một đợt: theo từng ô mẫu (đơn vị × kênh × phiếu) số người rút, dự phòng đã dùng, hoàn thành, "
        "dở dang, từ chối, không liên hệ được, khác, chưa rõ đủ điều kiện, không thuộc đối tượng và tỷ lệ AAPOR "
        "(RR1, RR3 với ước lượng e, COOP1, REF1, CON1); --json cho máy đọc."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", metavar="CODE", help="Mã đợt khảo sát")
        parser.add_argument("--json", action="store_true", help="In JSON (tỷ lệ là phân số 0–1, đủ độ chính xác)")
        parser.add_argument("--unit", metavar="UNIT_CODE", help="Chỉ các đơn vị thuộc đơn vị này")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["code"])
        within = None
        if options["unit"]:
            within = unit_by_code(options["unit"])
            if within is None:
                raise CommandError(f"Không tìm thấy đơn vị có mã «{options['unit']}».")
        report = fieldwork_report(campaign=campaign, within=within)
        if options["json"]:
            data = {**report.as_json(), "computed_at": timezone.now().isoformat(), "unit": within.code if within else None}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        total = report.total
        self.stdout.write(f"Đợt «{campaign.code}»: {total.counts.total} trường hợp trong mẫu, e = {report.e:.4f}. {_rates_text(total, report.e)}")
        header = f"{'đơn vị':<14} {'kênh':<11} {'cỡ':>4} {'rút':>4} {'dp':>4} {'HT':>4} {'DD':>4} {'TC':>4} {'KLL':>4} {'K':>4} {'CR':>4} {'KĐT':>4}"
        self.stdout.write(header)
        for row in report.cells:
            line = row.as_dict(report.e)
            self.stdout.write(
                f"{line['unit']:<14} {line['channel']:<11} {line['target']:>4} {line['drawn']:>4} {line['released_reserves']:>4} "
                f"{line['completed']:>4} {line['partial']:>4} {line['refusals']:>4} {line['non_contacts']:>4} {line['other']:>4} "
                f"{line['unknown_eligibility']:>4} {line['not_eligible']:>4}  {_rates_text(row, report.e)}"
            )
        self.stdout.write("(cỡ: cỡ mẫu, rút: người rút chính, dp: dự phòng đã dùng, HT: hoàn thành, DD: dở dang, TC: từ chối, "
                          "KLL: không liên hệ được, K: khác, CR: chưa rõ đủ điều kiện, KĐT: không thuộc đối tượng)")
