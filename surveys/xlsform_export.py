"""XLSForm export: a questionnaire written as the ODK / KoboToolbox standard (`survey`, `choices`,
`settings` sheets), the twin of the import in surveys/xlsform.py."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from surveys.models import SCALED_TYPES, Questionnaire, QuestionType
from surveys.services.questionnaires import questionnaire_to_spec
from surveys.specs import QuestionSpec
from surveys.xlsform import CHOICES, EN_LABEL, SETTINGS, SURVEY, VI_LABEL, number_type_by_bounds
from surveys.xlsform_keep import keep_choices_sheet, keep_default_language, keep_survey_sheet, main_language_column
from units.spreadsheets import sheet_text_guard

SURVEY_COLUMNS = [
    "type",
    "name",
    f"label::{VI_LABEL}",
    f"label::{EN_LABEL}",
    f"hint::{VI_LABEL}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{VI_LABEL}",
    "appearance",
    "hl_type",
    "hl_satisfied_levels",
    "hl_missing_codes",
    "hl_role",
    "hl_part",
    "hl_min",
    "hl_max",
    "calculation",
    "parameters",
]
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
    if question.type == QuestionType.CALCULATE:
        return "calculate"
    if question.type == QuestionType.META:
        return question.calculation  # start, end, today, deviceid, username
    if question.type == QuestionType.NUMBER and question.xlsform_type in NUMBER_TYPES:
        return question.xlsform_type  # as the form gave it: a decimal stays decimal, a range keeps its parameters
    if question.type == QuestionType.NUMBER:
        return number_type_by_bounds(question)
    if question.type in _SIMPLE_EXPORT:
        return _SIMPLE_EXPORT[question.type]
    return f"{_SELECT_TYPES.get(question.type, 'select_one')} {_list_name(question, lists)}"


TRANSLATED = ("label", "hint", "constraint_message", "required_message")


def _language_columns(sheet: Any, base: str) -> dict[str, int]:
    """The sheet's columns of one translated text, by language ("" for the column without one)."""
    columns = {}
    for cell in sheet[1]:
        name = str(cell.value or "")
        if name.split("::")[0] == base:
            columns[name.split("::", 1)[1] if "::" in name else ""] = cell.column
    return columns


def fill_missing_translations(sheets: list[Any], main_language: str) -> None:
    """pyxform gives every text every language the form uses and writes "-" where a translation is missing. So
    each translated text gets a column in every language, and a row with a text in the main language and none in
    another gets the main text there. The import reads a translation that repeats the main text as none
    (surveys.xlsform_keep), so the round trip is unchanged."""
    languages = {language for sheet in sheets for base in TRANSLATED for language in _language_columns(sheet, base)}
    if len(languages) < 2:
        return
    for sheet in sheets:
        for base in TRANSLATED:
            columns = _language_columns(sheet, base)
            if not columns:
                continue
            main = columns.get(main_language)
            if main is None:  # no text of this kind in the main language: nothing to stand in with
                continue
            for language in sorted(languages - set(columns)):
                column = sheet.max_column + 1
                sheet.cell(row=1, column=column, value=f"{base}::{language}" if language else base)
                columns[language] = column
            for row in range(2, sheet.max_row + 1):
                text = sheet.cell(row=row, column=main).value
                if text in (None, ""):
                    continue
                for column in columns.values():
                    if sheet.cell(row=row, column=column).value in (None, ""):
                        sheet.cell(row=row, column=column, value=text)


def _levels_text(levels: list[int]) -> str:
    return " ".join(str(level) for level in levels)


def xlsform_export(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an XLSForm workbook (survey, choices, settings)."""
    spec = questionnaire_to_spec(questionnaire)
    lists: dict[str, list[dict[str, Any]]] = {}
    workbook = Workbook()
    survey = workbook.active
    survey.title = SURVEY
    survey.append(SURVEY_COLUMNS)
    for section in spec.sections:
        # A missing English text is written as the main one, never left empty: pyxform would put "-" in its place.
        group = ["begin group", section.code, section.title, section.title_en or section.title, "", "", section.relevant]
        survey.append(group + [""] * (SURVEY_COLUMNS.index("hl_part") - len(group)) + [section.part])
        for q in section.questions:
            appearance = " ".join(filter(None, [q.appearance, "likert" if q.type in SCALED_TYPES else ""]))
            computed = q.type in (QuestionType.CALCULATE, QuestionType.META)  # no label: never shown
            survey.append(
                [
                    _export_type(q, lists),
                    q.code,
                    "" if computed and q.text == q.code else q.text,
                    "" if computed and q.text == q.code else q.text_en or q.text,
                    q.hint,
                    "yes" if q.required else "",
                    q.relevant,
                    q.constraint,
                    q.constraint_message,
                    appearance,
                    q.type,
                    _levels_text(q.satisfied_levels),
                    _levels_text(q.missing_codes),
                    q.role,
                    "",
                    _number_text(q.min_value),
                    _number_text(q.max_value),
                    q.calculation if q.type == QuestionType.CALCULATE else "",
                    q.parameters if q.xlsform_type == "range" else "",
                ]
            )
        survey.append(["end group", section.code])
    keep_survey_sheet(survey, spec)
    choices = workbook.create_sheet(CHOICES)
    choices.append(["list_name", "name", f"label::{VI_LABEL}", f"label::{EN_LABEL}"])
    for list_name, items in lists.items():
        for item in items:
            choices.append([list_name, item.get("name") or str(item["value"]), item.get("label", ""), item.get("label_en") or item.get("label", "")])
    keep_choices_sheet(choices, spec, lists)
    settings = workbook.create_sheet(SETTINGS)
    duplicates = any(len({item.get("name") or str(item["value"]) for item in items}) < len(items) for items in lists.values())
    settings.append(["form_id", "version", "form_title", "default_language", "allow_choice_duplicates", "hl_parts"])
    settings.append(
        [spec.code, spec.version_text or str(spec.version), spec.title, keep_default_language(spec), "yes" if duplicates else "",
         json.dumps(spec.parts, ensure_ascii=False) if spec.parts else ""]
    )
    fill_missing_translations([survey, choices], main_language_column(spec))
    for sheet in workbook.worksheets:
        sheet_text_guard(sheet)  # a label such as "=HYPERLINK(…)" stays text
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
