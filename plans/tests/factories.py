"""Plans' test data: province A's 2025 campaign published (Bệnh viện A 40%, CHƯA ĐẠT against 80%; A1 80%,
CHƯA ĐỦ CĂN CỨ; A2 95%), its rules, and the 2026 campaign of the same series (reports' dashboard data)."""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.models import Campaign, CampaignStatus
from plans.models import PlanRules, RequiredUnits
from plans.services import plan_rules_save
from reports.publication import campaign_results_publish
from reports.tests.factories_dashboard import dashboard_data_build
from units.access import SYSTEM
from units.models import Unit


@dataclass
class PlanWorld:
    published: Campaign  # 2025, published
    current: Campaign  # 2026, the next campaign of the series
    rules: PlanRules


def plan_world_build(
    tree: dict[str, Unit], *, required: str = RequiredUnits.UNDER_TARGET, weakest: int = 2, due_days: int | None = 30
) -> PlanWorld:
    data = dashboard_data_build(tree)
    Campaign.objects.filter(pk=data.previous.pk).update(status=CampaignStatus.CLOSED)
    campaign_results_publish(actor=SYSTEM, campaign_id=data.previous.pk)
    published = Campaign.objects.select_related("organiser").get(pk=data.previous.pk)
    rules = plan_rules_save(
        campaign=published, rules=PlanRules(required_units=required, weakest_count=weakest, due_days=due_days), actor=SYSTEM
    )
    return PlanWorld(published, data.campaign, rules)
