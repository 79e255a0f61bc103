"""Demo questionnaires: every built-in template, loaded once (idempotent)."""

from __future__ import annotations

from django.db import transaction

from surveys.builtin_forms import TEMPLATES
from surveys.models import Questionnaire
from surveys.services.questionnaires import questionnaire_load_template
from units.access import SYSTEM


@transaction.atomic
def load_questionnaires_demo() -> dict[str, Questionnaire]:
    """The built-in questionnaires by template name, creating those that are missing."""
    return {name: questionnaire_load_template(name=name, actor=SYSTEM)[0] for name in TEMPLATES}
