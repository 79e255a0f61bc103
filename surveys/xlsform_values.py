"""What the XLSForm import reads from a cell: texts by language, levels, yes/no flags, roles and numbers."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from surveys.models import QuestionRole
from units.spreadsheets import CellError, cell_text

SETTINGS = "settings"
MAX_VERSION = 2_147_483_647


def _language_key(keys: list[str], *markers: str) -> str | None:
    for key in keys:
        lowered = key.strip().lower()
        if any(lowered == marker or lowered.endswith(f"({marker})") or lowered.startswith(marker) for marker in markers):
            return key
    return None


def pick_text(value: Any) -> tuple[str, str]:
    """(Vietnamese-first text, English text) of a label that is a plain string or a {language: text} dict."""
    if not value:
        return "", ""
    if isinstance(value, str):
        return value, ""
    keys = [key for key, text in value.items() if text]
    if not keys:
        return "", ""
    vi = _language_key(keys, "vi", "tiếng việt", "vietnamese")
    en = _language_key(keys, "en", "english")
    main = vi or ("default" if "default" in keys else None) or keys[0]
    english = value[en] if en and en != main else ""
    if english == value[main]:
        english = ""  # the export writes the main text where English is missing (pyxform would write "-")
    return str(value[main]), str(english)


def read_levels(value: Any) -> list[int] | None:
    text = cell_text(value)
    if not text:
        return None
    return [int(part) for part in re.split(r"[\s,;]+", text) if part]


def read_flag(value: Any) -> bool | None:
    text = cell_text(value).lower()
    if not text:
        return None
    return text in ("yes", "true", "true()", "1", "có", "co")


# hl_role: our codes, and the words an official may write in Vietnamese.
ROLE_WORDS = {
    **{role: role for role in QuestionRole.values},
    "hai_long": QuestionRole.INDEX, "hài lòng": QuestionRole.INDEX, "chi_so": QuestionRole.INDEX, "chỉ số": QuestionRole.INDEX,
    "mong_doi": QuestionRole.EXPECTATION, "mong đợi": QuestionRole.EXPECTATION,
    "quay_lai": QuestionRole.RETURN, "quay lại": QuestionRole.RETURN,
    "thong_tin": QuestionRole.PROFILE, "thông tin": QuestionRole.PROFILE,
    "khong_tinh": QuestionRole.OTHER, "không tính": QuestionRole.OTHER,
}


def read_role(value: Any) -> str | None:
    text = cell_text(value).strip().lower()
    if not text:
        return None
    if text not in ROLE_WORDS:
        raise ValueError(text)
    return ROLE_WORDS[text]


def read_decimal(value: Any) -> Decimal | None:
    text = cell_text(value)
    return Decimal(text) if text else None


def read_parts(value: Any, errors: list[CellError]) -> list[dict[str, Any]]:
    """The index parts from the settings sheet's `hl_parts` (a JSON list, as our export writes it)."""
    text = cell_text(value)
    if not text:
        return []
    try:
        parts = json.loads(text)
    except ValueError:
        parts = None
    if not isinstance(parts, list) or not all(isinstance(part, dict) for part in parts):
        errors.append(CellError(SETTINGS, 2, "hl_parts", _("«hl_parts» phải là một danh sách JSON các phần, ví dụ [{\"code\": \"CS\", \"weight\": 50}].")))
        return []
    return parts


def read_version(value: Any, warnings: list[str]) -> int:
    text = cell_text(value)
    digits = re.search(r"\d+", text)
    if not digits:
        return 1
    number = int(digits.group())
    if not 1 <= number <= MAX_VERSION:
        warnings.append(_("Phiên bản «%(version)s» không dùng được làm số phiên bản; dùng 1.") % {"version": text})
        return 1
    return number


def read_version_text(value: Any) -> str:
    """The version as written, when it says more than its number (e.g. "2024-05-01", "1.2"): exported back as is."""
    text = cell_text(value)[:60]
    return "" if not text or text == str(read_version(text, [])) else text
