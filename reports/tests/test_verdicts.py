"""The one verdict function and what the pages make of it: target, change, tiers, minimum size."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from reports.estimation.verdicts import (
    Direction,
    Ranked,
    change_verdict,
    distinct_pairs,
    interval_verdict,
    publishable,
    rank_intervals,
    target_verdict,
    tiers,
)
from reports.services import index_recompute
from reports.tests.factories import make_campaign, make_questionnaire, make_response

D = Decimal


def test_an_interval_lies_above_below_or_across_a_reference():
    assert interval_verdict(D("80.5"), D("90"), D("80")) == Direction.ABOVE
    assert interval_verdict(D("80"), D("90"), D("80")) == Direction.ABOVE  # reaching the target is reaching it
    assert interval_verdict(D("70"), D("79.99"), D("80")) == Direction.BELOW
    assert interval_verdict(D("70"), D("85"), D("80")) == Direction.UNDECIDED


def test_the_target_verdict_has_three_states_and_too_few_respondents_is_not_enough():
    target = D("80")
    assert target_verdict(D("86"), D("82"), D("90"), target).label == "ĐẠT"
    assert target_verdict(D("74"), D("70"), D("78"), target).label == "CHƯA ĐẠT"
    assert target_verdict(D("81"), D("76"), D("86"), target).code == "undecided"
    assert target_verdict(D("81"), D("76"), D("86"), target).label == "CHƯA ĐỦ CĂN CỨ"  # the interval straddles the target
    assert target_verdict(D("95"), D("90"), D("99"), target, enough=False).code == "too_few"
    assert target_verdict(None, None, None, target).code == "no_data"


def test_a_change_is_judged_by_the_interval_of_the_difference():
    up = change_verdict(D("85.00"), 1.0, D("80.00"), 1.0)  # +5 ± 2.77
    assert up.verdict.label == "tăng" and up.low > 0
    assert change_verdict(D("80.40"), 1.5, D("80.00"), 1.5).verdict.label == "không khác biệt có ý nghĩa thống kê"
    assert change_verdict(D("70.00"), 1.0, D("80.00"), 1.0).verdict.label == "giảm"
    assert change_verdict(D("85.00"), 1.0, D("80.00"), None).verdict.code == "unknown"  # last year had no SE
    assert change_verdict(None, 1.0, D("80"), 1.0) is None


def test_ties_are_decided_over_all_pairs_with_holms_adjustment():
    items = [Ranked("a", 90, 1.0), Ranked("b", 88, 1.0), Ranked("c", 86, 1.0), Ranked("d", 70, 1.0)]
    distinct = distinct_pairs(items)
    # a–b and b–c (z 1.41) are ties; a–c (z 2.83, p 0.0047) passes Holm's α/3 at its rank (4th of 6)
    assert frozenset("ab") not in distinct and frozenset("bc") not in distinct
    assert {frozenset("ad"), frozenset("bd"), frozenset("cd"), frozenset("ac")} == distinct
    # b stays with the tier's first unit a; c differs from a, so it opens tier 2; d differs from c
    assert tiers(items) == {"a": 1, "b": 1, "c": 2, "d": 3}
    # at α = 1% the same a–c difference (p 0.0047 > 0.01 / 3) is a tie
    assert frozenset("ac") not in distinct_pairs(items, alpha=0.01)
    # two units of the same true value are tied, whatever their order
    assert tiers([Ranked("x", 85.3, 2.0), Ranked("y", 84.9, 2.0)]) == {"x": 1, "y": 1}


def test_rank_intervals_are_seeded_and_wide_for_close_units():
    items = [Ranked(k, v, 1.5) for k, v in zip("abcde", [88, 87.5, 87, 86.5, 70], strict=True)]
    intervals = rank_intervals(items)
    assert intervals == rank_intervals(items)  # seeded: the same every time
    assert intervals["a"][0] == 1 and intervals["a"][1] >= 3 and intervals["e"] == (5, 5)


def test_the_minimum_publishable_size_is_respondents_and_coefficient_of_variation():
    assert publishable(30, 85.0, 2.0)
    assert not publishable(29, 85.0, 2.0)
    assert not publishable(100, 10.0, 2.0)  # CV 20%
    assert publishable(100, 10.0, 2.0, max_cv=25)
    assert publishable(30, 85.0, None)  # figures from before standard errors: respondents alone


@pytest.mark.django_db
def test_a_unit_below_the_minimum_size_is_listed_apart_never_ranked(client, alice, tree):
    questionnaire = make_questionnaire({"A": ["A1", "A2"]})
    campaign = make_campaign(tree["A"], questionnaire)
    for i in range(60):  # A1: 60 respondents, 90% satisfied
        make_response(campaign, tree["A1"], dict.fromkeys(["A1", "A2"], 5 if i % 10 else 2))
    for _ in range(3):  # A2: three respondents, all fully satisfied: best value, far too few
        make_response(campaign, tree["A2"], dict.fromkeys(["A1", "A2"], 5))
    for i in range(40):  # the hospital: 40 respondents around the target
        make_response(campaign, tree["A-BV"], dict.fromkeys(["A1", "A2"], 5 if i % 5 else 1))
    index_recompute(campaign.pk, full=True)
    client.force_login(alice)
    data = client.get(reverse("reports:dashboard", args=[campaign.code])).context["data"]
    assert [(r.unit.code, r.rank) for r in data.ranked] == [("A1", 1), ("A-SYT", 2)]
    assert [(r.unit.code, r.rank, r.score.respondents) for r in data.apart] == [("A2", None, 3)]
    verdicts = {r.unit.code: r.verdict.code for r in data.ranking}
    assert verdicts["A2"] == "too_few"
    hospital = next(r for r in data.ranking if r.unit.code == "A-SYT")
    assert hospital.score.ci_low < campaign.target_index < hospital.score.ci_high and verdicts["A-SYT"] == "undecided"
    html = client.get(reverse("reports:dashboard", args=[campaign.code])).content.decode()
    apart = html[html.index('id="ranking-apart"') :]
    assert 'data-unit="A2"' in apart and 'data-unit="A2"' not in html[: html.index('id="ranking-apart"')]


@pytest.mark.django_db
def test_rank_intervals_show_on_demand_on_the_dashboard(client, alice, tree):
    from reports.tests.factories_dashboard import dashboard_data_build

    dashboard_data_build(tree)
    client.force_login(alice)
    url = reverse("reports:dashboard", args=["ks-2026"])
    plain = client.get(url)
    assert all(r.rank_interval is None for r in plain.context["data"].ranking) and 'id="rank-intervals-link"' in plain.content.decode()
    shown = client.get(url, {"rank_intervals": "on"})
    intervals = {r.unit.code: r.rank_interval for r in shown.context["data"].ranking}
    assert intervals["A1"][0] == 1 and intervals["A1"][1] >= 2 and intervals["A-SYT"] == (3, 3)
    assert "[1–" in shown.content.decode()
