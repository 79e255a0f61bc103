"""The enumerator's home: progress by campaign and channel, the quotas a user collects for, and the
responses sent back for correction (surveys.selectors holds the reads shared with the submission path)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count

from campaigns.models import Assignment, Campaign, CampaignStatus, Channel, SampleQuota
from surveys.models import Response, ResponseStatus
from surveys.selectors import COLLECT_ROLES
from units.selectors import scope_queryset


@dataclass
class QuotaProgress:
    quota: SampleQuota
    done: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.quota.target)) if self.quota.target else 100


def enumerator_quotas(*, user: User | AnonymousUser) -> list[QuotaProgress]:
    """Quota cells of active campaigns that the user collects for, each with its counted responses."""
    if not user.is_authenticated:
        return []
    quotas = scope_queryset(
        SampleQuota.objects.filter(campaign__status=CampaignStatus.ACTIVE).select_related("campaign", "unit", "form__questionnaire"),
        user=user,
        field="unit",
        roles=COLLECT_ROLES,
    ).order_by("campaign__code", "unit__path", "channel")
    quotas = list(quotas[:200])
    if not quotas:
        return []
    counts: dict[tuple[int, int, str, int], int] = {}
    rows = (
        Response.objects.filter(campaign__in={q.campaign_id for q in quotas}, unit__in={q.unit_id for q in quotas})
        .values("campaign", "unit", "channel", "form", "status")
        .annotate(n=Count("pk"))
    )
    counted = {q.campaign_id: set(q.campaign.counted_statuses) for q in quotas}
    for row in rows:
        if row["status"] in counted.get(row["campaign"], set()):
            key = (row["campaign"], row["unit"], row["channel"], row["form"])
            counts[key] = counts.get(key, 0) + row["n"]
    return [QuotaProgress(q, counts.get((q.campaign_id, q.unit_id, q.channel, q.form_id), 0)) for q in quotas]


# Channels the enumerator enters walk-in responses for (no drawn case); frame channels show only where
# they hold cases; the online channel is the citizens' own.
WALK_IN_CHANNELS = frozenset({Channel.DESK, Channel.VENUE, Channel.PAPER})


@dataclass
class ChannelProgress:
    """One channel of one campaign on the enumerator's home: its cells summed, and each cell."""

    channel: str
    cells: list[QuotaProgress] = field(default_factory=list)

    @property
    def label(self) -> str:
        return Channel(self.channel).label

    @property
    def done(self) -> int:
        return sum(cell.done for cell in self.cells)

    @property
    def target(self) -> int:
        return sum(cell.quota.target for cell in self.cells)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.target)) if self.target else 100

    @property
    def walk_in(self) -> bool:
        return self.channel in WALK_IN_CHANNELS


@dataclass
class CampaignProgress:
    campaign: Campaign
    channels: list[ChannelProgress] = field(default_factory=list)


def enumerator_progress(*, user: User | AnonymousUser) -> list[CampaignProgress]:
    """Progress by campaign and channel for the channels the user collects: walk-in channels of their quota
    cells, and frame channels (phone, home visit) where they hold cases; never the online channel."""
    quotas = enumerator_quotas(user=user)
    if not quotas:
        return []
    with_cases = set(Assignment.objects.filter(enumerator=user).values_list("campaign_id", "quota__channel").distinct())
    campaigns: dict[int, CampaignProgress] = {}
    for row in quotas:
        channel = row.quota.channel
        if channel not in WALK_IN_CHANNELS and (row.quota.campaign_id, channel) not in with_cases:
            continue
        progress = campaigns.setdefault(row.quota.campaign_id, CampaignProgress(row.quota.campaign))
        line = next((c for c in progress.channels if c.channel == channel), None)
        if line is None:
            line = ChannelProgress(channel)
            progress.channels.append(line)
        line.cells.append(row)
    return list(campaigns.values())


def responses_sent_back(*, user: User | AnonymousUser, limit: int = 20) -> list[Response]:
    """The user's responses that a supervisor sent back with a reason, newest first: to correct and resubmit
    (RETURNED) or rejected, whose case is interviewed again (REJECTED)."""
    if not user.is_authenticated:
        return []
    return list(
        Response.objects.filter(
            enumerator=user, status__in=[ResponseStatus.RETURNED, ResponseStatus.REJECTED], campaign__status=CampaignStatus.ACTIVE
        )
        .select_related("campaign", "unit", "assignment__frame_entry", "assignment__quota")
        .order_by("-reviewed_at", "-pk")[:limit]
    )


def quota_for_user(*, user: User | AnonymousUser, quota_id: int) -> SampleQuota | None:
    """A quota cell the user collects for, or None (the view answers 404)."""
    return (
        scope_queryset(SampleQuota.objects.all(), user=user, field="unit", roles=COLLECT_ROLES)
        .select_related("campaign__organiser", "unit__type", "form__questionnaire")
        .filter(pk=quota_id)
        .first()
    )


