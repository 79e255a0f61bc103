"""Build small Excel files for import tests."""

from __future__ import annotations

import io
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
