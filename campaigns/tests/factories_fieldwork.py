"""A drawn phone campaign for fieldwork tests: a frame of named people, a draw with reserves, cases."""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.models import Assignment, FrameEntry
from campaigns.sampling import sample_draw
from surveys.tests.factories_collection import CampaignSetup, make_campaign
from units.access import SYSTEM
from units.models import Unit

GIVEN_NAMES = ["An", "Bình", "Cường", "Dung", "Em", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nam", "Oanh"]


@dataclass
class Drawn:
    setup: CampaignSetup

    @property
    def campaign(self):  # type: ignore[no-untyped-def]
        return self.setup.campaign

    def primaries(self, unit: Unit) -> list[Assignment]:
        return list(Assignment.objects.filter(quota=self.setup.quotas[unit.code], is_reserve=False).order_by("draw_order"))

    def reserves(self, unit: Unit) -> list[Assignment]:
        return list(Assignment.objects.filter(quota=self.setup.quotas[unit.code], is_reserve=True).order_by("draw_order"))


def make_drawn_campaign(
    *, organiser: Unit, units: list[Unit], target: int = 3, frame_size: int = 12, reserve_ratio: float = 1.0, code: str = "goi-2026",
    channels: tuple[str, ...] = ("phone",),
) -> Drawn:
    """An active campaign with a `channels[0]` quota of `target` at each unit, a frame of `frame_size` people
    per unit (phones 0905UUU0NN) and a draw with ⌈target × reserve_ratio⌉ reserves per cell, assigned to the
    enumerators that exist when it is called."""
    setup = make_campaign(organiser=organiser, units=units, code=code, channels=channels, target=target)
    entries = []
    for u, unit in enumerate(units):
        for i in range(frame_size):
            name = f"Nguyễn Văn {GIVEN_NAMES[i % len(GIVEN_NAMES)]} {unit.code}-{i}"
            entries.append(FrameEntry(campaign=setup.campaign, unit=unit, full_name=name, phone=f"0905{u:03d}0{i:02d}", address=f"Số {i} Trần Phú"))
    FrameEntry.objects.bulk_create(entries)
    sample_draw(campaign=setup.campaign, reserve_ratio=reserve_ratio, actor=SYSTEM)
    return Drawn(setup)
