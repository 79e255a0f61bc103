"""Who may call the submission API: a personal API key (tools) or the browser's session with its CSRF token."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

from surveys.models import Response
from surveys.tests.factories_collection import payload
from units.access import SYSTEM
from units.models import ApiToken
from units.services import api_token_create, api_token_revoke, membership_revoke

URL = "/api/v1/responses/"


def post(body, **headers) -> tuple[int, dict]:
    response = Client().post(URL, data=json.dumps(body), content_type="application/json", headers=headers)
    return response.status_code, response.json()


def key_of(user, **extra) -> str:
    return api_token_create(user=user, name="Tổng đài", actor=user, **extra)[1]


def test_a_key_submits_without_session_or_csrf_and_the_response_is_the_key_holders(setup, tree, enumerator):
    status, answer = post(payload(setup, tree["A1"]), Authorization=f"Bearer {key_of(enumerator)}")
    assert status == 201
    stored = Response.objects.get(pk=answer["id"])
    assert (stored.enumerator, stored.source) == (enumerator, "api")


def test_a_key_only_reaches_the_units_of_its_holder(setup, tree, enumerator):
    key = key_of(enumerator)
    assert post(payload(setup, tree["A2"]), Authorization=f"Bearer {key}")[0] == 404
    assert Response.objects.count() == 0


def test_a_revoked_expired_unknown_or_malformed_key_is_refused_with_401_in_vietnamese(setup, tree, enumerator):
    revoked_token, revoked = api_token_create(user=enumerator, name="cũ", actor=enumerator)
    api_token_revoke(token=revoked_token, actor=enumerator)
    expired_token, expired = api_token_create(user=enumerator, name="hết hạn", actor=enumerator, expires_at=timezone.now() + dt.timedelta(days=1))
    past = timezone.now() - dt.timedelta(minutes=1)
    ApiToken.objects.filter(pk=expired_token.pk).update(created_at=past - dt.timedelta(days=1), expires_at=past)
    for header in (f"Bearer {revoked}", f"Bearer {expired}", "Bearer hl_khong-co-that", "Bearer ", f"bearer {revoked}"):
        status, answer = post(payload(setup, tree["A1"]), Authorization=header)
        assert status == 401, header
        assert "Khoá API" in answer["detail"]
    # another scheme is not a key: without a session it is a plain "log in"
    assert post(payload(setup, tree["A1"]), Authorization=f"Token {key_of(enumerator)}") == (401, {"detail": "Cần đăng nhập.", "errors": {}})
    assert Response.objects.count() == 0


def test_a_key_stops_working_when_the_holder_loses_the_role(setup, tree, enumerator):
    key = key_of(enumerator)
    assert post(payload(setup, tree["A1"]), Authorization=f"Bearer {key}")[0] == 201
    membership_revoke(membership=enumerator.memberships.get(), actor=SYSTEM)
    assert post(payload(setup, tree["A1"]), Authorization=f"Bearer {key}")[0] == 404


def test_a_key_of_an_inactive_user_is_refused(setup, tree, enumerator):
    key = key_of(enumerator)
    enumerator.is_active = False
    enumerator.save()
    assert post(payload(setup, tree["A1"]), Authorization=f"Bearer {key}")[0] == 401


def test_a_superusers_key_submits_anywhere(setup, tree, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    assert post(payload(setup, tree["A2"]), Authorization=f"Bearer {key_of(root)}")[0] == 201


def test_a_session_needs_the_csrf_token_as_the_browser_sends_it(setup, tree, enumerator):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(enumerator)
    body = json.dumps(payload(setup, tree["A1"]))
    refused = browser.post(URL, data=body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert refused.json()["code"] == "csrf"  # the browser queue retries it (static/js/queue.js)
    assert Response.objects.count() == 0
    browser.get("/")  # a page with a form (the logout button) sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(URL, data=body, content_type="application/json", headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_no_login_and_no_key_is_401(setup, tree):
    status, answer = post(payload(setup, tree["A1"]))
    assert status == 401
    assert answer["detail"] == "Cần đăng nhập."


def test_a_basic_authorization_header_leaves_the_decision_to_the_session(setup, tree, enumerator):
    """Browsers behind a password-protected (staging) site send Basic on every request."""
    browser = Client()
    browser.force_login(enumerator)
    response = browser.post(URL, data=json.dumps(payload(setup, tree["A1"])), content_type="application/json", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 201
    assert post(payload(setup, tree["A1"]), Authorization="Basic dXNlcjpwYXNz")[0] == 401
