"""Targets by scheme and year with their source (issue «The methods in force», item 4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaigns.copying import campaign_copy
from campaigns.models import Campaign
from campaigns.services import campaign_create
from campaigns.targets import own_target_source

pytestmark = pytest.mark.django_db


def create(tree, actor, *, year: int, scheme: str = "sipas", code: str = "dot", **extra) -> Campaign:
    return campaign_create(
        code=code, name=f"Đợt {year}", organiser=tree["A"], fieldwork_start=dt.date(year, 9, 1), fieldwork_end=dt.date(year, 11, 30),
        index_scheme=scheme, actor=actor, **extra,
    )


@pytest.mark.parametrize(
    "scheme, year, value, text",
    [
        ("sipas", 2019, "80.00", "Nghị quyết 30c/NQ-CP"),
        ("sipas", 2025, "90.00", "Nghị quyết 76/NQ-CP"),
        ("sipas", 2027, "95.00", "Nghị quyết 76/NQ-CP"),
        ("moh_pooled", 2025, "80.00", "Nghị quyết 20-NQ/TW"),
        ("moh_pooled", 2026, "90.00", "Nghị quyết 20-NQ/TW"),
    ],
)
def test_a_campaign_left_without_a_target_takes_the_one_in_force_for_its_scheme_and_year(tree, alice, scheme, year, value, text):
    campaign = create(tree, alice, year=year, scheme=scheme)
    assert campaign.target_index == Decimal(value)
    assert campaign.target_source.startswith(text)


def test_without_a_text_the_target_is_marked_as_the_organisers_own(tree, alice):
    campaign = create(tree, alice, year=2025, scheme="mean_score")
    assert (campaign.target_index, campaign.target_source) == (Decimal("80"), own_target_source())


def test_a_typed_target_keeps_its_source_or_is_the_organisers_own(tree, alice):
    same = create(tree, alice, year=2025, code="a", target_index=90)
    assert same.target_source.startswith("Nghị quyết 76/NQ-CP")
    own = create(tree, alice, year=2025, code="b", target_index=85)
    assert own.target_source == own_target_source()
    named = create(tree, alice, year=2025, code="c", target_index=85, target_source="Kế hoạch 12/KH-UBND ngày 10/01/2025")
    assert named.target_source == "Kế hoạch 12/KH-UBND ngày 10/01/2025"


def test_a_copy_for_next_year_follows_the_texts_and_keeps_an_own_target(tree, alice):
    from_text = campaign_copy(campaign=create(tree, alice, year=2025, code="sipas-2025"), actor=alice)
    assert (from_text.year, from_text.target_index) == (2026, Decimal("95.00"))
    own = campaign_copy(campaign=create(tree, alice, year=2025, code="rieng-2025", target_index=85), actor=alice)
    assert (own.target_index, own.target_source) == (Decimal("85.00"), own_target_source())


def test_the_admin_fills_a_blank_target_from_the_texts(client, alice, tree):
    from campaigns.tests.test_admin import _campaign_post

    client.force_login(alice)
    response = client.post(reverse("admin:campaigns_campaign_add"), _campaign_post(tree, target_index="", target_source=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get(code="mot-cua-2025")
    assert campaign.target_index == Decimal("90.00") and campaign.target_source.startswith("Nghị quyết 76/NQ-CP")


def test_the_command_takes_the_target_in_force_when_none_is_given(tree):
    from surveys.services.questionnaires import questionnaire_load_template
    from units.access import SYSTEM

    questionnaire_load_template(name="one-stop", actor=SYSTEM)
    call_command(
        "create_campaign", "--code", "mc-2026", "--name", "Một cửa 2026", "--organiser", tree["A"].code, "--questionnaire", "one-stop",
        "--start", "2026-01-01", "--end", "2026-12-31", "--scheme", "sipas", stdout=StringIO(),
    )
    campaign = Campaign.objects.get(code="mc-2026")
    assert campaign.target_index == Decimal("95.00") and "trên 95% vào năm 2030" in campaign.target_source
