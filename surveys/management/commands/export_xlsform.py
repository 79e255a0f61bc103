"""`export_xlsform CODE [--form-version N] --out FILE`: write a questionnaire as an XLSForm workbook."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.selectors import questionnaire_latest
from surveys.xlsform_export import xlsform_export


class Command(BaseCommand):
    help = "Xuất một phiếu khảo sát ra tệp XLSForm (.xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="mã phiếu (chữ hoa hay chữ thường đều được)")
        parser.add_argument("--form-version", dest="form_version", type=int, help="phiên bản (mặc định: mới nhất)")
        parser.add_argument("--out", required=True, help="tệp .xlsx sẽ ghi ra")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        questionnaire = questionnaire_latest(options["code"], version=options["form_version"] or None)
        if questionnaire is None:
            raise CommandError(f"Không có phiếu mã «{options['code']}».")
        Path(options["out"]).write_bytes(xlsform_export(questionnaire))
        self.stdout.write(f"Đã xuất {questionnaire.code} v{questionnaire.version} ra {options['out']}.")
