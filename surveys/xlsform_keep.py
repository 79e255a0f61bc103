"""What an XLSForm says beyond our core fields, kept on import and written back on export.

Import (`keep_from_xlsform`, called by surveys.xlsform once pyxform has read the form): every language of
`label::`/`hint::`/`constraint_message::`/`required_message::` columns (surveys.translations), the
default language, `choice_filter` with the choices' other columns (surveys.cascades), `default`,
`required_message` and `read_only`. A `${name}` in a label or hint that names a field we skip is shown
empty, with a note: the export must convert with pyxform, which refuses a reference to a missing field.

Export (`keep_survey_sheet`, `keep_choices_sheet`, `keep_default_language`, called by
surveys.xlsform_export on the sheets it wrote): the language columns renamed to the form's own
languages, one column per further language, and the columns above; so export → pyxform → import gives
the same questionnaire.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.worksheet.worksheet import Worksheet
from pyxform import aliases

from surveys.specs import QuestionnaireSpec, QuestionSpec, SectionSpec
from surveys.translations import BUILT_IN, EN_NAME, UNNAMED, VI_NAME, language_slots, references, without_references

# Keys of a pyxform choice that are not the choice's own columns.
_CHOICE_OWN = frozenset({"name", "label", "media", "image", "audio", "video", "big-image", "sms_option"})
_OTHER_TEXTS = ("hint", "constraint_message", "required_message")


# ------------------------------------------------------------------------------------------ import


def _texts(value: Any) -> dict[str, str]:
    """{language: text} of a pyxform label (a plain string is the unnamed language)."""
    if not value:
        return {}
    if isinstance(value, Mapping):
        return {str(key): str(text) for key, text in value.items() if text is not None}
    return {UNNAMED: str(value)}


def _nodes(children: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in children:
        yield node
        yield from _nodes(node.get("children") or [])


def _declared(form: dict[str, Any]) -> list[str]:
    """The languages the form's texts use, in the order met. A text of a column without language (pyxform
    leaves it a plain string) is in no language of its own: the unnamed one only when no column names one."""
    names: dict[str, None] = {}
    plain = False
    for node in _nodes(form.get("children") or []):
        bind = node.get("bind") or {}
        values = [node.get("label"), node.get("hint"), bind.get("jr:constraintMsg"), bind.get("jr:requiredMsg")]
        values += [choice.get("label") for choice in node.get("choices") or []]
        for value in values:
            if isinstance(value, Mapping):
                names.update(dict.fromkeys(str(key) for key in value))
            plain = plain or bool(value and isinstance(value, str))
    return list(names) or ([UNNAMED] if plain else [])


def _spread(texts: dict[str, str], slots: list[dict[str, str]], fallback: str = "") -> tuple[str, str, dict[str, str]]:
    """(text of the main language, of the "en" slot, {other language: text})."""
    main = next((item["name"] for item in slots if item["slot"] == "vi"), "")
    english = next((item["name"] for item in slots if item["slot"] == "en"), "")
    if UNNAMED in texts and not any(item["name"] == UNNAMED for item in slots):
        texts = {**texts, main: texts.get(main) or texts[UNNAMED]}  # a column without language: the main one's
    text = texts.get(main, "") or fallback
    others = {item["name"]: texts[item["name"]] for item in slots if not item["slot"] and texts.get(item["name"]) and texts[item["name"]] != text}
    in_english = texts.get(english, "") if english else ""
    # An English text that repeats the main one is the export's stand-in for a missing one (pyxform would write
    # "-" in an empty cell): no English (as surveys.xlsform_values.pick_text reads it).
    return text, "" if in_english == text else in_english, others


def _set_translation(target: dict[str, dict[str, str]], language: str, key: str, text: str) -> None:
    if text:
        target.setdefault(language, {})[key] = text


def _keep_question(spec: QuestionSpec, node: dict[str, Any], slots: list[dict[str, str]]) -> None:
    bind = node.get("bind") or {}
    english = next((item["name"] for item in slots if item["slot"] == "en"), "")
    translations: dict[str, dict[str, str]] = {}
    spec.text, spec.text_en, others = _spread(_texts(node.get("label")), slots, spec.text)
    for language, text in others.items():
        _set_translation(translations, language, "label", text)
    for key, value in (("hint", node.get("hint")), ("constraint_message", bind.get("jr:constraintMsg")), ("required_message", bind.get("jr:requiredMsg"))):
        texts = _texts(value)
        main, in_english, others = _spread(texts, slots)
        setattr(spec, key, main if slots else getattr(spec, key) or texts.get(UNNAMED, ""))
        if english:
            _set_translation(translations, english, key, in_english)
        for language, text in others.items():
            _set_translation(translations, language, key, text)
    spec.translations = translations
    spec.choice_filter = str(node.get("choice_filter") or "").strip()
    default = node.get("default")
    spec.default_value = "" if default is None else str(default).strip()
    readonly = str(bind.get("readonly") or "").strip()
    spec.read_only = spec.type != "note" and (readonly == "true()" or aliases.yes_no.get(readonly, False) is True)
    for choice, raw in zip(spec.choices, node.get("choices") or [], strict=False):
        label, label_en, others = _spread(_texts(raw.get("label")), slots, choice.get("label", ""))
        choice["label"], choice["label_en"] = label, label_en
        if others:
            choice["labels"] = others
        columns = {str(key): "" if value is None else str(value) for key, value in raw.items() if key not in _CHOICE_OWN and not isinstance(value, dict | list)}
        if columns:
            choice["columns"] = columns


def _keep_section(section: SectionSpec, node: dict[str, Any], slots: list[dict[str, str]]) -> None:
    section.title, section.title_en, others = _spread(_texts(node.get("label")), slots, section.title)
    section.translations = {language: {"label": text} for language, text in others.items()}


def _empty_skipped_references(spec: QuestionnaireSpec, rows: Mapping[str, Any], kept: set[str], warnings: list[str]) -> None:
    """`${name}` of a field not kept is shown empty (and said so): pyxform refuses a reference to a missing field."""
    for section in spec.sections:
        for question in section.questions:
            texts = [question.text, question.text_en, question.hint] + [t for item in question.translations.values() for t in item.values()]
            gone = {name for text in texts for name in references(text)} - kept
            if not gone:
                continue
            question.text, question.text_en, question.hint = (without_references(t, gone) for t in (question.text, question.text_en, question.hint))
            question.translations = {lang: {k: without_references(t, gone) for k, t in item.items()} for lang, item in question.translations.items()}
            row = rows.get(question.code)
            warnings.append(
                _("Dòng %(row)s: «%(refs)s» trong nhãn hoặc gợi ý của «%(code)s» được để trống (trường này không được nhập).")
                % {"row": getattr(row, "number", "?"), "refs": ", ".join("${" + name + "}" for name in sorted(gone)), "code": question.code}
            )


def keep_from_xlsform(spec: QuestionnaireSpec, form: dict[str, Any], settings: Mapping[str, Any], rows: Mapping[str, Any], warnings: list[str]) -> None:
    """Fill `spec` (built by surveys.xlsform from pyxform's JSON `form`) with the form's languages, cascades,
    defaults, required messages and read-only flags. `rows`: survey rows by name (for the notes)."""
    default = str(settings.get("default_language") or "").strip()
    slots = language_slots(_declared(form), default)
    by_name = {node.get("name"): node for node in _nodes(form.get("children") or []) if node.get("name")}
    for section in spec.sections:
        # A section opened after a nested group ("<group>_2") carries its group's label.
        group = by_name.get(section.code) or by_name.get(re.sub(r"_\d+$", "", section.code)) or {}
        if group.get("type") in ("group", "repeat"):
            _keep_section(section, group, slots)
        elif slots and not any(item["slot"] == "en" for item in slots):
            section.title_en = ""  # a section we made ("Thông tin chung"): no English where the form has none
        for question in section.questions:
            if question.code in by_name:
                _keep_question(question, by_name[question.code], slots)
    kept = {question.code for section in spec.sections for question in section.questions}
    _empty_skipped_references(spec, rows, kept, warnings)
    main = next((item["name"] for item in slots if item["slot"] == "vi"), "")
    spec.languages = [] if slots == BUILT_IN else slots
    spec.default_language = default if default and default != main and default in {item["name"] for item in slots} else ""


# ------------------------------------------------------------------------------------------ export


def _main_and_english(spec: QuestionnaireSpec) -> tuple[str, str | None, list[str]]:
    """The language names of the `text` and `text_en` fields (None: no English column) and the others."""
    if not spec.languages:
        return VI_NAME, EN_NAME, []
    main = next((item["name"] for item in spec.languages if item["slot"] == "vi"), VI_NAME)
    english = next((item["name"] for item in spec.languages if item["slot"] == "en"), None)
    return main, english, [item["name"] for item in spec.languages if not item["slot"]]


def main_language_column(spec: QuestionnaireSpec) -> str:
    """The language part of the export's main-text columns ("" for columns without a language)."""
    main, _english, _others = _main_and_english(spec)
    return "" if main == UNNAMED else main


def _column(key: str, language: str) -> str:
    return key if language == UNNAMED else f"{key}::{language}"


def keep_default_language(spec: QuestionnaireSpec) -> str:
    """The settings sheet's default_language: the form's own (none for a form with unnamed labels only)."""
    main, _english, _others = _main_and_english(spec)
    if spec.default_language:
        return spec.default_language
    return "" if main == UNNAMED else main


def _english_used(spec: QuestionnaireSpec) -> bool:
    """Whether any text is in the English slot: survey and choices sheets then both have its column."""
    return any(
        section.title_en or any(q.text_en or any(c.get("label_en") for c in q.choices if isinstance(c, dict)) for q in section.questions)
        for section in spec.sections
    )


def _rename_header(sheet: Worksheet, spec: QuestionnaireSpec, english_used: bool) -> None:
    """The export's fixed "Tiếng Việt (vi)" / "English (en)" columns become the form's main and English
    languages; the English column goes when the form has no English text at all (pyxform would fill "-")."""
    main, english, _others = _main_and_english(spec)
    drop = None
    for cell in sheet[1]:
        value = str(cell.value or "")
        if value.endswith(f"::{VI_NAME}"):
            cell.value = _column(value.split("::")[0], main)
        elif value.endswith(f"::{EN_NAME}"):
            if english and english_used:
                cell.value = _column(value.split("::")[0], english)
            else:
                drop = cell.column
    if drop:
        sheet.delete_cols(drop)


def _append_columns(sheet: Worksheet, columns: dict[str, dict[int, Any]]) -> None:
    """Columns (header: {row: value}) at the right of the sheet, only those with a value."""
    for header, cells in columns.items():
        if not any(value not in ("", None) for value in cells.values()):
            continue
        column = sheet.max_column + 1
        sheet.cell(row=1, column=column, value=header)
        for row, value in cells.items():
            sheet.cell(row=row, column=column, value=value)


def _header_index(sheet: Worksheet) -> dict[str, int]:
    return {str(cell.value): cell.column for cell in sheet[1] if cell.value}


def keep_survey_sheet(sheet: Worksheet, spec: QuestionnaireSpec) -> None:
    """Rename the language columns of the written survey sheet and add the kept columns, row by row (rows
    are found by their type and name, so rows other writers add are left alone)."""
    main, english, others = _main_and_english(spec)
    sections = {section.code: section for section in spec.sections}
    questions = {q.code: q for section in spec.sections for q in section.questions}
    english_used = _english_used(spec)
    known = set(questions)
    header = _header_index(sheet)
    columns: dict[str, dict[int, Any]] = {}

    def put(key: str, row: int, value: Any) -> None:
        columns.setdefault(key, {})[row] = value

    for row in range(2, sheet.max_row + 1):
        kind = str(sheet.cell(row=row, column=header["type"]).value or "").strip()
        name = str(sheet.cell(row=row, column=header["name"]).value or "").strip()
        if kind == "begin group" and name in sections:
            for language in others:
                put(_column("label", language), row, sections[name].translations.get(language, {}).get("label", ""))
            continue
        question = questions.get(name)
        if question is None or kind.startswith(("begin", "end")):
            continue
        for key in ("label", "hint"):
            cell = sheet.cell(row=row, column=header[f"{key}::{VI_NAME}"]) if f"{key}::{VI_NAME}" in header else None
            if cell is not None and cell.value:
                cell.value = without_references(str(cell.value), references(str(cell.value)) - known)
        if english:
            for key in _OTHER_TEXTS:
                put(_column(key, english), row, question.translations.get(english, {}).get(key, ""))
        for language in others:
            texts = question.translations.get(language, {})
            for key in ("label", *_OTHER_TEXTS):
                text = texts.get(key, "")
                put(_column(key, language), row, without_references(text, references(text) - known))
        put(_column("required_message", main), row, question.required_message)
        put("choice_filter", row, question.choice_filter)
        put("default", row, question.default_value)
        put("read_only", row, "yes" if question.read_only else "")
    _append_columns(sheet, columns)
    _rename_header(sheet, spec, english_used)


def keep_choices_sheet(sheet: Worksheet, spec: QuestionnaireSpec, lists: Mapping[str, list[dict[str, Any]]]) -> None:
    """The choices sheet's language columns renamed, a column per further language and per choice column."""
    _main, _english, others = _main_and_english(spec)
    english_used = _english_used(spec)
    columns: dict[str, dict[int, Any]] = {}
    row = 1
    for items in lists.values():
        for item in items:
            row += 1
            for language in others:
                columns.setdefault(_column("label", language), {})[row] = (item.get("labels") or {}).get(language, "")
            for column, value in (item.get("columns") or {}).items():
                columns.setdefault(column, {})[row] = value
    _append_columns(sheet, columns)
    _rename_header(sheet, spec, english_used)
