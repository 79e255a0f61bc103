"""`import_xlsform FILE [--code CODE]`: import an XLSForm as a new draft questionnaire."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.xlsform import xlsform_import
from units.spreadsheets import ImportFailed


class Command(BaseCommand):
    help = "Nhập một phiếu XLSForm (.xlsx, chuẩn ODK/KoboToolbox) thành phiếu khảo sát nháp."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="đường dẫn tệp .xlsx")
        parser.add_argument("--code", help="mã phiếu (mặc định: form_id trong trang tính settings, hoặc tên tệp)")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            result = xlsform_import(options["file"], code=options["code"])
        except ImportFailed as failure:
            raise CommandError("Tệp có lỗi, không có gì được lưu:\n" + "\n".join(failure.messages())) from None
        questionnaire = result.questionnaire
        for warning in result.warnings:
            self.stderr.write(f"Lưu ý: {warning}")
        self.stdout.write(
            f"Đã nhập phiếu «{questionnaire.title}» mã {questionnaire.code} v{questionnaire.version}: "
            f"{questionnaire.sections.count()} phần, {questionnaire.questions.count()} câu hỏi."
        )
