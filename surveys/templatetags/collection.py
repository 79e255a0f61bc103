"""Template tags that put data collection on the role landing pages (templates/home/*.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count

from surveys.models import ResponseStatus
from surveys.selectors import REVIEW_ROLES, enumerator_assignments, enumerator_quotas, responses_visible_to

register = template.Library()


@register.simple_tag(takes_context=True)
def enumerator_overview(context: template.Context) -> dict[str, Any]:
    """The enumerator's pending assignments and the progress of each quota cell they collect for."""
    user = context["request"].user
    return {"quotas": enumerator_quotas(user=user), "assignments": enumerator_assignments(user=user)}


@register.simple_tag(takes_context=True)
def review_overview(context: template.Context) -> dict[str, Any]:
    """Counts of responses by status in the reviewer's units."""
    user = context["request"].user
    rows = responses_visible_to(user, REVIEW_ROLES).values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return {"statuses": [(code, label, counts.get(code, 0)) for code, label in ResponseStatus.choices]}
