"""Writing many quotas of a campaign at once (the builder's grid, step 4), and the frame they are checked against.

One quota at a time is `campaigns.services.quota_set`; the missing ones by default `quotas_generate`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from campaigns.models import Campaign, SampleQuota
from campaigns.sampling import FRAME_CHANNELS
from campaigns.selectors import quota_cells
from campaigns.services import CampaignRuleError, campaign_ensure_editable
from units.access import Action, require
from units.formatting import number_vi
from units.models import Unit
from units.services import Actor, audit_record

# A cell: (unit id, channel, campaign form id).
CellKey = tuple[int, str, int]

# Larger than any survey of a province; it keeps a typo (an extra zero or five) out of the draw.
QUOTA_MAX = 1_000_000


def cell_field(key: CellKey) -> str:
    """The name of a cell's field on the builder's grid, and the code of a refusal that concerns it."""
    unit_id, channel, form_id = key
    return f"q_{unit_id}_{channel}_{form_id}"


def frame_counts(campaign: Campaign) -> dict[int, int]:
    """People on the campaign's frame, by unit id."""
    return dict(campaign.frame.values_list("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))


def frame_overruns(campaign: Campaign, *, sizes: Mapping[CellKey, int] | None = None, counts: dict[int, int] | None = None) -> dict[int, str]:
    """Units whose phone and home-visit quotas (campaigns.sampling.FRAME_CHANNELS) add up to more people than
    the unit has on the frame, the draw would fall short there: unit id → a Vietnamese sentence, by unit name.

    `sizes` are sizes about to be saved, in place of the saved ones of the same cells. Nothing before a frame
    is imported (the frame step comes after the quotas)."""
    counts = frame_counts(campaign) if counts is None else counts
    if not counts:
        return {}
    targets = {
        (unit_id, channel, form_id): target
        for unit_id, channel, form_id, target in campaign.quotas.filter(channel__in=list(FRAME_CHANNELS)).values_list("unit_id", "channel", "form_id", "target")
    }
    targets.update({key: size for key, size in (sizes or {}).items() if key[1] in FRAME_CHANNELS})
    totals: Counter[int] = Counter()
    for (unit_id, _channel, _form_id), target in targets.items():
        totals[unit_id] += max(target, 0)
    over = {unit_id: total for unit_id, total in totals.items() if total > counts.get(unit_id, 0)}
    names = dict(Unit.objects.filter(pk__in=list(over)).values_list("pk", "name"))
    return {
        unit_id: _("«%(unit)s»: cỡ mẫu %(target)s lớn hơn số người trong khung mẫu (%(frame)s).")
        % {"unit": names[unit_id], "target": number_vi(total), "frame": number_vi(counts.get(unit_id, 0))}
        for unit_id, total in sorted(over.items(), key=lambda item: names[item[0]])
    }


def _size_problem(size: object) -> str | None:
    if isinstance(size, bool) or not isinstance(size, int):
        return _("Cỡ mẫu phải là số nguyên (số phiếu), không âm.")
    if size < 0:
        return _("Cỡ mẫu không được âm.")
    if size > QUOTA_MAX:
        return _("Cỡ mẫu không quá %(max)s phiếu một ô.") % {"max": number_vi(QUOTA_MAX)}
    return None


@transaction.atomic
def quotas_save(*, campaign: Campaign, sizes: Mapping[CellKey, int], actor: Actor) -> int:
    """Set the sizes of many cells (unit × channel × form) at once, creating the cells that have none: all of
    them or none. Returns how many cells were created or changed; one audit row lists them.

    Refused with a CampaignRuleError whose every error's code is the field of the cell it concerns
    (`cell_field`): a cell the campaign's forms and windows do not call for (selectors.quota_cells), a size
    that is not a whole number from 0 to QUOTA_MAX, and phone and home-visit quotas of a unit adding up to more
    people than it has on the frame (`frame_overruns`; on each such cell). The caller guarantees nothing else.
    """
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    campaign_ensure_editable(campaign)
    cells = {(unit.pk, channel, form.pk): unit for unit, channel, form in quota_cells(campaign)}
    problems = []
    for key, size in sizes.items():
        problem = _("Đợt không có ô này (đơn vị, kênh và phiếu): hãy tải lại trang.") if key not in cells else _size_problem(size)
        if problem:
            problems.append(ValidationError(problem, code=cell_field(key)))
    if not problems:
        for unit_id, message in frame_overruns(campaign, sizes=sizes).items():
            keys = [key for key in sizes if key[0] == unit_id and key[1] in FRAME_CHANNELS and sizes[key] > 0]
            problems += [ValidationError(message, code=cell_field(key)) for key in keys] or [ValidationError(message)]
    if problems:
        raise CampaignRuleError(problems)

    existing = {(quota.unit_id, quota.channel, quota.form_id): quota for quota in campaign.quotas.all()}
    created, changed, audit = [], [], []
    for key, size in sizes.items():
        quota = existing.get(key)
        if quota is not None and quota.target == size:
            continue
        audit.append({"unit": cells[key].code, "channel": key[1], "form": key[2], "from": quota.target if quota else None, "to": size})
        if quota is None:
            created.append(SampleQuota(campaign=campaign, unit=cells[key], channel=key[1], form_id=key[2], target=size))
        else:
            quota.target = size
            changed.append(quota)
    SampleQuota.objects.bulk_create(created, batch_size=1000)
    SampleQuota.objects.bulk_update(changed, ["target"], batch_size=1000)
    if audit:
        audit_record(actor=actor, action="campaign.quotas.save", obj=campaign, changes={"cells": audit})
    return len(audit)
