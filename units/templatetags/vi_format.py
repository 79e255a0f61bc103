"""Template filters over units.formatting: {{ value|percent_vi }}, {{ n|number_vi }}, {{ d|date_vi }}."""

from django import template

from units import formatting

register = template.Library()
register.filter("percent_vi", formatting.percent_vi)
register.filter("number_vi", formatting.number_vi)
register.filter("date_vi", formatting.date_vi)
register.filter("datetime_vi", formatting.datetime_vi)
