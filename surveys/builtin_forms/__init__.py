"""Built-in questionnaire templates: data, and one builder (`builtin_spec`) that turns a template into a spec.

Each template names the text it follows (`Template.source`); the wording of every item is ours.
Public administration (SIPAS and its service part, the one-stop desk) is in `administration.py`, the
Ministry of Health's five forms in `health.py`; docs/methodology.md §7 lists the texts in force and
what the team could not check against them. Every question's role is set here by its author.
Load one with `questionnaire_load_template` (admin button «Nạp phiếu mẫu», command
`load_questionnaire_template NAME`).
"""

from __future__ import annotations

from surveys.builtin_forms.administration import ADMINISTRATION_TEMPLATES
from surveys.builtin_forms.health import HEALTH_TEMPLATES
from surveys.builtin_forms.template import Template, template_spec
from surveys.specs import QuestionnaireSpec

TEMPLATES: dict[str, Template] = {t.code: t for t in (*ADMINISTRATION_TEMPLATES, *HEALTH_TEMPLATES)}


def builtin_spec(name: str) -> QuestionnaireSpec:
    """The spec of a built-in template (a fresh copy each call). Raises KeyError for an unknown name."""
    return template_spec(TEMPLATES[name])


__all__ = ["TEMPLATES", "Template", "builtin_spec"]
