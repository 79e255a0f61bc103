"""What an XLSForm import does not keep, said with its row: columns, settings and fields left out, and the
product limits that refuse a form pyxform accepts (names), in Vietnamese.

`KEPT_SURVEY_COLUMNS` and friends list what the importer reads today; a column it learns to keep
(e.g. `default`, `choice_filter`) is added here, and its note disappears.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from surveys.specs import QuestionnaireSpec
from surveys.xlsform_read import Sheet, SheetRow

CODE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")  # the same rule as surveys.services.questionnaires
ROWS_LISTED = 8
# Columns of the survey sheet read by surveys.xlsform (by their name before "::"); hl_* are ours.
KEPT_SURVEY_COLUMNS = frozenset(
    {
        "type", "name", "label", "hint", "required", "relevant", "relevance", "constraint", "constraint_message",
        "appearance", "parameters", "disabled", "calculation",  # calculation: a row we cannot evaluate is noted as skipped
        "choice_filter", "default", "required_message", "read_only",  # surveys.xlsform_keep
    }
)
# A choice keeps every column of its own (cascades filter on them: surveys.xlsform_keep) except its media.
CHOICE_MEDIA = frozenset({"media", "image", "audio", "video", "big-image"})
KEPT_CHOICE_COLUMNS = frozenset({"list_name", "list name", "name", "label", "*"})
KEPT_SETTINGS = frozenset({"form_id", "id_string", "form_title", "version", "default_language", "clean_text_values", "allow_choice_duplicates"})
# Texts kept in every language the form declares (surveys.xlsform_keep, surveys.translations); other
# columns keep the main language only.
TWO_LANGUAGE_COLUMNS = frozenset({"label", "hint", "constraint_message", "required_message"})
VI_MARKERS = ("vi", "tiếng việt", "vietnamese")
EN_MARKERS = ("en", "english")


def note_name(row: SheetRow) -> str:
    """pyxform's name for a note written without one (its row number makes it unique)."""
    name = f"generated_note_name_{row.number}"
    row.values["name"] = name
    return name


def disabled_row(row: int, name: str) -> str:
    return _("Dòng %(row)d: bỏ qua «%(name)s» vì dòng bị tắt (cột «disabled»).") % {"row": row, "name": name}


def repeat_skipped(row: int, name: str, type_text: str, inside: list[tuple[int, str]]) -> str:
    """The note of a repeat group (or `begin loop over`) skipped with every field inside it."""
    fields = ", ".join(_("«%(name)s» (dòng %(row)d)") % {"name": field, "row": number} for number, field in inside[:30])
    more = _(" và %(n)d trường khác") % {"n": len(inside) - 30} if len(inside) > 30 else ""
    return _(
        "Dòng %(row)d: bỏ qua nhóm lặp «%(name)s» («%(type)s») và các trường bên trong (hệ thống chưa thu thập nhóm lặp): %(fields)s%(more)s."
    ) % {"row": row, "name": name, "type": type_text, "fields": fields or "—", "more": more}


def duplicate_name(name: str, first_row: int) -> str:
    return _(
        "Tên «%(name)s» bị trùng (đã dùng ở dòng %(row)d). XLSForm chỉ cần tên riêng trong mỗi nhóm, còn hệ thống cần mỗi "
        "câu hỏi một tên riêng trong cả phiếu: hãy đổi một trong hai tên (và các biểu thức dùng tên đó)."
    ) % {"name": name, "row": first_row}


def name_problem(name: str) -> str | None:
    """Why a name pyxform accepts cannot be a question code of ours, or None."""
    if CODE_PATTERN.match(name):
        return None
    if "." in name:
        return _(
            "Tên «%(name)s» có dấu chấm: mã câu hỏi của hệ thống chỉ gồm chữ không dấu, số, «_» và «-». "
            "Hãy đổi tên trong tệp (ví dụ «%(better)s») và sửa các biểu thức dùng tên này."
        ) % {"name": name, "better": name.replace(".", "_")}
    return _("Tên «%(name)s» có ký tự hệ thống không nhận: mã câu hỏi chỉ gồm chữ không dấu, số, «_» và «-».") % {"name": name}


def nothing_collected(skipped: list[tuple[int, str, str]]) -> str:
    """The refusal of a form whose every field is one we do not collect, with those fields."""
    listed = ", ".join(_("«%(name)s» (dòng %(row)d, loại «%(type)s»)") % {"name": name, "row": row, "type": kind} for row, name, kind in skipped[:20])
    more = _(" và %(n)d trường khác") % {"n": len(skipped) - 20} if len(skipped) > 20 else ""
    if not skipped:
        return _("Phiếu không có câu hỏi nào.")
    return _(
        "Phiếu không có câu hỏi nào hệ thống thu thập được (câu hỏi chọn, số, văn bản, ngày, ghi chú ngoài nhóm lặp). Đã bỏ qua: %(fields)s%(more)s."
    ) % {"fields": listed, "more": more}


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:ROWS_LISTED])
    return shown + (_(" và %(n)d dòng khác") % {"n": len(rows) - ROWS_LISTED} if len(rows) > ROWS_LISTED else "")


def _language(column: str) -> str:
    return column.split("::", 1)[1].strip() if "::" in column else (column.split(":", 1)[1].strip() if ":" in column else "")


def _base(column: str) -> str:
    return column.split("::", 1)[0].split(":", 1)[0].strip() if not column.startswith("jr:") else column


def _is(language: str, markers: Iterable[str]) -> bool:
    lowered = language.lower()
    return any(lowered == marker or lowered.endswith(f"({marker})") or lowered.startswith(marker) for marker in markers)


def kept_languages(header: list[str], default_language: str = "") -> tuple[str, str]:
    """(main, English) among the languages of the label columns, as surveys.xlsform_values.pick_text chooses them."""
    languages = list(dict.fromkeys(_language(column) for column in header if _base(column) == "label"))
    main = next((lang for lang in languages if _is(lang, VI_MARKERS)), None)
    if main is None:
        main = "" if "" in languages else default_language if default_language in languages else (languages[0] if languages else "")
    english = next((lang for lang in languages if lang != main and _is(lang, EN_MARKERS)), "")
    return main, english


def _kept(column: str, kept: frozenset[str], main: str, english: str) -> bool:
    base = _base(column)
    if base.startswith("$"):
        return True  # KoboToolbox's bookkeeping ($kuid, $autoname, $xpath): no content of the form
    if "*" in kept and base not in CHOICE_MEDIA:
        return True
    if base.startswith("hl_") or base not in kept:
        return base.startswith("hl_")
    language = _language(column)
    if not language or language == main or (not main and language.lower() == "default"):
        return True
    return base in TWO_LANGUAGE_COLUMNS


def column_losses(sheet: Sheet | None, kept: frozenset[str], skip_rows: set[int], default_language: str = "") -> list[str]:
    """One note per column with values that the import does not keep, with the rows that hold them."""
    if sheet is None:
        return []
    main, english = kept_languages(sheet.header, default_language)
    lost: dict[str, list[int]] = {}
    for row in sheet.rows:
        if row.number in skip_rows:
            continue
        for column, value in row.values.items():
            main_column = f"{_base(column)}::{main}" if main else _base(column)
            stand_in = column != main_column and value == row.values.get(main_column)  # a translation that repeats the main text
            if value not in (None, "") and not stand_in and not _kept(column, kept, main, english):
                lost.setdefault(column, []).append(row.number)
    return [
        _("Trang tính «%(sheet)s»: cột «%(column)s» không được giữ khi nhập (dòng %(rows)s).") % {"sheet": sheet.title, "column": column, "rows": _rows_text(rows)}
        for column, rows in lost.items()
    ]


def settings_losses(values: dict[str, Any], title: str = "settings") -> list[str]:
    return [
        _("Trang tính «%(sheet)s»: cài đặt «%(name)s» = «%(value)s» không được giữ khi nhập.") % {"sheet": title, "name": name, "value": value}
        for name, value in values.items()
        if value not in (None, "") and name not in KEPT_SETTINGS and not name.startswith("hl_")
    ]


def import_losses(sheets: dict[str, Sheet], skipped: list[tuple[int, str, str]], settings: dict[str, Any]) -> list[str]:
    """Every column and setting with values that the import leaves out (rows of skipped fields are noted already)."""
    skip_rows = {row for row, _name, _type in skipped}
    default_language = str(settings.get("default_language", ""))
    settings_sheet = sheets.get("settings")
    return (
        column_losses(sheets.get("survey"), KEPT_SURVEY_COLUMNS, skip_rows, default_language)
        + column_losses(sheets.get("choices"), KEPT_CHOICE_COLUMNS, set(), default_language)
        + settings_losses(settings, settings_sheet.title if settings_sheet else "settings")
    )


REFERENCE = re.compile(r"\$\{([^}]*)\}")


def unkept_references(spec: QuestionnaireSpec, rows: dict[str, SheetRow]) -> list[str]:
    """A `${name}` in a text whose field we do not keep can show nothing: it is written «[name]» (so that the
    export still converts with pyxform) and noted with its row."""
    kept = {question.code for section in spec.sections for question in section.questions}
    found: list[str] = []

    def plain(text: str, owner: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(1) in kept:
                return match.group(0)
            row = rows.get(owner)
            found.append(
                _("Dòng %(row)s: «%(name)s» dùng «${%(field)s}» trong nội dung nhưng trường này không được giữ: ghi thành «[%(field)s]».")
                % {"row": row.number if row else "?", "name": owner, "field": match.group(1)}
            )
            return f"[{match.group(1)}]"

        return REFERENCE.sub(replace, text) if text and "${" in text else text

    for section in spec.sections:
        section.title, section.title_en = plain(section.title, section.code), plain(section.title_en, section.code)
        for question in section.questions:
            for attribute in ("text", "text_en", "hint", "constraint_message"):
                setattr(question, attribute, plain(getattr(question, attribute), question.code))
            for choice in question.choices:
                choice["label"], choice["label_en"] = plain(choice.get("label", ""), question.code), plain(choice.get("label_en", ""), question.code)
    return list(dict.fromkeys(found))


def empty_groups(rows: dict[str, SheetRow], kept_sections: set[str]) -> list[str]:
    """Groups left without a question we keep (all skipped): their title goes with them."""
    return [
        _("Dòng %(row)d: nhóm «%(name)s» không còn câu hỏi nào được giữ nên không thành một phần của phiếu.") % {"row": row.number, "name": name}
        for name, row in rows.items()
        if " ".join(str(row.values.get("type", "")).split()).lower() in ("begin group", "begin_group") and name not in kept_sections
    ]
