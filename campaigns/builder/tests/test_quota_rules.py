"""The quota rules of the builder's step 4, as plain arithmetic against numbers worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaigns.builder.quota_rules import (
    DEFAULTS,
    EQUAL,
    PROPORTIONAL,
    YAMANE,
    QuotaRuleError,
    RuleUnit,
    largest_remainder,
    sizes_by_rule,
)
from campaigns.quotas import yamane_size


def wards(populations=(None, None, None, None), cells=(1, 1, 1, 1), default=200):
    """Four wards, in path order, each with its number of cells (channel × form) and population."""
    return [
        RuleUnit(key=str(i), name=f"Phường {i}", order=f"D/P{i}/", cells=n, default=default, default_key="ward", population=population)
        for i, (population, n) in enumerate(zip(populations, cells, strict=True), start=1)
    ]


def test_largest_remainder_adds_up_exactly_and_breaks_ties_by_position():
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]  # 3⅓ each: the first takes the spare one
    assert largest_remainder(100, [1, 2, 3]) == [17, 33, 50]  # 16.67, 33.33, 50 → 16 + 33 + 50 = 99, + 1 to the first
    assert largest_remainder(7, [0, 5, 5]) == [0, 4, 3]
    assert largest_remainder(0, [3, 4]) == [0, 0]
    for total in range(0, 60):
        assert sum(largest_remainder(total, [7, 13, 1, 29])) == total


def test_per_type_defaults_give_each_cell_of_a_unit_its_default():
    units = wards(cells=(1, 2, 1, 1))
    assert sizes_by_rule(DEFAULTS, units) == [[200], [200, 200], [200], [200]]


def test_a_type_without_default_is_an_error_on_its_default_field():
    units = wards(default=None)
    with pytest.raises(QuotaRuleError) as refused:
        sizes_by_rule(DEFAULTS, units)
    assert list(refused.value.errors) == ["default_ward"]


def test_yamane_per_unit_from_its_population_at_the_margin():
    units = wards(populations=(400, 1000, 50, 100_000))
    sizes = sizes_by_rule(YAMANE, units, margin=Decimal("5"))
    # by hand: 400/(1+1) = 200; 1000/3.5 = 285.7 → 286; 50/1.125 = 44.4 → 45; 100000/251 = 398.4 → 399
    assert sizes == [[200], [286], [45], [399]]
    assert [cell[0] for cell in sizes] == [yamane_size(n, 0.05) for n in (400, 1000, 50, 100_000)]
    assert sizes_by_rule(YAMANE, units, margin=Decimal("10")) == [[yamane_size(n, 0.10)] for n in (400, 1000, 50, 100_000)]


@pytest.mark.parametrize("margin", [Decimal("0"), Decimal("-1"), Decimal("50.01"), Decimal("80"), None])
def test_a_margin_outside_zero_to_fifty_percent_is_refused(margin):
    with pytest.raises(QuotaRuleError) as refused:
        sizes_by_rule(YAMANE, wards(populations=(400, 400, 400, 400)), margin=margin)
    assert list(refused.value.errors) == ["margin"]


def test_fifty_percent_is_the_largest_margin_allowed():
    assert sizes_by_rule(YAMANE, wards(populations=(400, 400, 400, 400)), margin=Decimal("50")) == [[yamane_size(400, 0.5)]] * 4


def test_a_population_rule_without_populations_names_each_unit_missing_one():
    with pytest.raises(QuotaRuleError) as refused:
        sizes_by_rule(YAMANE, wards(populations=(400, None, 0, 900)), margin=Decimal("5"))
    assert set(refused.value.errors) == {"population_2", "population_3", "__all__"}
    assert "Phường 2" in refused.value.errors["__all__"][0] and "Phường 3" in refused.value.errors["__all__"][0]
    with pytest.raises(QuotaRuleError):
        sizes_by_rule(PROPORTIONAL, wards(populations=(400, None, 10, 900)), total=100)


def test_equal_allocation_splits_the_total_over_units_then_over_each_units_cells():
    assert sizes_by_rule(EQUAL, wards(), total=800) == [[200], [200], [200], [200]]
    assert sizes_by_rule(EQUAL, wards(), total=802) == [[201], [201], [200], [200]]  # spare forms to the first units by path
    # 4 units with 1, 2, 1, 3 cells, total 90 → 23, 23, 22, 22 per unit; the second splits 12 + 11, the last 8 + 7 + 7
    assert sizes_by_rule(EQUAL, wards(cells=(1, 2, 1, 3)), total=90) == [[23], [12, 11], [22], [8, 7, 7]]


def test_equal_allocation_needs_at_least_one_form_per_unit_and_cell():
    with pytest.raises(QuotaRuleError) as refused:
        sizes_by_rule(EQUAL, wards(), total=3)
    assert list(refused.value.errors) == ["total"] and "4" in refused.value.errors["total"][0]
    with pytest.raises(QuotaRuleError) as refused:
        sizes_by_rule(EQUAL, wards(cells=(2, 2, 1, 1)), total=5)
    assert "6 ô" in refused.value.errors["total"][0]
    for bad in (None, 0, -5):
        with pytest.raises(QuotaRuleError):
            sizes_by_rule(EQUAL, wards(), total=bad)


def test_proportional_allocation_follows_the_populations_and_sums_exactly_to_the_total():
    units = wards(populations=(1000, 2000, 3000, 4000))
    assert sizes_by_rule(PROPORTIONAL, units, total=800) == [[80], [160], [240], [320]]
    # 1000 of 3001 people … by hand: 100·(1, 1, 1, 2998)/3001 = 0.033, 0.033, 0.033, 99.9 → 0, 0, 0, 99 (+1 to the largest remainder)
    odd = wards(populations=(1, 1, 1, 2998))
    assert sizes_by_rule(PROPORTIONAL, odd, total=100) == [[0], [0], [0], [100]]
    # three equal remainders: the spare forms go to the first units by path
    assert sizes_by_rule(PROPORTIONAL, wards(populations=(5, 5, 5, 5)), total=10) == [[3], [3], [2], [2]]
    assert sizes_by_rule(PROPORTIONAL, wards(populations=(5, 5, 5, 5))[::-1], total=10) == [[2], [2], [3], [3]]  # by path, not by position
    for total in (1, 7, 99, 1001, 12_345):
        parts = sizes_by_rule(PROPORTIONAL, wards(populations=(137, 2, 911, 40), cells=(2, 1, 3, 1)), total=total)
        assert sum(sum(cells) for cells in parts) == total
