"""Template tags of fieldwork: the response-rate section of the dashboard (templates/fieldwork/_rates.html)."""

from __future__ import annotations

from typing import Any

from django import template

from campaigns.fieldwork.selectors import FieldworkReport, fieldwork_report
from campaigns.models import Campaign, Channel
from units import formatting
from units.models import Unit

register = template.Library()


@register.simple_tag
def fieldwork_rates(campaign: Campaign, unit: Unit | None = None) -> dict[str, Any] | None:
    """The campaign's cases and AAPOR rates under `unit` as rows for the page; None when nothing was drawn there."""
    report: FieldworkReport = fieldwork_report(campaign=campaign, within=unit)
    if not report.cells:
        return None
    data = report.as_json()
    channels = [{**row, "label": Channel(row["channel"]).label} for row in data["by_channel"]]
    return {"e": report.e, "total": data["total"], "channels": channels, "units": data["by_unit"], "enumerators": data["by_enumerator"]}


@register.filter
def rate_vi(value: float | None) -> str:
    """A rate kept as a fraction, shown as a Vietnamese percentage ("—" when it has no denominator)."""
    return formatting.percent(None if value is None else value * 100)
