"""Template filters over units.formatting: {{ value|percent_vi }}, {{ n|number_vi }}, {{ d|date_vi }}.

On pages numbers follow the active language (Vietnamese by default: "83,94%", "24.270"; English:
"83.94%", "24,270"); the filters keep their historic `_vi` names. Dates are dd/mm/yyyy in both.

A lookup that fails in a template ({{ parent.overall.value }} when there is no parent) arrives as "":
each filter shows it as no data, like None, instead of failing the page.
"""

from typing import Any

from django import template

from units import formatting

register = template.Library()


def _known(value: Any) -> Any:
    return None if value == "" else value


@register.filter
def percent_vi(value: Any, decimals: int = 2) -> str:
    return formatting.percent(_known(value), decimals)


@register.filter
def number_vi(value: Any, decimals: int = 0) -> str:
    return formatting.number(_known(value), decimals)


@register.filter
def signed_vi(value: Any, decimals: int = 2) -> str:
    return formatting.signed(_known(value), decimals)


@register.filter
def date_vi(value: Any) -> str:
    return formatting.date_vi(_known(value))


@register.filter
def datetime_vi(value: Any) -> str:
    return formatting.datetime_vi(_known(value))


@register.filter
def datetime_seconds_vi(value: Any) -> str:
    return formatting.datetime_vi(_known(value), seconds=True)
