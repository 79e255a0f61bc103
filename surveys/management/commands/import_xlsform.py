"""`import_xlsform FILE [--code CODE] [--owner UNIT]`: import an XLSForm as a new draft questionnaire."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.services.questionnaires import QuestionnaireInvalid
from surveys.services.roles import questionnaire_confirm_roles
from surveys.xlsform import xlsform_import
from units.access import SYSTEM
from units.selectors import unit_by_code
from units.spreadsheets import ImportFailed


class Command(BaseCommand):
    help = "Nhập một phiếu XLSForm (.xlsx hoặc .xls, chuẩn ODK/KoboToolbox) thành phiếu khảo sát nháp; in ra phần không giữ được kèm số dòng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="đường dẫn tệp .xlsx hoặc .xls")
        parser.add_argument("--code", help="mã phiếu (mặc định: form_id trong trang tính settings, hoặc tên tệp)")
        parser.add_argument("--owner", metavar="UNIT", help="mã đơn vị sở hữu phiếu (mặc định: không có, phiếu mẫu dùng chung)")
        parser.add_argument(
            "--confirm-roles", action="store_true",
            help="xác nhận luôn vai trò các câu hỏi như trong tệp (mặc định: cán bộ xác nhận trong trang quản trị trước khi dùng)",
        )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        owner = unit_by_code(options["owner"]) if options["owner"] else None
        if options["owner"] and owner is None:
            raise CommandError(f"Không tìm thấy đơn vị mã «{options['owner']}».")
        try:
            result = xlsform_import(options["file"], code=options["code"], actor=SYSTEM, owner=owner)
        except ImportFailed as failure:
            raise CommandError("Tệp có lỗi, không có gì được lưu:\n" + "\n".join(failure.messages())) from None
        questionnaire = result.questionnaire
        for warning in result.warnings:
            self.stderr.write(f"Lưu ý: {warning}")
        for line in result.roles:
            self.stdout.write(line)
        if options["confirm_roles"]:
            try:
                questionnaire_confirm_roles(questionnaire=questionnaire, actor=SYSTEM)
            except QuestionnaireInvalid as error:
                raise CommandError("Phiếu đã được lưu (nháp) nhưng chưa xác nhận được vai trò câu hỏi:\n" + "\n".join(error.messages)) from None
            self.stdout.write("Đã xác nhận vai trò các câu hỏi.")
        else:
            self.stdout.write("Vai trò các câu hỏi chưa được xác nhận: xem và xác nhận trong trang quản trị trước khi dùng cho đợt khảo sát.")
        self.stdout.write(
            f"Đã nhập phiếu «{questionnaire.title}» mã {questionnaire.code} v{questionnaire.version}: "
            f"{questionnaire.sections.count()} phần, {questionnaire.questions.count()} câu hỏi."
        )
