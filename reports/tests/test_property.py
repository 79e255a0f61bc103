"""The SQL engine against a plain-Python reference on random answer sets (hypothesis).

The reference reads the responses one by one and applies DESIGN.md §5 literally; the engine must agree
on every unit of the tree, after a full recompute and after an incremental one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.services import campaign_mark_dirty
from reports.models import IndexValue
from reports.selectors import working_snapshot
from reports.services import index_recompute
from reports.tests.factories import MISSING, make_campaign, make_questionnaire, make_response

SECTIONS = {"A": ["A1", "A2"], "B": ["B1"]}
QUESTIONS = [code for codes in SECTIONS.values() for code in codes]
UNITS = ["A", "A1", "A2", "A-BV", "B1"]  # B1 lies outside the organiser's (A's) subtree
COUNTED = {"submitted", "approved"}

answer_values = st.sampled_from([None, 1, 2, 3, 4, 5, MISSING, 7])  # None = skipped; 7 is off the scale
responses = st.lists(
    st.tuples(
        st.sampled_from(UNITS),
        st.sampled_from(["submitted", "approved", "rejected", "draft", "on_hold"]),
        st.sampled_from(["phone", "desk"]),
        st.fixed_dictionaries({code: answer_values for code in QUESTIONS}),
    ),
    max_size=12,
)
schemes = st.tuples(st.sampled_from(["sipas", "moh_pooled", "mean_score"]), st.sampled_from(["pooled", "mean"]), st.sampled_from(["pooled", "mean"]))


def half_up(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100


def percent(share: Fraction | None) -> Decimal | None:
    return None if share is None else half_up(share * 100)


def reference(rows: Sequence[tuple], scheme: str, element_mode: str, overall_mode: str, paths: dict[str, str]) -> dict:
    """{(unit, scope, key): (value, n)} computed answer by answer."""
    expected = {}
    for unit, path in paths.items():
        inside = [r for r in rows if r[1] in COUNTED and paths[r[0]].startswith(path)]
        if not inside and unit != "A":
            continue
        valid = {q: [r[3][q] for r in inside if r[3][q] in (1, 2, 3, 4, 5)] for q in QUESTIONS}

        def score(values: list[int]) -> Fraction | None:
            if not values:
                return None
            if scheme == "mean_score":
                return Fraction(sum(values), 5 * len(values))
            return Fraction(sum(1 for v in values if v >= 4), len(values))

        def mean_of(scores: list[Fraction | None]) -> Fraction | None:
            present = [s for s in scores if s is not None]
            return sum(present, Fraction(0)) / len(present) if present else None

        element_scores = {}
        for section, codes in SECTIONS.items():
            pooled = [v for q in codes for v in valid[q]]
            element_scores[section] = score(pooled) if element_mode == "pooled" else mean_of([score(valid[q]) for q in codes])
            expected[(unit, "element", section)] = (percent(element_scores[section]), len(pooled))
        everything = [v for q in QUESTIONS for v in valid[q]]
        overall = score(everything) if overall_mode == "pooled" else mean_of(list(element_scores.values()))
        expected[(unit, "overall", "")] = (percent(overall), len(everything))
        expected[(unit, "mean", "")] = (half_up(Fraction(sum(everything), len(everything))) if everything else None, len(everything))
        for q in QUESTIONS:
            expected[(unit, "criterion", q)] = (percent(score(valid[q])), len(valid[q]))
        respondents = [r for r in inside if any(r[3][q] in (1, 2, 3, 4, 5) for q in QUESTIONS)]
        full = [r for r in respondents if all(r[3][q] >= 4 for q in QUESTIONS if r[3][q] in (1, 2, 3, 4, 5))]
        share = Fraction(len(full) * 100, len(respondents)) if respondents else None
        expected[(unit, "full", "")] = (half_up(share), len(respondents))
        expected[(unit, "responses", "")] = (Decimal(len(inside)), len(inside))
    return expected


def engine(campaign, codes: dict[int, str]) -> dict:
    checked = {"element", "overall", "criterion", "full", "responses"}
    values = IndexValue.objects.filter(snapshot=working_snapshot(campaign)).values_list("unit_id", "scope", "key", "value", "n")
    return {(codes[u], s, k): (v, n) for u, s, k, v, n in values if s in checked or (s == "mean" and k == "")}


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(first=responses, second=responses, scheme=schemes, flips=st.lists(st.integers(min_value=0, max_value=11), max_size=3))
def test_the_sql_engine_agrees_with_a_plain_python_reference(tree, first, second, scheme, flips):
    code, element_mode, overall_mode = scheme
    campaign = make_campaign(
        tree["A"], make_questionnaire(SECTIONS), scheme=code, options={"element": element_mode, "overall": overall_mode}
    )
    paths = {unit: tree[unit].path for unit in UNITS} | {"A-SYT": tree["A-SYT"].path}
    codes = {tree[unit].pk: unit for unit in paths}
    rows = [list(row) for row in first]
    saved = [make_response(campaign, tree[u], answers, channel=c, status=s) for u, s, c, answers in first]
    index_recompute(campaign.pk)
    assert engine(campaign, codes) == reference(rows, code, element_mode, overall_mode, paths)

    # Then: new responses, and some earlier ones change status in review; the campaign is marked dirty.
    for index in flips:
        if index < len(saved):
            response = saved[index]
            response.status = "rejected" if response.status in COUNTED else "approved"
            response.save()
            rows[index][1] = response.status
    for u, s, c, answers in second:
        make_response(campaign, tree[u], answers, channel=c, status=s)
        rows.append([u, s, c, answers])
    campaign_mark_dirty(campaign_id=campaign.pk)
    assert index_recompute(campaign.pk).mode == "incremental"
    assert engine(campaign, codes) == reference(rows, code, element_mode, overall_mode, paths)
