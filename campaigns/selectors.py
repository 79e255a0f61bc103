"""Reads about campaigns that the admin, the public pages, the services and other apps share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from campaigns.models import Campaign, CampaignForm, CampaignStatus, ChannelWindow
from units.models import Membership, Role, Unit
from units.selectors import code_match, scope_queryset, unit_subtree, user_has_role

# Statuses in which nothing about a campaign may change any more.
LOCKED_STATUSES = frozenset({CampaignStatus.PUBLISHED, CampaignStatus.ARCHIVED})
# Statuses whose public notice page is shown (a draft is not public yet).
PUBLIC_STATUSES = frozenset({CampaignStatus.ACTIVE, CampaignStatus.CLOSED, CampaignStatus.PUBLISHED})


def campaigns_visible_to(user: User | AnonymousUser) -> QuerySet[Campaign]:
    """Campaigns whose organiser lies in one of the user's subtrees (any role)."""
    return scope_queryset(Campaign.objects.select_related("organiser"), user=user, field="organiser")


def campaign_by_code(code: str, queryset: QuerySet[Campaign] | None = None) -> Campaign | None:
    """The campaign `code`, typed in any letter case, among `queryset` (default: every campaign, with its organiser)."""
    if not code.strip():
        return None
    return code_match(Campaign.objects.select_related("organiser") if queryset is None else queryset, code).first()


def questionnaire_latest(code: str, *, version: int | None = None) -> Any | None:
    """The newest version (or version `version`) of the questionnaire `code`, typed in any letter case: a
    surveys.Questionnaire, looked up by name (no import of surveys). Versions are numbered regardless of
    case, so "SIPAS_Mot_Cua_2024" v1 and "sipas_mot_cua_2024" v2 are two versions of one questionnaire."""
    if not code.strip():
        return None
    found = apps.get_model("surveys", "Questionnaire").objects.all()
    if version is not None:
        found = found.filter(version=version)
    return code_match(found, code, "-version").first()


def user_is_official(user: User | AnonymousUser) -> bool:
    """Whether the user may use the campaign pages of the admin at all: an active staff official, or a superuser."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    # Asked once per admin page for every model and row: remembered on the request's user object.
    cached = getattr(user, "_campaigns_is_official", None)
    if cached is None:
        cached = Membership.objects.filter(user=user, role=Role.OFFICIAL).exists()
        user._campaigns_is_official = cached  # type: ignore[union-attr]
    return cached


def campaign_is_locked(campaign: Campaign) -> bool:
    return campaign.status in LOCKED_STATUSES


def campaign_accepts_responses(campaign: Campaign, *, channel: str | None = None, on: dt.date | None = None) -> bool:
    """Whether entry is open: the campaign is active and, when `channel` is given, one of its windows is open on `on`."""
    if campaign.status != CampaignStatus.ACTIVE:
        return False
    if channel is None:
        return True
    day = on or timezone.localdate()
    return campaign.windows.filter(channel=channel, start__lte=day, end__gte=day).exists()


def personal_data_visible(*, user: User | AnonymousUser, campaign: Campaign) -> bool:
    """Frame entries and contacts are shown only to officials of the organising unit (or above) and superusers."""
    return user_has_role(user=user, unit=campaign.organiser, roles=[Role.OFFICIAL])


def frame_entries_visible_to(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """Restrict rows that carry personal data (reached through `campaign`) to the organiser's officials."""
    return scope_queryset(queryset, user=user, field="campaign__organiser", roles=[Role.OFFICIAL])


def mask_name(full_name: str) -> str:
    """"Nguyễn Văn An" → "N. V. A.": initials only, for those who may not see the frame."""
    return " ".join(f"{part[0]}." for part in full_name.split()) or "—"


def mask_phone(phone: str) -> str:
    """"0905123456" → "0905***456": enough to recognise a number, not to call it."""
    digits = phone.strip()
    if len(digits) <= 6:
        return "*" * len(digits)
    return f"{digits[:4]}{'*' * (len(digits) - 7)}{digits[-3:]}"


def public_campaign(public_key: str) -> Campaign:
    """The campaign behind a public notice link; drafts and archived campaigns do not exist for the public."""
    campaign = (
        Campaign.objects.select_related("organiser")
        .prefetch_related("windows")
        .filter(public_key=public_key, status__in=PUBLIC_STATUSES)
        .first()
    )
    if campaign is None:
        raise Http404
    return campaign


def organiser_units(campaign: Campaign) -> QuerySet[Unit]:
    """Active units of the organiser's subtree, the organiser included."""
    return unit_subtree(campaign.organiser).filter(is_active=True).select_related("type")


def form_units(form: CampaignForm, subtree: list[Unit], organiser_id: int) -> list[Unit]:
    """The units a campaign form applies to, among the organiser's `subtree`.

    Named units win; else units of the named types; else every unit below the organiser
    (the organiser itself when it has nothing below it, e.g. a hospital surveying itself).
    """
    named = {unit.pk for unit in form.units.all()}
    if named:
        return [unit for unit in subtree if unit.pk in named]
    types = {unit_type.pk for unit_type in form.unit_types.all()}
    if types:
        return [unit for unit in subtree if unit.type_id in types]
    below = [unit for unit in subtree if unit.pk != organiser_id]
    return below or [unit for unit in subtree if unit.pk == organiser_id]


def window_serves(window: ChannelWindow, unit: Unit) -> bool:
    types = {unit_type.pk for unit_type in window.unit_types.all()}
    return not types or unit.type_id in types


def quota_cells(campaign: Campaign) -> Iterator[tuple[Unit, str, CampaignForm]]:
    """Every (unit, channel, form) cell the campaign's forms and windows call for, each once."""
    subtree = list(organiser_units(campaign).order_by("path"))
    forms = list(campaign.forms.prefetch_related("units", "unit_types").order_by("pk"))
    windows = list(campaign.windows.prefetch_related("unit_types").order_by("channel", "start", "pk"))
    seen: set[tuple[int, str, int]] = set()
    for form in forms:
        for unit in form_units(form, subtree, campaign.organiser_id):
            for window in windows:
                key = (unit.pk, window.channel, form.pk)
                if key not in seen and window_serves(window, unit):
                    seen.add(key)
                    yield unit, window.channel, form
