"""The submission API's cost: queries per submission, and the per-process cache of submission targets.

The unit, the forms that apply to it and the open windows are remembered per process (see
`surveys.selectors.unit_target`); these tests pin what that saves and show that it never serves a
stale answer to a change made through the application, and only for TARGET_TTL seconds otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, ChannelWindow, QualityRules
from campaigns.services import campaign_close, campaign_part_save
from surveys import selectors
from surveys.models import Answer, Response
from surveys.tests.factories_collection import payload
from units.access import SYSTEM
from units.models import Membership, Role
from units.services import api_token_create, membership_grant, membership_revoke

URL = "/api/v1/responses/"


@pytest.fixture(autouse=True)
def no_odd_hours(setup):
    """Without an odd-hours span, so a run at night writes no flag (a flag costs a savepoint and an INSERT)."""
    QualityRules.objects.create(campaign=setup.campaign, odd_hours_start=0, odd_hours_end=0)


@pytest.fixture
def api(client, make_user, tree) -> Client:
    client.force_login(make_user("dtv", Role.ENUMERATOR, tree["A1"]))
    return client


def post(client: Client, body) -> tuple[int, dict]:
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


# What a submission writes: on PostgreSQL one statement (response, answers, dirty mark); elsewhere the
# response, one INSERT of the answers and the dirty mark. Inside a test's transaction a savepoint and its
# release surround them (in production, outside any transaction, PostgreSQL needs neither).
WRITES = {"postgresql": 1 + 2}
WRITES_ELSEWHERE = 3 + 2


def test_a_submission_to_a_warm_quota_cell_costs_few_queries(api, setup, tree, django_assert_num_queries):
    assert post(api, payload(setup, tree["A1"]))[0] == 201  # compiles the form, remembers unit, forms, window
    body = payload(setup, tree["A1"])
    # session, user, one read (stored UUID, campaign stamp, roles); then the writes
    with django_assert_num_queries(3 + WRITES.get(connection.vendor, WRITES_ELSEWHERE)):
        status, answer = post(api, body)
    assert status == 201
    assert Answer.objects.filter(response_id=answer["id"]).count() == 7


def test_a_submission_with_an_api_key_costs_one_query_less_than_with_a_session(setup, tree, make_user, django_assert_num_queries):
    user = make_user("tong-dai", Role.ENUMERATOR, tree["A1"])
    key = api_token_create(user=user, name="Tổng đài", actor=user)[1]
    tool = Client(headers={"Authorization": f"Bearer {key}"})
    assert post(tool, payload(setup, tree["A1"]))[0] == 201
    body = payload(setup, tree["A1"])
    with django_assert_num_queries(2 + WRITES.get(connection.vendor, WRITES_ELSEWHERE)):  # key, one read
        status, answer = post(tool, body)
    assert status == 201
    assert Response.objects.get(pk=answer["id"]).enumerator == user


def test_a_resend_costs_four_queries_and_stores_nothing(api, setup, tree, django_assert_num_queries):
    body = payload(setup, tree["A1"])
    first = post(api, body)[1]
    with django_assert_num_queries(4):  # session, user, the one read (it finds the stored UUID), its flags for the reply
        status, again = post(api, body)
    assert (status, again["id"]) == (200, first["id"])
    assert Response.objects.count() == 1


def test_every_kind_of_answer_is_stored_with_its_exact_value(api, setup, tree):
    tricky = 'Tốt; "ngoặc kép", \\ gạch chéo, {ngoặc nhọn}, NULL, \' nháy đơn\n dòng mới 😀'
    answers = {"used_before": "no", "why_not": "Chưa có nhu cầu", "wait_minutes": "12,5", "comment": tricky}
    body = payload(setup, tree["A1"], answers={**payload(setup, tree["A1"])["answers"], **answers})
    status, answer = post(api, body)
    assert status == 201
    stored = {a.question.code: (a.value, a.number, a.text, a.campaign_id, a.unit_id, a.channel) for a in Answer.objects.filter(response_id=answer["id"])}
    context = (setup.campaign.pk, tree["A1"].pk, "desk")
    assert stored["used_before"] == (2, None, "", *context)
    assert stored["why_not"] == (None, None, "Chưa có nhu cầu", *context)
    assert stored["wait_minutes"] == (None, Decimal("12.5"), "", *context)
    assert stored["comment"] == (None, None, tricky, *context)
    assert stored["S1_Q1"] == (4, None, "", *context)


def test_a_window_closed_through_the_application_refuses_the_next_submission_at_once(api, setup, tree):
    assert post(api, payload(setup, tree["A1"]))[0] == 201
    window = ChannelWindow.objects.get(campaign=setup.campaign, channel="desk")
    window.start = window.end = timezone.localdate() - dt.timedelta(days=1)
    campaign_part_save(part=window, actor=SYSTEM)
    status, body = post(api, payload(setup, tree["A1"]))
    assert status == 403 and "không mở" in body["detail"]


def test_a_form_narrowed_to_another_unit_refuses_the_next_submission_at_once(api, setup, tree):
    assert post(api, payload(setup, tree["A1"]))[0] == 201
    setup.form.units.set([tree["A2"]])
    setup.campaign.quotas.filter(unit=tree["A1"]).delete()
    status, body = post(api, payload(setup, tree["A1"]))
    assert status == 422 and "không thuộc đợt khảo sát" in body["errors"]["unit"][0]


def test_revoking_the_membership_or_closing_the_campaign_applies_at_once(api, setup, tree):
    assert post(api, payload(setup, tree["A1"]))[0] == 201
    membership_revoke(membership=Membership.objects.get(user__username="dtv"), actor=SYSTEM)
    assert post(api, payload(setup, tree["A1"]))[0] == 404
    membership_grant(user=User.objects.get(username="dtv"), unit=tree["A1"], role=Role.ENUMERATOR, actor=SYSTEM)
    assert post(api, payload(setup, tree["A1"]))[0] == 201
    campaign_close(campaign=setup.campaign, actor=SYSTEM)
    status, body = post(api, payload(setup, tree["A1"]))
    assert status == 403 and "không còn nhận phiếu" in body["detail"]


def test_a_change_made_behind_the_applications_back_is_seen_after_the_ttl(api, setup, tree, monkeypatch):
    assert post(api, payload(setup, tree["A1"]))[0] == 201
    # Another process closing the window: this process hears no signal.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    ChannelWindow.objects.filter(campaign=setup.campaign, channel="desk").update(start=yesterday, end=yesterday)
    assert post(api, payload(setup, tree["A1"]))[0] == 201
    later = selectors.time.monotonic() + selectors.TARGET_TTL + 1
    monkeypatch.setattr(selectors.time, "monotonic", lambda: later)
    assert post(api, payload(setup, tree["A1"]))[0] == 403
    assert Campaign.objects.get(pk=setup.campaign.pk).status == CampaignStatus.ACTIVE


def test_responses_are_inserted_in_plain_sql_so_they_have_no_save_hooks():
    """units.db.model_insert skips save() and its signals; a hook added to Response must fail here first."""
    from django.db.models import Model
    from django.db.models.signals import post_save, pre_save

    assert Response.save is Model.save
    assert not pre_save.has_listeners(Response)
    assert not post_save.has_listeners(Response)
