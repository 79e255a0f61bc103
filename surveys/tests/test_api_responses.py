"""The submission API: idempotency by client UUID, conflicts, validation, scoping, closed windows."""

from __future__ import annotations

import json
import random
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign, CampaignStatus, ChannelWindow
from surveys.models import Answer, Response
from surveys.services import responses as response_services
from surveys.tests.factories_collection import full_answers, make_assignment, make_campaign, payload, post_at_once
from units.models import AuditEntry, Role

URL = "/api/v1/responses/"


def post(client: Client, body) -> tuple[int, dict]:
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.fixture
def api(client, enumerator) -> Client:
    client.force_login(enumerator)
    return client


def test_the_api_url_is_named():
    assert reverse("surveys:api_responses") == URL


def test_a_valid_submission_is_stored_with_its_answers_and_marks_the_campaign_dirty(api, setup, tree):
    status, body = post(api, payload(setup, tree["A1"]))
    assert status == 201
    response = Response.objects.get(pk=body["id"])
    assert response.status == "submitted" and response.enumerator.username == "dtv"
    assert response.profile == {"sex": "female", "age_group": "35_49"} and response.duration_seconds == 420
    # 6 Likert answers + used_before; why_not is skipped, optional ones empty
    assert Answer.objects.filter(response=response).count() == 7
    assert set(Answer.objects.filter(response=response).values_list("unit", flat=True)) == {tree["A1"].pk}
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is not None


def test_a_retried_submission_is_saved_once_and_answers_the_same_id(api, setup, tree):
    body = payload(setup, tree["A1"])
    first_status, first = post(api, body)
    second_status, second = post(api, body)
    assert (first_status, second_status) == (201, 200)
    assert first["id"] == second["id"]
    assert Response.objects.count() == 1 and Answer.objects.count() == 7


def test_the_same_uuid_with_other_content_is_a_conflict(api, setup, tree):
    body = payload(setup, tree["A1"])
    post(api, body)
    body["answers"] = full_answers(setup.questionnaire, level=2)
    status, answer = post(api, body)
    assert status == 409 and "nội dung khác" in answer["detail"]
    assert Response.objects.count() == 1
    assert set(Answer.objects.values_list("value", flat=True)) == {1, 4}


def test_unknown_codes_out_of_range_levels_and_missing_required_answers_are_422_in_vietnamese(api, setup, tree):
    answers = full_answers(setup.questionnaire, S1_Q1=7, nonsense=3)
    del answers["S2_Q1"]
    status, body = post(api, payload(setup, tree["A1"], answers=answers))
    assert status == 422
    assert "không có câu hỏi mã «nonsense»" in body["errors"]["answers.nonsense"][0]
    assert "Mức «7» không hợp lệ" in body["errors"]["answers.S1_Q1"][0]
    assert Response.objects.count() == 0
    # once codes and levels are right, the missing required answer is named
    answers.pop("nonsense")
    answers["S1_Q1"] = 9  # a missing code ("không biết") is a valid answer
    status, body = post(api, payload(setup, tree["A1"], answers=answers))
    assert status == 422 and body["errors"] == {"answers.S2_Q1": ["Câu này bắt buộc trả lời."]}


def test_skip_logic_is_enforced_on_the_server(api, setup, tree):
    # used_before = no makes why_not required
    status, body = post(api, payload(setup, tree["A1"], answers=full_answers(setup.questionnaire, used_before="no")))
    assert status == 422 and "answers.why_not" in body["errors"]
    # used_before = yes hides why_not: an answer to it is dropped
    status, body = post(api, payload(setup, tree["A1"], answers=full_answers(setup.questionnaire, why_not="bận")))
    assert status == 201
    assert not Answer.objects.filter(response_id=body["id"], question__code="why_not").exists()


def test_constraints_and_ranges_give_the_questionnaires_message(api, setup, tree):
    status, body = post(api, payload(setup, tree["A1"], answers=full_answers(setup.questionnaire, wait_minutes=500)))
    assert status == 422 and body["errors"]["answers.wait_minutes"] == ["Thời gian chờ không quá 480 phút."]
    status, body = post(api, payload(setup, tree["A1"], answers=full_answers(setup.questionnaire, wait_minutes=-1)))
    assert status == 422 and "từ 0 trở lên" in body["errors"]["answers.wait_minutes"][0]
    status, body = post(api, payload(setup, tree["A1"], answers=full_answers(setup.questionnaire, wait_minutes="12,5")))
    assert status == 201
    assert Answer.objects.get(response_id=body["id"], question__code="wait_minutes").number == 12.5


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"uuid": "xyz"}),
        json.dumps({"uuid": str(uuid.uuid4()), "answers": "x", "campaign": "sipas-2026", "unit": "A1", "channel": "desk"}),
        json.dumps({"uuid": str(uuid.uuid4()), "campaign": "sipas-2026", "unit": "A1", "channel": "fax"}),
        json.dumps({"uuid": str(uuid.uuid4()), "campaign": "sipas-2026", "unit": "A1", "channel": "desk", "started_at": "hôm qua"}),
        json.dumps({"uuid": str(uuid.uuid4()), "campaign": "sipas-2026", "unit": "A1", "channel": "desk", "status": "approved"}),
        json.dumps({"uuid": str(uuid.uuid4()), "campaign": "sipas-2026", "unit": "A1", "channel": "desk", "profile": {"sex": "x"}}),
        json.dumps({"uuid": str(uuid.uuid4()), "campaign": "sipas-2026", "unit": "A1", "channel": "desk", "answers": {"S1_Q1": [4, 5]}}),
    ],
)
def test_malformed_bodies_are_422_never_500(api, setup, body):
    response = api.post(URL, data=body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"]
    assert Response.objects.count() == 0


def test_unknown_campaign_or_unit_is_404(api, setup, tree):
    assert post(api, payload(setup, tree["A1"], campaign="khong-co"))[0] == 404
    assert post(api, dict(payload(setup, tree["A1"]), unit="ZZZ"))[0] == 404


def test_an_enumerator_cannot_submit_for_a_unit_outside_their_membership(api, setup, tree):
    status, body = post(api, payload(setup, tree["A2"]))
    assert status == 404 and Response.objects.count() == 0


def test_a_viewer_of_the_unit_is_refused_with_403(client, setup, tree, bob):
    client.force_login(bob)
    assert post(client, payload(setup, tree["A1"]))[0] == 403


def test_a_unit_outside_the_campaign_is_422(client, setup, tree, make_user, make_unit):
    outsider_unit = make_unit("B9", "Xã B9", "commune", tree["B"])
    client.force_login(make_user("boss", Role.ENUMERATOR, tree["B"]))
    status, body = post(client, payload(setup, outsider_unit))
    assert status == 422 and "không thuộc đợt khảo sát" in body["errors"]["unit"][0]


def test_a_closed_window_or_closed_campaign_is_403(api, setup, tree):
    ChannelWindow.objects.filter(campaign=setup.campaign, channel="desk").delete()
    status, body = post(api, payload(setup, tree["A1"]))
    assert status == 403 and "không mở" in body["detail"]
    Campaign.objects.filter(pk=setup.campaign.pk).update(status=CampaignStatus.CLOSED)
    status, body = post(api, payload(setup, tree["A1"], channel="phone"))
    assert status == 403 and "không còn nhận phiếu" in body["detail"]
    assert Response.objects.count() == 0


def test_an_enumerator_cannot_submit_for_another_enumerators_assignment(api, setup, tree, make_user, enumerator):
    other = make_user("dtv2", Role.ENUMERATOR, tree["A1"])
    theirs = make_assignment(setup.quotas["A1"], other)
    mine = make_assignment(setup.quotas["A1"], enumerator, order=2)
    assert post(api, payload(setup, tree["A1"], assignment=theirs.pk))[0] == 404
    status, body = post(api, payload(setup, tree["A1"], assignment=mine.pk))
    assert status == 201
    mine.refresh_from_db()
    assert mine.status == "done"


def test_anonymous_users_are_refused(client, setup, tree):
    assert post(client, payload(setup, tree["A1"]))[0] == 401


def test_a_lost_race_on_the_unique_uuid_returns_the_stored_response(api, setup, tree, monkeypatch):
    body = payload(setup, tree["A1"])
    status, first = post(api, body)
    # Simulate the other request committing between our lookup and our insert.
    real_existing = response_services._existing
    calls = {"n": 0}

    def late_existing(key, digest):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_existing(key, digest)

    monkeypatch.setattr(response_services, "_existing", late_existing)
    status, second = post(api, body)
    assert status == 200 and second["id"] == first["id"]
    assert Response.objects.count() == 1 and Answer.objects.count() == 7


def test_a_thousand_submissions_with_200_resent_and_50_conflicting_store_exactly_a_thousand(api, setup, tree):
    bodies = [payload(setup, tree["A1"]) for _ in range(1000)]
    for body in bodies:
        assert post(api, body)[0] == 201
    rng = random.Random(7)
    resent = rng.sample(bodies, 200)
    conflicting = rng.sample(bodies, 50)
    statuses = [post(api, body)[0] for body in resent]
    for body in conflicting:
        changed = dict(body, answers=full_answers(setup.questionnaire, level=1))
        statuses.append(post(api, changed)[0])
    assert statuses.count(200) == 200 and statuses.count(409) == 50
    assert Response.objects.count() == 1000
    assert Answer.objects.count() == 7000


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_the_same_uuid_store_one(tree, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("cần PostgreSQL để chạy song song thật (SQLite khoá cả cơ sở dữ liệu)")
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]])
    user = make_user("dtv", Role.ENUMERATOR, tree["A1"])
    results = post_at_once(user, payload(setup, tree["A1"]))
    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    assert len({answer["id"] for _, answer in results}) == 1
    assert Response.objects.count() == 1 and Answer.objects.count() == 7
    assert not AuditEntry.objects.filter(action__startswith="response.").exists()


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("2,00005", Decimal("2.0001")), ("12,34565", Decimal("12.3457")), ("1e-20000", Decimal("0")), ("0e-200000", Decimal("0"))],
)
def test_numbers_are_rounded_as_the_column_stores_them_on_every_database(api, setup, tree, raw, stored):
    body = payload(setup, tree["A1"], answers={**payload(setup, tree["A1"])["answers"], "wait_minutes": raw})
    status, answer = post(api, body)
    assert status == 201, answer
    assert Answer.objects.get(response_id=answer["id"], question__code="wait_minutes").number == stored


@pytest.mark.parametrize("raw", ["9999999999.99996", "1e100000", "-1e10", "NaN", "Infinity"])
def test_numbers_too_large_for_the_column_are_refused_with_422(api, setup, tree, raw):
    body = payload(setup, tree["A1"], answers={**payload(setup, tree["A1"])["answers"], "wait_minutes": raw})
    status, answer = post(api, body)
    assert status == 422
    assert answer["errors"]["answers.wait_minutes"] == ["Cần nhập một số."]
    assert Response.objects.count() == 0


def test_a_lone_surrogate_in_a_text_is_refused_with_422_not_500(api, setup, tree):
    body = json.dumps(payload(setup, tree["A1"], answers={**payload(setup, tree["A1"])["answers"], "comment": "PLACEHOLDER"}))
    response = api.post(URL, data=body.replace("PLACEHOLDER", "\\ud800"), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == "Nội dung gửi lên có ký tự không hợp lệ."
    assert Response.objects.count() == 0
