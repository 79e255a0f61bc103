"""The public online self-survey: no login, one response per token or device, rate-limited."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.request

import pytest
from django.test import Client, override_settings

from campaigns.models import Campaign, CampaignStatus
from surveys.models import Response
from surveys.services.online import online_token_make
from surveys.tests.factories_collection import make_campaign, payload

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def setup(tree):
    return make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]])


def survey_url(setup) -> str:
    return f"/khao-sat/{setup.campaign.public_key}/tra-loi/"


def submit(client: Client, setup, tree, token: str = "", **extra) -> tuple[int, dict]:
    body = payload(setup, tree["A1"], channel="online", **extra)
    url = f"{survey_url(setup)}gui/" + (f"?ma={token}" if token else "")
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_without_a_unit_the_citizen_picks_one_of_the_campaigns_units(client, setup):
    page = client.get(survey_url(setup))
    html = page.content.decode()
    assert page.status_code == 200 and 'value="A1"' in html and 'value="A2"' in html and 'value="B1"' not in html
    assert "hl_device" in page.cookies


def test_the_unit_from_the_link_opens_the_questionnaire(client, setup):
    page = client.get(survey_url(setup), {"don-vi": "A1"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="form-schema"' in html and 'data-mode="online"' in html
    assert '"channel": "online"' in html


def test_one_response_per_device(client, setup, tree):
    client.get(survey_url(setup))  # sets the device cookie
    status, first = submit(client, setup, tree)
    assert status == 201
    response = Response.objects.get()
    assert response.channel == "online" and response.enumerator is None and response.online_key.startswith("d:")
    # a resend of the same response is fine; a second, different response from the device is not
    assert submit(client, setup, tree, uuid=str(response.uuid))[0] == 200
    status, body = submit(client, setup, tree)
    assert status == 409 and Response.objects.count() == 1
    # the survey page now says thank you instead of showing the form
    assert "đã trả lời khảo sát này rồi" in client.get(survey_url(setup), {"don-vi": "A1"}).content.decode()


def test_one_response_per_one_time_token_and_forged_tokens_are_refused(client, setup, tree):
    token = online_token_make(campaign=setup.campaign)
    assert submit(Client(), setup, tree, token=token)[0] == 201
    assert submit(Client(), setup, tree, token=token)[0] == 409  # reused on another device
    assert submit(Client(), setup, tree, token=token[:-2] + "xx")[0] == 403
    other = make_campaign(organiser=tree["A"], units=[tree["A1"]], code="khac")
    assert submit(Client(), setup, tree, token=online_token_make(campaign=other.campaign))[0] == 403
    assert Client().get(survey_url(setup), {"ma": "forged"}).status_code == 403
    assert Response.objects.count() == 1


def test_submissions_without_cookie_or_token_outside_the_online_channel_or_units_are_refused(client, setup, tree):
    assert submit(Client(), setup, tree)[0] == 403  # no device cookie
    client.get(survey_url(setup))
    assert submit(client, setup, tree, campaign="khac")[0] == 403
    body = payload(setup, tree["A1"], channel="desk")
    assert client.post(f"{survey_url(setup)}gui/", json.dumps(body), content_type="application/json").status_code == 403
    body = payload(setup, tree["B1"], channel="online")
    assert client.post(f"{survey_url(setup)}gui/", json.dumps(body), content_type="application/json").status_code == 403
    assert client.post(f"{survey_url(setup)}gui/", "nonsense", content_type="application/json").status_code == 422
    assert Response.objects.count() == 0


@override_settings(ONLINE_SURVEY_RATE_LIMIT=3)
def test_submissions_are_rate_limited_per_address(client, setup, tree):
    client.get(survey_url(setup))
    statuses = [submit(client, setup, tree, answers={"S1_Q1": 99})[0] for _ in range(5)]
    assert statuses == [422, 422, 422, 429, 429]


def test_a_closed_campaign_or_unknown_key_shows_no_form(client, setup):
    Campaign.objects.filter(pk=setup.campaign.pk).update(status=CampaignStatus.CLOSED)
    page = client.get(survey_url(setup), {"don-vi": "A1"})
    assert page.status_code == 403 and "không nhận phiếu" in page.content.decode()
    assert client.get("/khao-sat/00000000-0000-0000-0000-000000000000/tra-loi/").status_code == 404


@pytest.mark.parametrize("status", [CampaignStatus.DRAFT, CampaignStatus.ARCHIVED])
def test_a_draft_or_archived_campaign_does_not_exist_for_the_public(client, setup, tree, status):
    Campaign.objects.filter(pk=setup.campaign.pk).update(status=status)
    for url in (survey_url(setup), f"/khao-sat/{setup.campaign.public_key}/cam-on/"):
        page = client.get(url, {"don-vi": "A1"})
        assert page.status_code == 404 and setup.campaign.name not in page.content.decode()
    body = json.dumps(payload(setup, tree["A1"], channel="online"))
    assert client.post(f"{survey_url(setup)}gui/", body, content_type="application/json").status_code == 404


def test_the_thank_you_page(client, setup):
    page = client.get(f"/khao-sat/{setup.campaign.public_key}/cam-on/")
    assert page.status_code == 200 and "Cảm ơn" in page.content.decode()


REDIS_DOWN = {"default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


@override_settings(CACHES=REDIS_DOWN, ONLINE_SURVEY_RATE_LIMIT=3)
def test_with_redis_down_the_survey_answers_and_still_limits_each_address(setup, tree, caplog):
    """The rate limit needs the cache: with Redis down it counts in the worker's memory (logged), no 500."""
    citizen = Client()
    assert citizen.get(survey_url(setup), {"don-vi": "A1"}).status_code == 200
    assert submit(citizen, setup, tree)[0] == 201
    assert Response.objects.count() == 1
    statuses = [submit(citizen, setup, tree, answers={"S1_Q1": 99})[0] for _ in range(4)]
    assert statuses == [422, 422, 429, 429]  # the first answer counted too
    assert "Redis (bộ nhớ đệm) không trả lời" in caplog.text


@pytest.mark.services
def test_a_server_started_with_redis_down_serves_the_online_survey(gunicorn_server, tree):
    """REDIS_URL names a closed port: no cache, no broker. The page and a submission still work (the
    campaign stays marked dirty for the sweep)."""
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]])
    base = gunicorn_server(REDIS_URL="redis://127.0.0.1:1/0")
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(f"{base}{survey_url(setup)}?don-vi=A1", timeout=20) as page:
        assert page.status == 200 and 'id="form-schema"' in page.read().decode()
    cookies = {cookie.name: cookie.value for cookie in jar}
    body = json.dumps(payload(setup, tree["A1"], channel="online")).encode()
    request = urllib.request.Request(
        f"{base}{survey_url(setup)}gui/", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-CSRFToken": cookies["csrftoken"]},
    )
    with browser.open(request, timeout=20) as answer:
        assert answer.status == 201
    assert Response.objects.filter(campaign=setup.campaign, channel="online").count() == 1
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is not None


@override_settings(ONLINE_SURVEY_RATE_LIMIT=2, TRUSTED_PROXIES=["10.9.0.0/16"])
def test_behind_the_trusted_proxy_each_citizen_has_their_own_rate_limit(client, setup, tree):
    """Every request comes from the proxy (10.9.0.2); the limit counts the address the proxy forwarded."""
    client.get(survey_url(setup))

    def from_citizen(address: str) -> int:
        body = payload(setup, tree["A1"], channel="online", answers={"S1_Q1": 99})
        headers = {"REMOTE_ADDR": "10.9.0.2", "HTTP_X_FORWARDED_FOR": f"203.0.113.250, {address}"}
        return client.post(f"{survey_url(setup)}gui/", json.dumps(body), content_type="application/json", **headers).status_code

    assert [from_citizen("198.51.100.7") for _ in range(3)] == [422, 422, 429]
    assert from_citizen("198.51.100.8") == 422  # another citizen behind the same proxy is not limited


def _says_ban(html: str) -> bool:
    import re

    return re.search(r"(?<!\w)bạn(?!\w)", html, re.IGNORECASE) is not None


@override_settings(ONLINE_SURVEY_RATE_LIMIT=1)
def test_the_citizen_pages_address_the_citizen_as_ong_ba_like_the_questions(client, setup, tree):
    """One register (issue 17): the questions say «ông/bà», so the pages around them do too, never «bạn»."""
    pick = client.get(survey_url(setup)).content.decode()
    survey = client.get(survey_url(setup), {"don-vi": "A1"}).content.decode()
    thanks = client.get(f"/khao-sat/{setup.campaign.public_key}/cam-on/").content.decode()
    assert "Ông/Bà đã sử dụng dịch vụ tại cơ quan, đơn vị nào?" in pick
    assert "câu trả lời của Ông/Bà giúp cơ quan cải thiện dịch vụ" in survey
    assert "Cảm ơn Ông/Bà đã tham gia khảo sát!" in thanks and "Ý kiến của Ông/Bà đã được ghi nhận." in thanks
    assert submit(client, setup, tree)[0] == 201
    status, refused = submit(client, setup, tree)
    assert status == 429 and refused["detail"] == "Ông/Bà gửi quá nhiều lần; vui lòng thử lại sau."
    already = client.get(survey_url(setup), {"don-vi": "A1"}).content.decode()
    assert "Ông/Bà đã trả lời khảo sát này rồi." in already
    Campaign.objects.filter(pk=setup.campaign.pk).update(status=CampaignStatus.CLOSED)
    closed = client.get(survey_url(setup), {"don-vi": "A1"}).content.decode()
    assert [_says_ban(html) for html in (pick, survey, thanks, already, closed)] == [False] * 5
