"""Enumerator outliers (surveys.quality.outliers): flagged after each recompute, against the peers at the same unit."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import transaction
from django.test import Client

from campaigns.models import QualityRules
from campaigns.services import campaign_mark_dirty
from reports.tasks import recompute_campaign
from surveys.models import FlagKind, ResponseFlag
from surveys.quality.outliers import Cell, outlier_z
from surveys.tests.factories_collection import full_answers
from units.models import Role

URL = "/api/v1/responses/"
PEER_LEVELS = [(2, 3, 4, 4, 5, 5), (4, 4, 4, 2, 2, 5), (3, 4, 5, 5, 4, 2), (5, 4, 2, 2, 3, 4)]  # satisfied shares 4/6, 4/6, 4/6, 3/6


@pytest.fixture
def fieldwork(setup, tree, make_user):
    """At commune A1: `nhanh` sends 12 interviews all at 5; three peers send 10 mixed ones each."""
    QualityRules.objects.create(campaign=setup.campaign, odd_hours_start=0, odd_hours_end=0, straight_line_items=0)
    codes = ["S1_Q1", "S1_Q2", "S1_Q3", "S2_Q1", "S2_Q2", "S2_Q3"]

    def send(username: str, count: int, levels_of) -> None:
        client = Client()
        client.force_login(make_user(username, Role.ENUMERATOR, tree["A1"]))
        for i in range(count):
            answers = full_answers(setup.questionnaire, **dict(zip(codes, levels_of(i), strict=True)))
            body = {"uuid": str(uuid.uuid4()), "campaign": setup.campaign.code, "unit": "A1", "channel": "desk", "answers": answers}
            assert client.post(URL, data=json.dumps(body), content_type="application/json").status_code == 201

    send("nhanh", 12, lambda i: (5,) * 6)
    for n, name in enumerate(("dtv1", "dtv2", "dtv3")):
        send(name, 10, lambda i, n=n: PEER_LEVELS[(i + n) % 4])
    return setup


def test_an_enumerator_far_from_the_peers_is_flagged_after_the_recompute(fieldwork):
    recompute_campaign(fieldwork.campaign.pk)
    flags = ResponseFlag.objects.filter(kind=FlagKind.ENUMERATOR_OUTLIER).select_related("response__enumerator")
    assert {flag.response.enumerator.username for flag in flags} == {"nhanh"} and flags.count() == 12
    message = flags.first().message
    assert message.startswith("Tỷ lệ hài lòng trung bình của điều tra viên nhanh tại Xã A1 là 100,00% (12 phiếu), của đồng nghiệp cùng đơn vị 62,78% (30 phiếu); z = ")
    assert message.endswith(", ngưỡng 3,00")


def test_outlier_flags_go_when_the_rule_is_turned_off(fieldwork):
    recompute_campaign(fieldwork.campaign.pk)
    QualityRules.objects.filter(campaign=fieldwork.campaign).update(outlier_z=0)
    with transaction.atomic():  # the next change (a response approved, corrected…) brings the next recompute
        campaign_mark_dirty(campaign_id=fieldwork.campaign.pk)
    recompute_campaign(fieldwork.campaign.pk)
    assert not ResponseFlag.objects.filter(kind=FlagKind.ENUMERATOR_OUTLIER).exists()


def test_the_statistic_needs_enough_responses_and_some_spread():
    assert outlier_z(Cell(9, 9.0, 9.0), Cell(30, 15.0, 9.0)) is None  # nine responses: too few
    assert outlier_z(Cell(10, 10.0, 10.0), Cell(10, 10.0, 10.0)) is None  # no spread at all
    # 10 at 1.0 against 10 at 0.5 and 10 at 0.7 (peers' mean 0.6, within variance 0.2/28): z = 0.4 / √(0.2/18 × 0.2)
    z = outlier_z(Cell(10, 10.0, 10.0), Cell(20, 12.0, 10 * 0.25 + 10 * 0.49))
    assert z == pytest.approx(0.4 / (0.2 / 28 * 0.15) ** 0.5)
