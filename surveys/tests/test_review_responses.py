"""Review: filtered list, detail, approve / reject with a reason / hold, one by one or in bulk, audited."""

from __future__ import annotations

import pytest

from campaigns.models import Campaign
from surveys.models import Response
from surveys.services.responses import Submitter, response_submit
from surveys.services.review import ReviewError, responses_review
from surveys.tests.factories_collection import make_campaign, payload
from units.models import AuditEntry, Role


@pytest.fixture
def setup(tree):
    return make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"], tree["B1"]])


@pytest.fixture
def responses(setup, tree, make_user):
    dtv = make_user("dtv", Role.ENUMERATOR, tree["A"])
    outsider = make_user("dtv-b", Role.ENUMERATOR, tree["B"])
    stored = [response_submit(payload=payload(setup, tree[code]), submitter=Submitter(user=dtv)).response for code in ("A1", "A1", "A2")]
    # B1 is in the campaign's quotas but outside province A: a supervisor of A never sees it
    Campaign.objects.filter(pk=setup.campaign.pk).update(organiser=tree["A"])
    return stored, outsider


@pytest.fixture
def supervisor(make_user, tree):
    return make_user("gs", Role.SUPERVISOR, tree["A"])


def test_the_list_filters_by_unit_status_and_enumerator(client, supervisor, responses, tree):
    client.force_login(supervisor)
    page = client.get("/giam-sat/phieu/")
    assert page.status_code == 200 and page.context["total"] == 3
    assert client.get("/giam-sat/phieu/", {"unit": "A2"}).context["total"] == 1
    assert client.get("/giam-sat/phieu/", {"status": "approved"}).context["total"] == 0
    assert client.get("/giam-sat/phieu/", {"enumerator": "dtv", "channel": "desk"}).context["total"] == 3
    assert client.get("/giam-sat/phieu/", {"date_from": "01/01/2000", "date_to": "31/12/2099"}).context["total"] == 3
    bad = client.get("/giam-sat/phieu/", {"unit": "B1"})
    assert "không tìm thấy đơn vị" in bad.content.decode().lower()


def test_the_review_list_pins_its_query_count(client, supervisor, responses, django_assert_max_num_queries):
    client.force_login(supervisor)
    with django_assert_max_num_queries(14):
        client.get("/giam-sat/phieu/")


@pytest.mark.parametrize(("persona", "expected"), [("alice", 200), ("bob", 403), ("charlie", 404)])
def test_the_detail_page_by_persona(client, responses, persona, expected, request):
    stored, _ = responses
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/giam-sat/phieu/{stored[0].uuid}/").status_code == expected


@pytest.mark.parametrize(("persona", "expected", "visible"), [("alice", 200, 3), ("bob", 403, None), ("charlie", 200, 0)])
def test_the_list_page_by_persona(client, responses, persona, expected, visible, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/giam-sat/phieu/")
    assert page.status_code == expected
    if visible is not None:
        assert page.context["total"] == visible


def test_an_enumerator_cannot_review(client, responses):
    stored, _ = responses
    client.force_login(Response.objects.first().enumerator)
    assert client.get("/giam-sat/phieu/").status_code == 403
    assert client.post(f"/giam-sat/phieu/{stored[0].uuid}/", {"action": "approve"}).status_code == 403


def test_approve_reject_and_hold_one_by_one_are_audited_and_mark_the_campaign_dirty(client, supervisor, responses, setup):
    stored, _ = responses
    client.force_login(supervisor)
    url = f"/giam-sat/phieu/{stored[0].uuid}/"
    page = client.get(url)
    assert "Mức độ hài lòng với tiêu chí 1.1" in page.content.decode() and "Hài lòng" in page.content.decode()
    refused = client.post(url, {"action": "reject", "reason": ""})
    assert refused.status_code == 200 and "Cần ghi lý do" in refused.content.decode()
    Campaign.objects.filter(pk=setup.campaign.pk).update(dirty_at=None)
    assert client.post(url, {"action": "reject", "reason": "Phỏng vấn sai đối tượng"}).status_code == 302
    stored[0].refresh_from_db()
    assert stored[0].status == "rejected" and stored[0].review_reason == "Phỏng vấn sai đối tượng" and stored[0].reviewed_by == supervisor
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is not None  # a counted response stopped counting
    entry = AuditEntry.objects.get(action="response.reject")
    assert entry.actor == supervisor and entry.changes["status"] == ["submitted", "rejected"]
    Campaign.objects.filter(pk=setup.campaign.pk).update(dirty_at=None)
    client.post(url, {"action": "hold"})  # rejected → on hold: neither counts, nothing to recompute
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is None
    client.post(url, {"action": "approve"})
    stored[0].refresh_from_db()
    assert stored[0].status == "approved" and Campaign.objects.get(pk=setup.campaign.pk).dirty_at is not None
    assert AuditEntry.objects.filter(action__startswith="response.").count() == 3


def test_bulk_actions_apply_only_to_responses_in_scope(client, make_user, tree, responses):
    stored, outsider = responses
    supervisor_a2 = make_user("gs-a2", Role.SUPERVISOR, tree["A2"])
    client.force_login(supervisor_a2)
    ids = [r.pk for r in stored]
    assert client.post("/giam-sat/phieu/", {"action": "hold", "ids": ids}).status_code == 302
    assert sorted(Response.objects.values_list("unit__code", "status")) == [("A1", "submitted"), ("A1", "submitted"), ("A2", "on_hold")]


def test_bulk_reject_requires_a_reason(client, supervisor, responses):
    stored, _ = responses
    client.force_login(supervisor)
    response = client.post("/giam-sat/phieu/", {"action": "reject", "ids": [stored[0].pk]}, follow=True)
    assert "Cần ghi lý do" in response.content.decode()
    client.post("/giam-sat/phieu/", {"action": "approve", "ids": [r.pk for r in stored]})
    assert set(Response.objects.values_list("status", flat=True)) == {"approved"}
    assert AuditEntry.objects.filter(action="response.approve").count() == 3


def test_counted_statuses_come_from_the_campaign(setup, responses, supervisor):
    stored, _ = responses
    Campaign.objects.filter(pk=setup.campaign.pk).update(counted_statuses=["approved"], dirty_at=None)
    for response in stored:
        response.campaign.refresh_from_db()
    responses_review(responses=[stored[1]], action="hold", actor=supervisor)
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is None  # submitted did not count here
    responses_review(responses=[stored[1]], action="approve", actor=supervisor)
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is not None
    with pytest.raises(ReviewError):
        responses_review(responses=[stored[1]], action="delete", actor=supervisor)


def test_the_supervisor_home_counts_responses_by_status(client, supervisor, responses):
    client.force_login(supervisor)
    html = client.get("/").content.decode()
    assert "/giam-sat/phieu/?status=submitted" in html and '<div class="h4 mb-0">3</div>' in html
