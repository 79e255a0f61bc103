"""{% landing_campaigns as campaigns %}: the campaigns a landing page links to (units cannot import reports)."""

from django import template

from reports.dashboards import campaigns_for_landing

register = template.Library()


@register.simple_tag(takes_context=True)
def landing_campaigns(context) -> list:
    return campaigns_for_landing(context["request"].user)
