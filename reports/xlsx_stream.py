"""A minimal streaming .xlsx writer for large plain tables (the raw data export).

It writes each worksheet's XML straight into the zip as rows arrive: memory stays flat and, having
no per-cell objects, it is several times faster than openpyxl `write_only` and XlsxWriter
`constant_memory` (bench/export.py, docs/benchmarks.md). It knows only what the raw export needs:
numbers, inline strings (never formulas), date-times (local, without a zone: a serial number shown
dd/mm/yyyy hh:mm, a real date cell), a bold header row frozen at the top, several sheets. The output follows
ECMA-376 (SpreadsheetML); LibreOffice and openpyxl read it back in the tests.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from units.spreadsheets import formula_like

# Characters XML 1.0 forbids (a stray control character in free text must not corrupt the file).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}</Types>"""
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\n'
)
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{sheets}<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# Style 0: plain; style 1: the header (bold on light blue); style 2: text with Excel's quote prefix, for
# text that a spreadsheet could take for a formula (units.spreadsheets.formula_like): it stays text even
# when someone edits the cell; style 3: a date-time (number format 164, EXCEL_DATETIME).
EXCEL_DATETIME = "dd/mm/yyyy hh:mm"
_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system (its day 60 bug lies before any survey)
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="{EXCEL_DATETIME}"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>
<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>
<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="38" customWidth="1"/></cols><sheetData>
"""
_SHEET_TAIL = "</sheetData></worksheet>"


# How many distinct cell values keep their XML in the cache (labels and levels repeat; UUIDs do not).
TAIL_CACHE = 50_000


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def _cell_tail(value: Any, style: str) -> str:
    """The XML of a cell after its `r` attribute."""
    if isinstance(value, bool):
        return f' t="b"{style}><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"{style}><v>{value!r}</v></c>"
    if isinstance(value, dt.datetime):
        return f' s="3"><v>{excel_serial(value)!r}</v></c>'
    text = str(value)
    if not style and formula_like(text):
        style = ' s="2"'
    return f' t="inlineStr"{style}><is><t xml:space="preserve">{_text(text)}</t></is></c>'


def excel_serial(moment: dt.datetime) -> float:
    """A local date-time (no zone) as Excel's serial number: days since 30/12/1899, the time a fraction."""
    return round((moment.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400, 10)


class StreamingWorkbook:
    """Sheets are written one after another; `add_sheet` closes the previous one."""

    def __init__(self, target: str | Path | IO[bytes], compresslevel: int = 1) -> None:
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._titles: list[str] = []
        self._handle: IO[bytes] | None = None
        self._row = 0
        self._letters: list[str] = []
        self._tails: dict[Any, str] = {}  # the XML after a cell's reference, for repeated values (labels, levels)

    def add_sheet(self, title: str, header: Sequence[Any]) -> None:
        self._close_sheet()
        self._titles.append(title[:31])
        name = f"xl/worksheets/sheet{len(self._titles)}.xml"
        self._handle = self._zip.open(name, "w", force_zip64=True)
        self._handle.write(_SHEET_HEAD.encode())
        self._letters = [get_column_letter(i + 1) for i in range(len(header))]
        self._row = 0
        self._write(header, style=' s="1"')

    def append(self, values: Sequence[Any]) -> None:
        self._write(values, style="")

    def _write(self, values: Sequence[Any], style: str) -> None:
        self._row += 1
        row = self._row
        letters = self._letters
        if len(values) > len(letters):
            letters.extend(get_column_letter(i + 1) for i in range(len(letters), len(values)))
        tails = self._tails if not style else {}
        cells = []
        for letter, value in zip(letters, values, strict=False):
            if value is None or value == "":
                continue
            tail = tails.get(value)
            if tail is None:
                tail = _cell_tail(value, style)
                if len(tails) < TAIL_CACHE and not style:
                    tails[value] = tail
            cells.append(f'<c r="{letter}{row}"{tail}')
        self._handle.write(f'<row r="{row}">{"".join(cells)}</row>\n'.encode())

    def _close_sheet(self) -> None:
        if self._handle is not None:
            self._handle.write(_SHEET_TAIL.encode())
            self._handle.close()
            self._handle = None

    def close(self) -> None:
        self._close_sheet()
        count = len(self._titles)
        numbers = range(1, count + 1)
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)))
        self._zip.writestr("_rels/.rels", _ROOT_RELS)
        sheets = "".join(f"<sheet name={quoteattr(_text(t))} sheetId=\"{n}\" r:id=\"rId{n}\"/>" for n, t in zip(numbers, self._titles, strict=True))
        self._zip.writestr("xl/workbook.xml", _WORKBOOK.format(sheets=sheets))
        relations = "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>\n'
            for n in numbers
        )
        self._zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(sheets=relations))
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._zip.close()

    def __enter__(self) -> StreamingWorkbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

