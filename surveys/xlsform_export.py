"""XLSForm export: a questionnaire written as the ODK / KoboToolbox standard (`survey`, `choices`,
`settings` sheets), the twin of the import in surveys/xlsform.py."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from surveys import xlsform_languages as languages
from surveys.models import SCALED_TYPES, Questionnaire, QuestionType
from surveys.services.questionnaires import questionnaire_to_spec
from surveys.specs import QuestionnaireSpec, QuestionSpec
from surveys.xlsform import CHOICES, EN_LABEL, SETTINGS, SURVEY, number_type_by_bounds
from units.spreadsheets import sheet_text_guard

HL_COLUMNS = ["hl_type", "hl_satisfied_levels", "hl_missing_codes", "hl_role", "hl_part", "hl_min", "hl_max"]
NUMBER_TYPES = frozenset({"integer", "decimal", "range"})
_SELECT_TYPES = {QuestionType.MULTI: "select_multiple"}
_SIMPLE_EXPORT = {QuestionType.TEXT: "text", QuestionType.DATE: "date", QuestionType.NOTE: "note"}


def _number_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _list_name(question: QuestionSpec, lists: dict[str, list[dict[str, Any]]]) -> str:
    """The question's own list name, or a new one when another question uses that name for other choices."""
    base = question.choice_list or f"{question.code}_ds"
    name, n = base, 2
    while name in lists and lists[name] != question.choices:
        name, n = f"{base}_{n}", n + 1
    lists[name] = question.choices
    return name


def _export_type(question: QuestionSpec, lists: dict[str, list[dict[str, Any]]]) -> str:
    if question.type == QuestionType.NUMBER and question.xlsform_type in NUMBER_TYPES:
        return question.xlsform_type
    if question.type == QuestionType.NUMBER:
        return number_type_by_bounds(question)
    if question.type in _SIMPLE_EXPORT:
        return _SIMPLE_EXPORT[question.type]
    return f"{_SELECT_TYPES.get(question.type, 'select_one')} {_list_name(question, lists)}"


def _levels_text(levels: list[int]) -> str:
    return " ".join(str(level) for level in levels)


def _has_english(spec: QuestionnaireSpec) -> bool:
    if spec.language == "en":
        return False
    return any(
        section.title_en or any(q.text_en or any(choice.get("label_en") for choice in q.choices) for q in section.questions)
        for section in spec.sections
    )


def xlsform_export(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an XLSForm workbook (survey, choices, settings) in its own language, with English
    beside it when it has English texts. An English text that is missing is written as the main text, never
    left empty: pyxform would put "-" in its place in the form."""
    spec = questionnaire_to_spec(questionnaire)
    english = _has_english(spec)
    main = lambda base: languages.column(base, spec.language)  # noqa: E731
    lists: dict[str, list[dict[str, Any]]] = {}
    workbook = Workbook()
    survey = workbook.active
    survey.title = SURVEY
    # English hints and messages: we keep none, so the main text stands in (pyxform would write "-")
    stand_ins = [f"hint::{EN_LABEL}", f"constraint_message::{EN_LABEL}"] if english else []
    columns = ["type", "name", main("label"), *([f"label::{EN_LABEL}"] if english else []), main("hint"), "required", "relevant", "constraint",
               main("constraint_message"), *stand_ins, "appearance", "parameters", *HL_COLUMNS]
    survey.append(columns)

    def row(**values: Any) -> list[Any]:
        return [values.get(name, "") for name in columns]

    for section in spec.sections:
        survey.append(row(type="begin group", name=section.code, relevant=section.relevant, hl_part=section.part,
                          **{main("label"): section.title}, **({f"label::{EN_LABEL}": section.title_en or section.title} if english else {})))
        for q in section.questions:
            appearance = " ".join(filter(None, [q.appearance, "likert" if q.type in SCALED_TYPES else ""]))
            survey.append(
                row(
                    type=_export_type(q, lists), name=q.code, required="yes" if q.required else "", relevant=q.relevant, constraint=q.constraint,
                    appearance=appearance, parameters=q.parameters if q.xlsform_type == "range" else "", hl_type=q.type,
                    hl_satisfied_levels=_levels_text(q.satisfied_levels), hl_missing_codes=_levels_text(q.missing_codes), hl_role=q.role,
                    hl_min=_number_text(q.min_value), hl_max=_number_text(q.max_value),
                    **{main("label"): q.text, main("hint"): q.hint, main("constraint_message"): q.constraint_message},
                    **({f"label::{EN_LABEL}": q.text_en or q.text, f"hint::{EN_LABEL}": q.hint, f"constraint_message::{EN_LABEL}": q.constraint_message} if english else {}),
                )
            )
        survey.append(row(type="end group", name=section.code))
    choices = workbook.create_sheet(CHOICES)
    choices.append(["list_name", "name", main("label"), *([f"label::{EN_LABEL}"] if english else [])])
    for list_name, items in lists.items():
        for item in items:
            label = item.get("label", "")
            choices.append([list_name, item.get("name") or str(item["value"]), label, *([item.get("label_en") or label] if english else [])])
    settings = workbook.create_sheet(SETTINGS)
    duplicates = any(len({item.get("name") or str(item["value"]) for item in items}) < len(items) for items in lists.values())
    settings.append(["form_id", "version", "form_title", "default_language", "allow_choice_duplicates", "hl_parts"])
    settings.append(
        [spec.code, spec.version_text or str(spec.version), spec.title, languages.language_column(spec.language), "yes" if duplicates else "",
         json.dumps(spec.parts, ensure_ascii=False) if spec.parts else ""]
    )
    for sheet in workbook.worksheets:
        sheet_text_guard(sheet)  # a label such as "=HYPERLINK(…)" stays text
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
