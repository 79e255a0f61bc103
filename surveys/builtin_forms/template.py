"""How a built-in template is written down (elements of items, extra sections, index parts, its source) and
the one builder that turns it into a spec."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from surveys.builtin_forms.scales import Scale
from surveys.specs import QuestionnaireSpec, QuestionSpec, SectionSpec


@dataclass(frozen=True)
class Item:
    """An item of an element; `may_be_unused`: a service the respondent may not have used, which is answered
    «Không sử dụng» (a missing code) rather than forced onto the scale."""

    text: str
    may_be_unused: bool = False


def if_used(text: str) -> Item:
    return Item(text, may_be_unused=True)


@dataclass(frozen=True, kw_only=True)
class Element:
    """A section whose items share one scale, one role and one index part; items are numbered after its code."""

    code: str
    title: str
    title_en: str
    items: list[str | Item]
    scale: Scale
    role: str
    part: str = ""


@dataclass(frozen=True)
class Template:
    code: str
    title: Any  # a lazy translation: the questionnaire takes it in the language active when it is loaded
    title_en: str
    source: Any  # the texts it follows (decision, form number), shown beside it
    sections: list[Element | SectionSpec]
    # The index's parts: [{"code", "title", "title_en", "weight" (percent), "rule", "source", "confirmed"}].
    parts: tuple[dict[str, Any], ...] = field(default=())

    @property
    def label(self) -> str:
        return str(self.title)


def choice_question(code: str, text: str, scale: Scale, *, role: str, **extra: Any) -> QuestionSpec:
    """A question answered from `scale`, counting as its satisfied levels and missing codes say."""
    return QuestionSpec(
        code=code, text=text, type=scale.type, choices=scale.choices(), choice_list=scale.name,
        satisfied_levels=list(scale.satisfied), missing_codes=list(scale.missing), role=role, **extra,
    )


def number_question(code: str, text: str, *, low: int, high: int, role: str, message: str = "", **extra: Any) -> QuestionSpec:
    """A number from `low` to `high`, refused outside with `message` (by default one that says the range)."""
    return QuestionSpec(
        code=code, text=text, type="number", min_value=Decimal(low), max_value=Decimal(high), role=role,
        constraint=f". >= {low} and . <= {high}",
        constraint_message=message or f"Nhập một số từ {low} đến {high}.",  # the questionnaire's own text, in its language
        **extra,
    )


def element_section(element: Element) -> SectionSpec:
    questions = []
    for number, item in enumerate(element.items, start=1):
        item = item if isinstance(item, Item) else Item(item)
        scale = element.scale.with_not_used() if item.may_be_unused else element.scale
        questions.append(choice_question(f"{element.code}{number}", item.text, scale, role=element.role, required=True))
    return SectionSpec(code=element.code, title=element.title, title_en=element.title_en, part=element.part, questions=questions)


def template_spec(template: Template) -> QuestionnaireSpec:
    """The spec of a template (a fresh copy each call)."""
    sections = [element_section(s) if isinstance(s, Element) else copy.deepcopy(s) for s in template.sections]
    return QuestionnaireSpec(
        code=template.code, title=str(template.title), title_en=template.title_en, template=template.code,
        sections=sections, parts=copy.deepcopy(list(template.parts)),
    )
