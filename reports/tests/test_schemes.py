"""The schemes of DESIGN.md §5 on the worked example, and the arithmetic they rest on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.estimation.estimators import wilson_interval
from reports.schemes import largest_remainder_percentages, to_hundredths
from reports.selectors import index_values, working_snapshot
from reports.services import index_recompute
from reports.tests.factories import make_campaign, worked_example

D = Decimal


def values_of(campaign, unit) -> dict[tuple[str, str], Decimal | None]:
    return {(v.scope, v.key): v.value for v in index_values(working_snapshot(campaign), unit)}


def worked(tree, scheme: str, options: dict | None = None):
    """The worked example answered at commune A1 of a campaign organised by province A, recomputed."""
    campaign = make_campaign(tree["A"], scheme=scheme, options=options)
    worked_example(campaign, tree["A1"])
    index_recompute(campaign.pk)
    return campaign, values_of(campaign, tree["A"])


@pytest.mark.django_db
def test_the_worked_example_gives_80_percent_pooled_mean_4_and_half_fully_satisfied(tree):
    campaign, values = worked(tree, "moh_pooled")
    assert values[("overall", "")] == D("80.00")
    assert values[("element", "A")] == D("80.00")
    assert values[("mean", "")] == D("4.00")
    assert values[("full", "")] == D("50.00")
    assert values[("responses", "")] == D("2")
    assert values[("criterion", "A1")] == D("100.00")
    assert values[("criterion", "A3")] == D("0.00")  # R1's 3 is the only valid answer; R2's "missing" is left out
    assert values_of(campaign, tree["A1"]) == values  # the commune is the only unit with data


@pytest.mark.django_db
def test_the_worked_example_under_sipas_averages_the_criteria(tree):
    campaign, values = worked(tree, "sipas")
    # criteria 2/2, 2/2 and 0/1 → element (100 + 100 + 0) / 3, overall = the mean of its one element
    assert [values[("criterion", c)] for c in ("A1", "A2", "A3")] == [D("100.00"), D("100.00"), D("0.00")]
    assert values[("element", "A")] == D("66.67")
    assert values[("overall", "")] == D("66.67")
    assert values[("mean", "")] == D("4.00")
    assert values[("full", "")] == D("50.00")


@pytest.mark.django_db
def test_the_worked_example_under_mean_score_is_the_mean_over_five(tree):
    campaign, values = worked(tree, "mean_score")
    assert values[("mean", "")] == D("4.00")
    assert values[("overall", "")] == D("80.00")
    assert [values[("criterion", c)] for c in ("A1", "A2", "A3")] == [D("90.00"), D("80.00"), D("60.00")]
    assert [values[("mean", c)] for c in ("A1", "A2", "A3")] == [D("4.50"), D("4.00"), D("3.00")]
    assert values[("full", "")] == D("50.00")


@pytest.mark.django_db
def test_pooled_or_mean_of_items_is_a_setting_per_level(tree):
    _, values = worked(tree, "sipas", {"element": "pooled"})
    assert values[("element", "A")] == D("80.00")
    assert values[("overall", "")] == D("80.00")

    _, values = worked(tree, "moh_pooled", {"element": "mean", "overall": "mean"})
    assert values[("overall", "")] == D("66.67")


@pytest.mark.django_db
def test_shares_carry_a_design_based_interval_over_respondents_not_answers(tree):
    """R1 (5, 4, 3) and R2 (4, 4, missing) in one stratum, unweighted: the linearised values of the pooled
    rate are (y − 0.8 x) / 5 = ∓0.08, so SE = √(2 × 2 × 0.08²) = 16 points, with 2 − 1 = 1 degree of
    freedom: two respondents say almost nothing, and the interval says so (the first wave's Wilson over
    five answers claimed 37.55–96.38)."""
    campaign, _ = worked(tree, "moh_pooled")
    overall = index_values(working_snapshot(campaign), tree["A"], "overall").get()
    assert (overall.n, overall.respondents) == (5, 2)
    assert overall.estimate == pytest.approx(80.0) and overall.se == pytest.approx(16.0)
    assert (overall.ci_low, overall.ci_high) == (D("0.00"), D("100.00"))
    full = index_values(working_snapshot(campaign), tree["A"], "full").get()
    assert (full.n, full.respondents) == (2, 2) and full.se == pytest.approx(50.0)
    criterion = index_values(working_snapshot(campaign), tree["A"], "criterion").get(key="A1")
    assert criterion.value == D("100.00") and criterion.se == 0  # both satisfied: no spread to measure...
    assert criterion.ci_low < D("50") and criterion.ci_high == D("100.00")  # ...so Wilson over the 2 respondents


def test_the_wilson_fallback_matches_the_textbook_value():
    # the interval of a share of 0 or 1 (no spread for a design SE), over the respondents
    low, high = wilson_interval(0.8, 10)
    assert (round(100 * low, 2), round(100 * high, 2)) == (49.02, 94.33)
    assert wilson_interval(0.5, 0) is None
    low, high = wilson_interval(0.0, 20)
    assert low == 0.0 and round(100 * high, 2) == 16.11


def test_rounding_is_half_up_to_the_hundredth():
    from fractions import Fraction

    assert to_hundredths(Fraction(87685, 1000)) == D("87.69")
    assert to_hundredths(Fraction(2, 3) * 100) == D("66.67")
    assert to_hundredths(None) is None


def test_largest_remainder_adds_up_to_exactly_100():
    assert largest_remainder_percentages([1, 1, 1]) == [D("33.34"), D("33.33"), D("33.33")]
    assert largest_remainder_percentages([2, 1]) == [D("66.67"), D("33.33")]
    assert largest_remainder_percentages([0, 0]) == [None, None]
    assert largest_remainder_percentages([5, 0]) == [D("100.00"), D("0.00")]


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8), st.integers(min_value=0, max_value=3))
def test_largest_remainder_always_sums_to_100_and_stays_within_one_unit(counts, decimals):
    shares = largest_remainder_percentages(counts, decimals)
    if sum(counts) == 0:
        assert shares == [None] * len(counts)
        return
    assert sum(shares) == D(100)
    unit = D(1).scaleb(-decimals)
    for count, share in zip(counts, shares, strict=True):
        exact = D(count) * 100 / D(sum(counts))
        assert abs(share - exact) < unit


@pytest.mark.django_db
def test_the_worked_example_with_weights(tree):
    """docs/methodology.md §1.7: R1 and R2 at Xã A1 (N = 800), R3 (3, 3, 4) and R4 (4, 5, 2) at Phường A2
    (N = 6,000). Pooled: 7 of 11 = 63.64%; weighted (400 per response in A1, 3,000 in A2): 10,600 of
    20,000 = 53.00%, SE 15.03 points; full satisfaction 400 / 6,800 = 5.88%."""
    from campaigns.models import StratumPopulation
    from reports.tests.factories import make_response

    campaign = make_campaign(tree["A"], scheme="moh_pooled")
    worked_example(campaign, tree["A1"])
    make_response(campaign, tree["A2"], {"A1": 3, "A2": 3, "A3": 4})
    make_response(campaign, tree["A2"], {"A1": 4, "A2": 5, "A3": 2})
    index_recompute(campaign.pk)
    assert values_of(campaign, tree["A"])[("overall", "")] == D("63.64")
    for code, size in (("A1", 800), ("A2", 6000)):
        StratumPopulation.objects.create(campaign=campaign, unit=tree[code], channel="phone", population=size)
    index_recompute(campaign.pk)  # the design changed: recomputed in full, weighted
    overall = index_values(working_snapshot(campaign), tree["A"], "overall").get()
    assert (overall.value, overall.n, overall.respondents) == (D("53.00"), 11, 4)
    assert overall.se == pytest.approx(15.0348, abs=1e-4)
    assert values_of(campaign, tree["A"])[("full", "")] == D("5.88")
    assert values_of(campaign, tree["A1"])[("overall", "")] == D("80.00")  # one stratum: the weights cancel
