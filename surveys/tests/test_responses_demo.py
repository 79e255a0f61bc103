"""The demo responses generator: realistic, valid, idempotent, with drafts and responses on hold."""

from surveys.demo_responses import load_responses_demo
from surveys.models import Answer, Response
from surveys.tests.factories_collection import make_campaign


def test_demo_responses_are_valid_varied_and_idempotent(tree):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]])
    assert load_responses_demo(setup.campaign, 200) == 200
    assert load_responses_demo(setup.campaign, 200) == 0
    statuses = set(Response.objects.values_list("status", flat=True))
    assert {"submitted", "draft", "on_hold", "approved"} <= statuses
    assert Answer.objects.filter(value__in=[4, 5]).count() > Answer.objects.filter(value__in=[1, 2]).count()
    assert not Answer.objects.filter(question__code="why_not", response__answers__question__code="used_before", response__answers__value=1).exists()
    assert set(Response.objects.values_list("unit__code", flat=True)) == {"A1", "A2"}


def test_demo_responses_carry_paradata_and_some_quality_flags(tree):
    from surveys.models import FlagKind, ResponseFlag

    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]])
    load_responses_demo(setup.campaign, 200)
    submitted = Response.objects.exclude(status="draft")
    assert all(set(r.paradata["sections"]) == {"S1", "S2"} for r in submitted)
    kinds = set(ResponseFlag.objects.values_list("kind", flat=True))
    assert {FlagKind.TOO_FAST, FlagKind.DUPLICATE, FlagKind.ODD_HOURS} <= kinds
    pair = ResponseFlag.objects.filter(kind=FlagKind.DUPLICATE).values_list("response__respondent_phone", flat=True)
    assert len(pair) >= 2 and len(set(pair)) < len(pair)  # both responses of a pair are flagged
