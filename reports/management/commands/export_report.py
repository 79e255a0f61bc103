from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns.management.lookup import campaign_or_error
from campaigns.models import CampaignStatus
from reports.dashboards import snapshot_published
from reports.documents.pdf import PdfUnavailable, docx_to_pdf
from reports.documents.report import report_document_build
from reports.models import IndexValue
from reports.selectors import working_snapshot
from reports.workbook import report_workbook_write
from units.access import SYSTEM
from units.models import Unit
from units.selectors import unit_by_code
from units.services import audit_record


class Command(BaseCommand):
    help = (
        "Xuất báo cáo của Sở cho một đợt khảo sát: Excel (mặc định, phụ lục số liệu), Word theo thể thức Nghị định 30/2020/NĐ-CP "
        "(--format docx) hoặc PDF (--format pdf, cần LibreOffice). Dùng bản công bố mới nhất; nếu chưa công bố thì số liệu đang tính "
        "(báo cáo Word ghi «TẠM TÍNH» trên mọi trang)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("campaign", help="mã đợt khảo sát")
        parser.add_argument("--out", required=True, help="đường dẫn tệp (.xlsx, .docx hoặc .pdf)")
        parser.add_argument("--format", choices=["xlsx", "docx", "pdf"], default="xlsx", help="xlsx (mặc định), docx hoặc pdf")
        parser.add_argument("--unit", default=None, help="mã đơn vị: báo cáo riêng của đơn vị (docx, pdf)")
        parser.add_argument("--published-version", type=int, default=None, help="phiên bản đã công bố (mặc định: mới nhất)")
        parser.add_argument("--raw", action="store_true", help="kèm trang dữ liệu thô (xlsx)")

    def handle(self, *args, **options) -> None:
        campaign = campaign_or_error(options["campaign"])
        if options["published_version"] is not None:
            snapshot = snapshot_published(campaign, options["published_version"])
            if snapshot is None:
                raise CommandError(f"Đợt «{campaign.code}» không có phiên bản công bố {options['published_version']}.")
        else:
            snapshot = (snapshot_published(campaign) if campaign.status == CampaignStatus.PUBLISHED else None) or working_snapshot(campaign)
        if snapshot is None or not IndexValue.objects.filter(snapshot=snapshot).exists():
            raise CommandError("Đợt khảo sát chưa có số liệu đã tính: chạy `recompute` trước.")
        out = Path(options["out"])
        kind = options["format"]
        if kind == "xlsx":
            if options["unit"]:
                raise CommandError("--unit chỉ dùng với --format docx hoặc pdf.")
            report_workbook_write(campaign=campaign, snapshot=snapshot, out=out, include_raw=options["raw"])
        else:
            out.write_bytes(self._document(campaign, snapshot, options["unit"], kind))
        audit_record(
            actor=SYSTEM, action="export.report", obj=campaign,
            changes={"command": "export_report", "format": kind, "unit": options["unit"] or "", "include_raw": options["raw"], "out": str(out)},
        )
        self.stdout.write(f"Đã ghi {out} ({'phiên bản ' + str(snapshot.version) if snapshot.version else 'số liệu đang tính, TẠM TÍNH'}).")

    def _document(self, campaign, snapshot, unit_code: str | None, kind: str) -> bytes:
        unit = None
        if unit_code:
            unit = unit_by_code(unit_code, Unit.objects.select_related("parent", "type"))
            if unit is None or not unit.path.startswith(campaign.organiser.path):
                raise CommandError(f"Không có đơn vị «{unit_code}» trong đợt «{campaign.code}».")
        data = report_document_build(campaign=campaign, snapshot=snapshot, unit=unit)
        if kind == "docx":
            return data
        try:
            return docx_to_pdf(data)
        except PdfUnavailable as error:
            raise CommandError(str(error)) from None
