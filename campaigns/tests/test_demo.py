"""The demo campaigns load over the demo units, twice without change."""

from __future__ import annotations

from campaigns.demo import INPATIENT_CODE, SIPAS_CODE, load_campaigns_demo
from campaigns.models import Assignment, Campaign, CampaignStatus, FrameEntry, SampleQuota
from surveys.models import Questionnaire
from units.demo import load_units_demo


def test_the_demo_campaigns_are_active_drawn_and_idempotent(db):
    load_units_demo()
    sipas = Questionnaire.objects.create(code="sipas", title="Phiếu SIPAS")
    inpatient = Questionnaire.objects.create(code="noi-tru", title="Phiếu người bệnh nội trú")
    load_campaigns_demo(sipas_questionnaire=sipas, inpatient_questionnaire=inpatient)
    counts = (Campaign.objects.count(), SampleQuota.objects.count(), FrameEntry.objects.count(), Assignment.objects.count())
    load_campaigns_demo(sipas_questionnaire=sipas, inpatient_questionnaire=inpatient)
    assert (Campaign.objects.count(), SampleQuota.objects.count(), FrameEntry.objects.count(), Assignment.objects.count()) == counts
    campaign = Campaign.objects.get(code=SIPAS_CODE)
    assert campaign.status == CampaignStatus.ACTIVE and campaign.draw_seed == 20250901
    assert campaign.quotas.filter(channel="desk", target__in=[150, 200]).count() == campaign.quotas.filter(channel="phone", target=8).count() > 30
    health = Campaign.objects.get(code=INPATIENT_CODE)
    assert set(health.quotas.values_list("unit__type__code", flat=True)) == {"hospital"}
    assert not Assignment.objects.filter(campaign=health, enumerator__isnull=True).exists()
    assert Assignment.objects.filter(campaign=campaign, is_reserve=False).count() == campaign.quotas.filter(channel="phone").count() * 8
