"""Defensive reading of uploaded Excel files, shared by every import; and writing text that every
export (CSV and xlsx) keeps as text.

Each import validates the whole file first and collects `CellError`s (sheet, row, column,
Vietnamese message); only a file without errors is saved, in one transaction.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet

from units import formatting

# Bounds of an upload, checked on the zip's central directory and the sheet's XML before openpyxl reads a
# cell: a 5 MB .xlsx can unpack to gigabytes ("zip bomb"), or declare a million rows or 16,384 columns
# that openpyxl would pad with empty cells. Sizes, rows and the errors listed are settings (config/settings.py).
MAX_ENTRIES = 1_000  # parts in the zip; a workbook has a dozen, a few hundred with many sheets
MAX_RATIO = 200  # unpacked / packed per part above RATIO_FLOOR; spreadsheet XML packs 5–30 times
RATIO_FLOOR = 1024 * 1024
MAX_SHARED_STRINGS = 64 * 1024 * 1024  # openpyxl holds the shared strings in memory
MAX_COLUMNS = 702  # A..ZZ; a wider sheet is no import of ours
MAX_CELL_CHARS = 32_767  # Excel's own limit
ERRORS_KEPT = 1_000  # errors kept in memory (the rest are only counted)
SCAN_CHUNK = 1024 * 1024
READ_SHARE = 40  # of an import's progress (0–100), the part that reading the rows takes
_MACRO_PARTS = ("xl/vbaProject.bin",)


@dataclass(frozen=True, slots=True)
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


class ErrorList:
    """Errors of one file, appended like a list: the first ERRORS_KEPT kept, all counted (a file of
    200,000 bad rows must not hold a million messages in memory). `len()` is the count."""

    def __init__(self, errors: Iterable[CellError] = ()) -> None:
        self.kept: list[CellError] = []
        self.total = 0
        for error in errors:
            self.append(error)

    def append(self, error: CellError) -> None:
        self.total += 1
        if len(self.kept) < ERRORS_KEPT:
            self.kept.append(error)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[CellError]:
        return iter(self.kept)


class ImportFailed(Exception):
    """Raised with the errors found in a file (the first ERRORS_KEPT, and how many in all); nothing has been saved."""

    def __init__(self, errors: list[CellError] | ErrorList) -> None:
        self.errors = list(errors)
        self.total = max(len(errors), len(self.errors))
        super().__init__("\n".join(str(error) for error in self.errors[:20]))

    def messages(self, limit: int | None = None) -> list[str]:
        """The first `limit` errors (IMPORT_ERRORS_SHOWN), then a line with how many there are in all."""
        limit = settings.IMPORT_ERRORS_SHOWN if limit is None else limit
        lines = [str(error) for error in self.errors[:limit]]
        if self.total > len(lines):
            lines.append(
                _("… và %(more)s lỗi khác: tệp có %(total)s lỗi. Hãy sửa các lỗi trên rồi nhập lại để xem các lỗi còn lại.")
                % {"more": formatting.number(self.total - len(lines)), "total": formatting.number(self.total)}
            )
        return lines


def _refuse(sheet: str, message: str) -> ImportFailed:
    return ImportFailed([CellError(sheet, None, None, message)])


def upload_bytes(source: str | IO[bytes], *, sheet_hint: str = "") -> bytes:
    """The upload's bytes, read no further than UPLOAD_MAX_BYTES + 1; ImportFailed when empty or larger."""
    limit = settings.UPLOAD_MAX_BYTES
    if hasattr(source, "read"):
        data = source.read(limit + 1)
    else:
        with open(source, "rb") as handle:
            data = handle.read(limit + 1)
    if not data:
        raise _refuse(sheet_hint, _("Tệp rỗng."))
    if len(data) > limit:
        raise _refuse(sheet_hint, _("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": limit // (1024 * 1024)})
    return data


def _central_directory(data: bytes) -> tuple[int, int] | None:
    """(entries, size of the central directory) from the zip's end record, or None when there is none."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end == -1 or len(data) < end + 22:
        return None
    return int.from_bytes(data[end + 10 : end + 12], "little"), int.from_bytes(data[end + 12 : end + 16], "little")


def zip_parts(data: bytes, *, not_this: str, sheet_hint: str = "") -> list[zipfile.ZipInfo]:
    """The parts of an Office file (a zip), read from its end record and central directory before anything
    unpacks, within the bounds every such upload keeps (entry count, each part's unpacked size and packing
    ratio, their sum, no encryption); ImportFailed with `not_this` when it is no zip at all."""
    directory = _central_directory(data)
    if data[:2] != b"PK" or directory is None:
        raise _refuse(sheet_hint, not_this)
    entries, directory_size = directory
    if entries > MAX_ENTRIES or directory_size > MAX_ENTRIES * 1024:
        raise _refuse(sheet_hint, _("Tệp có quá nhiều thành phần (tối đa %(n)d): không phải một bảng tính thông thường.") % {"n": MAX_ENTRIES})
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _refuse(sheet_hint, _("Không đọc được tệp Excel: tệp bị hỏng.")) from None
    unpacked_limit = settings.IMPORT_MAX_UNPACKED_BYTES
    total = 0
    for part in parts:
        total += part.file_size
        if part.flag_bits & 0x1:
            raise _refuse(sheet_hint, _("Tệp được đặt mật khẩu: hãy gỡ mật khẩu rồi tải lên lại."))
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(sheet_hint, _("Tệp nén theo cách Excel không dùng: hãy mở tệp và lưu lại dưới dạng .xlsx."))
        if part.file_size > RATIO_FLOOR and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise _refuse(sheet_hint, _("Tệp bị nén bất thường (gấp hơn %(n)d lần): không nhận.") % {"n": MAX_RATIO})
        if part.filename == "xl/sharedStrings.xml" and part.file_size > MAX_SHARED_STRINGS:
            raise _refuse(sheet_hint, _("Tệp có quá nhiều chữ (tối đa %(mb)d MB khi giải nén).") % {"mb": MAX_SHARED_STRINGS // (1024 * 1024)})
    if total > unpacked_limit:
        raise _refuse(sheet_hint, _("Tệp quá lớn khi giải nén (tối đa %(mb)d MB).") % {"mb": unpacked_limit // (1024 * 1024)})
    return parts


def package_check(data: bytes, *, sheet_hint: str = "") -> None:
    """Refuse, before anything unpacks it, what is not an .xlsx of a size we read: checked on the zip's
    end record and central directory (`zip_parts`: entry count, each part's unpacked size and packing
    ratio, their sum, encryption; then the workbook's parts, macros). Raises ImportFailed with a
    Vietnamese message; costs microseconds."""
    if data[:4] == b"\xd0\xcf\x11\xe0":
        # An old .xls, or an .xlsx with a password (Excel wraps those in the same container).
        raise _refuse(sheet_hint, _("Tệp Excel cũ (.xls) hoặc tệp có mật khẩu không được nhận: hãy gỡ mật khẩu và lưu lại dưới dạng .xlsx."))
    not_xlsx = _("Tệp không phải là tệp Excel (.xlsx). Hãy lưu lại dưới dạng .xlsx.")
    names = {part.filename for part in zip_parts(data, not_this=not_xlsx, sheet_hint=sheet_hint)}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _refuse(sheet_hint, not_xlsx)
    if names.intersection(_MACRO_PARTS):
        raise _refuse(sheet_hint, _("Tệp có macro (.xlsm) không được nhận: hãy lưu lại dưới dạng .xlsx (không macro)."))


def open_workbook(source: str | IO[bytes], *, sheet_hint: str = "") -> Workbook:
    """Open an .xlsx file read-only (formulas as written, not their cached results), after
    `package_check`; every failure is an ImportFailed with a Vietnamese message."""
    data = upload_bytes(source, sheet_hint=sheet_hint)
    package_check(data, sheet_hint=sheet_hint)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on damaged files
        raise _refuse(sheet_hint, _("Không đọc được tệp Excel: tệp bị hỏng.")) from None


def upload_data_rows(data: bytes) -> int:
    """How many rows below a header the upload's largest sheet holds, counted in its XML after
    `package_check` (which raises ImportFailed): what decides whether an import runs as a job."""
    package_check(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        paths = [name for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        return max((max(_scan_sheet(archive, path).rows - 1, 0) for path in paths), default=0)


@dataclass(frozen=True)
class SheetShape:
    """What a sheet's XML holds, found by scanning it before openpyxl parses a cell."""

    rows: int  # <row> elements
    last_row: int  # the highest row number written (0: none written)
    columns: int | None  # from the sheet's <dimension>, when it has one
    wide: bool  # a cell beyond MAX_COLUMNS
    merged: tuple[str, ...]  # merged ranges, the first few


_SHAPES: WeakKeyDictionary[Any, SheetShape] = WeakKeyDictionary()
_PREFIX = re.compile(rb"<(\w+:)?worksheet[\s>]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?ref=\"[A-Z]+\d+(?::([A-Z]+)\d+)?\"")
_ROW_NUMBER = re.compile(rb"\sr=\"(\d+)\"")
_WIDE_CELL = re.compile(rb'r="[A-Z]{3}\d')  # column AAA or later: a cell reference of three letters
_MERGED = re.compile(rb'ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


def sheet_shape(worksheet: Any) -> SheetShape | None:
    """The shape of a read-only sheet (scanned once, then cached); None for a sheet not read from a file."""
    path = getattr(worksheet, "_worksheet_path", None)  # openpyxl's read-only sheet (pinned version)
    if path is None:
        return None
    if worksheet not in _SHAPES:
        _SHAPES[worksheet] = _scan_sheet(worksheet.parent._archive, path)
    return _SHAPES[worksheet]


def _scan_sheet(archive: zipfile.ZipFile, path: str) -> SheetShape:
    """Scan a sheet's XML in chunks (at most SCAN_CHUNK bytes in memory, C-speed searches): rows, last
    row number, declared columns, cells too far right, merged ranges."""
    rows = last_row = 0
    columns: int | None = None
    wide = False
    merged: list[str] = []
    carry = b""
    opens: tuple[bytes, bytes, bytes] | None = None
    with archive.open(path) as source:
        while True:
            chunk = source.read(SCAN_CHUNK)
            buffer = carry + chunk
            if opens is None:
                found = _PREFIX.search(buffer, 0, 8192)
                prefix = (found.group(1) or b"") if found else b""
                opens = (b"<" + prefix + b"row ", b"<" + prefix + b"row>", b"<" + prefix + b"mergeCell ")
                dimension = _DIMENSION.search(buffer, 0, 8192)
                if dimension is not None:
                    columns = column_index_from_string(dimension.group(1).decode()) if dimension.group(1) else 1
            # Cut before the last "<" near the end, so that no tag is split between two parts.
            cut = len(buffer)
            if chunk:
                cut = buffer.rfind(b"<", max(0, len(buffer) - 4096))
                cut = len(buffer) if cut <= 0 else cut
            part, carry = buffer[:cut], buffer[cut:]
            rows += part.count(opens[0]) + part.count(opens[1])
            last = part.rfind(opens[0])
            if last != -1 and (number := _ROW_NUMBER.search(part, last, last + 400)) is not None:
                last_row = int(number.group(1))
            if not wide and (columns is None or columns > MAX_COLUMNS):
                wide = _WIDE_CELL.search(part) is not None
            at = part.find(opens[2])
            while at != -1 and len(merged) < 10:
                if (ref := _MERGED.search(part, at, at + 200)) is not None:
                    merged.append(ref.group(1).decode())
                at = part.find(opens[2], at + 1)
            if not chunk:
                break
    return SheetShape(rows=rows, last_row=max(last_row, rows), columns=columns, wide=wide, merged=tuple(merged))


def _worksheet(workbook: Workbook, sheet: str | None) -> Any:
    if sheet is not None and sheet not in workbook.sheetnames:
        raise ImportFailed([CellError(sheet, None, None, _("Thiếu trang tính «%(sheet)s».") % {"sheet": sheet})])
    return workbook[sheet] if sheet is not None else workbook.worksheets[0]


def sheet_data_rows(workbook: Workbook, *, sheet: str | None = None) -> int:
    """How many rows below the header a sheet holds (counted in its XML, before any is parsed)."""
    shape = sheet_shape(_worksheet(workbook, sheet))
    return max(shape.rows - 1, 0) if shape is not None else 0


def _shape_check(title: str, shape: SheetShape) -> None:
    """Refuse a sheet that is too long or too wide, or has merged cells, before reading it."""
    max_rows = settings.IMPORT_MAX_ROWS
    if shape.rows > max_rows + 1 or shape.last_row > max_rows + 1:
        n = formatting.number(max(shape.rows, shape.last_row) - 1)
        raise _refuse(title, _("Trang tính có %(n)s dòng dữ liệu, nhiều hơn giới hạn %(max)s dòng: hãy chia thành nhiều tệp.") % {"n": n, "max": formatting.number(max_rows)})
    if shape.wide:
        raise _refuse(title, _("Trang tính có dữ liệu ở sau cột %(column)s: hãy xoá các cột thừa.") % {"column": get_column_letter(MAX_COLUMNS)})
    if shape.merged:
        raise ImportFailed(
            [
                CellError(title, _cell_row(ref), None, _("Ô gộp %(range)s: hãy bỏ gộp ô (mỗi ô một giá trị) rồi nhập lại.") % {"range": ref})
                for ref in shape.merged
            ]
        )


def _cell_row(ref: str) -> int:
    return int(re.sub(r"^[A-Z]+", "", ref.split(":")[0]))


def text_key(text: str) -> str:
    """A header or a word typed in a cell, for matching: NFC (Excel may store decomposed Vietnamese), stripped, lower case."""
    return unicodedata.normalize("NFC", text).strip().lower()


def normalise_header(value: Any) -> str:
    return text_key(str(value)) if value is not None else ""


def read_rows(
    workbook: Workbook, *, sheet: str | None = None, progress: Callable[[int], None] | None = None
) -> tuple[str, list[str], list[tuple[int, dict[str, Any]]]]:
    """Rows of a sheet as dicts keyed by the normalised header, each with its 1-based row number.

    Fully empty rows are skipped. Raises ImportFailed when the sheet is missing, has no header, is too
    long or too wide, has merged cells, or a cell holds a formula, NUL or more than MAX_CELL_CHARS
    characters (each such cell named). `progress` hears the share of rows read so far, as 0–READ_SHARE.
    """
    worksheet = _worksheet(workbook, sheet)
    shape = sheet_shape(worksheet)
    bounds: dict[str, int] = {}
    if shape is not None:
        _shape_check(worksheet.title, shape)
        bounds = {"max_row": shape.last_row or None, "max_col": min(shape.columns, MAX_COLUMNS) if shape.columns else None}
    rows = worksheet.iter_rows(values_only=True, **bounds)
    header_row = next(rows, None)
    if header_row is None or not any(cell is not None for cell in header_row):
        raise ImportFailed([CellError(worksheet.title, 1, None, _("Trang tính không có dòng tiêu đề."))])
    errors = ErrorList()
    header = [normalise_header(_checked(cell, worksheet.title, 1, index, "", errors)) for index, cell in enumerate(header_row)]
    records: list[tuple[int, dict[str, Any]]] = []
    total = max(shape.rows, 1) if shape is not None else 0
    for number, values in enumerate(rows, start=2):
        if progress is not None and total and number % 2_000 == 0:
            progress(min(number, total) * READ_SHARE // total)
        if not any(cell not in (None, "") for cell in values):
            continue
        record = {name: _checked(value, worksheet.title, number, index, name, errors) for index, (name, value) in enumerate(zip(header, values, strict=False)) if name}
        records.append((number, record))
    if errors:
        raise ImportFailed(errors)
    return worksheet.title, header, records


def _checked(value: Any, sheet: str, row: int, index: int, column: str, errors: ErrorList) -> Any:
    """A cell's value, stripped; a formula, NUL or over-long text is an error naming the cell."""
    if isinstance(value, str):
        if value.startswith("=") or "\x00" in value or len(value) > MAX_CELL_CHARS:
            cell = f"{get_column_letter(index + 1)}{row}"
            if value.startswith("="):
                message = _("Ô %(cell)s chứa công thức (%(formula)s): hãy nhập giá trị, không nhập công thức.") % {"cell": cell, "formula": value[:40]}
            elif "\x00" in value:
                message = _("Ô %(cell)s có ký tự NUL (\\0), không được phép.") % {"cell": cell}
            else:
                message = _("Ô %(cell)s dài quá %(n)d ký tự.") % {"cell": cell, "n": MAX_CELL_CHARS}
            errors.append(CellError(sheet, row, column or None, message))
            return None
        value = value.strip()
        return value or None
    if isinstance(value, ArrayFormula | DataTableFormula):
        cell = f"{get_column_letter(index + 1)}{row}"
        errors.append(CellError(sheet, row, column or None, _("Ô %(cell)s chứa công thức mảng: hãy nhập giá trị, không nhập công thức.") % {"cell": cell}))
        return None
    return value


def _missing_columns(sheet: str, missing: Iterable[str]) -> ImportFailed:
    return ImportFailed([CellError(sheet, 1, name, _("Thiếu cột bắt buộc «%(column)s».") % {"column": name}) for name in missing])


def require_columns(sheet: str, header: list[str], required: list[str]) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        raise _missing_columns(sheet, missing)


def column_map(sheet: str, header: list[str], columns: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> dict[str, str]:
    """Canonical column → the header the file uses for it (the first of its aliases present: English,
    Vietnamese, ASCII; in any case and Unicode form); missing required columns are errors."""
    present = {text_key(name): name for name in header if name}
    found = {}
    for canonical, aliases in columns.items():
        for alias in aliases:
            if alias in present:
                found[canonical] = present[alias]
                break
    missing = [name for name in required if name not in found]
    if missing:
        raise _missing_columns(sheet, missing)
    return found


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
