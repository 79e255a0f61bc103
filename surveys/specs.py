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
    role: str = "other"  # surveys.models.QuestionRole
    appearance: str = ""
    calculation: str = ""  # a `calculate` question's expression, a `meta` question's kind (surveys.calculations)
    choice_filter: str = ""
    default_value: str = ""
    required_message: str = ""
    read_only: bool = False
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # surveys.translations
    xlsform_type: str = ""  # integer, decimal or range for a number question read from an XLSForm
    parameters: str = ""  # the XLSForm's parameters, e.g. "start=0 end=10 step=0.5"

    @property
    def counts_in_index(self) -> bool:
        return self.role == "index"


@dataclass
class SectionSpec:
    code: str
    title: str
    title_en: str = ""
    relevant: str = ""
    questions: list[QuestionSpec] = field(default_factory=list)
    part: str = ""  # the code of one of the questionnaire's index parts, or ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class QuestionnaireSpec:
    code: str
    title: str
    sections: list[SectionSpec]
    title_en: str = ""
    version: int = 1
    language: str = "vi"
    version_text: str = ""  # the version as the XLSForm wrote it
    template: str = ""
    # Parts of the index: [{"code", "title", "title_en", "weight" (percent), "rule", "source", "confirmed"}].
    parts: list[dict[str, Any]] = field(default_factory=list)
    # Whether the questions' roles are the author's own (built-in, typed in) or still to be confirmed (imported).
    roles_confirmed: bool = True
    # The form's own languages ([{"name", "slot"}], surveys.translations) and its default language; empty: vi + en.
    languages: list[dict[str, str]] = field(default_factory=list)
    default_language: str = ""
