"""The draw: a stratified simple random sample without replacement per quota cell, with reserves.

Reproducible: each cell (unit × channel × form) gets its own `random.Random` seeded from the
campaign's stored `draw_seed` and the cell's ids, and draws from the unit's frame ordered by pk.
Cells of one unit draw in a fixed order from what the earlier cells left, so nobody is drawn twice.
Reserves stay outside the sample until a case of their cell closes without an interview
(campaigns.fieldwork.services.reserve_release takes them in draw order).
Only channels that contact people from the frame are drawn; desk, venue, paper and online
quotas are met by whoever comes, and are counted from the responses.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Assignment, AssignmentStatus, Campaign, CampaignStatus, Channel, FrameEntry, SampleQuota
from campaigns.services import CampaignRuleError, audit_record, campaign_ensure_editable
from units.access import Action, require
from units.models import Membership, Role, Unit
from units.services import Actor

# Channels that reach people on the frame, and what a frame entry needs for each.
FRAME_CHANNELS = {Channel.PHONE: "phone", Channel.HOME_VISIT: "address"}
DEFAULT_RESERVE_RATIO = 0.2


@dataclass
class CellResult:
    quota_id: int
    unit: str
    channel: str
    form: str
    target: int
    drawn: int
    reserves: int

    @property
    def shortfall(self) -> int:
        return max(self.target - self.drawn, 0)


@dataclass
class DrawReport:
    seed: int
    cells: list[CellResult] = field(default_factory=list)
    unassigned: int = 0

    @property
    def drawn(self) -> int:
        return sum(cell.drawn for cell in self.cells)

    @property
    def reserves(self) -> int:
        return sum(cell.reserves for cell in self.cells)

    @property
    def short_cells(self) -> list[CellResult]:
        return [cell for cell in self.cells if cell.shortfall]

    def summary(self) -> str:
        text = _("Đã rút %(drawn)d người và %(reserves)d người dự phòng cho %(cells)d ô mẫu (hạt giống %(seed)d).") % {
            "drawn": self.drawn,
            "reserves": self.reserves,
            "cells": len(self.cells),
            "seed": self.seed,
        }
        short = self.short_cells
        if short:
            text += " " + _("%(n)d ô thiếu người trong khung mẫu, thiếu tổng cộng %(missing)d: %(list)s.") % {
                "n": len(short),
                "missing": sum(cell.shortfall for cell in short),
                "list": "; ".join(f"{cell.unit} · {cell.channel} (−{cell.shortfall})" for cell in short[:10]),
            }
        if self.unassigned:
            text += " " + _("%(n)d phân công chưa có điều tra viên phụ trách đơn vị.") % {"n": self.unassigned}
        return text


def cell_random(seed: int, quota: SampleQuota) -> random.Random:
    """The generator of one cell: the same seed and cell always give the same sequence (string seeds are hashed with SHA-512)."""
    return random.Random(f"{seed}:{quota.unit_id}:{quota.channel}:{quota.form_id}")


def draw_cell(pool: list[FrameEntry], *, target: int, reserve_ratio: float, rng: random.Random) -> tuple[list[FrameEntry], list[FrameEntry]]:
    """Draw `target` people and ⌈target × ratio⌉ reserves without replacement; all of the pool when it is smaller."""
    wanted = target + math.ceil(target * reserve_ratio)
    chosen = rng.sample(pool, min(wanted, len(pool)))
    return chosen[:target], chosen[target:]


def _enumerators_by_unit_path() -> list[tuple[str, int]]:
    return sorted(
        Membership.objects.filter(role=Role.ENUMERATOR, user__is_active=True).values_list("unit__path", "user_id"),
        key=lambda row: (row[1], row[0]),
    )


def _covering(enumerators: list[tuple[str, int]], unit_path: str) -> list[int]:
    """Enumerators whose membership unit is the unit or one of its ancestors, each once, in id order."""
    return sorted({user_id for path, user_id in enumerators if unit_path.startswith(path)})


def enumerators_covering(units: list[Unit]) -> dict[int, list[int]]:
    """The active enumerators the draw gives each unit's cases to (a role at the unit or above), by unit id."""
    enumerators = _enumerators_by_unit_path()
    return {unit.pk: _covering(enumerators, unit.path) for unit in units}


@transaction.atomic
def sample_draw(
    *, campaign: Campaign, reserve_ratio: float = DEFAULT_RESERVE_RATIO, redraw: bool = False, actor: Actor
) -> DrawReport:
    """Draw the sample of every frame-channel quota cell and assign it round-robin to the enumerators covering each unit.

    The frame is personal data: only officials of the organiser draw (units.access FRAME_READ and
    CAMPAIGN_CONFIGURE). Stores a seed first if the campaign has none. A campaign already drawn is refused
    unless `redraw` is set and no assignment has been worked on yet (then the same seed gives the same people).
    """
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    require(actor, Action.FRAME_READ, campaign.organiser)
    campaign = Campaign.objects.select_for_update().select_related("organiser").get(pk=campaign.pk)
    campaign_ensure_editable(campaign)
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.ACTIVE):
        raise CampaignRuleError(_("Chỉ rút mẫu được khi đợt đang ở trạng thái nháp hoặc đang khảo sát."))
    if not 0 <= reserve_ratio <= 1:
        raise CampaignRuleError(_("Tỷ lệ dự phòng phải nằm trong khoảng 0–100%."))
    existing = campaign.assignments.all()
    if existing.exists():
        if not redraw:
            raise CampaignRuleError(_("Đợt đã được rút mẫu; rút lại sẽ thay toàn bộ danh sách đã rút."))
        worked = existing.exclude(status=AssignmentStatus.PENDING) | existing.filter(attempt_count__gt=0) | existing.filter(responses__isnull=False)
        if worked.exists():
            raise CampaignRuleError(_("Không thể rút lại: đã có phân công được liên hệ hoặc có phiếu trả lời."))
        existing.delete()
    quotas = list(
        campaign.quotas.filter(channel__in=list(FRAME_CHANNELS), target__gt=0)
        .select_related("unit", "form__questionnaire")
        .order_by("unit__path", "form_id", "channel", "pk")
    )
    if not quotas:
        raise CampaignRuleError(_("Đợt không có cỡ mẫu nào cho kênh điện thoại hoặc phỏng vấn tại nhà: không có gì để rút."))
    if not campaign.frame.exists():
        raise CampaignRuleError(_("Đợt chưa có khung mẫu: hãy nhập danh sách người dân trước khi rút mẫu."))
    if campaign.draw_seed is None:
        campaign.draw_seed = secrets.randbits(62)
        campaign.save(update_fields=["draw_seed"])
    seed = campaign.draw_seed

    frame: dict[int, list[FrameEntry]] = defaultdict(list)
    for entry in campaign.frame.order_by("pk").only("pk", "unit_id", "phone", "address"):
        frame[entry.unit_id].append(entry)
    enumerators = _enumerators_by_unit_path()
    taken: set[int] = set()
    next_enumerator: dict[int, int] = defaultdict(int)
    report = DrawReport(seed=seed)
    assignments: list[Assignment] = []
    for quota in quotas:
        needed = FRAME_CHANNELS[quota.channel]
        pool = [entry for entry in frame[quota.unit_id] if entry.pk not in taken and getattr(entry, needed)]
        main, reserves = draw_cell(pool, target=quota.target, reserve_ratio=reserve_ratio, rng=cell_random(seed, quota))
        staff = _covering(enumerators, quota.unit.path)
        for order, (entry, is_reserve) in enumerate([(e, False) for e in main] + [(e, True) for e in reserves], start=1):
            taken.add(entry.pk)
            enumerator_id = None
            if staff:
                enumerator_id = staff[next_enumerator[quota.unit_id] % len(staff)]
                next_enumerator[quota.unit_id] += 1
            else:
                report.unassigned += 1
            assignments.append(
                Assignment(
                    campaign=campaign, quota=quota, frame_entry=entry, enumerator_id=enumerator_id, is_reserve=is_reserve, draw_order=order
                )
            )
        report.cells.append(
            CellResult(
                quota_id=quota.pk,
                unit=quota.unit.name,
                channel=quota.get_channel_display(),
                form=str(quota.form.questionnaire),
                target=quota.target,
                drawn=len(main),
                reserves=len(reserves),
            )
        )
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    audit_record(
        actor=actor,
        action="campaign.draw",
        obj=campaign,
        changes={"seed": seed, "drawn": report.drawn, "reserves": report.reserves, "shortfall": sum(c.shortfall for c in report.cells)},
    )
    return report
