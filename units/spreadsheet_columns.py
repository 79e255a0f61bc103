"""Finding an import's columns by any of their names (English, Vietnamese, ASCII), in any case or Unicode form."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from units.spreadsheets import CellError, ImportFailed


def text_key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().lower()


def column_map(sheet: str, header: list[str], columns: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> dict[str, str]:
    """Canonical column → the header the file uses for it (any of its aliases, in any case and Unicode
    form); missing required columns are errors. Shared by every import that reads named columns."""
    present = {text_key(name): name for name in header if name}
    found = {}
    for canonical, aliases in columns.items():
        for alias in aliases:
            if alias in present:
                found[canonical] = present[alias]
                break
    missing = [name for name in required if name not in found]
    if missing:
        raise ImportFailed([CellError(sheet, 1, name, _("Thiếu cột bắt buộc «%(column)s».") % {"column": name}) for name in missing])
    return found
