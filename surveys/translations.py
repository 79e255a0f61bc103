"""A questionnaire's languages: every `label::<language>` an XLSForm declares, kept and shown.

The language held in the `text` / `title` / `label` fields has slot "vi" (Vietnamese when the form has it),
the one in `text_en` / `title_en` / `label_en` slot "en"; every other language has slot "" and lives in
`translations` ({language: {"label", "hint", "constraint_message", "required_message"}}) of questions and
sections, and in a choice's "labels" ({language: label}). Texts of the "en" slot other than the label
(hint, messages) also live in `translations`: what has its own field is never repeated there.
`Questionnaire.languages` lists them in the form's order; empty means Vietnamese and English (built-in).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

VI_NAME, EN_NAME = "Tiếng Việt (vi)", "English (en)"
BUILT_IN = [{"name": VI_NAME, "slot": "vi"}, {"name": EN_NAME, "slot": "en"}]
# pyxform's name for the language of a plain `label` column when other columns name theirs.
UNNAMED = "default"
TEXT_KEYS = ("label", "hint", "constraint_message", "required_message")
_REFERENCE = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}")


def _is(name: str, code: str, *words: str) -> bool:
    lowered = name.strip().lower()
    return lowered == code or lowered.endswith(f"({code})") or lowered in words


def language_slots(declared: Iterable[str], default: str = "") -> list[dict[str, str]]:
    """Slots for the languages a form declares: Vietnamese (else the default language, else the
    unnamed one, else the first) in the `text` fields, English in `text_en`, the others in `translations`."""
    names = list(dict.fromkeys(name for name in declared if name))
    if not names:
        return []
    main = next((n for n in names if _is(n, "vi", "tiếng việt", "vietnamese")), None)
    main = main or (default if default in names else None) or (UNNAMED if UNNAMED in names else None) or names[0]
    english = next((n for n in names if n != main and _is(n, "en", "english")), None)
    # Main first, English next, the others in the form's order: the order the export writes their columns in.
    ordered = [main] + ([english] if english else []) + [n for n in names if n not in (main, english)]
    return [{"name": n, "slot": "vi" if n == main else "en" if n == english else ""} for n in ordered]


def languages_of(questionnaire_languages: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """The questionnaire's languages with their slots; the built-in pair when it declares none."""
    return list(questionnaire_languages) if questionnaire_languages else [dict(item) for item in BUILT_IN]


def slot_of(languages: list[dict[str, str]], language: str) -> str:
    return next((item["slot"] for item in languages if item["name"] == language), "")


def question_text(question: Any, languages: list[dict[str, str]], language: str, key: str) -> str:
    """One text (label, hint, constraint_message, required_message) of a question (model or spec) in `language`."""
    slot = slot_of(languages, language)
    own = {"label": "text", "hint": "hint", "constraint_message": "constraint_message", "required_message": "required_message"}
    if slot == "vi":
        return getattr(question, own[key], "") or ""
    if slot == "en" and key == "label":
        return question.text_en or ""
    return str(((question.translations or {}).get(language) or {}).get(key) or "")


def section_title(section: Any, languages: list[dict[str, str]], language: str) -> str:
    slot = slot_of(languages, language)
    if slot == "vi":
        return section.title or ""
    if slot == "en":
        return section.title_en or ""
    return str(((section.translations or {}).get(language) or {}).get("label") or "")


def choice_label(choice: Mapping[str, Any], languages: list[dict[str, str]], language: str) -> str:
    slot = slot_of(languages, language)
    if slot == "vi":
        return str(choice.get("label") or "")
    if slot == "en":
        return str(choice.get("label_en") or "")
    return str((choice.get("labels") or {}).get(language) or "")


def references(text: str) -> set[str]:
    """The `${name}` a label or hint shows."""
    return set(_REFERENCE.findall(text or ""))


def without_references(text: str, names: set[str]) -> str:
    """The text with each `${name}` of `names` removed (shown empty), spaces tidied."""
    if not text or not names:
        return text
    removed = _REFERENCE.sub(lambda m: "" if m.group(1) in names else m.group(0), text)
    return re.sub(r"[ \t]{2,}", " ", removed).strip()


def browser_texts(questionnaire: Any, questions: Iterable[Any], sections: Iterable[Any]) -> dict[str, Any]:
    """What the entry page needs to switch language and fill `${…}`: the languages (the default first
    selected) and, per question, section and choice, the texts in each language. Empty when the form has
    one language and no `${…}` in its labels and hints."""
    languages = languages_of(questionnaire.languages)
    questions, sections = list(questions), list(sections)
    # Built-in and hand-made forms: English only where some English text exists.
    if not questionnaire.languages and not any(q.text_en for q in questions) and not any(s.title_en for s in sections):
        languages = languages[:1]
    names = [item["name"] for item in languages]
    substituted = any(references(q.text) or references(q.hint) for q in questions)
    if len(names) < 2 and not substituted:
        return {}
    default = questionnaire.default_language if questionnaire.default_language in names else names[0]
    return {
        "languages": names,
        "default": default,
        "questions": {
            q.code: {
                "texts": {name: {key: question_text(q, languages, name, key) for key in TEXT_KEYS} for name in names},
                "choices": [{name: choice_label(c, languages, name) for name in names} for c in q.choices or [] if isinstance(c, dict) and "value" in c],
            }
            for q in questions
        },
        "sections": {s.code: {name: section_title(s, languages, name) for name in names} for s in sections},
    }
