"""Who may read which campaign's results, and where inside it (reach)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_code
from units.models import RESULT_ROLES, Role, Unit
from units.selectors import membership_paths, outermost_paths, unit_ancestor_paths


@dataclass(frozen=True)
class Reach:
    """Where a user may look inside one campaign: the organiser's subtree cut down to the user's own subtrees."""

    campaign: Campaign
    paths: tuple[str, ...]  # the outermost unit paths the user may see inside the campaign
    everything: bool  # the user sits at or above the organiser

    def covers(self, unit: Unit) -> bool:
        return unit.path.startswith(self.campaign.organiser.path) and any(unit.path.startswith(p) for p in self.paths)


def _campaign_q(paths: Sequence[str]) -> Q:
    """Campaigns whose organiser lies inside one of `paths`, or above one of them."""
    query = Q(pk__in=[])
    ancestors: set[str] = set()
    for path in paths:
        query |= Q(organiser__path__startswith=path)
        ancestors.update(unit_ancestor_paths(Unit(path=path)))
    if ancestors:
        query |= Q(organiser__path__in=sorted(ancestors))
    return query


def campaigns_with_results_for(user: User | AnonymousUser) -> QuerySet[Campaign]:
    """Campaigns the user may read results of: organised inside or above one of the user's units."""
    campaigns = Campaign.objects.select_related("organiser")
    if not user.is_authenticated:
        return campaigns.none()
    if user.is_superuser:
        return campaigns
    return campaigns.filter(_campaign_q(membership_paths(user, RESULT_ROLES)))


def campaigns_for_landing(user: User | AnonymousUser) -> list[Campaign]:
    """Visible campaigns, each with `my_units`: the units the user manages inside it (for their unit page links)."""
    campaigns = list(campaigns_with_results_for(user))
    managed = list(
        Unit.objects.filter(memberships__user=user, memberships__role=Role.UNIT_MANAGER).order_by("path").distinct()
    ) if user.is_authenticated else []
    for campaign in campaigns:
        campaign.my_units = [u for u in managed if u.path.startswith(campaign.organiser.path)]
    return campaigns


def campaign_reach(*, user: User | AnonymousUser, code: str) -> Reach:
    """The campaign `code` and where the user may look in it; 404 when the user has no unit in it."""
    if not user.is_authenticated:
        raise Http404
    campaign = campaign_by_code(code)
    if campaign is None:
        raise Http404
    organiser_path = campaign.organiser.path
    if user.is_superuser:
        return Reach(campaign, (organiser_path,), True)
    paths = membership_paths(user, RESULT_ROLES)
    if any(organiser_path.startswith(p) for p in paths):
        return Reach(campaign, (organiser_path,), True)
    outermost = outermost_paths(p for p in paths if p.startswith(organiser_path))
    if not outermost:
        raise Http404
    return Reach(campaign, tuple(outermost), False)


def reach_units(reach: Reach) -> QuerySet[Unit]:
    """The units a reach starts from (the organiser, or the user's own units inside the campaign)."""
    return Unit.objects.filter(path__in=reach.paths).order_by("path")
