"""Fieldwork cases: attempts and outcomes, closing after the campaign's number of attempts, reserves
released in the draw's order and never beyond what a cell lost, reassignment, the day's call list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from campaigns.fieldwork.dispositions import ContactOutcome
from campaigns.fieldwork.selectors import call_list, person_for
from campaigns.fieldwork.services import FieldworkError, attempt_record, cases_reassign, reserve_release
from campaigns.models import Assignment, AssignmentStatus, ContactAttempt
from campaigns.tests.factories_fieldwork import make_drawn_campaign
from units.access import SYSTEM
from units.models import AuditEntry, Role


@pytest.fixture
def dtv(make_user, tree):
    return make_user("dtv", Role.ENUMERATOR, tree["A1"])


@pytest.fixture
def drawn(tree, dtv):
    return make_drawn_campaign(organiser=tree["A"], units=[tree["A1"]], target=3)


def local(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_the_draw_makes_three_active_cases_and_three_reserves_waiting(drawn, tree, dtv):
    assert [c.is_active for c in drawn.primaries(tree["A1"])] == [True] * 3
    assert [c.is_active for c in drawn.reserves(tree["A1"])] == [False] * 3
    assert len(call_list(user=dtv).due) == 3  # reserves are not on anyone's list


def test_an_attempt_is_recorded_with_time_channel_outcome_and_note(drawn, tree, dtv):
    case = drawn.primaries(tree["A1"])[0]
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.NO_ANSWER, note="Đổ chuông 10 hồi")
    case.refresh_from_db()
    assert (case.attempt_count, case.status, case.contacted) == (1, AssignmentStatus.PENDING, False)
    attempt = ContactAttempt.objects.get()
    assert (attempt.channel, attempt.outcome, attempt.note, attempt.enumerator) == ("phone", "no_answer", "Đổ chuông 10 hồi", dtv)
    assert AuditEntry.objects.filter(action="case.attempt", object_id=str(case.pk), actor=dtv).exists()


def test_after_the_campaigns_number_of_attempts_a_case_closes_as_non_contact_and_the_first_reserve_is_released(drawn, tree, dtv):
    case = drawn.primaries(tree["A1"])[1]
    for outcome in (ContactOutcome.NO_ANSWER, ContactOutcome.BUSY):
        attempt_record(actor=dtv, case=case, outcome=outcome)
    assert not any(r.is_active for r in drawn.reserves(tree["A1"]))
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.NO_ANSWER)
    case.refresh_from_db()
    assert (case.status, case.disposition, case.closed_outcome) == ("unreachable", "2.20", "no_answer")
    first, second, _third = drawn.reserves(tree["A1"])
    assert first.is_active and not second.is_active
    assert (first.replaces_id, first.enumerator) == (case.pk, dtv)
    release = AuditEntry.objects.get(action="case.reserve_release")
    assert release.object_id == str(first.pk) and release.changes["replaces"] == case.pk and release.changes["draw_order"] == first.draw_order
    assert first in call_list(user=dtv).due


def test_a_refusal_closes_the_case_at_once_and_reserves_are_released_in_draw_order_until_none_is_left(drawn, tree, dtv):
    for case in drawn.primaries(tree["A1"]):
        attempt_record(actor=dtv, case=case, outcome=ContactOutcome.REFUSED)
    reserves = drawn.reserves(tree["A1"])
    assert all(r.is_active for r in reserves)
    assert [r.released_at <= s.released_at for r, s in zip(reserves, reserves[1:], strict=False)] == [True, True]
    attempt_record(actor=dtv, case=reserves[0], outcome=ContactOutcome.NOT_ELIGIBLE)
    assert Assignment.objects.filter(quota=drawn.setup.quotas["A1"], is_reserve=True, released_at__isnull=False).count() == 3
    assert AuditEntry.objects.filter(action="case.reserve_release").count() == 3
    closed = Assignment.objects.get(pk=reserves[0].pk)
    assert (closed.status, closed.disposition) == ("ineligible", "4.70")


def test_a_cell_never_releases_more_reserves_than_it_lost(drawn, tree, dtv):
    assert reserve_release(actor=SYSTEM, quota=drawn.setup.quotas["A1"]) is None
    case = drawn.primaries(tree["A1"])[0]
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.WRONG_NUMBER)
    assert reserve_release(actor=SYSTEM, quota=drawn.setup.quotas["A1"]) is None  # the one it lost is replaced already
    assert sum(r.is_active for r in drawn.reserves(tree["A1"])) == 1


def test_an_appointment_needs_a_future_time_inside_the_channels_window(drawn, tree, dtv):
    case = drawn.primaries(tree["A1"])[0]
    now = local(9)
    with pytest.raises(FieldworkError, match="cần ngày và giờ hẹn"):
        attempt_record(actor=dtv, case=case, outcome=ContactOutcome.APPOINTMENT, now=now)
    with pytest.raises(FieldworkError, match="đã qua"):
        attempt_record(actor=dtv, case=case, outcome=ContactOutcome.APPOINTMENT, appointment_at=local(8), now=now)
    with pytest.raises(FieldworkError, match="nằm ngoài thời gian của kênh «Điện thoại»"):
        attempt_record(actor=dtv, case=case, outcome=ContactOutcome.APPOINTMENT, appointment_at=local(9, days=90), now=now)
    assert not ContactAttempt.objects.exists() and not AuditEntry.objects.filter(action__startswith="case.").exists()
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.APPOINTMENT, appointment_at=local(14), now=now, note="Hẹn gọi lại 14:00")
    case.refresh_from_db()
    assert case.appointment_at == local(14) and case.contacted and case.is_open


def test_an_appointment_on_the_last_attempt_keeps_the_case_open(drawn, tree, dtv):
    case = drawn.primaries(tree["A1"])[0]
    now = local(9)
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.NO_ANSWER, now=now)
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.BUSY, now=now)
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.APPOINTMENT, appointment_at=local(14), now=now)
    assert Assignment.objects.get(pk=case.pk).is_open
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.NO_ANSWER, now=local(14, 5), at=local(14, 5))
    case.refresh_from_db()
    assert (case.status, case.disposition) == ("unreachable", "2.21")  # contacted once, never interviewed


def test_the_case_marked_for_14_00_reappears_on_the_call_list_at_14_00(drawn, tree, dtv):
    first, second, third = drawn.primaries(tree["A1"])
    attempt_record(actor=dtv, case=second, outcome=ContactOutcome.NO_ANSWER, now=local(8), at=local(8))
    attempt_record(actor=dtv, case=first, outcome=ContactOutcome.APPOINTMENT, appointment_at=local(14), now=local(9), at=local(9))
    morning = call_list(user=dtv, now=local(13, 59))
    assert [c.pk for c in morning.due] == [third.pk, second.pk]  # not tried yet, then the longest untried
    assert [c.pk for c in morning.appointments] == [first.pk]
    afternoon = call_list(user=dtv, now=local(14))
    assert [c.pk for c in afternoon.due] == [first.pk, third.pk, second.pk]
    assert afternoon.next_case.pk == first.pk and afternoon.appointments == []


def test_a_closed_case_takes_no_further_attempt(drawn, tree, dtv):
    case = drawn.primaries(tree["A1"])[0]
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.REFUSED)
    with pytest.raises(FieldworkError, match=r"đã kết thúc: Từ chối"):
        attempt_record(actor=dtv, case=case, outcome=ContactOutcome.NO_ANSWER)
    assert ContactAttempt.objects.count() == 1


def test_a_reserve_not_released_takes_no_attempt(drawn, tree, dtv):
    with pytest.raises(FieldworkError, match="chưa được dùng"):
        attempt_record(actor=dtv, case=drawn.reserves(tree["A1"])[0], outcome=ContactOutcome.NO_ANSWER)


@pytest.mark.parametrize(("persona", "error"), [("charlie", Http404), ("bob", PermissionDenied)])
def test_outsiders_get_404_and_read_only_members_403(drawn, tree, persona, error, request):
    case = drawn.primaries(tree["A1"])[0]
    with pytest.raises(error):
        attempt_record(actor=request.getfixturevalue(persona), case=case, outcome=ContactOutcome.NO_ANSWER)
    assert not ContactAttempt.objects.exists()


def test_an_enumerator_acts_only_on_their_own_cases(drawn, tree, make_user):
    other_unit = make_user("dtv-a2", Role.ENUMERATOR, tree["A2"])
    same_unit = make_user("dtv-a1-b", Role.ENUMERATOR, tree["A1"])
    case = drawn.primaries(tree["A1"])[0]
    with pytest.raises(Http404):
        attempt_record(actor=other_unit, case=case, outcome=ContactOutcome.NO_ANSWER)
    with pytest.raises(PermissionDenied):
        attempt_record(actor=same_unit, case=case, outcome=ContactOutcome.NO_ANSWER)


def test_the_person_is_shown_in_full_to_their_enumerator_and_the_organisers_officials_only(drawn, tree, dtv, alice, make_user):
    case = Assignment.objects.select_related("frame_entry", "campaign__organiser").get(pk=drawn.primaries(tree["A1"])[0].pk)
    supervisor = make_user("gs", Role.SUPERVISOR, tree["A1"])
    assert person_for(dtv, case).full and person_for(dtv, case).tel.startswith("0905")
    assert person_for(alice, case).name == case.frame_entry.full_name
    masked = person_for(supervisor, case)
    assert not masked.full and masked.name.startswith("N. V.") and "***" in masked.phone and masked.tel == ""


# --- reassignment ------------------------------------------------------------------------------------


@pytest.fixture
def supervisor(make_user, tree):
    return make_user("gs", Role.SUPERVISOR, tree["A"])


def test_a_supervisor_moves_cases_in_bulk_and_the_reason_is_kept(drawn, tree, dtv, supervisor, make_user):
    other = make_user("dtv2", Role.ENUMERATOR, tree["A"])
    cases = drawn.primaries(tree["A1"])[:2]
    assert cases_reassign(actor=supervisor, cases=cases, to_user=other, reason="Điều tra viên nghỉ ốm") == 2
    assert set(Assignment.objects.filter(enumerator=other).values_list("pk", flat=True)) == {c.pk for c in cases}
    entries = AuditEntry.objects.filter(action="case.reassign")
    assert entries.count() == 2 and {e.changes["reason"] for e in entries} == {"Điều tra viên nghỉ ốm"}
    assert {e.changes["from"] for e in entries} == {dtv.pk}


def test_reassignment_to_a_user_without_the_role_or_without_a_reason_changes_nothing(drawn, tree, dtv, supervisor, bob, make_user):
    outsider = make_user("dtv-b", Role.ENUMERATOR, tree["B"])
    cases = drawn.primaries(tree["A1"])
    for to_user, reason, message in [
        (bob, "lý do", "không phải điều tra viên của «Xã A1»"),
        (outsider, "lý do", "không phải điều tra viên"),
        (dtv, "", "Cần ghi lý do"),
    ]:
        with pytest.raises(FieldworkError, match=message):
            cases_reassign(actor=supervisor, cases=cases, to_user=to_user, reason=reason)
    assert set(Assignment.objects.filter(pk__in=[c.pk for c in cases]).values_list("enumerator", flat=True)) == {dtv.pk}
    assert not AuditEntry.objects.filter(action="case.reassign").exists()


def test_a_closed_case_is_not_reassigned_and_outsiders_get_404(drawn, tree, dtv, supervisor, charlie, make_user):
    other = make_user("dtv2", Role.ENUMERATOR, tree["A1"])
    case = drawn.primaries(tree["A1"])[0]
    attempt_record(actor=dtv, case=case, outcome=ContactOutcome.REFUSED)
    with pytest.raises(FieldworkError, match="Không chuyển được"):
        cases_reassign(actor=supervisor, cases=[case], to_user=other, reason="x")
    with pytest.raises(Http404):
        cases_reassign(actor=charlie, cases=drawn.primaries(tree["A1"])[1:], to_user=other, reason="x")
    with pytest.raises(PermissionDenied):
        cases_reassign(actor=dtv, cases=drawn.primaries(tree["A1"])[1:], to_user=other, reason="x")
