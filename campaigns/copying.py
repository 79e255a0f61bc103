"""Copying last year's campaign into a draft for the next period, and a whole draft set up in one call
(the create_campaign command). Every write goes through campaigns.services, which asks the access policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignForm, Channel, ChannelWindow, IndexSchemeCode, SampleQuota
from campaigns.services import (
    CampaignRuleError,
    _audit_campaign,
    campaign_create,
    campaign_form_add,
    channel_window_add,
    quotas_generate,
)
from campaigns.targets import target_norm
from units.access import Action, require
from units.models import Unit
from units.services import Actor


def shift_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def campaign_next_code(campaign: Campaign, years: int = 1) -> str:
    """The copy's code: the year in the code moved on ("sipas-2025" → "sipas-2026"), else "<code>-<year>"."""
    old, new = str(campaign.year), str(campaign.year + years)
    if old in campaign.code:
        return campaign.code.replace(old, new)
    return f"{campaign.code}-{new}"[:60]


def _target_from_norm(campaign: Campaign) -> bool:
    norm = target_norm(campaign.index_scheme, campaign.year)
    return norm is not None and (norm.value, norm.source) == (campaign.target_index, campaign.target_source)


@transaction.atomic
def campaign_copy(
    *, campaign: Campaign, code: str | None = None, name: str | None = None, years: int = 1, actor: Actor
) -> Campaign:
    """A draft copy of `campaign` for `years` later: same forms, windows moved on, same quotas; new code and public link."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    code = code or campaign_next_code(campaign, years)
    old_year, new_year = str(campaign.year), str(campaign.year + years)
    from_norm = _target_from_norm(campaign)
    copy = campaign_create(
        code=code,
        name=name or (campaign.name.replace(old_year, new_year) if old_year in campaign.name else f"{campaign.name} ({new_year})"),
        organiser=campaign.organiser,
        fieldwork_start=shift_years(campaign.fieldwork_start, years),
        fieldwork_end=shift_years(campaign.fieldwork_end, years),
        index_scheme=campaign.index_scheme,
        # A target taken from a text follows the texts into the new year; the organiser's own stays.
        target_index=None if from_norm else campaign.target_index,
        target_source="" if from_norm else campaign.target_source,
        year=campaign.year + years,
        notice_text=campaign.notice_text.replace(old_year, new_year),  # "… năm 2025" becomes "… năm 2026"
        series=campaign.series or campaign.code,
        previous=campaign,
        actor=actor,
    )
    Campaign.objects.filter(pk=copy.pk).update(scheme_options=campaign.scheme_options, counted_statuses=campaign.counted_statuses)
    form_map: dict[int, CampaignForm] = {}
    for form in campaign.forms.prefetch_related("unit_types", "units").order_by("pk"):
        new_form = CampaignForm.objects.create(campaign=copy, questionnaire_id=form.questionnaire_id)
        new_form.unit_types.set(form.unit_types.all())
        new_form.units.set(form.units.all())
        form_map[form.pk] = new_form
    for window in campaign.windows.prefetch_related("unit_types").order_by("pk"):
        new_window = ChannelWindow.objects.create(
            campaign=copy, channel=window.channel, start=shift_years(window.start, years), end=shift_years(window.end, years)
        )
        new_window.unit_types.set(window.unit_types.all())
    SampleQuota.objects.bulk_create(
        [
            SampleQuota(campaign=copy, unit_id=quota.unit_id, channel=quota.channel, form=form_map[quota.form_id], target=quota.target)
            for quota in campaign.quotas.all()
        ],
        batch_size=1000,
    )
    _audit_campaign(copy, "copy", actor, source=campaign.code)
    return copy


@transaction.atomic
def campaign_setup(
    *,
    code: str,
    name: str,
    organiser: Unit,
    questionnaires: list[Any],
    fieldwork_start: dt.date,
    fieldwork_end: dt.date,
    index_scheme: str = IndexSchemeCode.SIPAS,
    target_index: Decimal | int | float | None = None,
    target_source: str = "",
    quota: int | None = None,
    actor: Actor,
) -> tuple[Campaign, int]:
    """A draft campaign ready to activate: the questionnaires over the organiser's subtree, the desk
    channel over the whole period, and quotas (`quota` for every unit, else the per-type defaults).

    Returns the campaign and the number of quotas made; all or nothing.
    """
    if not questionnaires:
        raise CampaignRuleError(_("Cần ít nhất một phiếu khảo sát."))
    campaign = campaign_create(
        code=code,
        name=name,
        organiser=organiser,
        fieldwork_start=fieldwork_start,
        fieldwork_end=fieldwork_end,
        index_scheme=index_scheme,
        target_index=target_index,
        target_source=target_source,
        actor=actor,
    )
    for questionnaire in questionnaires:
        campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=actor)
    channel_window_add(campaign=campaign, channel=Channel.DESK, start=fieldwork_start, end=fieldwork_end, actor=actor)
    return campaign, quotas_generate(campaign=campaign, size=quota, actor=actor)
