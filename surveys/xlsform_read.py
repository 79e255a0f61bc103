"""Reading an XLSForm file (.xlsx or .xls) the way pyxform reads it, so that what we check row by row is
what pyxform, ODK and KoboToolbox see: cached values of formula cells, Excel booleans as TRUE / FALSE,
"smart" quotes straightened, a workbook whose only sheet is not named `survey` taken as the survey, empty
optional sheets ignored, comment and blank rows kept out. Row numbers are the spreadsheet's own (the
header is row 1), the numbers pyxform gives in its errors.

An .xlsx passes the same package checks as every upload (zip bounds, no macros) before anything unpacks it;
an .xls (the older binary format, read by xlrd as pyxform does) is bounded by the upload size.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pyxform import aliases
from pyxform.errors import PyXFormError, PyXFormReadError
from pyxform.parsing.sheet_headers import clean_text_values
from pyxform.xls2json_backends import RE_WHITESPACE, DefinitionData, get_xlsform

from units.spreadsheets import CellError, ImportFailed, package_check, text_key

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"
OLE2 = b"\xd0\xcf\x11\xe0"  # an old .xls, or an .xlsx that Excel wrapped with a password
# Columns that hold an XPath expression or a yes/no: an Excel TRUE / FALSE cell there means true() / false().
BOOLEAN_COLUMNS = frozenset({"relevant", "relevance", "constraint", "required", "read_only", "readonly"})
PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]|row (?:number )?(\d+)", re.IGNORECASE)


@dataclass
class SheetRow:
    number: int  # the spreadsheet's row number (header: 1)
    values: dict[str, Any]


@dataclass
class Sheet:
    title: str  # as written in the file
    header: list[str]  # normalised (NFC, lower case), in the file's order
    rows: list[SheetRow] = field(default_factory=list)


@dataclass
class XLSFormBook:
    definition: DefinitionData  # pyxform's own reading, for workbook_to_json
    sheets: dict[str, Sheet]  # survey, choices, settings when present
    file_type: str  # ".xlsx" or ".xls"


def _refuse(message: str, sheet: str = SURVEY, row: int | None = None) -> ImportFailed:
    return ImportFailed([CellError(sheet, row, None, message)])


def _locate(detail: str, sheets: dict[str, Sheet]) -> tuple[str, int | None, str | None]:
    """The sheet, row and column of the first value quoted in pyxform's message (e.g. Unknown question type 'integr')."""
    for token in re.findall(r"'([^']+)'|\$\{([^}]+)\}", detail):
        wanted = token[0] or token[1]
        for name in (SURVEY, CHOICES):
            sheet = sheets.get(name)
            for row in sheet.rows if sheet else []:
                for column in ("type", "name", "list_name", "list name"):
                    if str(row.values.get(column, "")).strip() == wanted:
                        return sheet.title, row.number, column
    return SURVEY, None, None


def pyxform_refusal(error: Exception, sheets: dict[str, Sheet] | None = None) -> ImportFailed:
    """pyxform's reason for refusing a form, with the row it names (the spreadsheet's row number) or, when it
    names none, the row of the value it quotes."""
    detail = str(error).strip() if isinstance(error, PyXFormError) else type(error).__name__
    found = PYXFORM_ROW.search(detail)
    sheet, row, column = _locate(detail, sheets or {})
    if found:
        sheet, row = (sheets or {}).get(SURVEY, Sheet(SURVEY, [])).title, int(found.group(1) or found.group(2))
    elif re.search(r"\bheaders?\b", detail, re.IGNORECASE):
        row, column = 1, None  # the header row; pyxform names the sheet when it is not the survey
        sheet = next((name for name in (CHOICES, SETTINGS) if f"'{name}'" in detail), SURVEY)
    elif row is None and re.search(r"choices|list.name", detail, re.IGNORECASE):
        sheet = CHOICES
    elif row is None and "settings" in detail.lower():
        sheet = SETTINGS
    message = _("Tệp không đúng chuẩn XLSForm (pyxform báo: %(detail)s).") % {"detail": detail}
    return ImportFailed([CellError(sheet, row, column, message)])


def _definition(data: bytes) -> tuple[DefinitionData, str]:
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise _refuse(_("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)})
    if not data:
        raise _refuse(_("Tệp rỗng."))
    file_type = ".xls" if data[:4] == OLE2 else ".xlsx"
    if file_type == ".xlsx":
        package_check(data, sheet_hint=SURVEY)
    try:
        return get_xlsform(io.BytesIO(data), file_type=file_type), file_type
    except (PyXFormReadError, PyXFormError) as error:
        if isinstance(error, PyXFormError) and not isinstance(error, PyXFormReadError) and "supported type" not in str(error):
            raise pyxform_refusal(error) from None  # e.g. a duplicate column header, an ambiguous date
        if file_type == ".xls":
            raise _refuse(
                _("Không đọc được tệp Excel .xls (tệp có mật khẩu, bị hỏng hoặc không phải bảng tính): hãy gỡ mật khẩu và lưu lại dưới dạng .xlsx.")
            ) from None
        raise _refuse(_("Không đọc được tệp Excel: tệp bị hỏng.")) from None
    except Exception:  # xlrd and openpyxl raise many kinds on damaged files
        raise _refuse(_("Không đọc được tệp Excel: tệp bị hỏng.")) from None


def _title(definition: DefinitionData, wanted: str) -> str:
    names = list(definition.sheet_names or [])
    if wanted == SURVEY and len(names) == 1:
        return names[0]
    return next((name for name in names if name.lower() == wanted), wanted)


# Columns written as pyxform's inner names (`bind:relevant`, `bind::jr:constraintMsg`): the standard name.
_INNER_NAMES = {
    "bind:relevant": "relevant", "bind:constraint": "constraint", "bind:required": "required", "bind:calculate": "calculation",
    "bind:readonly": "read_only", "bind:jr:constraintmsg": "constraint_message", "bind:jr:requiredmsg": "required_message",
    "control:appearance": "appearance", "control:jr:count": "repeat_count",
}


def _header_key(header: str) -> str:
    """Our key for a column: NFC, lower case; a one-word alias of pyxform's (`caption`, `command`) or an inner
    name (`bind:relevant`) becomes its standard name, so that each column is read under one name."""
    key = text_key(header)
    inner = _INNER_NAMES.get(key.replace("::", ":"))
    if inner:
        return inner
    alias = aliases.survey_header.get(key)
    return alias if isinstance(alias, str) and "::" not in key else key


def _sheet(definition: DefinitionData, name: str, strip_whitespace: bool) -> Sheet | None:
    data = getattr(definition, name)
    header_rows = getattr(definition, f"{name}_header")
    if data is None and header_rows is None:
        return None
    headers = list(header_rows[0]) if header_rows else []
    keys = {header: _header_key(header) for header in headers}
    sheet = Sheet(title=_title(definition, name), header=list(dict.fromkeys(keys.values())))
    for index, raw in enumerate(data or []):
        values = {keys.get(header, _header_key(header)): clean_text_values(value, strip_whitespace=strip_whitespace) for header, value in raw.items()}
        values = {key: value for key, value in values.items() if value not in (None, "")}
        if values:
            sheet.rows.append(SheetRow(number=index + 2, values=values))
    return sheet


def _excel_booleans(definition: DefinitionData) -> None:
    """An Excel TRUE / FALSE cell (or =TRUE()) in `relevant`, `required`, ... becomes true() / false(), for
    pyxform and for us alike: XPath has no TRUE, it would read it as a field of that name."""
    for row in definition.survey or []:
        for header, value in row.items():
            if value in ("TRUE", "FALSE") and _header_key(header).split("::")[-1].split(":")[-1] in BOOLEAN_COLUMNS:
                row[header] = f"{value.lower()}()"


def _formulas_without_values(data: bytes, definition: DefinitionData) -> list[CellError]:
    """Formula cells whose file keeps no computed value (written by a script, never opened in Excel): pyxform
    would read them as empty, so each is named instead of silently lost. Formulas with a value read as that value."""
    errors: list[CellError] = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # pyxform has read it; nothing more to learn
        return errors
    for name in (SURVEY, CHOICES, SETTINGS):
        rows, title = getattr(definition, name) or [], _title(definition, name)
        if not rows or title not in workbook.sheetnames:
            continue
        cells = workbook[title].iter_rows(max_row=len(rows) + 1, values_only=True)
        header = [RE_WHITESPACE.sub(" ", str(value).strip()) if value is not None else "" for value in next(cells, ())]
        for number, values in enumerate(cells, start=2):
            for index, value in enumerate(values[: len(header)]):
                if isinstance(value, str) and value.startswith("=") and not rows[number - 2].get(header[index]):
                    cell = f"{get_column_letter(index + 1)}{number}"
                    message = _("Ô %(cell)s chứa công thức (%(formula)s) mà tệp không lưu giá trị: hãy nhập giá trị, không nhập công thức.")
                    errors.append(CellError(title, number, text_key(header[index]) or None, message % {"cell": cell, "formula": value[:40]}))
    workbook.close()
    return errors


def read_xlsform(data: bytes) -> XLSFormBook:
    """The survey, choices and settings sheets of an XLSForm file as pyxform reads them. Raises ImportFailed
    (Vietnamese message) for a file that is not a spreadsheet, is damaged, too large, or that pyxform cannot read."""
    definition, file_type = _definition(data)
    if file_type == ".xlsx" and (errors := _formulas_without_values(data, definition)):
        raise ImportFailed(errors)
    _excel_booleans(definition)
    settings_sheet = _sheet(definition, SETTINGS, strip_whitespace=False)
    first = settings_sheet.rows[0].values if settings_sheet and settings_sheet.rows and settings_sheet.rows[0].number == 2 else {}
    strip = aliases.yes_no.get(str(first.get("clean_text_values", "yes")), True)
    sheets = {name: sheet for name in (SURVEY, CHOICES) if (sheet := _sheet(definition, name, strip_whitespace=strip and name == SURVEY))}
    if settings_sheet is not None:
        sheets[SETTINGS] = settings_sheet
    return XLSFormBook(definition=definition, sheets=sheets, file_type=file_type)
