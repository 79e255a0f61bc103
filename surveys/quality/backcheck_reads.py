"""Reads of back-checks (phúc tra): who may see which, the discrepancy rate per enumerator, the respondent's
contact as one viewer may see it, and a back-check's result in words (pages, the command, the raw export)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Count, Q, QuerySet, When
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.fieldwork.selectors import Person, person_for
from campaigns.models import Campaign
from campaigns.selectors import campaign_by_code, mask_name, mask_phone
from surveys.models import BackCheck, BackCheckStatus
from units.access import POLICY, Action, allowed, require, scope
from units.selectors import membership_paths

# Below this many back-checks done, an enumerator's discrepancy rate is shown but not judged.
MIN_BASE = 5

RESULT_PASSED = gettext_lazy("Đạt")
RESULT_FAILED = gettext_lazy("Không khớp")
RESULT_UNREACHED = gettext_lazy("Không liên hệ được")
RESULT_PENDING = gettext_lazy("Chưa phúc tra")


def backcheck_result(status: str | None, discrepancy: bool | None) -> str:
    """A back-check's result in words; `status` None: the response was not drawn."""
    if status == BackCheckStatus.UNREACHED:
        return str(RESULT_UNREACHED)
    if status == BackCheckStatus.DONE:
        return str(RESULT_FAILED if discrepancy else RESULT_PASSED)
    return str(RESULT_PENDING)


def backchecks_visible_to(actor: User | AnonymousUser) -> QuerySet[BackCheck]:
    """Back-checks of the responses at units where `actor` records back-checks (officials, supervisors)."""
    return scope(actor, Action.BACKCHECKS_RECORD, BackCheck.objects.all(), "response__unit")


def campaign_for_backchecks(actor: User | AnonymousUser, code: str) -> Campaign:
    """The campaign `code`, if `actor` records back-checks at its organiser or at a unit below it; 404 for
    outsiders, 403 for members without the role."""
    campaign = campaign_by_code(code, Campaign.objects.select_related("organiser"))
    if campaign is None:
        raise Http404
    if actor.is_authenticated and any(
        path.startswith(campaign.organiser.path) for path in membership_paths(actor, POLICY[Action.BACKCHECKS_RECORD])
    ):
        return campaign
    require(actor, Action.BACKCHECKS_RECORD, campaign.organiser)
    return campaign


def campaigns_for_backchecks(actor: User | AnonymousUser) -> QuerySet[Campaign]:
    """Campaigns where `actor` may draw back-checks, or has back-checks to record."""
    drawable = scope(actor, Action.BACKCHECKS_DRAW, Campaign.objects.all(), "organiser")
    checked = backchecks_visible_to(actor).values("campaign_id")
    return (
        Campaign.objects.filter(Q(pk__in=drawable.values("pk")) | Q(pk__in=checked)).select_related("organiser").order_by("-year", "code")
    )


def backcheck_for_actor(actor: User | AnonymousUser, backcheck_id: Any) -> BackCheck:
    """The back-check `backcheck_id` with what its page shows, if `actor` may record it (else 404/403)."""
    try:
        pk = int(backcheck_id)
    except (TypeError, ValueError):
        raise Http404 from None
    backcheck = (
        BackCheck.objects.select_related(
            "campaign__organiser",
            "response__unit",
            "response__form__questionnaire",
            "response__assignment__frame_entry",
            "response__assignment__campaign__organiser",
            "enumerator",
            "checked_by",
        )
        .filter(pk=pk)
        .first()
    )
    if backcheck is None:
        raise Http404
    require(actor, Action.BACKCHECKS_RECORD, backcheck.response.unit)
    return backcheck


def contact_visible(actor: User | AnonymousUser, backcheck: BackCheck) -> bool:
    """Whether `actor` sees the respondent's full name and phone: the organiser's officials (FRAME_READ), and
    the supervisor doing the back-check (any who may record it while it is open, then the one who did it)."""
    if allowed(actor, Action.FRAME_READ, backcheck.campaign.organiser):
        return True
    if not allowed(actor, Action.BACKCHECKS_RECORD, backcheck.response.unit):
        return False
    return backcheck.status != BackCheckStatus.DONE or backcheck.checked_by_id == actor.pk


def backcheck_contact(actor: User | AnonymousUser, backcheck: BackCheck) -> Person | None:
    """The respondent as `actor` may see them: the drawn person of the interview's case, else the name and
    phone the response holds; masked as campaigns.fieldwork masks a case's person."""
    visible = contact_visible(actor, backcheck)
    response = backcheck.response
    if response.assignment is not None and response.assignment.frame_entry is not None:
        return person_for(actor, response.assignment, visible=visible)
    if not (response.respondent_name or response.respondent_phone):
        return None
    name, phone = response.respondent_name.title(), response.respondent_phone
    if visible:
        return Person(name, phone, "", True)
    return Person(mask_name(name), mask_phone(phone) if phone else "", "", False)


@dataclass
class EnumeratorRate:
    """One enumerator's back-checks: drawn, done (reached), unreached, discrepancies; the rate's base is
    the back-checks done (unreached respondents are left out)."""

    enumerator_id: int | None
    username: str
    full_name: str
    drawn: int
    checked: int
    unreached: int
    discrepancies: int

    @property
    def pending(self) -> int:
        return self.drawn - self.checked - self.unreached

    @property
    def rate(self) -> float | None:
        """Discrepancies per 100 back-checks done; None before any is done."""
        return self.discrepancies * 100 / self.checked if self.checked else None

    @property
    def too_small(self) -> bool:
        """Whether the base is too small to judge the enumerator by (fewer than MIN_BASE done)."""
        return self.checked < MIN_BASE


def backcheck_rates(*, actor: User | AnonymousUser, campaign: Campaign) -> tuple[list[EnumeratorRate], EnumeratorRate]:
    """The discrepancy rate per enumerator of the back-checks `actor` may see, and the campaign's total
    over them (one grouped query)."""
    rows = (
        backchecks_visible_to(actor)
        .filter(campaign=campaign)
        .values("enumerator_id", "enumerator__username", "enumerator__first_name", "enumerator__last_name")
        .annotate(
            drawn=Count("pk"),
            checked=Count("pk", filter=Q(status=BackCheckStatus.DONE)),
            unreached=Count("pk", filter=Q(status=BackCheckStatus.UNREACHED)),
            discrepancies=Count("pk", filter=Q(status=BackCheckStatus.DONE, discrepancy=True)),
        )
        .order_by("enumerator__username")
    )
    rates = [
        EnumeratorRate(
            row["enumerator_id"],
            row["enumerator__username"] or "—",
            f"{row['enumerator__first_name']} {row['enumerator__last_name']}".strip() if row["enumerator_id"] else "",
            row["drawn"],
            row["checked"],
            row["unreached"],
            row["discrepancies"],
        )
        for row in rows
    ]
    total = EnumeratorRate(
        None, _("Cả đợt"), "", *(sum(getattr(rate, name) for rate in rates) for name in ("drawn", "checked", "unreached", "discrepancies"))
    )
    return rates, total


def backchecks_of(
    *, actor: User | AnonymousUser, campaign: Campaign, enumerator_id: int | None = None, status: str = ""
) -> QuerySet[BackCheck]:
    """The campaign's back-checks `actor` may see, by enumerator, pending first."""
    queryset = backchecks_visible_to(actor).filter(campaign=campaign).select_related("response__unit", "enumerator", "checked_by")
    if enumerator_id:
        queryset = queryset.filter(enumerator_id=enumerator_id)
    if status in BackCheckStatus.values:
        queryset = queryset.filter(status=status)
    pending_first = Case(When(status=BackCheckStatus.PENDING, then=0), default=1)
    return queryset.order_by("enumerator__username", pending_first, "pk")
