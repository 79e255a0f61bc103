"""Quality flags computed on the server (surveys.quality.flags): too fast, straight-lining, duplicate respondent,
odd hours, absurd paradata; held when the campaign says so; shown with their reasons in the review queue."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import FrameEntry, QualityRules
from reports.models import Snapshot
from reports.services import index_recompute
from surveys.models import FlagKind, Response, ResponseFlag
from surveys.quality.flags import duration_text, in_odd_hours, medians_forget
from surveys.tests.factories_collection import make_assignment, make_campaign, make_questionnaire
from units.models import Role

URL = "/api/v1/responses/"


@pytest.fixture(autouse=True)
def fresh_medians(fresh_cache):
    medians_forget()
    yield
    medians_forget()


@pytest.fixture
def setup40(tree):
    """A 40-question interview (four sections of ten Likert items, plus `used_before`), at communes A1 and A2,
    with no odd-hours span (so a run at night flags nothing by the clock)."""
    questionnaire = make_questionnaire("q-40", n_sections=4, per_section=10)
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], questionnaire=questionnaire, code="dq-2026")
    QualityRules.objects.create(campaign=setup.campaign, odd_hours_start=0, odd_hours_end=0)
    return setup


@pytest.fixture
def api(client, make_user, tree) -> Client:
    client.force_login(make_user("dtv", Role.ENUMERATOR, tree["A"]))  # works in both communes
    return client


def varied_answers(setup, levels=(4, 5)) -> dict:
    """Every Likert item answered, the levels alternating (no straight-lining)."""
    codes = sorted(setup.questionnaire.questions.filter(type="likert5").values_list("code", flat=True))
    return {"used_before": "yes", **{code: levels[i % len(levels)] for i, code in enumerate(codes)}}


def body(setup, unit, **extra) -> dict:
    return {
        "uuid": str(uuid.uuid4()), "campaign": setup.campaign.code, "unit": unit.code, "channel": "desk", "status": "submitted",
        "duration_seconds": 900, "answers": varied_answers(setup), **extra,
    }


def post(client: Client, payload: dict) -> tuple[int, dict]:
    response = client.post(URL, data=json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


def flags_of(response_id: int) -> dict[str, str]:
    return dict(ResponseFlag.objects.filter(response_id=response_id).values_list("kind", "message"))


def test_a_40_question_interview_completed_in_20_seconds_is_flagged_too_fast_with_its_figures(api, setup40, tree):
    status, reply = post(api, body(setup40, tree["A1"], duration_seconds=20))
    assert status == 201
    assert [flag["kind"] for flag in reply["flags"]] == [FlagKind.TOO_FAST]
    reason = reply["flags"][0]["message"]
    assert reason == "Thời lượng 20 giây cho 41 câu đã trả lời, dưới 2 giây mỗi câu (tối thiểu 1 phút 22 giây)"
    assert flags_of(reply["id"]) == {FlagKind.TOO_FAST: reason}
    assert reply["held"] is False and reply["status"] == "submitted"


def test_under_a_share_of_the_forms_median_is_too_fast_once_there_are_ten_responses(api, setup40, tree):
    for _ in range(9):
        assert post(api, body(setup40, tree["A1"], duration_seconds=552))[0] == 201
    # Nine before it: no median yet, and 100 seconds is over 2 s × 41 questions.
    assert post(api, body(setup40, tree["A1"], duration_seconds=100))[1]["flags"] == []
    medians_forget()  # in production the per-process median is read again after MEDIAN_TTL
    status, reply = post(api, body(setup40, tree["A1"], duration_seconds=100))
    assert status == 201
    assert reply["flags"][0]["message"] == "Thời lượng 1 phút 40 giây, dưới 30% trung vị 9 phút 12 giây của phiếu này (10 phiếu)"


def test_a_section_done_faster_than_its_minimum_is_flagged_from_the_paradata(api, setup40, tree):
    paradata = {"sections": {"S1": 200, "S2": 5, "S3": 300, "S4": 395}}
    reply = post(api, body(setup40, tree["A1"], paradata=paradata))[1]
    assert reply["flags"][0]["message"] == "Phần S2 làm trong 5 giây cho 10 câu, dưới 2 giây mỗi câu"


def test_two_interviews_with_the_same_phone_at_different_units_are_both_flagged_duplicate(api, setup40, tree):
    first = post(api, body(setup40, tree["A1"], profile={"phone": "0905 123 456"}))[1]
    assert first["flags"] == []
    status, second = post(api, body(setup40, tree["A2"], profile={"phone": "0905.123.456"}))
    assert status == 201
    assert second["flags"][0]["kind"] == FlagKind.DUPLICATE
    assert second["flags"][0]["message"] == f"Cùng số điện thoại 0905***456 với phiếu #{first['id']} (Xã A1)"
    assert flags_of(first["id"])[FlagKind.DUPLICATE] == f"Cùng người trả lời với phiếu #{second['id']} gửi sau (Phường A2)"
    assert Response.objects.get(pk=second["id"]).respondent_phone == "0905123456"


def test_the_same_name_counts_as_a_duplicate_only_at_the_same_unit(api, setup40, tree):
    post(api, body(setup40, tree["A1"], profile={"name": "Nguyễn  Văn An"}))
    assert post(api, body(setup40, tree["A2"], profile={"name": "nguyễn văn an"}))[1]["flags"] == []
    reply = post(api, body(setup40, tree["A1"], profile={"name": "NGUYỄN VĂN AN"}))[1]
    assert [flag["kind"] for flag in reply["flags"]] == [FlagKind.DUPLICATE]


def test_a_phone_of_another_cases_drawn_person_is_a_duplicate(api, setup40, tree, make_user):
    quota = setup40.quotas["A1"]
    other = make_assignment(quota, None, order=2)
    other.frame_entry = FrameEntry.objects.create(campaign=setup40.campaign, unit=tree["A1"], full_name="Trần Thị B", phone="0912000111")
    other.save()
    reply = post(api, body(setup40, tree["A2"], profile={"phone": "0912000111"}))[1]
    assert reply["flags"][0]["message"] == f"Trùng người được chọn của trường hợp #{other.pk}"


def test_a_case_interview_takes_the_respondent_from_its_frame_row(client, setup40, tree, make_user):
    enumerator = make_user("dtv-case", Role.ENUMERATOR, tree["A1"])
    case = make_assignment(setup40.quotas["A1"], enumerator)
    case.frame_entry = FrameEntry.objects.create(campaign=setup40.campaign, unit=tree["A1"], full_name="Lê  Văn C", phone="0933444555")
    case.save()
    client.force_login(enumerator)
    status, reply = post(client, body(setup40, tree["A1"], assignment=case.pk))
    assert status == 201
    stored = Response.objects.get(pk=reply["id"])
    assert (stored.respondent_phone, stored.respondent_name) == ("0933444555", "lê văn c")
    assert "phone" not in stored.profile and "name" not in stored.profile


def test_straight_lining_is_flagged_for_review_never_rejected(api, setup40, tree):
    answers = varied_answers(setup40, levels=(5,))
    status, reply = post(api, body(setup40, tree["A1"], answers=answers))
    assert status == 201 and reply["status"] == "submitted"
    assert reply["flags"] == [
        {
            "kind": FlagKind.STRAIGHT_LINE, "label": "Trả lời một mức",
            "message": "10 câu thang đo liên tiếp ở «Phần 1: Tiếp cận dịch vụ» cùng mức 5 (ngưỡng 10 câu); cần xem lại, không tự loại",
        }
    ]


def test_an_interview_started_at_night_is_flagged_odd_hours(api, setup40, tree):
    QualityRules.objects.filter(campaign=setup40.campaign).update(odd_hours_start=21, odd_hours_end=6)
    from surveys.selectors import targets_forget  # update() sends no signal: forget the remembered rules

    targets_forget()
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    started = yesterday.replace(hour=23, minute=30, second=0, microsecond=0)
    reply = post(api, body(setup40, tree["A1"], started_at=started.isoformat(), duration_seconds=None))[1]
    assert FlagKind.ODD_HOURS in {flag["kind"] for flag in reply["flags"]}
    assert f"Bắt đầu lúc 23:30 {started:%d/%m/%Y}, trong khoảng giờ bất thường 21:00–06:00" in flags_of(reply["id"])[FlagKind.ODD_HOURS]


@pytest.mark.parametrize(
    ("hour", "start", "end", "odd"),
    [(22, 21, 6, True), (3, 21, 6, True), (6, 21, 6, False), (12, 21, 6, False), (13, 12, 14, True), (14, 12, 14, False), (5, 5, 5, False)],
)
def test_odd_hours_wrap_around_midnight(hour, start, end, odd):
    assert in_odd_hours(hour, start, end) is odd


def test_durations_read_in_vietnamese():
    assert [duration_text(s) for s in (20, 552, 3725, 0)] == ["20 giây", "9 phút 12 giây", "1 giờ 2 phút 5 giây", "0 giây"]


def test_with_hold_flagged_a_flagged_submission_is_held_and_not_counted(api, setup40, tree):
    QualityRules.objects.filter(campaign=setup40.campaign).delete()
    QualityRules.objects.create(campaign=setup40.campaign, hold_flagged=True, odd_hours_start=0, odd_hours_end=0)
    ok = post(api, body(setup40, tree["A1"]))[1]
    fast = post(api, body(setup40, tree["A1"], duration_seconds=20))[1]
    assert (ok["status"], ok["held"]) == ("submitted", False)
    assert (fast["status"], fast["held"]) == ("on_hold", True)
    assert fast["detail"] == "Phiếu bị gắn cờ nên được tạm giữ, chờ người giám sát duyệt rồi mới được tính."
    index_recompute(setup40.campaign.pk, full=True)
    assert Snapshot.objects.get(campaign=setup40.campaign, status="working").responses == 1


def test_the_review_queue_shows_the_flags_with_their_reasons_and_filters_by_kind(api, setup40, tree, make_user, client):
    fast = post(api, body(setup40, tree["A1"], duration_seconds=20, profile={"phone": "0905123456"}))[1]
    twin = post(api, body(setup40, tree["A2"], profile={"phone": "0905123456"}))[1]
    plain = post(api, body(setup40, tree["A2"]))[1]
    reviewer = Client()
    reviewer.force_login(make_user("gs", Role.SUPERVISOR, tree["A"]))
    page = reviewer.get("/giam-sat/phieu/").content.decode()
    assert "Quá nhanh" in page and "Người trả lời trùng" in page
    assert "Thời lượng 20 giây cho 41 câu đã trả lời" in page  # the reason, in the badge's title
    duplicates = reviewer.get("/giam-sat/phieu/", {"flag": FlagKind.DUPLICATE}).content.decode()
    assert f"{fast['uuid']}" in duplicates and f"{twin['uuid']}" in duplicates and f"{plain['uuid']}" not in duplicates
    flagged = reviewer.get("/giam-sat/phieu/", {"flag": "any"}).content.decode()
    assert f"{plain['uuid']}" not in flagged and f"{fast['uuid']}" in flagged
    detail = reviewer.get(f"/giam-sat/phieu/{twin['uuid']}/").content.decode()
    assert f"Cùng số điện thoại 0905***456 với phiếu #{fast['id']} (Xã A1)" in detail
    assert "0905123456" not in detail  # the supervisor may not read the frame: the phone stays masked


def test_imported_rows_with_the_same_phone_are_both_flagged_and_held_when_asked(setup40, tree, tmp_path):
    from django.core.management import call_command

    from units.tests.xlsx import xlsx_bytes

    QualityRules.objects.filter(campaign=setup40.campaign).update(hold_flagged=True)
    answers = varied_answers(setup40)
    header = ["unit_code", "channel", "submitted_at", "phone", "name", *answers]
    today = timezone.localdate().strftime("%d/%m/%Y")
    rows = [["A1", "desk", today, "0905123456", "", *answers.values()], ["A2", "desk", today, "905 123 456", "", *answers.values()]]
    rows.append(["A2", "desk", today, "0912000000", "", *answers.values()])
    path = tmp_path / "phieu.xlsx"
    path.write_bytes(xlsx_bytes([header, *rows]))
    call_command("import_responses", setup40.campaign.code, str(path))
    first, second, third = Response.objects.order_by("pk")
    assert set(flags_of(first.pk)) == set(flags_of(second.pk)) == {FlagKind.DUPLICATE}
    assert flags_of(third.pk) == {}
    assert (first.status, second.status, third.status) == ("submitted", "on_hold", "submitted")  # the first was not flagged when it came


def test_the_issues_checks_end_to_end_the_flags_and_reasons_reach_the_review_queue_and_the_raw_export(api, setup40, tree, make_user, tmp_path):
    """Issue 15's held-back check as a new user would run it: a 40-question interview in 20 s and two interviews
    with the same phone at different units, sent through the API; each flagged with its reason in the
    supervisor's queue and in the raw export (CSV and xlsx)."""
    from openpyxl import load_workbook

    from reports.raw_export import raw_export_write

    fast = post(api, body(setup40, tree["A1"], duration_seconds=20))[1]
    first = post(api, body(setup40, tree["A1"], profile={"phone": "0905 123 456"}))[1]
    second = post(api, body(setup40, tree["A2"], profile={"phone": "0905.123.456"}))[1]
    reasons = {
        fast["id"]: flags_of(fast["id"])[FlagKind.TOO_FAST],
        first["id"]: flags_of(first["id"])[FlagKind.DUPLICATE],
        second["id"]: flags_of(second["id"])[FlagKind.DUPLICATE],
    }
    assert "20 giây" in reasons[fast["id"]] and "0905***456" in reasons[second["id"]]

    supervisor = Client()
    supervisor.force_login(make_user("gs", Role.SUPERVISOR, tree["A"]))
    queue = supervisor.get("/giam-sat/phieu/", {"flag": "any"}).content.decode()
    for reason in reasons.values():
        assert f'title="{reason}"' in queue

    raw_export_write(campaign=setup40.campaign, out=tmp_path / "raw.csv", fmt="csv")
    text = (tmp_path / "raw.csv").read_text(encoding="utf-8-sig")
    raw_export_write(campaign=setup40.campaign, out=tmp_path / "raw.xlsx", fmt="xlsx")
    cells = " ".join(str(cell) for row in load_workbook(tmp_path / "raw.xlsx").active.iter_rows(values_only=True) for cell in row if cell)
    for reason in reasons.values():
        assert reason in text and reason in cells
