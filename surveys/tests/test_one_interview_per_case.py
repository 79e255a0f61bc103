"""One interview per drawn person: the case ends with its interview, a second one is refused (409 with
the existing response's id), also when two are sent at once; a rejected interview reopens the case."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from campaigns.fieldwork.dispositions import ContactOutcome
from campaigns.fieldwork.services import attempt_record
from campaigns.models import Assignment, ContactAttempt
from campaigns.tests.factories_fieldwork import make_drawn_campaign
from surveys.models import Response
from surveys.services.review import responses_review
from surveys.tests.factories_collection import payload
from units.models import AuditEntry, Role

URL = "/api/v1/responses/"


def post(client: Client, body) -> tuple[int, dict]:
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.fixture
def dtv(make_user, tree):
    return make_user("dtv", Role.ENUMERATOR, tree["A1"])


@pytest.fixture
def drawn(tree, dtv):
    return make_drawn_campaign(organiser=tree["A"], units=[tree["A1"]], target=2)


def interview(drawn, tree, case: Assignment, **extra) -> dict:
    return payload(drawn.setup, tree["A1"], channel="phone", assignment=case.pk, **extra)


def test_an_interview_completes_the_case_and_a_second_one_is_409_with_the_existing_id(client, drawn, tree, dtv):
    client.force_login(dtv)
    case = drawn.primaries(tree["A1"])[0]
    status, first = post(client, interview(drawn, tree, case))
    assert status == 201
    case.refresh_from_db()
    assert (case.status, case.disposition, case.attempt_count) == ("done", "1.1", 1)
    assert ContactAttempt.objects.get(assignment=case).outcome == ContactOutcome.COMPLETED
    status, second = post(client, interview(drawn, tree, case))
    assert status == 409
    assert second["existing"]["id"] == first["id"] and second["existing"]["uuid"] == first["uuid"]
    assert second["detail"] == f"Người này đã được phỏng vấn (phiếu #{first['id']}); không nhận phỏng vấn lần hai."
    assert Response.objects.filter(assignment=case).count() == 1


def test_a_resend_of_the_interview_itself_answers_200(client, drawn, tree, dtv):
    client.force_login(dtv)
    body = interview(drawn, tree, drawn.primaries(tree["A1"])[0])
    assert post(client, body)[0] == 201
    assert post(client, body)[0] == 200


def test_a_draft_does_not_close_the_case(client, drawn, tree, dtv):
    client.force_login(dtv)
    case = drawn.primaries(tree["A1"])[0]
    body = interview(drawn, tree, case, status="draft")
    assert post(client, body)[0] == 201
    assert Assignment.objects.get(pk=case.pk).is_open
    assert post(client, interview(drawn, tree, case))[0] == 201


def test_a_case_closed_without_interview_or_a_reserve_not_released_takes_no_interview(client, drawn, tree, dtv):
    client.force_login(dtv)
    refused = drawn.primaries(tree["A1"])[0]
    attempt_record(actor=dtv, case=refused, outcome=ContactOutcome.REFUSED)
    status, answer = post(client, interview(drawn, tree, refused))
    assert status == 409 and "đã kết thúc: Từ chối" in answer["detail"]
    reserves = drawn.reserves(tree["A1"])
    status, answer = post(client, interview(drawn, tree, reserves[1]))
    assert status == 409 and answer["detail"] == "Người dự phòng này chưa được dùng."
    assert post(client, interview(drawn, tree, reserves[0]))[0] == 201  # the released one
    assert Response.objects.count() == 1


def test_a_rejected_interview_reopens_the_case_for_a_new_one(client, drawn, tree, dtv, make_user):
    supervisor = make_user("gs", Role.SUPERVISOR, tree["A"])
    client.force_login(dtv)
    case = drawn.primaries(tree["A1"])[0]
    first = Response.objects.get(pk=post(client, interview(drawn, tree, case))[1]["id"])
    responses_review(responses=[first], action="reject", actor=supervisor, reason="Thiếu thông tin người trả lời")
    case.refresh_from_db()
    assert case.is_open and case.disposition == ""
    assert AuditEntry.objects.filter(action="case.reopen", object_id=str(case.pk)).exists()
    status, second = post(client, interview(drawn, tree, case))
    assert status == 201
    first.refresh_from_db()
    # the rejected one cannot come back as a second interview
    assert responses_review(responses=[first], action="approve", actor=supervisor) == 0
    assert Response.objects.get(pk=second["id"]).status == "submitted"


@pytest.mark.django_db(transaction=True)
def test_two_enumerators_completing_the_same_case_at_once_keep_one_interview(tree, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("cần PostgreSQL để chạy song song thật (SQLite khoá cả cơ sở dữ liệu)")
    owner = make_user("dtv", Role.ENUMERATOR, tree["A1"])
    supervisor = make_user("gs", Role.SUPERVISOR, tree["A1"])
    drawn = make_drawn_campaign(organiser=tree["A"], units=[tree["A1"]], target=2)
    case = drawn.primaries(tree["A1"])[0]
    barrier = threading.Barrier(4)
    results: list[tuple[int, dict]] = []

    def worker(user) -> None:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        body = interview(drawn, tree, case)  # each its own UUID: two different interviews
        barrier.wait()
        try:
            results.append(post(client, body))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(user,)) for user in (owner, supervisor, owner, supervisor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409, 409, 409]
    kept = Response.objects.get(assignment=case)
    assert {answer["existing"]["id"] for status, answer in results if status == 409} == {kept.pk}
    assert Assignment.objects.get(pk=case.pk).disposition == "1.1"
    assert ContactAttempt.objects.filter(assignment=case).count() == 1
