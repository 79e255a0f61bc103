"""Enumerator outliers: one enumerator's mean satisfaction far from their peers' at the same unit.

Each response's satisfied share is (valid − unsatisfied) / valid over its index questions (the counts stored
with it). At one unit, an enumerator with at least MIN_RESPONSES responses is compared with the pooled
responses of the other enumerators there (at least MIN_RESPONSES too): z = (mean − peers' mean) /
√(s² (1/n + 1/n_peers)), s² the two groups' pooled within-group variance (a two-sample t statistic). |z| at
or over the campaign's `outlier_z` flags that enumerator's responses at that unit; 0 turns the rule off.

Run after each recompute that found a change (reports.tasks.recompute_campaign): one grouped read, and writes only the flags
that appear, change or go.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from campaigns.models import Campaign, QualityRules
from surveys.models import FlagKind, Response, ResponseFlag
from surveys.quality.flags import COMPARED_STATUSES
from units.access import Action, require
from units.formatting import number_vi, percent_vi

MIN_RESPONSES = 10


@dataclass(frozen=True)
class Cell:
    """One enumerator's responses at one unit: how many, the sum of their shares and of the squares."""

    n: int
    total: float
    squares: float


@dataclass(frozen=True)
class Outlier:
    unit_id: int
    unit_name: str
    enumerator_id: int
    username: str
    mean: float
    n: int
    peers_mean: float
    peers_n: int
    z: float


def outlier_z(cell: Cell, peers: Cell) -> float | None:
    """The two-sample statistic of `cell` against `peers`; None when either is under MIN_RESPONSES or
    both groups are without spread."""
    if cell.n < MIN_RESPONSES or peers.n < MIN_RESPONSES:
        return None
    mean, peers_mean = cell.total / cell.n, peers.total / peers.n
    within = (cell.squares - cell.total**2 / cell.n) + (peers.squares - peers.total**2 / peers.n)
    variance = within / (cell.n + peers.n - 2)
    if variance <= 1e-12:
        return None
    return (mean - peers_mean) / math.sqrt(variance * (1 / cell.n + 1 / peers.n))


def enumerator_outliers(*, campaign: Campaign, threshold: float) -> list[Outlier]:
    """The campaign's (unit, enumerator) cells at or beyond `threshold`, from one grouped read."""
    share = Cast(F("index_valid") - F("index_unsatisfied"), FloatField()) / Cast(F("index_valid"), FloatField())
    rows = (
        Response.objects.filter(campaign=campaign, status__in=COMPARED_STATUSES, enumerator__isnull=False, index_valid__gt=0)
        .values("unit", "unit__name", "enumerator", "enumerator__username")
        .annotate(n=Count("pk"), total=Sum(share), squares=Sum(share * share))
        .order_by("unit", "enumerator")
    )
    by_unit: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_unit[row["unit"]].append(row)
    found = []
    for cells in by_unit.values():
        whole = Cell(sum(c["n"] for c in cells), sum(c["total"] for c in cells), sum(c["squares"] for c in cells))
        for row in cells:
            cell = Cell(row["n"], row["total"], row["squares"])
            peers = Cell(whole.n - cell.n, whole.total - cell.total, whole.squares - cell.squares)
            z = outlier_z(cell, peers)
            if z is not None and abs(z) >= threshold:
                found.append(
                    Outlier(row["unit"], row["unit__name"], row["enumerator"], row["enumerator__username"], cell.total / cell.n, cell.n, peers.total / peers.n, peers.n, z)
                )
    return found


def outlier_message(outlier: Outlier, threshold: float) -> str:
    return _(
        "Tỷ lệ hài lòng trung bình của điều tra viên %(user)s tại %(unit)s là %(mean)s (%(n)s phiếu), của đồng nghiệp cùng đơn vị %(peers)s (%(peers_n)s phiếu); z = %(z)s, ngưỡng %(threshold)s"
    ) % {
        "user": outlier.username, "unit": outlier.unit_name, "mean": percent_vi(outlier.mean * 100), "n": number_vi(outlier.n),
        "peers": percent_vi(outlier.peers_mean * 100), "peers_n": number_vi(outlier.peers_n), "z": number_vi(outlier.z, 2), "threshold": number_vi(threshold, 2),
    }


@transaction.atomic
def enumerator_outliers_flag(*, campaign_id: int, actor: User | AnonymousUser) -> int:
    """Flag the responses of the campaign's outlying enumerators (each at the unit where they stand out),
    and remove the outlier flags that no longer hold. Returns how many responses carry one."""
    campaign = Campaign.objects.select_related("organiser").get(pk=campaign_id)
    require(actor, Action.RESPONSES_REVIEW, campaign.organiser)
    threshold = float(QualityRules.for_campaign(campaign).outlier_z)
    outliers = enumerator_outliers(campaign=campaign, threshold=threshold) if threshold > 0 else []
    wanted: dict[int, tuple[str, dict]] = {}
    for outlier in outliers:
        message = outlier_message(outlier, threshold)
        detail = {"z": round(outlier.z, 4), "n": outlier.n, "peers_n": outlier.peers_n, "enumerator": outlier.enumerator_id}
        responses = Response.objects.filter(campaign=campaign, unit_id=outlier.unit_id, enumerator_id=outlier.enumerator_id, status__in=COMPARED_STATUSES)
        wanted.update({pk: (message, detail) for pk in responses.values_list("pk", flat=True)})
    existing = dict(ResponseFlag.objects.filter(response__campaign=campaign, kind=FlagKind.ENUMERATOR_OUTLIER).values_list("response_id", "message"))
    gone = [pk for pk, message in existing.items() if pk not in wanted or wanted[pk][0] != message]
    if gone:
        ResponseFlag.objects.filter(response_id__in=gone, kind=FlagKind.ENUMERATOR_OUTLIER).delete()
    fresh = [
        ResponseFlag(response_id=pk, kind=FlagKind.ENUMERATOR_OUTLIER, message=message, detail=detail)
        for pk, (message, detail) in wanted.items()
        if existing.get(pk) != message
    ]
    ResponseFlag.objects.bulk_create(fresh, batch_size=500)
    return len(wanted)
