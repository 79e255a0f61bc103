"""A campaign's data-quality rules (QualityRules: the thresholds of surveys.quality's flags, holding flagged
responses, the back-check share), saved with their checks and audited on the campaign."""

from __future__ import annotations

from django.db import transaction

from campaigns.models import QualityRules
from campaigns.services import _audit_campaign, campaign_ensure_editable
from units.access import Action, require
from units.services import Actor

AUDITED = (
    "hold_flagged", "too_fast_percent", "min_seconds_per_question", "straight_line_items", "check_duplicates",
    "odd_hours_start", "odd_hours_end", "outlier_z", "ask_location", "backcheck_percent", "backcheck_hold_on_fail",
)


@transaction.atomic
def quality_rules_save(*, rules: QualityRules, actor: Actor) -> QualityRules:
    """Save a campaign's quality rules (officials of the organiser, Action.BACKCHECKS_DRAW), also during
    fieldwork; refused for a published or archived campaign and for values out of range (Vietnamese)."""
    campaign = rules.campaign
    require(actor, Action.BACKCHECKS_DRAW, campaign.organiser)
    campaign_ensure_editable(campaign)
    rules.full_clean()
    creating = rules.pk is None
    rules.save()
    _audit_campaign(campaign, f"quality_rules.{'add' if creating else 'change'}", actor, **{name: str(getattr(rules, name)) for name in AUDITED})
    return rules
