"""`load_questionnaire_template NAME`: create a questionnaire from a built-in template."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.builtin_forms import TEMPLATES
from surveys.services.questionnaires import QuestionnaireInvalid, questionnaire_load_template
from units.access import SYSTEM


class Command(BaseCommand):
    help = "Nạp một phiếu mẫu có sẵn (không tạo lại nếu đã có). Các mẫu: " + "; ".join(
        f"{name} = {template.label}" for name, template in TEMPLATES.items()
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="+", choices=[*TEMPLATES, "all"], help="tên mẫu, hoặc «all» để nạp tất cả")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        names = list(TEMPLATES) if "all" in options["name"] else options["name"]
        for name in names:
            try:
                questionnaire, created = questionnaire_load_template(name=name, actor=SYSTEM)
            except QuestionnaireInvalid as error:
                raise CommandError("\n".join(error.messages)) from None
            state = "đã tạo" if created else "đã có sẵn"
            self.stdout.write(f"{name}: {questionnaire.code} v{questionnaire.version} ({state}, {questionnaire.questions.count()} câu hỏi)")
