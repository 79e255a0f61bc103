"""Plain descriptions of a questionnaire, before it is saved.

The built-in templates and the XLSForm importer both produce a `QuestionnaireSpec`;
`surveys.services.questionnaires.questionnaire_create` validates and saves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class QuestionSpec:
    code: str
    text: str
    type: str
    text_en: str = ""
    hint: str = ""
    required: bool = False
    choices: list[dict[str, Any]] = field(default_factory=list)
    choice_list: str = ""
    satisfied_levels: list[int] = field(default_factory=list)
    missing_codes: list[int] = field(default_factory=list)
    relevant: str = ""
    constraint: str = ""
    constraint_message: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    counts_in_index: bool = False
    appearance: str = ""


@dataclass
class SectionSpec:
    code: str
    title: str
    title_en: str = ""
    relevant: str = ""
    questions: list[QuestionSpec] = field(default_factory=list)


@dataclass
class QuestionnaireSpec:
    code: str
    title: str
    sections: list[SectionSpec]
    title_en: str = ""
    version: int = 1
    language: str = "vi"
    template: str = ""
