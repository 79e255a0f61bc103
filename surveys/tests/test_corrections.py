"""Corrections with an audit trail (issue 15): an official or supervisor corrects an answer with a reason; the
old and new values, who and when are kept and shown; the indices recompute; bad corrections are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from campaigns.models import Campaign
from reports.models import IndexValue
from reports.selectors import working_snapshot
from reports.services import index_recompute
from surveys.models import Answer, AnswerRevision, Response
from surveys.services.corrections import CorrectionError, response_correct
from surveys.services.responses import Submitter, response_submit
from surveys.tests.factories_collection import payload
from units.models import AuditEntry, Role


@pytest.fixture
def supervisor(make_user, tree):
    return make_user("gs", Role.SUPERVISOR, tree["A"])


@pytest.fixture
def stored(setup, tree, enumerator) -> Response:
    """A response at A1: never used the service before (so `why_not` is asked), every item at level 4."""
    body = payload(setup, tree["A1"])
    body["answers"].update(used_before="no", why_not="Lần đầu đến", wait_minutes=20)
    response = response_submit(payload=body, submitter=Submitter(user=enumerator)).response
    return Response.objects.select_related("campaign", "unit", "form__questionnaire").get(pk=response.pk)


def answers_of(response: Response) -> dict[str, object]:
    rows = Answer.objects.filter(response=response).values_list("question__code", "value", "number", "text")
    return {code: value if value is not None else number if number is not None else text for code, value, number, text in rows}


def overall_value(campaign: Campaign, unit) -> Decimal:
    return IndexValue.objects.get(snapshot=working_snapshot(campaign), unit=unit, scope="overall", key="").value


def test_a_corrected_answer_changes_the_index_after_recompute_and_the_audit_shows_it(client, setup, tree, stored, alice):
    index_recompute(setup.campaign.pk, full=True)
    assert overall_value(setup.campaign, tree["A1"]) == 100
    Campaign.objects.filter(pk=setup.campaign.pk).update(dirty_at=None)

    client.force_login(alice)
    url = f"/giam-sat/phieu/{stored.uuid}/"
    page = client.get(url).content.decode()
    assert 'id="correction-form"' in page and 'name="c-S1_Q1"' in page
    reply = client.post(url, {"action": "correct", "c-S1_Q1": "2", "c-S2_Q3": "1", "correction_reason": "Nhập nhầm từ phiếu giấy số 17"}, follow=True)
    assert "Đã sửa 2 câu trả lời" in reply.content.decode()

    stored.refresh_from_db()
    assert stored.status == "submitted" and stored.version == 1  # a correction keeps the status of a counted response
    assert answers_of(stored)["S1_Q1"] == 2 and answers_of(stored)["S2_Q3"] == 1 and stored.index_unsatisfied == 2
    assert Campaign.objects.get(pk=setup.campaign.pk).dirty_at is not None
    index_recompute(setup.campaign.pk)  # the real recompute, as the dirty mark asks for it
    assert overall_value(setup.campaign, tree["A1"]) < 100

    revisions = {r.question.code: r for r in AnswerRevision.objects.select_related("question", "changed_by")}
    assert (revisions["S1_Q1"].old_value, revisions["S1_Q1"].new_value) == ("4 — Hài lòng", "2 — Không hài lòng")
    assert revisions["S1_Q1"].kind == "correction" and revisions["S1_Q1"].changed_by == alice
    assert revisions["S1_Q1"].reason == "Nhập nhầm từ phiếu giấy số 17"
    entry = AuditEntry.objects.get(action="response.correct")
    assert entry.actor == alice and entry.changes["answers"]["S2_Q3"] == ["4 — Hài lòng", "1 — Rất không hài lòng"]
    history = client.get(url).content.decode().split('id="response-history"')[1]
    assert "4 — Hài lòng" in history and "2 — Không hài lòng" in history and "Nhập nhầm từ phiếu giấy số 17" in history and "alice" in history


def test_changing_an_answer_that_routes_a_question_out_drops_that_answer_with_a_revision(stored, supervisor):
    response_correct(actor=supervisor, response=stored, changes={"used_before": "yes"}, reason="Người trả lời đã từng dùng")
    answers = answers_of(stored)
    assert answers["used_before"] == 1 and "why_not" not in answers and answers["wait_minutes"] == Decimal("20")
    dropped = AnswerRevision.objects.get(question__code="why_not")
    assert (dropped.old_value, dropped.new_value) == ("Lần đầu đến", "")


@pytest.mark.parametrize(
    ("changes", "reason", "message"),
    [
        ({"S1_Q1": 7}, "Sửa lỗi", "Mức «7» không hợp lệ"),
        ({"S9_Q9": 4}, "Sửa lỗi", "Phiếu không có câu hỏi mã «S9_Q9»"),
        ({"used_before": "yes", "why_not": "Không biết chỗ"}, "Sửa lỗi", "bị bỏ qua theo điều kiện hiển thị"),
        ({"S1_Q1": 2}, "  ", "Cần ghi lý do"),
        ({"S1_Q1": 4}, "Sửa lỗi", "giống giá trị hiện có"),
        ({"wait_minutes": "500"}, "Sửa lỗi", "Thời gian chờ không quá 480 phút."),
    ],
)
def test_bad_corrections_are_refused_with_the_reason_and_change_nothing(stored, supervisor, changes, reason, message):
    before = answers_of(stored)
    with pytest.raises(CorrectionError) as refused:
        response_correct(actor=supervisor, response=stored, changes=changes, reason=reason)
    assert message in refused.value.message + " ".join(" ".join(texts) for texts in refused.value.errors.values())
    assert answers_of(stored) == before and not AnswerRevision.objects.exists() and not AuditEntry.objects.filter(action="response.correct").exists()


def test_a_skipped_question_cannot_be_answered_by_a_correction(setup, tree, enumerator, supervisor):
    plain = response_submit(payload=payload(setup, tree["A1"]), submitter=Submitter(user=enumerator)).response
    with pytest.raises(CorrectionError, match="why_not"):
        response_correct(actor=supervisor, response=plain, changes={"why_not": "Không rõ"}, reason="Sửa lỗi")


def test_who_may_correct(stored, bob, charlie, enumerator, make_user, tree):
    with pytest.raises(Http404):
        response_correct(actor=charlie, response=stored, changes={"S1_Q1": 2}, reason="x")
    with pytest.raises(Http404):
        response_correct(actor=make_user("gs-b", Role.SUPERVISOR, tree["B"]), response=stored, changes={"S1_Q1": 2}, reason="x")
    for member in (bob, enumerator):
        with pytest.raises(PermissionDenied):
            response_correct(actor=member, response=stored, changes={"S1_Q1": 2}, reason="x")
    assert not AnswerRevision.objects.exists()


def test_a_supervisor_of_another_province_gets_404_and_a_viewer_403_on_the_page(client, stored, make_user, tree, bob):
    body = {"action": "correct", "c-S1_Q1": "2", "correction_reason": "x"}
    client.force_login(make_user("gs-b", Role.SUPERVISOR, tree["B"]))
    assert client.post(f"/giam-sat/phieu/{stored.uuid}/", body).status_code == 404
    client.force_login(bob)
    assert client.post(f"/giam-sat/phieu/{stored.uuid}/", body).status_code == 403
    assert not AnswerRevision.objects.exists()


def test_the_page_shows_a_refusal_in_vietnamese(client, stored, supervisor):
    client.force_login(supervisor)
    reply = client.post(f"/giam-sat/phieu/{stored.uuid}/", {"action": "correct", "c-S1_Q1": "7", "correction_reason": "Sửa"}, follow=True)
    assert reply.status_code == 200 and "Mức «7» không hợp lệ" in reply.content.decode()
    reply = client.post(f"/giam-sat/phieu/{stored.uuid}/", {"action": "correct", "correction_reason": "Sửa"}, follow=True)
    assert "Chưa nhập giá trị mới cho câu nào." in reply.content.decode()
