"""What the builder's step 4 shows: the campaign's quota cells as a grid (units as rows, channel × form as
columns), each unit with its type, its people on the frame, its population from the design (StratumPopulation)
and its saved quotas; and the rule's inputs for every unit (campaigns.builder.quota_rules)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from campaigns.builder.quota_rules import RuleUnit
from campaigns.models import Campaign, CampaignForm, Channel
from campaigns.quota_services import CellKey, frame_counts
from campaigns.quotas import ORGANISER_KEY, WARD_KEY, default_quota_for, default_quota_key, quota_defaults
from campaigns.selectors import organiser_surveys_itself, quota_cells
from units.models import Unit


@dataclass(frozen=True)
class GridColumn:
    channel: str
    form: CampaignForm
    label: str


@dataclass
class GridRow:
    unit: Unit
    keys: list[CellKey | None]  # one per column; None where the unit has no such cell
    frame: int = 0
    population: int | None = None  # the sum of the unit's strata in StratumPopulation, where any

    @property
    def cells(self) -> list[CellKey]:
        return [key for key in self.keys if key is not None]


@dataclass
class QuotaGrid:
    campaign: Campaign
    columns: list[GridColumn]
    rows: list[GridRow]
    saved: dict[CellKey, int]
    surveys_itself: bool
    defaults: dict[str, int] = field(default_factory=dict)

    @property
    def keys(self) -> list[CellKey]:
        return [key for row in self.rows for key in row.cells]

    @property
    def has_frame(self) -> bool:
        return any(row.frame for row in self.rows)

    def default_key(self, unit: Unit) -> str:
        """The defaults table's key a unit's default is asked under (and its error shown beside)."""
        return ORGANISER_KEY if self.surveys_itself and unit.pk == self.campaign.organiser_id else default_quota_key(unit)

    def default_keys(self) -> list[tuple[str, str]]:
        """The defaults the page lets the official edit, (key, label), in a stable order."""
        keys: dict[str, str] = {}
        types = {row.unit.type.code: row.unit.type.name for row in self.rows}
        for row in self.rows:
            key = default_quota_key(row.unit)
            keys[key] = _("Phường (xã có tên «Phường …»)") if key == WARD_KEY else types[key]
            if self.surveys_itself and row.unit.pk == self.campaign.organiser_id:
                keys[ORGANISER_KEY] = _("Đơn vị tổ chức tự khảo sát (khi loại đơn vị không có mặc định)")
        return sorted(keys.items(), key=lambda item: (item[0] == ORGANISER_KEY, item[1]))

    def rule_units(self, *, defaults: Mapping[str, int], populations: Mapping[int, int | None]) -> list[RuleUnit]:
        """The rule's inputs for every row: its cells, its default under `defaults`, its population."""
        return [
            RuleUnit(
                key=str(row.unit.pk), name=row.unit.name, order=row.unit.path, cells=len(row.cells),
                default=default_quota_for(row.unit, defaults, surveys_itself=self.surveys_itself and row.unit.pk == self.campaign.organiser_id),
                default_key=self.default_key(row.unit), population=populations.get(row.unit.pk),
            )
            for row in self.rows
        ]


def _populations(campaign: Campaign, unit_ids: list[int]) -> dict[int, int]:
    """Each unit's population from the design's strata: per channel the stratum without a form, else the sum of
    the channel's strata by form; the unit's channels added up."""
    whole: dict[tuple[int, str], int] = {}
    by_form: dict[tuple[int, str], int] = defaultdict(int)
    for unit_id, channel, form_id, population in campaign.populations.filter(unit_id__in=unit_ids).values_list("unit_id", "channel", "form_id", "population"):
        if form_id is None:
            whole[(unit_id, channel)] = population
        else:
            by_form[(unit_id, channel)] += population
    totals: dict[int, int] = defaultdict(int)
    for key in {*whole, *by_form}:
        totals[key[0]] += whole.get(key, by_form.get(key, 0))
    return dict(totals)


def quota_grid(campaign: Campaign) -> QuotaGrid:
    """The campaign's cells as a grid: units by path, columns by channel (in the order of Channel) then form."""
    cells = list(quota_cells(campaign))
    channel_order = {value: i for i, value in enumerate(Channel.values)}
    single_form = len({form.pk for _unit, _channel, form in cells}) <= 1
    columns_by_key = {
        (channel, form.pk): GridColumn(channel, form, Channel(channel).label if single_form else f"{Channel(channel).label} · {form.questionnaire.title}")
        for _unit, channel, form in cells
    }
    ordered = sorted(columns_by_key, key=lambda key: (channel_order[key[0]], key[1]))
    columns = [columns_by_key[key] for key in ordered]
    units = {unit.pk: unit for unit, _channel, _form in cells}
    present = {(unit.pk, channel, form.pk) for unit, channel, form in cells}
    counts = frame_counts(campaign)
    populations = _populations(campaign, list(units))
    rows = [
        GridRow(
            unit=unit, keys=[(unit.pk, channel, form_id) if (unit.pk, channel, form_id) in present else None for channel, form_id in ordered],
            frame=counts.get(unit.pk, 0), population=populations.get(unit.pk),
        )
        for unit in sorted(units.values(), key=lambda unit: unit.path)
    ]
    saved = {
        (unit_id, channel, form_id): target
        for unit_id, channel, form_id, target in campaign.quotas.values_list("unit_id", "channel", "form_id", "target")
    }
    return QuotaGrid(campaign, columns, rows, saved, organiser_surveys_itself(campaign), quota_defaults())

