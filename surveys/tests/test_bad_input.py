"""Bad input at the edge: the submission API and the anonymous online survey answer every hostile body
with a 4xx and a Vietnamese message, never a 500, and store nothing (SQLite here, PostgreSQL in CI step 3)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from surveys.models import Question, QuestionType, Response, Section
from surveys.tests.factories_collection import make_campaign, make_questionnaire, payload

API = "/api/v1/responses/"
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý]", re.IGNORECASE)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _with(**changes: Any) -> Callable[[dict], str]:
    return lambda body: json.dumps({**body, **changes})


def _answers(**changes: Any) -> Callable[[dict], str]:
    return lambda body: json.dumps({**body, "answers": {**body["answers"], **changes}})


def _raw(field: str, text: str) -> Callable[[dict], str]:
    """The body with `field` (a top-level key or answers.<code>) set to raw JSON text (NaN, 1e309, ...)."""

    def build(body: dict) -> str:
        marker = "__RAW__"
        if field.startswith("answers."):
            body = {**body, "answers": {**body["answers"], field.removeprefix("answers."): marker}}
        else:
            body = {**body, field: marker}
        return json.dumps(body).replace(f'"{marker}"', text)

    return build


BAD_BODIES: dict[str, Callable[[dict], str]] = {
    "NUL in a text answer": _answers(comment="xin\x00chào"),
    "NUL in an answer's key": _answers(**{"S1_Q1\x00": 4}),
    "NUL in the campaign code": _with(campaign="sipas-2026\x00"),
    "NUL in the unit code": _with(unit="A1\x00"),
    "NUL in the channel": _with(channel="online\x00"),
    "NUL in a profile key": _with(profile={"sex\x00": "female"}),
    "NUL in a top-level key": lambda body: json.dumps({**body, "x\x00": 1}),
    "NUL in the uuid": _with(uuid="\x00" * 36),
    "10,000-deep nested JSON": lambda body: json.dumps(body)[:-1] + ', "extra": ' + _deep(10_000) + "}",
    "10,000-deep nested answer": _raw("answers.comment", _deep(10_000)),
    "100-deep nested answer": _raw("answers.S1_Q1", _deep(100)),
    "deep nested objects": _raw("profile", '{"a":' * 5000 + "1" + "}" * 5000),
    "a huge integer level": _answers(S1_Q1=10**40),
    "a huge number answer": _answers(wait_minutes=10**40),
    "a huge duration": _with(duration_seconds=10**40),
    "a huge assignment id": _with(assignment=10**40),
    "a huge form id": _with(form=10**40),
    "a 5,000-digit integer": _raw("duration_seconds", "9" * 5000),
    "1e309 as a number answer": _raw("answers.wait_minutes", "1e309"),
    "1e309 as the assignment": _raw("assignment", "1e309"),
    "-1e309 as the duration": _raw("duration_seconds", "-1e309"),
    "NaN as a level": _raw("answers.S1_Q1", "NaN"),
    "NaN as the form": _raw("form", "NaN"),
    "Infinity as the assignment": _raw("assignment", "Infinity"),
    "started in year 1": _with(started_at="0001-01-01T00:00:00"),
    "started in year 1 with an offset": _with(started_at="0001-01-01T00:00:00+14:00"),
    "started in year 9999": _with(started_at="9999-12-31T23:59:59"),
    "started in year 9999 behind UTC": _with(started_at="9999-12-31T23:59:59-12:00"),
    "started in the future": lambda body: json.dumps({**body, "started_at": (timezone.now() + dt.timedelta(days=400)).isoformat()}),
    "a date answer in year 1": _answers(visit_date="0001-01-01"),
    "a date answer in year 9999": _answers(visit_date="31/12/9999"),
    "an over-long text answer": _answers(comment="ạ" * 100_000),
    "an over-long campaign code": _with(campaign="x" * 100_000),
    "an over-long unit code": _with(unit="A" * 100_000),
    "an over-long answer key": _answers(**{"k" * 100_000: 1}),
    "an over-long uuid": _with(uuid="1" * 100_000),
    "an over-long channel": _with(channel="c" * 100_000),
    "an over-long profile value": _with(profile={"sex": "f" * 100_000}),
    "an over-long started_at": _with(started_at="2026-01-01T00:00:00" + "0" * 100_000),
    "a body over the size limit": _answers(comment="a" * 2_000_000),
}


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def setup(tree):
    """The usual campaign, its questionnaire with an optional date question as well."""
    questionnaire = make_questionnaire("q-bad-input")
    section = Section.objects.get(questionnaire=questionnaire, code="S1")
    Question.objects.create(questionnaire=questionnaire, section=section, code="visit_date", text="Ngày đến làm thủ tục", type=QuestionType.DATE, order=99)
    return make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], questionnaire=questionnaire)


def _assert_refused_in_vietnamese(response) -> None:  # type: ignore[no-untyped-def]
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    detail = response.json()["detail"]
    assert VIETNAMESE.search(detail), detail
    assert Response.objects.count() == 0


@pytest.mark.parametrize("build", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_the_api_refuses_each_bad_body_with_a_vietnamese_4xx(client, setup, tree, enumerator, build):
    client.force_login(enumerator)
    body = build(payload(setup, tree["A1"]))
    _assert_refused_in_vietnamese(client.post(API, data=body, content_type="application/json"))


@pytest.mark.parametrize("build", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_the_online_survey_refuses_each_bad_body_with_a_vietnamese_4xx(setup, tree, build):
    citizen = Client()
    url = f"/khao-sat/{setup.campaign.public_key}/tra-loi/"
    assert citizen.get(url).status_code == 200  # the device cookie
    body = build(payload(setup, tree["A1"], channel="online"))
    _assert_refused_in_vietnamese(citizen.post(url + "gui/", data=body, content_type="application/json"))


def test_a_form_posted_instead_of_json_is_refused_not_a_500(client, setup, tree, enumerator):
    """The NUL check reads a multipart form's fields, so its body can no longer be read as JSON: a 400."""
    client.force_login(enumerator)
    _assert_refused_in_vietnamese(client.post(API, {"answers": "x"}))
    citizen = Client()
    url = f"/khao-sat/{setup.campaign.public_key}/tra-loi/"
    assert citizen.get(url).status_code == 200
    _assert_refused_in_vietnamese(citizen.post(url + "gui/", {"answers": "x"}))


def test_a_good_body_beside_the_bad_ones_is_still_stored(client, setup, tree, enumerator):
    """The checks refuse the hostile bodies, not ordinary ones: dates, numbers and text at their bounds pass."""
    client.force_login(enumerator)
    body = payload(setup, tree["A1"], started_at=(timezone.now() - dt.timedelta(hours=2)).isoformat())
    body["answers"].update(comment="=1+1 — «góp ý» " + "ạ" * 4000, wait_minutes=-0.0, visit_date="01/02/2026")
    response = client.post(API, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "query",
    [{"don-vi": "A1\x00"}, {"ma": "\x00"}, {"don-vi": "x" * 100_000}, {"don-vi": "A1", "ma": "a" * 100_000}],
    ids=["NUL in the unit", "NUL in the token", "an over-long unit", "an over-long token"],
)
def test_the_online_survey_page_refuses_bad_query_strings_without_a_500(setup, query):
    page = Client().get(f"/khao-sat/{setup.campaign.public_key}/tra-loi/", query)
    assert page.status_code in (200, 400, 403, 404), page.status_code
    if page.status_code == 400:
        assert VIETNAMESE.search(page.content.decode())


def test_nul_in_a_form_field_or_query_is_refused_anywhere(client, alice):
    client.force_login(alice)
    page = client.get("/admin/units/unit/", {"q": "A\x00"})
    assert page.status_code == 400 and VIETNAMESE.search(page.content.decode())
    client.cookies["sessionid"] = "x\x00" * 20  # dropped: the visitor is simply not logged in
    assert client.get("/admin/").status_code == 302
    assert Client().post("/dang-nhap/", {"username": "a\x00", "password": "x"}).status_code in (200, 400, 403)


def test_the_response_list_in_the_admin_survives_a_timestamp_outside_pythons_range(client, setup, tree, alice):
    """A row stored before the input checks (a BC timestamp on PostgreSQL) must not break the list for everyone."""
    Response.objects.create(uuid=uuid.uuid4(), campaign=setup.campaign, form=setup.form, unit=tree["A1"], channel="desk", status="submitted")
    table = connection.ops.quote_name(Response._meta.db_table)
    bad = "'0001-01-01 00:00:00+00 BC'" if connection.vendor == "postgresql" else "'0000-12-31 16:53:00'"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET started_at = {bad}")  # noqa: S608 (a constant)
    client.force_login(alice)
    page = client.get("/admin/surveys/response/")
    assert page.status_code == 200
    stored = Response.objects.defer("started_at").get()
    assert str(stored.uuid) in page.content.decode()
    page = client.get(f"/admin/surveys/response/{stored.pk}/change/")
    assert page.status_code == 200 and "không đọc được" in page.content.decode()
