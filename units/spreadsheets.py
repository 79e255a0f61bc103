"""Defensive reading of uploaded Excel files, shared by every import.

Each import validates the whole file first and collects `CellError`s (sheet, row, column,
Vietnamese message); only a file without errors is saved, in one transaction.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook


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
