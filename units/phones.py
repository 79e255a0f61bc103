"""Phone numbers as people type them (in Excel, on forms): one normal form, shared by every app."""

from __future__ import annotations

import re
from typing import Any

from units.spreadsheets import cell_text

PHONE_PATTERN = re.compile(r"^\+?[\d\s.()-]+$")


def normalise_phone(value: Any) -> str:
    """Digits only (a leading + kept); a 9-digit number that lost its leading 0 in Excel gets it back."""
    text = cell_text(value)
    if not text:
        return ""
    if not PHONE_PATTERN.match(text):
        raise ValueError(text)
    digits = re.sub(r"[^\d]", "", text)
    if not 8 <= len(digits) <= 15:
        raise ValueError(text)
    if text.startswith("+"):
        return "+" + digits
    if len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits
    return digits
