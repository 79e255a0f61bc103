"""Template tags that put data collection on the role landing pages (templates/home/*.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count

from campaigns.fieldwork.selectors import call_list, person_for
from campaigns.selectors import mask_name
from surveys.enumerator_home import enumerator_progress, responses_sent_back
from surveys.models import ResponseStatus
from surveys.selectors import REVIEW_ROLES, responses_visible_to

register = template.Library()


# How many due cases the home lists (the call-centre "next case" button goes through all of them).
DUE_SHOWN = 50


@register.simple_tag(takes_context=True)
def enumerator_overview(context: template.Context) -> dict[str, Any]:
    """The enumerator's day: cases due now (appointments whose time came first), appointments to come,
    responses sent back with their reason, and progress by campaign and the channels they collect."""
    user = context["request"].user
    day = call_list(user=user)
    return {
        "now": day.now,
        "served_at": int(day.now.timestamp() * 1000),
        "due": [(case, person_for(user, case)) for case in day.due[:DUE_SHOWN]],
        "due_count": len(day.due),
        "due_more": max(0, len(day.due) - DUE_SHOWN),
        "appointments": [(case, person_for(user, case)) for case in day.appointments],
        "sent_back": responses_sent_back(user=user),
        "progress": enumerator_progress(user=user),
    }


@register.simple_tag(takes_context=True)
def review_overview(context: template.Context) -> dict[str, Any]:
    """Counts of responses by status in the reviewer's units."""
    user = context["request"].user
    rows = responses_visible_to(user, REVIEW_ROLES).values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return {"statuses": [(code, label, counts.get(code, 0)) for code, label in ResponseStatus.choices]}


@register.filter
def initials(full_name: str | None) -> str:
    """A drawn person's initials (lists show no more of personal data, DESIGN §8)."""
    return mask_name(full_name) if full_name else ""
