"""Full satisfaction from the index counts stored per response, and the recount when some lack them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports.models import Tally
from reports.patterns import pattern_tallies
from reports.schemes import to_hundredths
from reports.selectors import campaign_summary, index_tables
from reports.services import index_recompute
from reports.tests.factories import make_response
from surveys.demo_responses import load_responses_demo
from surveys.models import Answer, Response
from surveys.tests.factories_collection import make_campaign


def full_satisfaction_by_hand(campaign) -> float | None:
    """Counted responses with a valid index answer, and those with every valid index answer satisfied."""
    respondents = fully = 0
    for response in Response.objects.filter(campaign=campaign, status__in=["submitted", "approved"]):
        levels = [
            value
            for value, in_index, missing in Answer.objects.filter(response=response).values_list(
                "value", "question__role", "question__missing_codes"
            )
            if in_index == "index" and value is not None and value not in missing
        ]
        if levels:
            respondents += 1
            fully += all(level >= 4 for level in levels)
    return float(to_hundredths(Decimal(fully * 100) / respondents)) if respondents else None


@pytest.fixture
def demo(tree):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]])
    load_responses_demo(setup.campaign, 120)
    return setup.campaign


def test_with_every_count_stored_the_recompute_uses_them_and_matches_the_recount(demo):
    fast = index_recompute(demo.pk, full=True)
    assert fast.stored_counts is True
    tables = index_tables(demo)
    assert campaign_summary(demo)["full_satisfaction"] == full_satisfaction_by_hand(demo)
    Response.objects.filter(campaign=demo).update(index_valid=None, index_unsatisfied=None)  # as rows saved before the counts
    slow = index_recompute(demo.pk, full=True)
    assert slow.stored_counts is False
    assert index_tables(demo) == tables


def test_a_campaign_mixing_stored_and_missing_counts_is_recounted_exactly(demo, tree):
    # Old-style rows without counts, in a unit that also has demo responses; none of them fully satisfied.
    for levels in ({"S1_Q1": 5, "S1_Q2": 2}, {"S1_Q1": 9}, {"S2_Q1": 3, "S2_Q2": 9}):
        make_response(demo, tree["A1"], levels, channel="desk")
    summary = index_recompute(demo.pk, full=True)
    assert summary.stored_counts is False
    assert campaign_summary(demo)["full_satisfaction"] == full_satisfaction_by_hand(demo)


def test_an_incremental_recompute_after_new_responses_uses_the_stored_counts(demo):
    index_recompute(demo.pk, full=True)
    load_responses_demo(demo, 150)  # 30 more, marking the campaign dirty
    summary = index_recompute(demo.pk)
    assert (summary.mode, summary.stored_counts) == ("incremental", True)
    incremental = index_tables(demo)
    index_recompute(demo.pk, full=True)
    assert index_tables(demo) == incremental
    assert campaign_summary(demo)["full_satisfaction"] == full_satisfaction_by_hand(demo)


def _leaf_tallies(campaign) -> list[tuple]:
    return sorted(Tally.objects.filter(campaign=campaign).values_list("form_id", "unit_id", "channel", "question_id", "level", "n"))


def test_the_index_tallies_read_from_the_patterns_equal_those_from_the_answers(demo, tree):
    index_recompute(demo.pk, full=True)
    from_patterns = _leaf_tallies(demo)
    tables = index_tables(demo)
    # The recount path tallies every question from the answers.
    Response.objects.filter(campaign=demo).update(index_valid=None, index_unsatisfied=None)
    assert index_recompute(demo.pk, full=True).stored_counts is False
    assert _leaf_tallies(demo) == from_patterns
    assert index_tables(demo) == tables


def test_a_unit_with_a_response_without_a_usable_pattern_is_tallied_from_its_answers(demo, tree):
    index_recompute(demo.pk, full=True)
    expected = _leaf_tallies(demo)
    counted = Response.objects.filter(campaign=demo, unit=tree["A1"], status__in=["submitted", "approved"]).order_by("pk")
    Response.objects.filter(pk=counted[0].pk).update(index_pattern=None)
    Response.objects.filter(pk=counted[1].pk).update(index_pattern="?")  # written for other questions, or an unencodable level
    assert index_recompute(demo.pk, full=True).stored_counts is True
    assert _leaf_tallies(demo) == expected


def test_pattern_tallies_count_each_position_and_level_and_name_units_lacking_patterns():
    positions = {7: (101, None, 103)}  # the middle position: a multi-choice question, tallied from answers
    groups = [(7, 1, "desk", "", "", 3, "45-,459,-09"), (7, 1, "desk", "f", "", 1, "551"), (7, 2, "desk", "", "", 1, "55")]
    rows, unfit = pattern_tallies(groups, positions, {(7, 1, "desk"): 4, (7, 2, "desk"): 1, (7, 3, "phone"): 2})
    assert sorted(rows) == [(1, "desk", 101, 4, 2), (1, "desk", 101, 5, 1), (1, "desk", 103, 1, 1), (1, "desk", 103, 9, 2)]
    assert unfit == {2, 3}  # unit 2: a pattern of the wrong width; unit 3: responses without one
