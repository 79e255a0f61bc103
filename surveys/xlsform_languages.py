"""The language of an XLSForm's texts, read on import and written back on export: the questionnaire keeps
a short code ("vi", "en", "ar"), or the name the form used when it gave no code, or "" when its labels
declare no language (a plain `label` column)."""

from __future__ import annotations

import re

from surveys.xlsform_notes import kept_languages

# Codes and the names ODK's convention writes before them: `label::English (en)`.
NAMES = {
    "vi": "Tiếng Việt", "en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "ar": "Arabic",
    "zh": "Chinese", "ru": "Russian", "de": "German", "hi": "Hindi", "sw": "Swahili", "km": "Khmer", "lo": "Lao",
    "th": "Thai", "id": "Indonesian", "ne": "Nepali", "bn": "Bengali", "ur": "Urdu", "so": "Somali", "am": "Amharic",
}
_BY_NAME = {name.lower(): code for code, name in NAMES.items()} | {
    "vietnamese": "vi", "tieng viet": "vi", "français": "fr", "francais": "fr", "español": "es", "espanol": "es",
    "kiswahili": "sw", "العربية": "ar", "default": "",
}
_CODE = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\)\s*$")


def language_code(name: str) -> str:
    """The code of a language as an XLSForm names it ("English (en)", "english", "Tiếng Việt (vi)"), or the
    name itself (shortened to 10 characters) when it is none we know; "" for no language."""
    text = " ".join(name.split())
    if not text:
        return ""
    found = _CODE.search(text)
    if found:
        return found.group(1).lower()[:10]
    return _BY_NAME.get(text.lower(), text[:10])


def language_column(code: str) -> str:
    """The language part of a column name for a code: "vi" → "Tiếng Việt (vi)", a name kept as written."""
    if not code:
        return ""
    return f"{NAMES[code]} ({code})" if code in NAMES else code


def column(base: str, code: str) -> str:
    """`label::English (en)`, or plain `label` for a form that declares no language."""
    language = language_column(code)
    return f"{base}::{language}" if language else base


def form_language(header: list[str], default_language: str) -> str:
    """The code of the language of the texts we keep as the main ones (see pick_text)."""
    main, _english = kept_languages(header, default_language.lower())
    return language_code(main) or language_code(default_language)
