"""Improvement plans through their services and pages: who must file (the one verdict function), due dates,
lateness (accepted, marked, never lost), review with comments, reminders (the beat task), access, evidence."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from plans.models import Evidence, ImprovementPlan, PlanEvent, PlanEventKind, PlanRules, PlanStatus, RequiredUnits
from plans.reminders import reminder_due
from plans.rules import plan_due_date
from plans.services import measure_add, plan_review, plan_submit, plans_require
from plans.tasks import plan_reminders
from plans.tests.factories import plan_world_build
from units.access import SYSTEM
from units.models import Role

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
def world(tree):
    return plan_world_build(tree)


@pytest.fixture
def director(make_user, tree):
    return make_user("giamdoc.a", Role.UNIT_MANAGER, tree["A-BV"], email="giamdoc@bva.vn")


def hospital_plan(world) -> ImprovementPlan:
    plans_require(campaign=world.published, actor=SYSTEM)
    return ImprovementPlan.objects.get(campaign=world.published, unit__code="A-BV")


def with_measures(plan: ImprovementPlan, actor) -> ImprovementPlan:  # type: ignore[no-untyped-def]
    for criterion in plan.criteria.all():
        measure_add(criterion=criterion, action="Niêm yết quy trình", owner="Điều dưỡng trưởng", due_on=dt.date(2026, 12, 31), actor=actor)
    return plan


# ---------------------------------------------------------------- who must file, for which criteria, by when


def test_only_units_whose_verdict_is_chua_dat_must_file_never_those_without_enough_evidence(world):
    created = plans_require(campaign=world.published, actor=SYSTEM)
    # Bệnh viện A: 40% (20–64%) CHƯA ĐẠT; A1 80% and A2 95% have intervals across 80%: CHƯA ĐỦ CĂN CỨ.
    assert [plan.unit.code for plan in created] == ["A-BV"]
    plan = created[0]
    assert plan.reason == "Chỉ số chung 40,00% — CHƯA ĐẠT chỉ tiêu 80,00%"
    assert [(c.code, c.value) for c in plan.criteria.all()] == [("TC1", 40), ("TC2", 40)]
    assert plan.due_on == timezone.localdate(world.published.published_at) + dt.timedelta(days=30)
    assert plan.snapshot_version == 1 and plan.status == PlanStatus.DRAFT


def test_every_surveyed_unit_files_for_its_weakest_criteria_when_the_rules_say_so(tree):
    world = plan_world_build(tree, required=RequiredUnits.ALL, weakest=3)
    created = plans_require(campaign=world.published, actor=SYSTEM)
    assert sorted(plan.unit.code for plan in created) == ["A-BV", "A1", "A2"]  # not the organiser, not Sở Y tế A (a roll-up)
    assert all(plan.criteria.count() == 3 for plan in created)


def test_requiring_plans_again_keeps_the_plans_made_and_nothing_is_required_before_publication(world, tree):
    first = plans_require(campaign=world.published, actor=SYSTEM)
    assert plans_require(campaign=world.published, actor=SYSTEM) == []
    assert ImprovementPlan.objects.get().pk == first[0].pk
    PlanRules.objects.create(campaign=world.current, due_days=10)
    assert plans_require(campaign=world.current, actor=SYSTEM) == []  # 2026 is not published


@pytest.mark.parametrize(
    ("due_days", "month", "day", "published", "expected"),
    [
        (30, None, None, dt.date(2026, 11, 20), dt.date(2026, 12, 20)),
        (None, 2, 1, dt.date(2026, 11, 20), dt.date(2027, 2, 1)),  # "hằng năm trước ngày 1/2"
        (None, 2, 1, dt.date(2026, 1, 10), dt.date(2026, 2, 1)),
        (90, 2, 1, dt.date(2026, 11, 20), dt.date(2027, 2, 1)),  # both: the earlier
        (30, 2, 1, dt.date(2026, 11, 20), dt.date(2026, 12, 20)),
        (None, 2, 29, dt.date(2026, 3, 1), dt.date(2027, 2, 28)),
    ],
)
def test_the_due_date_is_days_after_publication_or_the_yearly_date_whichever_comes_first(due_days, month, day, published, expected):
    rules = PlanRules(due_days=due_days, yearly_due_month=month, yearly_due_day=day)
    assert plan_due_date(rules, published) == expected


def test_rules_without_a_due_date_or_with_a_date_that_does_not_exist_are_refused(world, client, alice):
    client.force_login(alice)
    url = reverse("plans:rules", args=[world.published.code])
    page = client.post(url, {"required_units": "all", "weakest_count": 3, "remind_days_before": 7, "remind_every_days_after": 7})
    assert "Hãy đặt hạn nộp" in page.content.decode()
    page = client.post(
        url,
        {
            "required_units": "all",
            "weakest_count": 3,
            "yearly_due_day": 31,
            "yearly_due_month": 2,
            "remind_days_before": 7,
            "remind_every_days_after": 7,
        },
    )
    assert "Ngày hằng năm không có thật: 31/2" in page.content.decode()
    page = client.post(
        url, {"required_units": "all", "weakest_count": 0, "due_days": 30, "remind_days_before": 7, "remind_every_days_after": 7}
    )
    assert "Số tiêu chí yếu nhất phải từ 1 đến 20." in page.content.decode()
    assert PlanRules.objects.get(campaign=world.published).due_days == 30


# ---------------------------------------------------------------- filing, lateness, review


def test_a_plan_filed_after_its_due_date_is_accepted_and_marked_late(world, director):
    plan = with_measures(hospital_plan(world), director)
    ImprovementPlan.objects.filter(pk=plan.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    plan = plan_submit(plan=ImprovementPlan.objects.get(pk=plan.pk), actor=director)
    assert plan.status == PlanStatus.SUBMITTED and plan.late is True
    assert PlanEvent.objects.get(plan=plan, kind=PlanEventKind.SUBMITTED).late is True


def test_a_plan_filed_on_time_stays_on_time_after_a_return_and_a_late_resubmission(world, director, alice):
    plan = plan_submit(plan=with_measures(hospital_plan(world), director), actor=director)
    assert plan.late is False
    with pytest.raises(ValidationError, match="Hãy ghi ý kiến"):
        plan_review(plan=plan, approve=False, comment="  ", actor=alice)
    plan_review(plan=plan, approve=False, comment="Bổ sung kinh phí cho từng biện pháp.", actor=alice)
    ImprovementPlan.objects.filter(pk=plan.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    plan = plan_submit(plan=plan, actor=director)
    assert (plan.status, plan.late) == (PlanStatus.SUBMITTED, False)
    history = list(plan.events.values_list("kind", "late", "comment"))
    assert history == [("submitted", False, ""), ("returned", False, "Bổ sung kinh phí cho từng biện pháp."), ("submitted", True, "")]
    assert plan_review(plan=plan, approve=True, comment="", actor=alice).status == PlanStatus.APPROVED


def test_a_plan_without_a_measure_for_every_criterion_is_not_filed(world, director):
    plan = hospital_plan(world)
    measure_add(criterion=plan.criteria.first(), action="A", owner="B", due_on=dt.date(2026, 12, 1), actor=director)
    with pytest.raises(ValidationError, match="Còn thiếu: TC2"):
        plan_submit(plan=plan, actor=director)
    assert ImprovementPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


def test_the_unit_files_and_the_organisers_officials_review(world, director, make_user, tree):
    plan = plan_submit(plan=with_measures(hospital_plan(world), director), actor=director)
    with pytest.raises(PermissionDenied):
        plan_review(plan=plan, approve=True, comment="", actor=director)  # a unit manager does not approve their own plan
    hospital_official = make_user("canbo.bv", Role.OFFICIAL, tree["A-BV"])
    with pytest.raises(PermissionDenied):
        plan_review(plan=plan, approve=True, comment="", actor=hospital_official)  # nor the hospital's official: the department does
    with pytest.raises(Http404):
        plan_submit(plan=plan, actor=make_user("gd.a1", Role.UNIT_MANAGER, tree["A1"]))  # another unit's manager: not theirs


# ---------------------------------------------------------------- reminders (the beat task)


def test_the_reminder_task_creates_plans_and_reminds_before_and_after_the_due_date(
    world, director, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "plans.tasks.plan_reminders" in {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert plan_reminders.apply().get() == 0  # plans created today, due in 30 days: nothing yet
    plan = ImprovementPlan.objects.get(unit__code="A-BV")
    ImprovementPlan.objects.filter(pk=plan.pk).update(due_on=timezone.localdate() + dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the reminder's commit
        assert plan_reminders.apply().get() == 1
    assert plan_reminders.apply().get() == 0  # one reminder a day
    assert mail.outbox[0].to == ["giamdoc@bva.vn"] and "Nhắc hạn" in mail.outbox[0].subject and "/ke-hoach/" in mail.outbox[0].body
    reminder = PlanEvent.objects.get(plan=plan, kind=PlanEventKind.REMINDED)
    assert "trước hạn" in reminder.comment
    ImprovementPlan.objects.filter(pk=plan.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    assert plan_reminders.apply().get() == 0  # already reminded today
    PlanEvent.objects.filter(pk=reminder.pk).update(at=timezone.now() - dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert plan_reminders.apply().get() == 1
    assert len(mail.outbox) == 2 and "Quá hạn" in mail.outbox[-1].subject
    plan_submit(plan=with_measures(ImprovementPlan.objects.get(pk=plan.pk), director), actor=director)
    PlanEvent.objects.filter(kind=PlanEventKind.REMINDED).update(at=timezone.now() - dt.timedelta(days=30))
    assert plan_reminders.apply().get() == 0  # filed: no more reminders


@pytest.mark.parametrize(
    ("days_left", "last_days_ago", "expected"),
    [(8, None, False), (7, None, True), (0, None, True), (3, 1, False), (-1, None, True), (-1, 2, True), (-10, 3, False), (-10, 7, True)],
)
def test_when_a_reminder_is_due(days_left, last_days_ago, expected):
    today = dt.date(2026, 11, 30)
    plan = ImprovementPlan(due_on=today + dt.timedelta(days=days_left))
    rules = PlanRules(remind_days_before=7, remind_every_days_after=7)
    last = today - dt.timedelta(days=last_days_ago) if last_days_ago is not None else None
    assert reminder_due(plan, rules, today, last) is expected


# ---------------------------------------------------------------- pages: access, evidence


def test_an_outsider_gets_404_and_a_reader_of_the_unit_cannot_file(world, client, charlie, bob, director):
    plan = hospital_plan(world)
    url = reverse("plans:plan", args=[world.published.code, "A-BV"])
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    assert client.get(reverse("plans:department", args=[world.published.code])).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 200
    assert client.post(reverse("plans:submit", args=[world.published.code, "A-BV"])).status_code == 403
    assert client.get(reverse("plans:department", args=[world.published.code])).status_code == 403
    client.force_login(director)
    assert client.get(url).status_code == 200
    assert client.get(reverse("plans:plan", args=[world.published.code, "A1"])).status_code == 404
    assert ImprovementPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


def upload_evidence(client, world, plan, name: str, data: bytes):  # type: ignore[no-untyped-def]
    measure = plan.criteria.first().measures.first()
    file = io.BytesIO(data)
    file.name = name
    url = reverse("plans:evidence_add", args=[world.published.code, "A-BV", measure.pk])
    return client.post(url, {"file": file, "note": "ảnh"}, follow=True).content.decode()


def test_evidence_disguised_by_its_extension_or_too_large_is_refused_with_a_vietnamese_message(world, client, director, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EVIDENCE_MAX_BYTES = 1024
    plan = with_measures(hospital_plan(world), director)
    client.force_login(director)
    page = upload_evidence(client, world, plan, "bien-ban.pdf", b"<html><script>alert(1)</script></html>")
    assert "Nội dung tệp không phải là PDF" in page
    page = upload_evidence(client, world, plan, "anh.pdf", PDF + b"0" * 2048)
    assert "Tệp quá lớn" in page
    assert not Evidence.objects.exists() and not any(tmp_path.rglob("*.*"))
    page = upload_evidence(client, world, plan, "Biên bản họp.pdf", PDF)
    assert "Đã thêm minh chứng." in page
    evidence = Evidence.objects.get()
    assert evidence.file.startswith("evidence/") and "Biên" not in evidence.file
    download = client.get(reverse("plans:evidence", args=[world.published.code, "A-BV", evidence.pk]))
    assert download["Content-Disposition"].startswith("attachment;") and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"].startswith("sandbox")


def test_a_link_is_evidence_too_but_only_http(world, client, director):
    plan = with_measures(hospital_plan(world), director)
    measure = plan.criteria.first().measures.first()
    client.force_login(director)
    url = reverse("plans:evidence_add", args=[world.published.code, "A-BV", measure.pk])
    assert "http://" in client.post(url, {"link": "javascript:alert(1)"}, follow=True).content.decode()
    client.post(url, {"link": "https://facebook.com/bva/posts/1"})
    assert list(Evidence.objects.values_list("link", flat=True)) == ["https://facebook.com/bva/posts/1"]


def test_the_department_lists_late_and_overdue_plans_first(tree, client, alice):
    world = plan_world_build(tree, required=RequiredUnits.ALL)
    plans_require(campaign=world.published, actor=SYSTEM)
    ImprovementPlan.objects.filter(unit__code="A2").update(due_on=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(alice)
    html = client.get(reverse("plans:department", args=[world.published.code])).content.decode()
    assert html.index('data-unit="A2"') < html.index('data-unit="A-BV"') < html.index('data-unit="A1"')  # overdue first, then by unit
    assert "Quá hạn, chưa nộp" in html


def test_the_unit_page_shows_the_plan_with_its_status_and_due_date(world, client, director):
    hospital_plan(world)
    client.force_login(director)
    html = client.get(reverse("reports:unit", args=[world.published.code, "A-BV"])).content.decode()
    assert 'id="improvement-plan"' in html and 'data-plan-status="draft"' in html and "Lập / sửa kế hoạch" in html


def test_the_dashboard_links_the_departments_list_for_those_who_review(world, client, alice, bob):
    url = reverse("reports:dashboard", args=[world.published.code])
    client.force_login(alice)
    assert 'id="plans-link"' in client.get(url).content.decode()
    client.force_login(bob)
    assert 'id="plans-link"' not in client.get(url).content.decode()


def test_the_department_list_reads_a_fixed_number_of_queries(tree, client, alice, django_assert_num_queries):
    world = plan_world_build(tree, required=RequiredUnits.ALL)
    plans_require(campaign=world.published, actor=SYSTEM)
    client.force_login(alice)
    url = reverse("plans:department", args=[world.published.code])
    client.get(url)
    # session and user (2), the campaign, alice's roles at the organiser, the plans with their units, the rules,
    # and the navigation's roles (units.context_processors)
    with django_assert_num_queries(7):
        client.get(url)
