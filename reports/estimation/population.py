"""Writes of a campaign's population sizes: the design's N per stratum (campaigns.StratumPopulation).

Three ways in, one rule each (DESIGN §10: a bad file saves nothing and names sheet, row and column):
- `population_import`: an Excel file `unit_code, channel, population` (optional `form`: a questionnaire
  code), e.g. the one-stop system's dossier counts per desk and online channel; it replaces the
  campaign's sizes;
- `population_from_frame`: the frame's count of people per unit, shared between the unit's quota
  channels in proportion to their quotas (largest remainder, so they add up to the count);
- `population_save`: one stratum, from the admin.
A size must be a whole number above zero and not below the counted responses of its stratum. Each write
is audited and marks the campaign's figures stale (the design is part of what they were computed with).
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignForm, Channel, FrameEntry, PopulationSource, SampleQuota, StratumPopulation
from campaigns.services import CampaignRuleError, campaign_ensure_editable, campaign_mark_dirty
from surveys.models import Response
from units.access import Action, require
from units.models import Unit
from units.services import audit_record
from units.spreadsheets import CellError, ErrorList, ImportFailed, cell_text, open_workbook, read_rows

POPULATION_COLUMNS_HELP = "unit_code (mã đơn vị), channel (kênh: desk, online, phone, ... hoặc tên kênh), population (số người / hồ sơ), form (mã phiếu, không bắt buộc)"
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "unit_code": ("unit_code", "mã đơn vị", "ma_don_vi"),
    "channel": ("channel", "kênh", "kenh"),
    "population": ("population", "cỡ tổng thể", "số hồ sơ", "so_ho_so", "n"),
    "form": ("form", "phiếu", "mã phiếu", "ma_phieu"),
}
REQUIRED = ("unit_code", "channel", "population")

StratumKey = tuple[int, str, int | None]  # unit, channel, form (None: every form of the cell)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().lower()


def channel_code(value: Any) -> str | None:
    """A channel written as its code or its Vietnamese name, in any case; None when unknown."""
    text = _fold(cell_text(value))
    for code, label in Channel.choices:
        if text in (code, _fold(str(label))):
            return code
    return None


def counted_respondents(campaign: Campaign) -> dict[StratumKey, int]:
    """Counted responses per unit × channel × form, and per unit × channel (form None)."""
    rows = (
        Response.objects.filter(campaign=campaign, status__in=campaign.counted_statuses)
        .values("unit_id", "channel", "form_id").annotate(n=Count("pk")).values_list("unit_id", "channel", "form_id", "n")
    )
    counts: dict[StratumKey, int] = defaultdict(int)
    for unit, channel, form, n in rows:
        counts[(unit, channel, form)] += n
        counts[(unit, channel, None)] += n
    return counts


@dataclass(frozen=True)
class PopulationRow:
    unit: Unit
    channel: str
    form: CampaignForm | None
    population: int


def _population_value(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else None
    text = cell_text(value).replace(".", "").replace(",", "").replace(" ", "")  # 12.500 or 12,500 as people type it
    return int(text) if text.lstrip("-").isdigit() else None


def _parse(campaign: Campaign, source: IO[bytes]) -> list[PopulationRow]:
    """Every row of the file, or ImportFailed with every error found."""
    workbook = open_workbook(source)
    sheet, header, records = read_rows(workbook)
    present = {_fold(name): name for name in header if name}
    columns: dict[str, str] = {}
    for canonical, aliases in COLUMN_ALIASES.items():
        found = next((present[a] for a in aliases if a in present), None)
        if found is not None:
            columns[canonical] = found
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFailed([CellError(sheet, 1, name, _("Thiếu cột bắt buộc «%(column)s».") % {"column": name}) for name in missing])
    units = {u.code.upper(): u for u in Unit.objects.filter(path__startswith=campaign.organiser.path)}
    forms = {f.questionnaire.code.upper(): f for f in CampaignForm.objects.filter(campaign=campaign).select_related("questionnaire")}
    respondents = counted_respondents(campaign)
    errors = ErrorList()  # a file of many bad rows keeps the first ones and counts the rest
    rows: list[PopulationRow] = []
    seen: dict[StratumKey, int] = {}
    for number, record in records:
        code = cell_text(record.get(columns["unit_code"]))
        unit = units.get(code.upper())
        if unit is None:
            errors.append(CellError(sheet, number, columns["unit_code"], _("Đơn vị «%(code)s» không có trong đợt khảo sát (không thuộc đơn vị tổ chức).") % {"code": code}))
        channel = channel_code(record.get(columns["channel"]))
        if channel is None:
            errors.append(CellError(sheet, number, columns["channel"], _("Kênh «%(value)s» không hợp lệ.") % {"value": cell_text(record.get(columns["channel"]))}))
        form = None
        if "form" in columns and cell_text(record.get(columns["form"])):
            form = forms.get(cell_text(record.get(columns["form"])).upper())
            if form is None:
                errors.append(CellError(sheet, number, columns["form"], _("Phiếu «%(code)s» không thuộc đợt khảo sát.") % {"code": cell_text(record.get(columns["form"]))}))
        population = _population_value(record.get(columns["population"]))
        if population is None or population <= 0:
            errors.append(CellError(sheet, number, columns["population"], _("Cỡ tổng thể phải là số nguyên lớn hơn 0 (đang là «%(value)s»).") % {"value": cell_text(record.get(columns["population"]))}))
        if unit is None or channel is None or population is None or population <= 0:
            continue
        key = (unit.pk, channel, form.pk if form else None)
        if key in seen or (unit.pk, channel, None) in seen or (form is None and any(k[:2] == key[:2] for k in seen)):
            errors.append(CellError(sheet, number, columns["unit_code"], _("Tầng %(unit)s × %(channel)s đã có ở dòng %(row)d.") % {
                "unit": unit.code, "channel": channel, "row": next((r for k, r in seen.items() if k[:2] == key[:2]), number)}))
            continue
        seen[key] = number
        n = respondents.get(key, 0)
        if population < n:
            errors.append(CellError(sheet, number, columns["population"], _("Cỡ tổng thể %(population)d nhỏ hơn số phiếu đã được tính của tầng (%(n)d).") % {"population": population, "n": n}))
            continue
        rows.append(PopulationRow(unit, channel, form, population))
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed([CellError(sheet, None, None, _("Tệp không có dòng cỡ tổng thể nào."))])
    return rows


def _replace(campaign: Campaign, rows: list[PopulationRow], source: str, actor: User | AnonymousUser) -> int:
    StratumPopulation.objects.filter(campaign=campaign).delete()
    StratumPopulation.objects.bulk_create(
        [StratumPopulation(campaign=campaign, unit=r.unit, channel=r.channel, form=r.form, population=r.population, source=source) for r in rows]
    )
    audit_record(actor=actor, action="campaign.population_set", obj=campaign, changes={"source": source, "strata": len(rows), "total": sum(r.population for r in rows)})
    campaign_mark_dirty(campaign_id=campaign.pk)
    return len(rows)


def population_import(*, actor: User | AnonymousUser, campaign: Campaign, source: IO[bytes]) -> int:
    """Replace the campaign's population sizes by the file's (all or nothing); returns the strata saved."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    campaign_ensure_editable(campaign)
    rows = _parse(campaign, source)
    with transaction.atomic():
        return _replace(campaign, rows, PopulationSource.IMPORT, actor)


def _shares(total: int, quotas: dict[str, int]) -> dict[str, int]:
    """`total` split in proportion to `quotas`, whole numbers adding up to it (largest remainder)."""
    weight = sum(quotas.values())
    exact = {channel: total * q / weight for channel, q in quotas.items()}
    shares = {channel: math.floor(value) for channel, value in exact.items()}
    for channel in sorted(exact, key=lambda c: (-(exact[c] - shares[c]), c))[: total - sum(shares.values())]:
        shares[channel] += 1
    return shares


def population_from_frame(*, actor: User | AnonymousUser, campaign: Campaign) -> int:
    """Population sizes from the frame: each unit's count of people, shared among its quota channels in
    proportion to their quotas. Refused (CampaignRuleError) when a unit has no frame entry, or when a
    share is below the stratum's counted responses."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    campaign_ensure_editable(campaign)
    counts = dict(FrameEntry.objects.filter(campaign=campaign).values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))
    quotas: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, channel, target in SampleQuota.objects.filter(campaign=campaign).values_list("unit_id", "channel", "target"):
        quotas[unit_id][channel] += target
    if not counts:
        raise CampaignRuleError(_("Đợt khảo sát chưa có khung mẫu: không đếm được cỡ tổng thể."))
    units = Unit.objects.in_bulk(list(counts))
    respondents = counted_respondents(campaign)
    rows, problems = [], []
    for unit_id, total in sorted(counts.items()):
        channels = {c: q for c, q in quotas.get(unit_id, {}).items() if q > 0}
        if not channels:
            problems.append(_("Đơn vị %(unit)s có khung mẫu nhưng không có cỡ mẫu theo kênh.") % {"unit": units[unit_id].code})
            continue
        for channel, population in _shares(total, channels).items():
            n = respondents.get((unit_id, channel, None), 0)
            if population <= 0 or population < n:
                problems.append(_("Đơn vị %(unit)s, kênh %(channel)s: cỡ tổng thể từ khung mẫu (%(population)d) nhỏ hơn số phiếu được tính (%(n)d).") % {
                    "unit": units[unit_id].code, "channel": channel, "population": population, "n": n})
                continue
            rows.append(PopulationRow(units[unit_id], channel, None, population))
    if problems:
        raise CampaignRuleError(problems)
    with transaction.atomic():
        return _replace(campaign, rows, PopulationSource.FRAME, actor)


def population_check(*, campaign: Campaign, unit: Unit, channel: str, population: int | None, form: CampaignForm | None = None) -> None:
    """Raise CampaignRuleError unless `population` may be the size of this stratum of the campaign; its code
    names the field at fault."""
    campaign_ensure_editable(campaign)
    if not unit.path.startswith(campaign.organiser.path):
        raise CampaignRuleError(_("Đơn vị không thuộc đợt khảo sát."), code="unit")
    if channel not in Channel.values:
        raise CampaignRuleError(_("Kênh không hợp lệ."), code="channel")
    if form is not None and form.campaign_id != campaign.pk:
        raise CampaignRuleError(_("Phiếu không thuộc đợt khảo sát."), code="form")
    n = counted_respondents(campaign).get((unit.pk, channel, form.pk if form else None), 0)
    if population is None or population <= 0 or population < n:
        message = _("Cỡ tổng thể phải lớn hơn 0 và không nhỏ hơn số phiếu được tính của tầng (%(n)d).") % {"n": n}
        raise CampaignRuleError(message, code="population")


@transaction.atomic
def population_save(*, actor: User | AnonymousUser, campaign: Campaign, unit: Unit, channel: str, population: int, form: CampaignForm | None = None) -> StratumPopulation:
    """Set one stratum's population size (the admin)."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    population_check(campaign=campaign, unit=unit, channel=channel, population=population, form=form)
    row, _created = StratumPopulation.objects.update_or_create(
        campaign=campaign, unit=unit, channel=channel, form=form, defaults={"population": population, "source": PopulationSource.ADMIN}
    )
    audit_record(actor=actor, action="campaign.population_set", obj=campaign, changes={"source": "admin", "unit": unit.code, "channel": channel, "population": population})
    campaign_mark_dirty(campaign_id=campaign.pk)
    return row


@transaction.atomic
def population_delete(*, actor: User | AnonymousUser, row: StratumPopulation) -> None:
    require(actor, Action.CAMPAIGN_CONFIGURE, row.campaign.organiser)
    campaign_ensure_editable(row.campaign)
    audit_record(actor=actor, action="campaign.population_delete", obj=row.campaign, changes={"unit": row.unit.code, "channel": row.channel})
    row.delete()
    campaign_mark_dirty(campaign_id=row.campaign_id)


DESIGN_KEYS = ("rule", "rake", "trim", "min_respondents", "max_cv")


@transaction.atomic
def campaign_design_save(*, actor: User | AnonymousUser, campaign: Campaign, settings: dict[str, Any]) -> Campaign:
    """Store the design settings (aggregation rule, raking margins, trimming, minimum publishable size) in
    the campaign's scheme options; refused whole (CampaignRuleError) when any is malformed. Keys left out
    or None fall back to their defaults."""
    from reports.estimation.design import design_settings

    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    campaign_ensure_editable(campaign)
    chosen = {key: value for key, value in settings.items() if key in DESIGN_KEYS and value not in (None, "", {}, [])}
    checked = design_settings(chosen)
    if checked.problems:
        raise CampaignRuleError(_("Thiết lập thiết kế mẫu không hợp lệ: %(keys)s.") % {"keys": ", ".join(checked.problems)})
    options = {k: v for k, v in (campaign.scheme_options or {}).items() if k not in DESIGN_KEYS} if isinstance(campaign.scheme_options, dict) else {}
    options.update(chosen)
    Campaign.objects.filter(pk=campaign.pk).update(scheme_options=options)
    campaign.scheme_options = options
    audit_record(actor=actor, action="campaign.design_set", obj=campaign, changes=chosen)
    campaign_mark_dirty(campaign_id=campaign.pk)
    return campaign
