"""Paradata through the submission API (surveys.quality.paradata): stored as sent, outside the idempotency hash,
absurd values kept and flagged (never a 422 or a 500), the location only where the campaign asks for it;
the respondent's phone and name kept apart from the profile."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import QualityRules
from surveys.models import FlagKind, Response, ResponseFlag
from surveys.quality.paradata import MAX_BYTES
from surveys.tests.factories_collection import make_campaign, payload
from units.models import Role

URL = "/api/v1/responses/"
PARADATA = {
    "sections": {"S1": 61.5, "S2": 48},
    "questions": {"S1_Q1": 12.2, "S1_Q2": 8},
    "changes": {"S1_Q1": 2},
    "tz_offset_minutes": 420,
}


@pytest.fixture
def setup(tree):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], channels=("desk", "home_visit"))
    QualityRules.objects.create(campaign=setup.campaign, odd_hours_start=0, odd_hours_end=0)
    return setup


@pytest.fixture
def api(client, enumerator) -> Client:
    client.force_login(enumerator)
    return client


def post(client: Client, body) -> tuple[int, dict]:
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def paradata_flag(response_id: int) -> str:
    return ResponseFlag.objects.get(response_id=response_id, kind=FlagKind.PARADATA).message


def test_paradata_is_stored_as_sent_and_raises_no_flag(api, setup, tree):
    status, reply = post(api, payload(setup, tree["A1"], paradata=PARADATA))
    assert status == 201 and reply["flags"] == []
    assert Response.objects.get(pk=reply["id"]).paradata == PARADATA


def test_paradata_is_not_part_of_the_content_a_resend_is_compared_on(api, setup, tree):
    body = payload(setup, tree["A1"], paradata=PARADATA)
    first = post(api, body)[1]
    status, again = post(api, {**body, "paradata": {**PARADATA, "sections": {"S1": 70, "S2": 48}}})
    assert (status, again["id"]) == (200, first["id"])


@pytest.mark.parametrize(
    ("paradata", "extra", "reason"),
    [
        ({"sections": {"S1": -5, "S2": 30}}, {}, "Thời gian phần S1 âm (-5 giây)"),
        ({"sections": {"S1": "nhanh"}}, {}, "Thời gian phần S1 không phải là số: «nhanh»"),
        ({"questions": {"S1_Q1": 100_000}}, {}, "Thời gian câu S1_Q1 quá 24 giờ (100.000 giây)"),
        ({"changes": {"S1_Q1": -1}}, {}, "Số lần đổi câu trả lời không hợp lệ (cần số nguyên không âm cho mỗi câu)"),
        ({"tz_offset_minutes": 5000}, {}, "Múi giờ của thiết bị không hợp lệ: «5000»"),
        ("không phải đối tượng", {}, "Dữ liệu quá trình không phải một đối tượng JSON; không lưu"),
        ({}, {"duration_seconds": "long"}, "Thời lượng phỏng vấn không phải số giây nguyên: «long»"),
        ({}, {"duration_seconds": -20}, "Thời lượng phỏng vấn âm (-20 giây)"),
        ({}, {"duration_seconds": 90_000}, "Thời lượng phỏng vấn quá 24 giờ (90.000 giây)"),
        ({}, {"duration_seconds": 12.5}, "Thời lượng phỏng vấn không phải số giây nguyên: «12.5»"),
    ],
)
def test_absurd_paradata_is_kept_and_flagged_never_refused(api, setup, tree, paradata, extra, reason):
    status, reply = post(api, payload(setup, tree["A1"], paradata=paradata, **extra))
    assert status == 201, reply
    assert paradata_flag(reply["id"]) == reason
    stored = Response.objects.get(pk=reply["id"])
    if extra:  # the duration as sent is kept in the paradata; the response's duration stays empty
        assert stored.duration_seconds is None and stored.paradata["duration_seconds_sent"] == extra["duration_seconds"]
    elif isinstance(paradata, dict):
        assert stored.paradata == paradata


def test_a_duration_longer_than_the_time_since_the_start_is_flagged(api, setup, tree):
    started = timezone.now() - dt.timedelta(minutes=10)
    reply = post(api, payload(setup, tree["A1"], started_at=started.isoformat(), duration_seconds=7200, paradata={"sections": {"S1": 3000}}))[1]
    reasons = paradata_flag(reply["id"])
    assert "Tổng thời gian các phần 3.000 giây, dài hơn khoảng từ lúc bắt đầu đến lúc gửi (600 giây)" in reasons
    assert "Thời lượng phỏng vấn 7.200 giây, dài hơn khoảng từ lúc bắt đầu đến lúc gửi (600 giây)" in reasons
    assert Response.objects.get(pk=reply["id"]).duration_seconds is None


def test_oversized_paradata_keeps_the_sections_and_says_so(api, setup, tree):
    questions = {f"Q{i}": 1 for i in range(MAX_BYTES // 8)}
    reply = post(api, payload(setup, tree["A1"], paradata={"sections": {"S1": 60}, "questions": questions}))[1]
    assert Response.objects.get(pk=reply["id"]).paradata == {"sections": {"S1": 60}, "truncated": True}
    assert "quá lớn" in paradata_flag(reply["id"])


def test_the_location_is_kept_only_on_a_home_visit_of_a_campaign_that_asks_for_it(client, setup, tree, make_user):
    client.force_login(make_user("dtv-nha", Role.ENUMERATOR, tree["A1"]))
    location = {"lat": 12.24, "lon": 109.19, "accuracy": 15}
    desk = post(client, payload(setup, tree["A1"], paradata={"location": location}))[1]
    assert "location" not in Response.objects.get(pk=desk["id"]).paradata
    QualityRules.objects.filter(campaign=setup.campaign).update(ask_location=True)
    from surveys.selectors import targets_forget  # update() sends no signal: forget the remembered rules

    targets_forget()
    home = post(client, payload(setup, tree["A1"], channel="home_visit", paradata={"location": location}))[1]
    assert Response.objects.get(pk=home["id"]).paradata["location"] == location


def test_the_respondents_phone_and_name_are_kept_apart_from_the_profile(api, setup, tree):
    profile = {"sex": "male", "phone": "0905.123.456", "name": "  Phạm  Thị   Dung "}
    reply = post(api, payload(setup, tree["A1"], profile=profile))[1]
    stored = Response.objects.get(pk=reply["id"])
    assert stored.profile == {"sex": "male"}
    assert (stored.respondent_phone, stored.respondent_name) == ("0905123456", "phạm thị dung")


@pytest.mark.parametrize(("profile", "field"), [({"phone": "gọi sau"}, "profile.phone"), ({"phone": "12"}, "profile.phone"), ({"name": ["x"]}, "profile.name")])
def test_a_malformed_phone_or_name_is_refused_with_its_reason(api, setup, tree, profile, field):
    status, reply = post(api, payload(setup, tree["A1"], profile=profile))
    assert status == 422 and reply["errors"][field]
    assert Response.objects.count() == 0


def test_the_response_admin_shows_the_respondents_phone_only_to_those_who_may_read_the_frame(api, setup, tree, make_user):
    reply = post(api, payload(setup, tree["A1"], profile={"phone": "0905123456", "name": "Phạm Thị Dung"}))[1]
    url = f"/admin/surveys/response/{reply['id']}/change/"
    viewer = Client()
    viewer.force_login(make_user("cb-xa", Role.OFFICIAL, tree["A1"]))  # reviews the commune's responses, not the province's frame
    shown = viewer.get(url)
    page = shown.content.decode()
    assert shown.status_code == 200 and "dữ liệu quá trình" in page.lower()
    assert "0905123456" not in page and "phạm thị dung" not in page
    viewer.force_login(make_user("cb-tinh", Role.OFFICIAL, tree["A"]))  # the organiser's official
    page = viewer.get(url).content.decode()
    assert "0905123456" in page and "phạm thị dung" in page
