"""How free text becomes a code (of a questionnaire, from an XLSForm's form_id), kept as written as far as a
code can hold it: the same rule turns a form_id into a code and a code typed by someone into what to look for."""

from __future__ import annotations

import re
import unicodedata


def code_from_text(raw: str, *, fallback: str = "") -> str:
    """`raw` exactly as written, case included, except what a code cannot hold: Vietnamese letters lose their
    marks ("Một cửa" → "Mot-cua"), other runs of characters become "-" ("Spec test" → "Spec-test"). Not cut to a
    code's length: a form_id too long is refused by the import, and a longer text typed to look for finds nothing."""
    ascii_text = unicodedata.normalize("NFKD", raw.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text).strip("-") or fallback
