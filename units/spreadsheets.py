"""Defensive reading of uploaded Excel files, shared by every import; and writing text that every
export (CSV and xlsx) keeps as text.

Each import validates the whole file first and collects `CellError`s (sheet, row, column,
Vietnamese message); only a file without errors is saved, in one transaction.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [_("Trang tính «%(sheet)s»") % {"sheet": self.sheet}] if self.sheet else []
        if self.row is not None:
            where.append(_("dòng %(row)d") % {"row": self.row})
        if self.column:
            where.append(_("cột «%(column)s»") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """Raised with every error found in a file; nothing has been saved."""

    def __init__(self, errors: list[CellError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def open_workbook(source: str | IO[bytes], *, sheet_hint: str = "") -> Workbook:
    """Open an .xlsx file read-only, turning every failure into an ImportFailed with a Vietnamese message."""
    data = source.read() if hasattr(source, "read") else open(source, "rb").read()  # noqa: SIM115
    if not data:
        raise ImportFailed([CellError(sheet_hint, None, None, _("Tệp rỗng."))])
    if len(data) > settings.UPLOAD_MAX_BYTES:
        limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ImportFailed([CellError(sheet_hint, None, None, _("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": limit})])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFailed(
            [CellError(sheet_hint, None, None, _("Tệp không phải là tệp Excel (.xlsx). Hãy lưu lại dưới dạng .xlsx."))]
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on damaged files
        raise ImportFailed([CellError(sheet_hint, None, None, _("Không đọc được tệp Excel: tệp bị hỏng."))]) from None


def normalise_header(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def read_rows(workbook: Workbook, *, sheet: str | None = None) -> tuple[str, list[str], list[tuple[int, dict[str, Any]]]]:
    """Rows of a sheet as dicts keyed by the normalised header, each with its 1-based row number.

    Fully empty rows are skipped. Raises ImportFailed when the sheet is missing or has no header.
    """
    if sheet is not None and sheet not in workbook.sheetnames:
        raise ImportFailed([CellError(sheet, None, None, _("Thiếu trang tính «%(sheet)s».") % {"sheet": sheet})])
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    rows = worksheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None or not any(cell is not None for cell in header_row):
        raise ImportFailed([CellError(worksheet.title, 1, None, _("Trang tính không có dòng tiêu đề."))])
    header = [normalise_header(cell) for cell in header_row]
    records: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in values):
            continue
        record = {name: _clean(value) for name, value in zip(header, values, strict=False) if name}
        records.append((number, record))
    return worksheet.title, header, records


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def require_columns(sheet: str, header: list[str], required: list[str]) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFailed(
            [CellError(sheet, 1, name, _("Thiếu cột bắt buộc «%(column)s».") % {"column": name}) for name in missing]
        )


def cell_text(value: Any) -> str:
    """A cell as text; whole numbers typed as numbers lose their '.0' (codes such as 56 or 22330)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- writing: text that no spreadsheet reads as a formula ----------------------------------------

# A cell whose text starts with one of these, perhaps after white space, is a formula to Excel,
# LibreOffice or Google Sheets ("CSV injection"): =HYPERLINK(…), =cmd|' /C calc'!A0, +1+1, -2+3, @SUM(A1).
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_RISKY_FIRST = FORMULA_STARTS | frozenset(" \n\x0b\x0c\u00a0\u3000")
# Text that is a plain number (-2, +84, 1,5) is read as that number, not as a formula: it is left as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet opening this text could read it as a formula."""
    if text[:1] not in _RISKY_FIRST:  # the common case, one set lookup
        return False
    if text[0] in "\t\r":
        return True
    stripped = text.strip()
    return stripped[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(stripped)


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row whose formula-like texts carry a leading apostrophe, the mark spreadsheets read as
    "this is text" (numbers stay numbers)."""
    return [f"'{value}" if value.__class__ is str and value[:1] in _RISKY_FIRST and formula_like(value) else value for value in values]


def text_cell(sheet: Worksheet, text: str) -> Cell:
    """An openpyxl cell (normal or write-only sheet) holding `text` as text: typed as a string, where
    openpyxl would make a formula of "=…", and with Excel's quote prefix, so that editing the cell in
    Excel does not turn it into one either."""
    cell = Cell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def sheet_row(sheet: Worksheet, values: Sequence[Any]) -> list[Any]:
    """`values` for `sheet.append`, formula-like texts as `text_cell`s."""
    return [text_cell(sheet, value) if value.__class__ is str and value[:1] in _RISKY_FIRST and formula_like(value) else value for value in values]


def sheet_text_guard(sheet: Worksheet, *, keep: Iterable[str] = ()) -> None:
    """Make every text in a built (normal-mode) sheet stay text, as `text_cell` does, except the
    formulas in the cells named in `keep`: for sheets that mix the application's own formulas with
    names and texts people typed (openpyxl makes a formula of any text starting with "=")."""
    kept = set(keep)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f" and isinstance(cell.value, str) and cell.coordinate not in kept:
                cell.data_type = "s"
                cell.quotePrefix = True
            elif cell.data_type == "s" and isinstance(cell.value, str) and formula_like(cell.value):
                cell.quotePrefix = True
