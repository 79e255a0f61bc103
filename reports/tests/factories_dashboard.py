"""Data for the dashboard, workbook, export and publication tests: two campaigns of one series with
responses in province A's units, computed through the engine (reports.services.index_recompute)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from campaigns.models import Campaign, CampaignForm, CampaignStatus, Channel, SampleQuota
from reports.services import index_recompute
from reports.tests.factories import make_questionnaire, make_response
from surveys.models import Questionnaire
from units.models import Unit

SECTIONS = {"TC": ["TC1", "TC2"], "TT": ["TT1", "TT2"]}
SERIES = "sipas-tinh-a"


@dataclass
class DashboardData:
    campaign: Campaign
    previous: Campaign
    form: CampaignForm
    questionnaire: Questionnaire


def campaign_build(organiser: Unit, questionnaire: Questionnaire, *, code: str, year: int, status: str = CampaignStatus.CLOSED, **extra) -> Campaign:
    campaign = Campaign.objects.create(
        code=code,
        name=f"Khảo sát sự hài lòng năm {year}",
        organiser=organiser,
        year=year,
        series=SERIES,
        fieldwork_start=dt.date(year, 9, 1),
        fieldwork_end=dt.date(year, 10, 31),
        index_scheme="sipas",
        target_index=Decimal("80.00"),
        status=status,
        # 20 respondents per unit: the minimum publishable size is set down to them so that units are ranked
        scheme_options={"min_respondents": 20, "max_cv": 30},
        **extra,
    )
    CampaignForm.objects.create(campaign=campaign, questionnaire=questionnaire)
    return campaign


def responses_add(campaign: Campaign, unit: Unit, pattern: list[tuple[int, int]], channel: str = Channel.DESK) -> None:
    """`pattern`: (how many responses, level of every answer) pairs."""
    for count, level in pattern:
        for _ in range(count):
            make_response(campaign, unit, dict.fromkeys(sum(SECTIONS.values(), []), level), channel=channel)


def dashboard_data_build(tree: dict[str, Unit]) -> DashboardData:
    """2025 and 2026 campaigns of province A.

    2026: A1 18 of 20 satisfied (90%), A2 17 of 20 (85%, tied with A1), Bệnh viện A 10 of 20 (50%).
    2025: A1 80%, A2 95%, Bệnh viện A 40%.
    """
    questionnaire = make_questionnaire(SECTIONS, code="sipas-thu")
    previous = campaign_build(tree["A"], questionnaire, code="ks-2025", year=2025, status=CampaignStatus.PUBLISHED)
    campaign = campaign_build(tree["A"], questionnaire, code="ks-2026", year=2026, previous=previous)
    form = campaign.forms.get()
    responses_add(previous, tree["A1"], [(16, 5), (4, 2)])
    responses_add(previous, tree["A2"], [(19, 4), (1, 1)])
    responses_add(previous, tree["A-BV"], [(8, 4), (12, 3)])
    responses_add(campaign, tree["A1"], [(18, 5), (2, 2)])
    responses_add(campaign, tree["A2"], [(17, 4), (3, 3)], channel=Channel.PHONE)
    responses_add(campaign, tree["A-BV"], [(10, 4), (10, 1)])
    SampleQuota.objects.create(campaign=campaign, unit=tree["A1"], channel=Channel.DESK, form=form, target=30)
    SampleQuota.objects.create(campaign=campaign, unit=tree["A2"], channel=Channel.PHONE, form=form, target=20)
    index_recompute(previous.pk, full=True)
    index_recompute(campaign.pk, full=True)
    return DashboardData(campaign, previous, form, questionnaire)


@pytest.fixture(name="dashboard_data")
def dashboard_fixture(tree) -> DashboardData:
    """Import it as `dashboard_fixture`; tests ask for `dashboard_data`."""
    return dashboard_data_build(tree)
