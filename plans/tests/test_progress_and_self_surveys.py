"""The next campaign's view of a plan (design-based change, never more) and units' recurring self-surveys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaigns.models import Campaign, CampaignStatus, ChannelWindow, SampleQuota
from plans.models import ImprovementPlan, PlanCriterion, RequiredUnits, SelfSurveySchedule
from plans.progress import IMPROVED, NOT_ENOUGH, NOT_IMPROVED, plan_progress
from plans.self_surveys import add_months, self_survey_next, self_survey_schedule_save
from plans.services import plans_require
from plans.tasks import self_surveys_make
from plans.tests.factories import plan_world_build
from reports.services import index_recompute
from reports.tests.factories_dashboard import responses_add
from surveys.tests.factories_collection import make_campaign
from units.access import SYSTEM
from units.models import Role

pytestmark = pytest.mark.django_db


def test_the_next_campaign_shows_each_criterion_improved_not_improved_or_not_enough(tree, client, make_user):
    world = plan_world_build(tree, required=RequiredUnits.ALL, weakest=2)
    plans_require(campaign=world.published, actor=SYSTEM)
    # 2026: Bệnh viện A rises from 40% to 70 of 80 satisfied (87,5%): the interval of the change lies above 0.
    responses_add(world.current, tree["A-BV"], [(60, 5)])
    index_recompute(world.current.pk, full=True)
    hospital = plan_progress(campaign=world.current, unit=tree["A-BV"])
    assert [(row.criterion.code, row.code) for row in hospital.rows] == [("TC1", IMPROVED), ("TC2", IMPROVED)]
    assert hospital.rows[0].label == "đã cải thiện"
    # A1: 80% → 90% on 20 respondents each: no significant difference, so "chưa cải thiện", never "đã cải thiện".
    assert {row.code for row in plan_progress(campaign=world.current, unit=tree["A1"]).rows} == {NOT_IMPROVED}
    # A criterion the next campaign does not measure: "chưa đủ căn cứ".
    PlanCriterion.objects.filter(plan__unit=tree["A2"], code="TC1").update(code="KHONG-DO")
    rows = {row.criterion.code: row.code for row in plan_progress(campaign=world.current, unit=tree["A2"]).rows}
    assert rows["KHONG-DO"] == NOT_ENOUGH
    assert plan_progress(campaign=world.published, unit=tree["A-BV"]) is None  # 2025 has no campaign before it
    # On the 2026 unit page, beside the weak criteria.
    client.force_login(make_user("gd", Role.UNIT_MANAGER, tree["A-BV"]))
    html = client.get(reverse("reports:unit", args=[world.current.code, "A-BV"])).content.decode()
    assert 'id="plan-progress"' in html and html.count('data-progress="improved"') == 2


@pytest.fixture
def template(tree) -> Campaign:
    """Sở Y tế A's own quarterly survey of its hospital; one quota outside its subtree (A1) to be left out."""
    setup = make_campaign(
        organiser=tree["A-SYT"], units=[tree["A-BV"], tree["A1"]], code="tu-ks-syt", channels=("desk",), status=CampaignStatus.CLOSED
    )
    Campaign.objects.filter(pk=setup.campaign.pk).update(fieldwork_start=dt.date(2026, 10, 1), fieldwork_end=dt.date(2026, 10, 31))
    ChannelWindow.objects.filter(campaign=setup.campaign).update(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
    return Campaign.objects.select_related("organiser").get(pk=setup.campaign.pk)


def test_a_quarterly_self_survey_copies_the_last_period_three_months_on_within_the_units_subtree(tree, template, make_user):
    official = make_user("cb.syt", Role.OFFICIAL, tree["A-SYT"])
    schedule = self_survey_schedule_save(
        unit=tree["A-SYT"], template=template, every_months=3, next_start=dt.date(2027, 1, 1), actor=official
    )
    first = self_survey_next(schedule=schedule, actor=official)
    assert (first.code, first.status, first.previous_id) == ("tu-ks-syt-202701", CampaignStatus.DRAFT, template.pk)
    assert (first.fieldwork_start, first.fieldwork_end, first.year) == (dt.date(2027, 1, 1), dt.date(2027, 1, 31), 2027)
    assert list(first.windows.values_list("start", "end")) == [(dt.date(2027, 1, 1), dt.date(2027, 1, 31))]
    assert list(SampleQuota.objects.filter(campaign=first).values_list("unit__code", flat=True)) == ["A-BV"]
    second = self_survey_next(schedule=schedule, actor=official)
    assert (second.code, second.previous_id, second.fieldwork_start) == ("tu-ks-syt-202704", first.pk, dt.date(2027, 4, 1))
    schedule.refresh_from_db()
    assert (schedule.last_campaign_id, schedule.next_start) == (second.pk, dt.date(2027, 7, 1))


def test_the_daily_task_makes_the_periods_that_have_begun(tree, template):
    SelfSurveySchedule.objects.create(unit=tree["A-SYT"], template=template, every_months=3, next_start=dt.date(2026, 1, 1))
    SelfSurveySchedule.objects.create(unit=tree["A-SYT"], template=template, every_months=3, next_start=dt.date(2099, 1, 1))
    assert self_surveys_make.apply().get() == 1
    assert Campaign.objects.filter(code="tu-ks-syt-202601").exists()


def test_a_self_survey_is_the_units_own(tree, template, make_user):
    with pytest.raises(ValidationError, match="đơn vị cấp dưới"):
        self_survey_schedule_save(unit=tree["A-BV"], template=template, every_months=3, next_start=dt.date(2027, 1, 1), actor=SYSTEM)
    with pytest.raises(PermissionDenied):
        self_survey_schedule_save(
            unit=tree["A-SYT"],
            template=template,
            every_months=3,
            next_start=dt.date(2027, 1, 1),
            actor=make_user("gd", Role.UNIT_MANAGER, tree["A-SYT"]),
        )


def test_the_self_survey_page_makes_the_next_quarter_with_its_button(tree, template, client, make_user, charlie):
    client.force_login(make_user("cb.syt", Role.OFFICIAL, tree["A-SYT"]))
    url = reverse("plans:self_surveys", args=["A-SYT"])
    client.post(url, {"template": template.pk, "every_months": 3, "next_start": "2027-01-01"})
    schedule = SelfSurveySchedule.objects.get()
    assert "Tạo đợt tự khảo sát quý tới" in client.get(url).content.decode()
    page = client.post(reverse("plans:self_survey_make", args=["A-SYT", schedule.pk]), follow=True).content.decode()
    assert "bản nháp" in page and Campaign.objects.filter(code="tu-ks-syt-202701").exists()
    client.force_login(charlie)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("day", "months", "expected"), [(dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)), (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28))]
)
def test_months_are_added_to_the_last_day_a_month_has(day, months, expected):
    assert add_months(day, months) == expected


def test_plans_of_the_previous_campaign_never_move(tree):
    world = plan_world_build(tree)
    plans_require(campaign=world.published, actor=SYSTEM)
    assert ImprovementPlan.objects.filter(campaign=world.current).count() == 0
