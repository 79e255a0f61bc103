"""Back-checks (phúc tra): the seeded draw per enumerator, the discrepancy rule, the flag, hold-on-fail and the
rates per enumerator, through the services, the pages and the command."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from campaigns.models import QualityRules
from reports.selectors import index_values, working_snapshot
from reports.services import index_recompute
from surveys.models import Answer, BackCheck, BackCheckStatus, FlagKind, Response, ResponseFlag, ResponseStatus
from surveys.quality.backcheck_reads import MIN_BASE, backcheck_rates
from surveys.quality.backchecks import BackCheckAnswers, BackCheckError, backcheck_record, backchecks_draw, share_of
from surveys.services.responses import Submitter, response_submit
from surveys.tests.factories_collection import make_campaign, payload
from units.access import SYSTEM
from units.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], target=100)
    # No odd-hours flag whatever the clock says (21:00–06:00 by default): these tests are about back-checks.
    QualityRules.objects.create(campaign=setup.campaign, odd_hours_start=0, odd_hours_end=0)
    return setup


@pytest.fixture
def enumerators(make_user, tree):
    return make_user("dtv.an", Role.ENUMERATOR, tree["A1"], first_name="Nguyễn Văn An"), make_user("dtv.binh", Role.ENUMERATOR, tree["A2"])


@pytest.fixture
def supervisor(make_user, tree):
    return make_user("gs.a", Role.SUPERVISOR, tree["A"])


def submit(setup, unit, user, n: int, **extra) -> list[Response]:
    return [response_submit(payload=payload(setup, unit, **extra), submitter=Submitter(user=user)).response for _ in range(n)]


@pytest.fixture
def interviews(setup, tree, enumerators):
    """25 interviews by An at A1 and 8 by Bình at A2, plus what the draw must leave: a draft, a rejected and a
    held interview of Bình, and a response without an enumerator."""
    an, binh = enumerators
    done = submit(setup, tree["A1"], an, 25) + submit(setup, tree["A2"], binh, 8)
    left_out = submit(setup, tree["A2"], binh, 3)
    for response, status in zip(left_out, (ResponseStatus.DRAFT, ResponseStatus.REJECTED, ResponseStatus.ON_HOLD), strict=True):
        Response.objects.filter(pk=response.pk).update(status=status)
    Response.objects.filter(pk=submit(setup, tree["A1"], an, 1)[0].pk).update(enumerator=None)
    return done, left_out


def drawn(campaign) -> dict[int, list[str]]:
    return dict(BackCheck.objects.filter(campaign=campaign).values_list("response_id", "items"))


def test_the_share_is_rounded_up_and_at_least_one():
    assert [share_of(n, 10) for n in (0, 1, 9, 10, 11, 25)] == [0, 1, 1, 1, 2, 3]
    assert share_of(40, 0) == 0


def test_the_draw_is_reproducible_from_its_seed(setup, interviews):
    first = backchecks_draw(actor=SYSTEM, campaign=setup.campaign, seed=42)
    assert first.seed == 42 and first.drawn_now == 4
    once = drawn(setup.campaign)
    BackCheck.objects.all().delete()
    backchecks_draw(actor=SYSTEM, campaign=setup.campaign, seed=42)
    assert drawn(setup.campaign) == once  # the same responses and the same repeated items
    assert all(len(items) == 2 for items in once.values())
    BackCheck.objects.all().delete()
    backchecks_draw(actor=SYSTEM, campaign=setup.campaign, seed=43)
    assert set(drawn(setup.campaign)) != set(once)
    assert set(BackCheck.objects.values_list("seed", flat=True)) == {43}


def test_the_draw_takes_the_share_of_each_enumerator_among_completed_interviews(setup, interviews, enumerators):
    done, left_out = interviews
    an, binh = enumerators
    QualityRules.objects.filter(campaign=setup.campaign).update(backcheck_percent=20)
    result = backchecks_draw(actor=SYSTEM, campaign=setup.campaign, seed=5)
    assert [(row.enumerator.username, row.completed, row.drawn_now) for row in result.rows] == [("dtv.an", 25, 5), ("dtv.binh", 8, 2)]
    by_enumerator = {user.pk: BackCheck.objects.filter(enumerator=user).count() for user in enumerators}
    assert by_enumerator == {an.pk: 5, binh.pk: 2}
    assert not BackCheck.objects.filter(response__in=left_out).exists()
    assert not BackCheck.objects.filter(response__enumerator__isnull=True).exists()
    assert AuditEntry.objects.filter(action="backchecks.draw", changes__seed=5, changes__drawn=7).exists()


def test_a_later_draw_adds_only_new_responses_with_the_stored_seed(setup, interviews, enumerators, tree):
    backchecks_draw(actor=SYSTEM, campaign=setup.campaign, seed=7)
    before = drawn(setup.campaign)
    assert backchecks_draw(actor=SYSTEM, campaign=setup.campaign).drawn_now == 0  # nothing new: nothing drawn
    submit(setup, tree["A1"], enumerators[0], 10)  # An: 35 interviews → 4 back-checks
    again = backchecks_draw(actor=SYSTEM, campaign=setup.campaign)
    assert again.seed == 7 and [(row.drawn_before, row.drawn_now) for row in again.rows] == [(3, 1), (1, 0)]
    after = drawn(setup.campaign)
    assert len(after) == 5 and all(after[pk] == items for pk, items in before.items())


def test_a_bad_seed_is_refused_and_draws_nothing(setup, interviews):
    with pytest.raises(BackCheckError, match="Hạt giống"):
        backchecks_draw(actor=SYSTEM, campaign=setup.campaign, seed=-1)
    assert not BackCheck.objects.exists()


# --- recording ---------------------------------------------------------------------------------------


@pytest.fixture
def checks(setup, interviews):
    backchecks_draw(actor=SYSTEM, campaign=setup.campaign, seed=42)
    return list(BackCheck.objects.select_related("response", "campaign", "enumerator").order_by("pk"))


def said(backcheck: BackCheck, *, level_gap: int = 0, **changes) -> BackCheckAnswers:
    """What a respondent who confirms the interview says, with `changes`."""
    levels = dict(
        Answer.objects.filter(response=backcheck.response, question__code__in=backcheck.items).values_list("question__code", "value")
    )
    fields = {
        "reached": True,
        "interviewed": True,
        "interview_date": timezone.localdate(backcheck.response.submitted_at),
        "channel": backcheck.response.channel,
        "items": {code: max(1, level - level_gap) for code, level in levels.items()},
    }
    return BackCheckAnswers(**{**fields, **changes})


def test_a_matching_back_check_passes_within_one_level_and_one_day(checks, supervisor):
    backcheck = checks[0]
    answers = said(backcheck, level_gap=1, interview_date=timezone.localdate() - dt.timedelta(days=1))
    backcheck_record(actor=supervisor, backcheck=backcheck, answers=answers)
    backcheck.refresh_from_db()
    assert (backcheck.status, backcheck.discrepancy, backcheck.date_matches, backcheck.channel_matches) == (
        BackCheckStatus.DONE,
        False,
        True,
        True,
    )
    assert backcheck.checked_by == supervisor and not ResponseFlag.objects.exists()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"interviewed": False}, "không được phỏng vấn"),
        ({"interview_date": dt.date(2020, 1, 2)}, "sai ngày (người trả lời nói 02/01/2020"),
        ({"channel": "phone"}, "sai kênh (người trả lời nói «Điện thoại», phiếu ghi «Tại bộ phận một cửa»)"),
        ({"level_gap": 2}, "lệch 2 mức"),
    ],
)
def test_a_discrepancy_flags_the_response_with_its_reason(checks, supervisor, changes, reason):
    backcheck = checks[0]
    backcheck.response.answers.filter(question__code__in=backcheck.items).update(value=5)
    backcheck_record(actor=supervisor, backcheck=backcheck, answers=said(backcheck, **changes))
    backcheck.refresh_from_db()
    assert backcheck.discrepancy is True
    flag = ResponseFlag.objects.get(response=backcheck.response, kind=FlagKind.BACKCHECK)
    assert flag.message.startswith("Phúc tra không khớp: ") and reason in flag.message


def test_an_unreached_respondent_is_no_discrepancy_and_leaves_the_base(checks, supervisor, setup):
    backcheck_record(actor=supervisor, backcheck=checks[0], answers=BackCheckAnswers(reached=False, note="Gọi 3 lần không nghe máy"))
    checks[0].refresh_from_db()
    assert (checks[0].status, checks[0].discrepancy, checks[0].note) == (BackCheckStatus.UNREACHED, None, "Gọi 3 lần không nghe máy")
    rates, total = backcheck_rates(actor=supervisor, campaign=setup.campaign)
    assert (total.drawn, total.checked, total.unreached, total.discrepancies, total.rate) == (4, 0, 1, 0, None)
    assert not ResponseFlag.objects.exists() and not AuditEntry.objects.filter(action="response.hold").exists()


def test_bad_input_is_refused_with_a_message_and_saves_nothing(checks, supervisor):
    backcheck = checks[0]
    for answers, message in [
        (BackCheckAnswers(reached=True), "có được phỏng vấn"),
        (said(backcheck, items={backcheck.items[0]: 7}), "không có trong thang đo"),
        (said(backcheck, items={"khong-co": 3}), "không nằm trong phiếu phúc tra"),
        (said(backcheck, channel="bo-cau"), "Kênh không hợp lệ"),
        (said(backcheck, interview_date=timezone.localdate() + dt.timedelta(days=3)), "sau hôm nay"),
    ]:
        with pytest.raises(BackCheckError, match=message):
            backcheck_record(actor=supervisor, backcheck=backcheck, answers=answers)
    backcheck.refresh_from_db()
    assert backcheck.status == BackCheckStatus.PENDING and not AuditEntry.objects.filter(action="backcheck.record").exists()


def test_rates_per_enumerator_with_their_base(checks, supervisor, setup, enumerators):
    an_checks = [c for c in checks if c.enumerator == enumerators[0]]
    backcheck_record(actor=supervisor, backcheck=an_checks[0], answers=said(an_checks[0], interviewed=False))
    backcheck_record(actor=supervisor, backcheck=an_checks[1], answers=said(an_checks[1]))
    rates, total = backcheck_rates(actor=supervisor, campaign=setup.campaign)
    an, binh = rates
    assert (an.username, an.full_name, an.drawn, an.checked, an.discrepancies, an.pending, an.rate) == (
        "dtv.an",
        "Nguyễn Văn An",
        3,
        2,
        1,
        1,
        50.0,
    )
    assert an.too_small and MIN_BASE > 2
    assert (binh.drawn, binh.checked, binh.rate) == (1, 0, None)
    assert (total.drawn, total.checked, total.discrepancies) == (4, 2, 1)


def test_a_failed_back_check_holds_the_enumerators_other_responses_and_they_stop_counting(checks, supervisor, setup, tree, enumerators):
    an = enumerators[0]
    index_recompute(setup.campaign.pk, full=True)
    counted = index_values(working_snapshot(setup.campaign), tree["A"], "responses").get().n
    assert counted == 34  # 25 + 8 interviews and the response without an enumerator
    backcheck = next(c for c in checks if c.enumerator == an)
    approved = Response.objects.filter(enumerator=an).exclude(pk=backcheck.response_id).order_by("pk").first()
    Response.objects.filter(pk=approved.pk).update(status=ResponseStatus.APPROVED)
    backcheck_record(actor=supervisor, backcheck=backcheck, answers=said(backcheck, interviewed=False))
    held = Response.objects.filter(enumerator=an, status=ResponseStatus.ON_HOLD)
    # An's 25 interviews less the checked one and the approved one; Bình's stay as they were.
    assert held.count() == 23 and not held.filter(pk=backcheck.response_id).exists()
    assert Response.objects.filter(enumerator=enumerators[1], status=ResponseStatus.SUBMITTED).count() == 8
    assert "không khớp" in held.first().review_reason
    assert AuditEntry.objects.filter(action="response.hold").count() == 23
    index_recompute(setup.campaign.pk)
    assert index_values(working_snapshot(setup.campaign), tree["A"], "responses").get().n == 34 - 23


def test_no_hold_when_the_campaign_says_so(checks, supervisor, setup, enumerators):
    QualityRules.objects.filter(campaign=setup.campaign).update(backcheck_hold_on_fail=False)
    backcheck = checks[0]
    backcheck_record(actor=supervisor, backcheck=backcheck, answers=said(backcheck, interviewed=False))
    assert not AuditEntry.objects.filter(action="response.hold").exists()
    assert ResponseFlag.objects.filter(kind=FlagKind.BACKCHECK).count() == 1


def test_recorded_again_as_matching_the_flag_goes(checks, supervisor):
    backcheck = checks[0]
    backcheck_record(actor=supervisor, backcheck=backcheck, answers=said(backcheck, channel="phone"))
    assert ResponseFlag.objects.filter(kind=FlagKind.BACKCHECK).exists()
    backcheck_record(actor=supervisor, backcheck=backcheck, answers=said(backcheck))
    assert not ResponseFlag.objects.filter(kind=FlagKind.BACKCHECK).exists()


def test_an_outsider_can_neither_draw_nor_record_and_a_viewer_is_refused(checks, setup, charlie, bob, supervisor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(Http404):
        backchecks_draw(actor=charlie, campaign=setup.campaign)
    with pytest.raises(Http404):
        backcheck_record(actor=charlie, backcheck=checks[0], answers=said(checks[0]))
    with pytest.raises(PermissionDenied):
        backcheck_record(actor=bob, backcheck=checks[0], answers=said(checks[0]))
    with pytest.raises(PermissionDenied):
        backchecks_draw(actor=supervisor, campaign=setup.campaign)  # drawing is for officials
    assert BackCheck.objects.filter(status=BackCheckStatus.PENDING).count() == 4


def test_the_command_draws_and_prints_the_counts_per_enumerator(setup, interviews):
    out = io.StringIO()
    call_command("draw_backchecks", setup.campaign.code, "--seed", "42", stdout=out)
    text = out.getvalue()
    assert "hạt giống 42" in text and "dtv.an" in text and "25" in text and "Tổng: 4 phiếu" in text
    assert BackCheck.objects.count() == 4 == math.ceil(25 / 10) + 1


# --- pages ---------------------------------------------------------------------------------------------


def test_an_official_draws_from_the_list_page_and_sees_the_seed(client, alice, setup, interviews):
    client.force_login(alice)
    page = client.get(f"/giam-sat/phuc-tra/{setup.campaign.code}/")
    assert page.status_code == 200 and "Chọn phiếu phúc tra" in page.content.decode()
    assert client.post(f"/giam-sat/phuc-tra/{setup.campaign.code}/", {"seed": "42"}).status_code == 302
    assert BackCheck.objects.count() == 4
    text = client.get(f"/giam-sat/phuc-tra/{setup.campaign.code}/").content.decode()
    assert "Hạt giống lần chọn gần nhất: 42" in text and "dtv.an" in text and "chưa đủ căn cứ" in text
    bad = client.post(f"/giam-sat/phuc-tra/{setup.campaign.code}/", {"seed": "-5"}, follow=True)
    assert "Hạt giống không được âm" in bad.content.decode() and BackCheck.objects.count() == 4


def test_a_supervisor_records_on_the_phone_page_and_the_list_shows_the_rate(
    client, checks, supervisor, setup, django_assert_max_num_queries
):
    client.force_login(supervisor)
    page = client.get(f"/giam-sat/phuc-tra/{setup.campaign.code}/")
    assert page.status_code == 200 and "Chọn phiếu phúc tra" not in page.content.decode()
    assert client.post(f"/giam-sat/phuc-tra/{setup.campaign.code}/", {"seed": "1"}).status_code == 403
    backcheck = checks[0]
    url = f"/giam-sat/phuc-tra/phieu/{backcheck.pk}/"
    form = client.get(url)
    assert form.status_code == 200 and len(form.context["form"].items()) == 2
    assert " checked" not in form.content.decode()  # nothing answered before the supervisor asks
    body = {"reached": "yes", "interviewed": "no", "channel": "", "note": "Người dân nói không ai hỏi"}
    assert client.post(url, body).status_code == 302
    backcheck.refresh_from_db()
    assert backcheck.discrepancy is True and backcheck.note == "Người dân nói không ai hỏi"
    again = client.get(url).content.decode()
    assert "Không khớp" in again and "không được phỏng vấn" in again
    with django_assert_max_num_queries(14):
        listing = client.get(f"/giam-sat/phuc-tra/{setup.campaign.code}/")
    assert listing.context["total"].discrepancies == 1


def test_a_bad_answer_on_the_page_is_refused_with_a_message(client, checks, supervisor):
    client.force_login(supervisor)
    url = f"/giam-sat/phuc-tra/phieu/{checks[0].pk}/"
    code = checks[0].items[0]
    page = client.post(url, {"reached": "yes", "interviewed": "yes", f"item_{code}": "9", "interview_date": "31/02/2026"})
    assert page.status_code == 422
    checks[0].refresh_from_db()
    assert checks[0].status == BackCheckStatus.PENDING
    page = client.post(url, {"reached": "yes"})
    assert page.status_code == 422 and "có được phỏng vấn hay không" in page.content.decode()


def test_the_contact_is_shown_to_the_supervisor_doing_it_and_masked_for_others(client, checks, supervisor, make_user, tree, alice):
    backcheck = checks[0]
    Response.objects.filter(pk=backcheck.response_id).update(respondent_name="trần thị hoa", respondent_phone="0905123456")
    url = f"/giam-sat/phuc-tra/phieu/{backcheck.pk}/"
    client.force_login(supervisor)
    assert "0905123456" in client.get(url).content.decode()  # open: the supervisor calls
    backcheck_record(actor=make_user("gs.khac", Role.SUPERVISOR, tree["A"]), backcheck=backcheck, answers=said(backcheck))
    masked = client.get(url).content.decode()
    assert "0905123456" not in masked and "Trần Thị Hoa" not in masked
    client.force_login(alice)  # the organiser's official reads the frame
    assert "0905123456" in client.get(url).content.decode()


@pytest.mark.parametrize(("persona", "expected"), [("bob", 403), ("charlie", 404)])
def test_outsiders_get_404_and_readers_403_on_every_back_check_page(client, checks, setup, persona, expected, request):
    client.force_login(request.getfixturevalue(persona))
    for url in (f"/giam-sat/phuc-tra/{setup.campaign.code}/", f"/giam-sat/phuc-tra/phieu/{checks[0].pk}/"):
        assert client.get(url).status_code == expected, url
        assert client.post(url, {"seed": "1", "reached": "no"}).status_code == expected, url
    index = client.get("/giam-sat/phuc-tra/")  # charlie, an official of B, has his own (empty) list
    assert index.status_code == (200 if persona == "charlie" else 403) and setup.campaign.name not in index.content.decode()
    assert BackCheck.objects.count() == 4 and not BackCheck.objects.exclude(status=BackCheckStatus.PENDING).exists()
