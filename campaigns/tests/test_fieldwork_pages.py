"""Fieldwork pages: the enumerator's home is the day's work, the case page (call, outcome, appointment),
the call centre's "next case", the supervisors' case list with reassignment, the person on review pages,
the rates on the dashboard."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from campaigns.fieldwork.dispositions import ContactOutcome
from campaigns.fieldwork.services import attempt_record
from campaigns.models import Assignment, ContactAttempt
from campaigns.tests.factories_fieldwork import make_drawn_campaign
from surveys.models import Response
from surveys.services.responses import Submitter, response_submit
from surveys.services.review import responses_review
from surveys.tests.factories_collection import payload
from units.models import AuditEntry, Role


@pytest.fixture
def dtv(make_user, tree):
    return make_user("dtv", Role.ENUMERATOR, tree["A1"], first_name="Lan", last_name="Trần")


@pytest.fixture
def drawn(tree, dtv):
    return make_drawn_campaign(organiser=tree["A"], units=[tree["A1"]], target=3)


@pytest.fixture
def supervisor(make_user, tree):
    return make_user("gs", Role.SUPERVISOR, tree["A"])


def case_url(case: Assignment) -> str:
    return f"/dieu-tra/truong-hop/{case.pk}/"


def in_an_hour() -> dt.datetime:
    return timezone.localtime() + dt.timedelta(hours=1)


def test_the_enumerators_first_screen_is_the_call_list_with_tap_to_call(client, drawn, tree, dtv):
    client.force_login(dtv)
    html = client.get("/").content.decode()
    first = drawn.primaries(tree["A1"])[0]
    assert html.index('id="call-list"') < html.index("Tiến độ")
    assert f'href="tel:{first.frame_entry.phone}"' in html and first.frame_entry.full_name in html
    assert "Gọi người tiếp theo" in html
    # progress: compact, "0 / 3" readable, only the channels they collect (no online, the phone cell they hold)
    assert "0 / 3" in html and "Trực tuyến" not in html.split("Tiến độ")[1]
    for reserve in drawn.reserves(tree["A1"]):
        assert case_url(reserve) not in html


def test_the_home_reads_a_fixed_number_of_queries(client, drawn, dtv, django_assert_max_num_queries):
    client.force_login(dtv)
    client.get("/")
    with django_assert_max_num_queries(14):
        client.get("/")


def test_an_appointment_leaves_the_list_until_its_time_and_a_past_time_is_refused(client, drawn, tree, dtv):
    client.force_login(dtv)
    case = drawn.primaries(tree["A1"])[0]
    past = timezone.localtime() - dt.timedelta(hours=1)
    refused = client.post(case_url(case), {"action": "attempt", "outcome": "appointment", "appointment_time": past.strftime("%H:%M"), "appointment_date": past.date().isoformat()})
    assert refused.status_code == 422 and "đã qua" in refused.content.decode()
    assert not ContactAttempt.objects.exists()
    later = in_an_hour()
    done = client.post(case_url(case), {"action": "attempt", "outcome": "appointment", "appointment_time": later.strftime("%H:%M"), "appointment_date": later.date().isoformat(), "note": "Gọi lại sau giờ làm"})
    assert done.status_code == 302 and done["Location"] == "/"
    html = client.get("/").content.decode()
    upcoming = html.split('id="appointment-list"')[1]
    assert case_url(case) in upcoming and f"Hẹn gọi lại {later:%H:%M}" in upcoming
    assert case_url(case) not in html.split('id="call-list"')[1].split('id="appointment-list"')[0]


def test_the_case_page_by_persona(client, drawn, tree, dtv, supervisor, alice, bob, charlie, make_user):
    case = drawn.primaries(tree["A1"])[0]
    phone = case.frame_entry.phone
    client.force_login(dtv)
    own = client.get(case_url(case)).content.decode()
    assert f'href="tel:{phone}"' in own and "Bắt đầu phỏng vấn" in own and "Ghi kết quả liên hệ" in own
    client.force_login(supervisor)
    masked = client.get(case_url(case)).content.decode()
    assert "tel:" not in masked and phone not in masked and "N. V." in masked and "Chuyển cho điều tra viên khác" in masked
    client.force_login(alice)
    assert phone in client.get(case_url(case)).content.decode()
    for persona, status in [(bob, 403), (charlie, 404), (make_user("dtv-a1", Role.ENUMERATOR, tree["A1"]), 403)]:
        client.force_login(persona)
        assert client.get(case_url(case)).status_code == status
        assert client.post(case_url(case), {"action": "attempt", "outcome": "refused"}).status_code == status
    assert not ContactAttempt.objects.exists()


def test_call_centre_mode_opens_the_next_due_case_with_its_script_and_moves_on(client, drawn, tree, dtv):
    client.force_login(dtv)
    first, second, _third = drawn.primaries(tree["A1"])
    opened = client.get("/dieu-tra/goi-tiep/")
    assert opened.status_code == 302 and opened["Location"] == f"{case_url(first)}?tong-dai=1"
    page = client.get(opened["Location"]).content.decode()
    assert 'id="case-script"' in page and "Lan Trần" in page and first.frame_entry.full_name in page and "Tỉnh A" in page
    after = client.post(case_url(first), {"action": "attempt", "outcome": "no_answer", "tong-dai": "1"})
    assert after["Location"] == "/dieu-tra/goi-tiep/"
    assert client.get("/dieu-tra/goi-tiep/")["Location"] == f"{case_url(second)}?tong-dai=1"  # the one just tried goes last


def test_an_interviewed_case_cannot_be_interviewed_again_from_its_page(client, drawn, tree, dtv):
    client.force_login(dtv)
    case = drawn.primaries(tree["A1"])[0]
    body = payload(drawn.setup, tree["A1"], channel="phone", assignment=case.pk)
    assert client.post("/api/v1/responses/", json.dumps(body), content_type="application/json").status_code == 201
    entry = client.get(f"/thu-thap/nhap/{case.quota_id}/?phan-cong={case.pk}").content.decode()
    assert 'id="case-closed"' in entry and "Người này đã được phỏng vấn" in entry and 'id="entry-form"' not in entry
    page = client.get(case_url(case)).content.decode()
    assert "Bắt đầu phỏng vấn" not in page and "Hoàn thành phỏng vấn" in page
    assert case_url(case) not in client.get("/").content.decode().split("Tiến độ")[0]


def test_a_response_sent_back_is_listed_with_its_reason_and_the_case_can_be_interviewed_again(client, drawn, tree, dtv, supervisor):
    case = drawn.primaries(tree["A1"])[0]
    stored = response_submit(payload=payload(drawn.setup, tree["A1"], channel="phone", assignment=case.pk), submitter=Submitter(user=dtv)).response
    responses_review(responses=[Response.objects.get(pk=stored.pk)], action="reject", actor=supervisor, reason="Thiếu giới tính người trả lời")
    client.force_login(dtv)
    html = client.get("/").content.decode()
    assert "Phiếu bị trả lại để sửa" in html and "Thiếu giới tính người trả lời" in html and "Phỏng vấn lại" in html
    assert 'id="entry-form"' in client.get(f"/thu-thap/nhap/{case.quota_id}/?phan-cong={case.pk}").content.decode()


def test_supervisors_reassign_cases_in_bulk_from_the_list_with_the_reason(client, drawn, tree, dtv, supervisor, make_user, bob):
    other = make_user("dtv2", Role.ENUMERATOR, tree["A1"])
    client.force_login(supervisor)
    page = client.get("/dieu-tra/truong-hop/", {"state": "open"})
    assert page.status_code == 200 and page.context["total"] == 3
    cases = drawn.primaries(tree["A1"])[:2]
    moved = client.post("/dieu-tra/truong-hop/", {"ids": [c.pk for c in cases], "to_user": other.pk, "reason": "Chia lại việc"}, follow=True)
    assert "Đã chuyển 2 trường hợp cho dtv2." in moved.content.decode()
    assert Assignment.objects.filter(enumerator=other).count() == 2
    assert AuditEntry.objects.filter(action="case.reassign", changes__reason="Chia lại việc").count() == 2
    refused = client.post("/dieu-tra/truong-hop/", {"ids": [cases[0].pk], "to_user": bob.pk, "reason": "x"}, follow=True)
    assert "Người nhận không phải điều tra viên trong phạm vi của bạn." in refused.content.decode()
    assert Assignment.objects.get(pk=cases[0].pk).enumerator == other


@pytest.mark.parametrize(("persona", "status", "visible"), [("alice", 200, 3), ("charlie", 200, 0), ("bob", 403, None), ("dtv", 403, None)])
def test_the_case_list_is_for_supervisors_and_officials_each_in_their_subtree(client, drawn, persona, status, visible, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/dieu-tra/truong-hop/")
    assert page.status_code == status
    if visible is not None:
        assert page.context["total"] == visible


def test_a_user_without_any_role_gets_404_on_the_case_list(client, drawn, make_user):
    client.force_login(make_user("khach"))
    assert client.get("/dieu-tra/truong-hop/").status_code == 404


def test_the_case_list_pins_its_query_count(client, drawn, supervisor, django_assert_max_num_queries):
    client.force_login(supervisor)
    with django_assert_max_num_queries(16):
        client.get("/dieu-tra/truong-hop/")


def test_the_review_page_shows_which_drawn_person_was_interviewed(client, drawn, tree, dtv, supervisor, alice):
    case = drawn.primaries(tree["A1"])[0]
    stored = response_submit(payload=payload(drawn.setup, tree["A1"], channel="phone", assignment=case.pk), submitter=Submitter(user=dtv)).response
    client.force_login(supervisor)
    detail = client.get(f"/giam-sat/phieu/{stored.uuid}/").content.decode().split('id="response-person"')[1].split("</dd>")[0]
    assert f"#{case.pk}" in detail and "N. V." in detail and "***" in detail and case.frame_entry.phone not in detail
    listing = client.get("/giam-sat/phieu/").content.decode()
    assert f"#{case.pk}</a> N. V." in listing
    client.force_login(alice)
    detail = client.get(f"/giam-sat/phieu/{stored.uuid}/").content.decode().split('id="response-person"')[1].split("</dd>")[0]
    assert case.frame_entry.full_name in detail and case.frame_entry.phone in detail


def test_the_dashboard_shows_the_response_rates(client, drawn, tree, dtv, alice):
    attempt_record(actor=dtv, case=drawn.primaries(tree["A1"])[0], outcome=ContactOutcome.REFUSED)
    client.force_login(alice)
    html = client.get(f"/bao-cao/{drawn.campaign.code}/").content.decode()
    section = html.split('id="fieldwork-rates"')[1].split("</section>")[0]
    assert "RR3 tính với e = 1,0000" in section or "e = 1.0000" in section
    assert "REF1" in section and "25,00%" in section  # one refusal of four cases: three drawn, one reserve it released
