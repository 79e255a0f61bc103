"""Progress by unit and by activity is counted from the units' own reports and evidence; lateness and overdue."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from communication.evidence_samples import png_square
from communication.models import ActivityKind, Evidence, UnitTask
from communication.selectors import plan_progress
from communication.services import activity_save, task_report
from communication.tests.factories import make_plan_world, named, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree):
    return make_plan_world(tree)


def test_progress_counts_match_the_units_evidence(world, tree, alice):
    task_report(task=world.task(world.posting, tree["A1"]), actor=alice, links=["https://a1.gov.vn/thong-bao"], files=[photo()])
    task_report(task=world.task(world.posting, tree["A2"]), actor=alice, files=[photo("a2.png")])
    task_report(
        task=world.task(world.website, tree["A-BV"]), actor=alice, links=["https://bv.vn/bai-dang", "https://facebook.com/bv/posts/1"]
    )
    progress = plan_progress(world.plan)

    evidence = Evidence.objects.filter(task__activity__plan=world.plan)
    reported_tasks = set(evidence.values_list("task_id", flat=True))
    done_by_unit = Counter(UnitTask.objects.filter(pk__in=reported_tasks).values_list("unit__code", flat=True))
    evidence_by_unit = Counter(evidence.values_list("task__unit__code", flat=True))
    done_by_activity = Counter(UnitTask.objects.filter(pk__in=reported_tasks).values_list("activity_id", flat=True))
    evidence_by_activity = Counter(evidence.values_list("task__activity_id", flat=True))

    assert (
        {row.detail: row.done for row in progress.by_unit}
        == {"A1": done_by_unit["A1"], "A2": done_by_unit["A2"], "A-BV": done_by_unit["A-BV"]}
        == {"A1": 1, "A2": 1, "A-BV": 1}
    )
    assert (
        {row.detail: row.evidence for row in progress.by_unit}
        == {"A1": 2, "A2": 1, "A-BV": 2}
        == {code: evidence_by_unit[code] for code in ("A1", "A2", "A-BV")}
    )
    assert {row.key: row.done for row in progress.by_activity} == {world.posting.pk: 2, world.website.pk: 1} == dict(done_by_activity)
    assert (
        {row.key: row.evidence for row in progress.by_activity} == dict(evidence_by_activity) == {world.posting.pk: 3, world.website.pk: 2}
    )
    assert (progress.total.tasks, progress.total.done, progress.total.evidence) == (4, 3, 5)
    assert progress.total.done == len(reported_tasks) and progress.total.evidence == evidence.count()


def test_a_report_after_the_deadline_is_accepted_and_marked_late(world, tree, alice):
    task = task_report(task=world.task(world.posting, tree["A1"]), actor=alice, links=["https://a1.gov.vn/thong-bao"])
    assert task.done_on == timezone.localdate() and task.is_late
    on_time = task_report(task=world.task(world.website, tree["A1"]), actor=alice, links=["https://a1.gov.vn/tin"])
    assert not on_time.is_late
    progress = plan_progress(world.plan)
    rows = {row.key: row for row in progress.by_activity}
    assert (rows[world.posting.pk].done, rows[world.posting.pk].late, rows[world.posting.pk].overdue) == (1, 1, 1)  # A2 has not reported
    assert (rows[world.website.pk].done, rows[world.website.pk].late, rows[world.website.pk].open) == (1, 0, 1)


def test_a_later_deadline_makes_a_late_report_on_time(world, tree, alice):
    task_report(task=world.task(world.posting, tree["A1"]), actor=alice, links=["https://a1.gov.vn/thong-bao"])
    world.posting.deadline = timezone.localdate() + dt.timedelta(days=3)
    activity_save(activity=world.posting, units=[tree["A1"], tree["A2"]], actor=alice)
    assert plan_progress(world.plan).total.late == 0


def test_reporting_again_adds_evidence_and_keeps_the_first_day(world, tree, alice):
    task = world.task(world.website, tree["A1"])
    first = task_report(task=task, actor=alice, links=["https://a1.gov.vn/1"])
    again = task_report(task=task, actor=alice, files=[photo()])
    assert again.done_at == first.done_at and task.evidence.count() == 2


def test_the_filters_cut_the_counts(world, tree, alice):
    task_report(task=world.task(world.posting, tree["A1"]), actor=alice, links=["https://a1.gov.vn/thong-bao"])
    assert plan_progress(world.plan, kind=ActivityKind.WEBSITE).total.tasks == 2
    assert plan_progress(world.plan, state="overdue").total.tasks == 1  # A2's posting
    assert plan_progress(world.plan, state="late").total.tasks == 1
    assert plan_progress(world.plan, state="open").total.tasks == 2
    assert [row.detail for row in plan_progress(world.plan, unit_type="hospital").by_unit] == ["A-BV"]
    assert [row.detail for row in plan_progress(world.plan, search="Phường").by_unit] == ["A2"]


# --- refusals: nothing half-saved -------------------------------------------------------------------


def _nothing_saved(task, media) -> bool:
    task.refresh_from_db()
    files = [path for path in media.rglob("*") if path.is_file()]
    return task.done_at is None and not task.evidence.exists() and files == []


def test_a_report_without_evidence_is_refused(world, tree, alice, media):
    task = world.task(world.website, tree["A1"])
    with pytest.raises(ValidationError, match="ít nhất một ảnh"):
        task_report(task=task, actor=alice, note="Đã làm")
    assert _nothing_saved(task, media)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: named(b"<script>alert(1)</script>", "anh.png"), "không phải là PNG"),
        (lambda: named(b"#!/bin/sh\nrm -rf /", "chay.sh"), "Không nhận loại tệp"),
        (lambda: named(b"", "rong.jpg"), "rỗng"),
        (lambda: named(b"%PDF-1.4 /JavaScript (app.alert(1))", "tai-lieu.pdf"), "mã chạy tự động"),
    ],
)
def test_untrusted_files_are_refused_and_nothing_is_kept(world, tree, alice, media, upload, message):
    task = world.task(world.website, tree["A1"])
    with pytest.raises(ValidationError, match=message):
        task_report(task=task, actor=alice, files=[named(png_square(), "tot.png"), upload()])
    assert _nothing_saved(task, media)


def test_a_file_over_the_size_limit_is_refused(world, tree, alice, media, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    task = world.task(world.website, tree["A1"])
    with pytest.raises(ValidationError, match="quá lớn"):
        task_report(task=task, actor=alice, files=[named(png_square(64), "lon.png")])
    assert _nothing_saved(task, media)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>", "khong-phai-duong-dan"])
def test_links_other_than_http_are_refused(world, tree, alice, media, link):
    task = world.task(world.website, tree["A1"])
    with pytest.raises(ValidationError, match="http"):
        task_report(task=task, actor=alice, links=["https://dung.vn/1", link])
    assert _nothing_saved(task, media)


def test_evidence_per_task_is_bounded(world, tree, alice, media):
    task = world.task(world.website, tree["A1"])
    with pytest.raises(ValidationError, match="tối đa 20"):
        task_report(task=task, actor=alice, links=[f"https://a1.gov.vn/{i}" for i in range(21)])
    assert _nothing_saved(task, media)


# --- the plan's rules ---------------------------------------------------------------------------------


def test_units_outside_the_organiser_are_refused(world, tree, alice):
    world.website.title = "Đổi"
    with pytest.raises(ValidationError, match="không thuộc đơn vị tổ chức"):
        activity_save(activity=world.website, units=[tree["A1"], tree["B1"]], actor=alice)
    assert set(world.website.tasks.values_list("unit__code", flat=True)) == {"A1", "A-BV"}


def test_a_unit_that_reported_cannot_be_dropped_but_others_can(world, tree, alice):
    task_report(task=world.task(world.website, tree["A1"]), actor=alice, links=["https://a1.gov.vn/1"])
    with pytest.raises(ValidationError, match="đã báo cáo"):
        activity_save(activity=world.website, units=[tree["A-BV"]], actor=alice)
    activity_save(activity=world.website, units=[tree["A1"], tree["A2"]], actor=alice)
    assert set(world.website.tasks.values_list("unit__code", flat=True)) == {"A1", "A2"}
