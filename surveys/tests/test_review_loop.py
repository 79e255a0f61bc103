"""The review loop (issue 15): a supervisor sends a response back to its enumerator with a reason, the
enumerator corrects it and resubmits it through the API; every version is kept, the latest counts once."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from campaigns.models import Assignment, Campaign
from reports.models import IndexValue
from reports.selectors import working_snapshot
from reports.services import index_recompute
from surveys.models import AnswerRevision, Response, ResponseVersion
from surveys.services.responses import Submitter, interview_of, response_submit
from surveys.services.review import ReviewError, responses_review
from surveys.tests.factories_collection import full_answers, make_assignment, payload
from units.models import AuditEntry, Role


@pytest.fixture
def supervisor(make_user, tree):
    return make_user("gs", Role.SUPERVISOR, tree["A"])


def api(client: Client, body: dict) -> tuple[int, dict]:
    reply = client.post("/api/v1/responses/", json.dumps(body), content_type="application/json")
    return reply.status_code, reply.json()


@pytest.fixture
def submitted(setup, tree, enumerator):
    """A response of the enumerator at A1, all answers at level 4."""
    client = Client()
    client.force_login(enumerator)
    status, body = api(client, payload(setup, tree["A1"]))
    assert status == 201
    return Response.objects.get(pk=body["id"])


def send_back(client: Client, supervisor, response: Response, reason: str = "Câu S1_Q1 ghi nhầm mức, hỏi lại người trả lời") -> None:
    client.force_login(supervisor)
    assert client.post(f"/giam-sat/phieu/{response.uuid}/", {"action": "return", "reason": reason}).status_code == 302


def resubmission(setup, tree, response: Response, **answers) -> dict:
    return payload(setup, tree["A1"], revises=str(response.uuid), answers=full_answers(setup.questionnaire, **answers))


def test_a_response_sent_back_comes_back_to_the_enumerator_is_corrected_and_resubmitted_once(client, setup, tree, enumerator, supervisor, submitted):
    send_back(client, supervisor, submitted)
    submitted.refresh_from_db()
    assert submitted.status == "returned" and submitted.review_reason.startswith("Câu S1_Q1 ghi nhầm")
    assert AuditEntry.objects.filter(action="response.return", changes__status=["submitted", "returned"]).exists()

    # the enumerator's home lists it with the reason and a button to correct it
    client.force_login(enumerator)
    home = client.get("/").content.decode()
    assert "Câu S1_Q1 ghi nhầm mức" in home and f"/thu-thap/gui-lai/{submitted.uuid}/" in home and "Sửa và gửi lại" in home

    # the entry page opens filled with the response's answers and profile
    entry = client.get(f"/thu-thap/gui-lai/{submitted.uuid}/")
    schema = entry.context["schema"]
    assert schema["submit"]["revises"] == str(submitted.uuid)
    assert schema["prefill"]["q-S1_Q1"] == "4" and schema["prefill"]["q-used_before"] == "yes" and schema["prefill"]["p-sex"] == "female"
    assert "Câu S1_Q1 ghi nhầm mức" in entry.content.decode()

    body = resubmission(setup, tree, submitted, S1_Q1=2)
    status, reply = api(client, body)
    assert status == 201 and reply["id"] == submitted.pk and reply["uuid"] == str(submitted.uuid) and reply["version"] == 2
    # a retry after a lost connection is saved once
    assert api(client, body) == (200, {**reply, "created": False})
    assert api(client, {**body, "answers": full_answers(setup.questionnaire, S1_Q1=1)})[0] == 409

    submitted.refresh_from_db()
    assert (submitted.status, submitted.version, submitted.review_reason) == ("submitted", 2, "")
    kept = ResponseVersion.objects.get(response=submitted)
    assert kept.number == 1 and kept.status == "returned" and kept.answers["S1_Q1"] == 4 and kept.review_reason.startswith("Câu S1_Q1")
    revision = AnswerRevision.objects.get(response=submitted)
    assert (revision.question.code, revision.kind, revision.version) == ("S1_Q1", "resubmission", 2)
    assert (revision.old_value, revision.new_value, revision.changed_by) == ("4 — Hài lòng", "2 — Không hài lòng", enumerator)
    assert revision.reason.startswith("Câu S1_Q1 ghi nhầm")
    assert dict(submitted.answers.values_list("question__code", "value"))["S1_Q1"] == 2
    assert Response.objects.count() == 1

    # the history shows both versions and the changed answer
    client.force_login(supervisor)
    page = client.get(f"/giam-sat/phieu/{submitted.uuid}/").content.decode()
    history = page.split('id="response-history"')[1]
    assert "Phiên bản 1" in history and "Phiên bản 2" in history and "Câu S1_Q1 ghi nhầm" in history
    assert "4 — Hài lòng" in history and "2 — Không hài lòng" in history and "dtv" in history


def overall(campaign: Campaign, unit) -> IndexValue:
    """The unit's overall index on the dashboards (respondents 0 when no response of it counts)."""
    found = IndexValue.objects.filter(snapshot=working_snapshot(campaign), unit=unit, scope="overall", key="").first()
    return found or IndexValue(respondents=0)


def test_the_dashboard_counts_the_latest_version_once_and_with_approved_only_after_approval(client, setup, tree, enumerator, supervisor, submitted):
    Campaign.objects.filter(pk=setup.campaign.pk).update(counted_statuses=["approved"])
    send_back(client, supervisor, submitted)
    client.force_login(enumerator)
    assert api(client, resubmission(setup, tree, submitted, level=2))[0] == 201
    index_recompute(setup.campaign.pk, full=True)
    assert overall(setup.campaign, tree["A1"]).respondents == 0  # submitted does not count in this campaign
    responses_review(responses=[Response.objects.select_related("campaign", "unit").get()], action="approve", actor=supervisor)
    index_recompute(setup.campaign.pk)
    value = overall(setup.campaign, tree["A1"])
    assert value.respondents == 1 and value.value == 0  # version 2 only: every answer at level 2, none satisfied


def test_with_the_default_statuses_the_resubmitted_version_replaces_the_first_in_the_figures(client, setup, tree, enumerator, supervisor, submitted):
    index_recompute(setup.campaign.pk, full=True)
    assert overall(setup.campaign, tree["A1"]).value == 100
    send_back(client, supervisor, submitted)
    index_recompute(setup.campaign.pk)
    assert overall(setup.campaign, tree["A1"]).respondents == 0  # while it is with the enumerator it does not count
    client.force_login(enumerator)
    assert api(client, resubmission(setup, tree, submitted, level=2))[0] == 201
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is not None
    index_recompute(setup.campaign.pk)
    value = overall(setup.campaign, tree["A1"])
    assert value.respondents == 1 and value.value == 0


def test_a_resubmission_is_refused_unless_the_response_waits_for_its_enumerator(client, setup, tree, enumerator, supervisor, submitted, make_user):
    client.force_login(enumerator)
    status, reply = api(client, resubmission(setup, tree, submitted, level=2))
    assert status == 409 and "không ở trạng thái «Gửi lại điều tra viên»" in reply["detail"]
    send_back(client, supervisor, submitted)
    colleague = make_user("dtv2", Role.ENUMERATOR, tree["A1"])
    client.force_login(colleague)
    status, reply = api(client, resubmission(setup, tree, submitted, level=2))
    assert status == 403 and "Chỉ điều tra viên đã nhập phiếu" in reply["detail"]
    client.force_login(make_user("dtv-b", Role.ENUMERATOR, tree["B1"]))
    assert api(client, resubmission(setup, tree, submitted, level=2))[0] == 404
    client.force_login(enumerator)
    assert api(client, {**resubmission(setup, tree, submitted, level=2), "unit": "A2"})[0] == 422
    status, reply = api(client, {**resubmission(setup, tree, submitted), "answers": {"S1_Q1": 7}})
    assert status == 422 and "answers.S1_Q1" in reply["errors"]
    assert api(client, {**resubmission(setup, tree, submitted), "revises": str(uuid.uuid4())})[0] == 404
    submitted.refresh_from_db()
    assert submitted.status == "returned" and submitted.version == 1 and not ResponseVersion.objects.exists()
    online = client.post(
        f"/khao-sat/{setup.campaign.public_key}/tra-loi/gui/", json.dumps({**resubmission(setup, tree, submitted), "channel": "online"}),
        content_type="application/json",
    )
    assert online.status_code in (403, 429) and Response.objects.get().status == "returned"
    # a supervisor of the unit may resubmit it too (the paper form in hand)
    client.force_login(supervisor)
    assert api(client, resubmission(setup, tree, submitted, level=5))[0] == 201


def test_sending_back_needs_a_reason_and_keeps_the_case_closed(setup, tree, enumerator, supervisor):
    case = make_assignment(setup.quotas["A1"], enumerator)
    stored = response_submit(payload=payload(setup, tree["A1"], assignment=case.pk), submitter=Submitter(user=enumerator)).response
    with pytest.raises(ReviewError, match="Cần ghi lý do khi gửi lại điều tra viên"):
        responses_review(responses=[stored], action="return", actor=supervisor, reason=" ")
    stored = Response.objects.select_related("campaign", "unit").get(pk=stored.pk)
    assert responses_review(responses=[stored], action="return", actor=supervisor, reason="Thiếu giới tính") == 1
    case.refresh_from_db()
    assert not case.is_open and interview_of(case.pk).pk == stored.pk  # not reopened: the same interview is corrected


def test_a_response_without_an_enumerator_is_not_sent_back(setup, tree, supervisor):
    stored = response_submit(payload=payload(setup, tree["A1"]), submitter=Submitter(user=supervisor)).response
    Response.objects.filter(pk=stored.pk).update(enumerator=None)
    stored = Response.objects.select_related("campaign", "unit").get(pk=stored.pk)
    assert responses_review(responses=[stored], action="return", actor=supervisor, reason="x") == 0


def test_a_supervisor_of_another_province_gets_404_for_sending_back(client, submitted, make_user, tree):
    client.force_login(make_user("gs-b", Role.SUPERVISOR, tree["B"]))
    assert client.post(f"/giam-sat/phieu/{submitted.uuid}/", {"action": "return", "reason": "x"}).status_code == 404
    assert client.get(f"/thu-thap/gui-lai/{submitted.uuid}/").status_code == 404
    assert Response.objects.get().status == "submitted"


def test_the_resubmission_page_is_for_the_enumerator_and_reviewers(client, submitted, make_user, tree, enumerator, supervisor, bob):
    url = f"/thu-thap/gui-lai/{submitted.uuid}/"
    client.force_login(enumerator)
    page = client.get(url)
    assert page.status_code == 200 and 'id="entry-form"' not in page.content.decode()  # not sent back: nothing to correct
    client.force_login(make_user("dtv2", Role.ENUMERATOR, tree["A1"]))
    assert client.get(url).status_code == 403
    client.force_login(bob)
    assert client.get(url).status_code == 403
    send_back(client, supervisor, submitted)
    client.force_login(enumerator)
    assert 'id="entry-form"' in client.get(url).content.decode()
    assert Assignment.objects.count() == 0


# --- the review page: approve and next, every response matching the filter, the campaign column ----------


@pytest.fixture
def five(setup, tree, enumerator, make_user):
    """Five responses of the enumerator (A1), newest last; a sixth of another campaign of province A."""
    from surveys.tests.factories_collection import make_campaign

    stored = [response_submit(payload=payload(setup, tree["A1"]), submitter=Submitter(user=enumerator)).response for _ in range(5)]
    other = make_campaign(organiser=tree["A"], units=[tree["A2"]], code="y-te-2026")
    response_submit(payload=payload(other, tree["A2"]), submitter=Submitter(user=make_user("dtv-a2", Role.ENUMERATOR, tree["A2"])))
    return stored


def test_approve_and_next_opens_the_next_response_of_the_filter(client, supervisor, five, setup):
    client.force_login(supervisor)
    query = f"campaign={setup.campaign.pk}&status=submitted"
    newest, following = five[-1], five[-2]
    page = client.get(f"/giam-sat/phieu/?{query}").content.decode()
    assert f"/giam-sat/phieu/{newest.uuid}/?{query.replace('&', '&amp;')}" in page
    reply = client.post(f"/giam-sat/phieu/{newest.uuid}/", {"action": "approve_next", "query": query})
    assert reply.status_code == 302 and reply["Location"] == f"/giam-sat/phieu/{following.uuid}/?{query}"
    assert Response.objects.get(pk=newest.pk).status == "approved"
    oldest = five[0]
    reply = client.post(f"/giam-sat/phieu/{oldest.uuid}/", {"action": "approve_next", "query": query}, follow=True)
    assert "Đã hết phiếu trong danh sách đang lọc." in reply.content.decode()
    assert Response.objects.filter(status="approved").count() == 2


def test_a_bulk_action_applies_to_every_response_matching_the_filter_after_confirming_the_count(client, supervisor, five, setup, monkeypatch):
    from django.core import paginator

    monkeypatch.setattr(paginator.Paginator, "__init__", _small_pages(paginator.Paginator.__init__))
    client.force_login(supervisor)
    query = f"campaign={setup.campaign.pk}"
    page = client.get(f"/giam-sat/phieu/?{query}").content.decode()
    assert "Chọn tất cả 5 phiếu khớp bộ lọc" in page
    stale = client.post("/giam-sat/phieu/", {"action": "hold", "all_matching": "on", "expected": 4, "query": query}, follow=True)
    assert "Bộ lọc nay khớp 5 phiếu, không phải 4" in stale.content.decode() and not Response.objects.filter(status="on_hold").exists()
    client.post("/giam-sat/phieu/", {"action": "hold", "all_matching": "on", "expected": 5, "query": query})
    assert Response.objects.filter(status="on_hold").count() == 5 and Response.objects.filter(status="submitted").count() == 1


def _small_pages(init):
    def small(self, object_list, per_page, *args, **kwargs):  # two responses a page, so five span three pages
        init(self, object_list, 2, *args, **kwargs)

    return small


def test_all_matching_reruns_the_filter_in_the_reviewers_scope(client, make_user, tree, five, setup):
    elsewhere = make_user("gs-a2", Role.SUPERVISOR, tree["A2"])  # sees the other campaign's response at A2 only
    client.force_login(elsewhere)
    client.post("/giam-sat/phieu/", {"action": "approve", "all_matching": "on", "expected": 1, "query": ""})
    assert list(Response.objects.filter(status="approved").values_list("unit__code", flat=True)) == ["A2"]


def test_the_mixed_list_names_each_responses_campaign(client, supervisor, five, setup):
    client.force_login(supervisor)
    mixed = client.get("/giam-sat/phieu/").content.decode()
    assert "<th>Đợt khảo sát</th>" in mixed and ">y-te-2026</td>" in mixed and f">{setup.campaign.code}</td>" in mixed
    one = client.get("/giam-sat/phieu/", {"campaign": setup.campaign.pk}).content.decode()
    assert "<th>Đợt khảo sát</th>" not in one


@pytest.mark.parametrize("revises", ["khong-phai-uuid", 12, {"uuid": "x"}, ["a"], "a\u0000b"])
def test_a_resubmission_naming_no_response_properly_is_a_422(client, setup, tree, enumerator, submitted, revises):
    client.force_login(enumerator)
    status, reply = api(client, {**payload(setup, tree["A1"]), "revises": revises})
    assert status == 422 and reply["detail"]
    assert not ResponseVersion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_the_same_resubmission_store_one_version(tree, make_user):
    from django.db import connection

    from surveys.tests.factories_collection import make_campaign, post_at_once

    if connection.vendor != "postgresql":
        pytest.skip("cần PostgreSQL để chạy song song thật (SQLite khoá cả cơ sở dữ liệu)")
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]])
    user = make_user("dtv", Role.ENUMERATOR, tree["A1"])
    stored = response_submit(payload=payload(setup, tree["A1"]), submitter=Submitter(user=user)).response
    responses_review(responses=[Response.objects.select_related("campaign", "unit").get()], action="return", actor=make_user("gs", Role.SUPERVISOR, tree["A"]), reason="Sửa câu 1.1")
    results = post_at_once(user, resubmission(setup, tree, stored, S1_Q1=2))
    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    assert ResponseVersion.objects.count() == 1 and AnswerRevision.objects.count() == 1 and Response.objects.get().version == 2
