"""Build small Excel files for import tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any

from openpyxl import Workbook


def xlsx_bytes(rows: list[list[Any]], title: str = "Sheet1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_parts(data: bytes) -> dict[str, bytes]:
    """The unpacked parts of an .xlsx, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xlsx_with(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The .xlsx `data` with parts (by name) replaced or added; None removes one."""
    parts = xlsx_parts(data)
    for path, content in changes.items():
        if content is None:
            parts.pop(path, None)
        else:
            parts[path] = content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def sheet_xml(rows: bytes, *, dimension: str | None = None, after: bytes = b"") -> bytes:
    """A sheet's XML around `rows` (the <row> elements), with an optional <dimension> and what follows sheetData."""
    declared = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return _SHEET_HEAD + declared + b"<sheetData>" + rows + b"</sheetData>" + after + b"</worksheet>"


def text_row(number: int, *cells: tuple[str, str]) -> bytes:
    """A <row> of inline-string cells given as (reference, text)."""
    inner = b"".join(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode() for ref, text in cells)
    return f'<row r="{number}">'.encode() + inner + b"</row>"


def zip_bomb_xlsx(unpacked_mb: int = 4000) -> bytes:
    """A real .xlsx (what openpyxl would read) whose sheet unpacks to `unpacked_mb` MB of rows from
    about a thousandth of that: the attack of a 5 MB upload that unpacks to gigabytes.

    The sheet's deflate stream is one megabyte (a row, then white space) compressed once and repeated: each copy ends
    with a full flush, so the copies are independent and the stream is valid. The zip is written by
    hand, since zipfile would compress the gigabytes itself (its CRC is left 0: nothing that refuses
    the file early ever reads that far)."""
    base = xlsx_parts(xlsx_bytes([["code", "name", "type", "parent_code"]]))
    row = text_row(2, ("A2", "x"), ("B2", "y"))
    block = row + b" " * (1024 * 1024 - len(row))  # white space between rows packs a thousandfold
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_plain = _SHEET_HEAD + b"<sheetData>" + text_row(1, ("A1", "code"), ("B1", "name"))
    head = compressor.compress(head_plain) + compressor.flush(zlib.Z_FULL_FLUSH)
    copy = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail_plain = b"</sheetData></worksheet>"
    tail = compressor.compress(tail_plain) + compressor.flush()
    entries = []
    for name, content in base.items():
        if name == SHEET:
            entries.append((name, head + copy * unpacked_mb + tail, 0, len(head_plain) + len(block) * unpacked_mb + len(tail_plain)))
        else:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            entries.append((name, packer.compress(content) + packer.flush(), zlib.crc32(content), len(content)))
    out, directory = io.BytesIO(), io.BytesIO()
    for name, packed, crc, size in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(packed), size, len(encoded), 0) + encoded + packed)
        directory.write(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(packed), size, len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start = out.tell()
    out.write(directory.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory.getvalue()), start, 0))
    return out.getvalue()
