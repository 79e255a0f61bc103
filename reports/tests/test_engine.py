"""The index engine end to end: roll-up, no data, idempotency, incremental and chunked runs, jobs."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import campaign_mark_dirty
from reports import chunks, services, tasks
from reports.dashboards.distributions import distributions, rules_by_question
from reports.models import ExportJob, IndexValue, SubtreeTally, Tally
from reports.selectors import index_tables, index_values, working_snapshot
from reports.services import index_recompute
from reports.tests.factories import MISSING, make_campaign, make_questionnaire, make_response, worked_example
from surveys.models import Question, Response

D = Decimal
TWO_SECTIONS = {"A": ["A1", "A2"], "B": ["B1", "B2"]}


@pytest.fixture(autouse=True)
def eager_celery():
    """Run tasks in this process even when REDIS_URL is set (the real worker has its own test)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def value(campaign, unit, scope="overall", key=""):
    return index_values(working_snapshot(campaign), unit, scope).get(key=key)


@pytest.fixture
def campaign(tree):
    """Organised by province A; answers at communes A1, A2 and the hospital under A's health department."""
    campaign = make_campaign(tree["A"], make_questionnaire(TWO_SECTIONS, expectation="G1", return_question="G2"), scheme="moh_pooled")
    make_response(campaign, tree["A1"], {"A1": 5, "A2": 4, "B1": 2, "B2": 5, "G1": 80, "G2": 5})
    make_response(campaign, tree["A1"], {"A1": 4, "A2": MISSING, "B1": 4, "B2": None, "G1": 90, "G2": 3}, channel="home_visit")
    make_response(campaign, tree["A2"], {"A1": 1, "A2": 2, "B1": 3, "B2": 4, "G1": 999, "G2": 6})
    make_response(campaign, tree["A-BV"], {"A1": 5, "A2": 5, "B1": 5, "B2": 5, "G1": 100, "G2": 4})
    make_response(campaign, tree["A-BV"], {"A1": 1, "A2": 1, "B1": 1, "B2": 1}, status="rejected")
    make_response(campaign, tree["A-BV"], {"A1": 1, "A2": 1, "B1": 1, "B2": 1}, status="draft")
    return campaign


@pytest.mark.django_db
def test_values_roll_up_the_tree_to_the_organiser(campaign, tree):
    index_recompute(campaign.pk)
    assert value(campaign, tree["A"], "responses").value == D(4)
    assert value(campaign, tree["A"], "criterion", "A1").value == D("75.00")  # 5, 4, 1, 5
    assert value(campaign, tree["A"], "criterion", "A2").n == 3  # the missing code is out of the denominator
    assert value(campaign, tree["A1"], "element", "B").value == D("66.67")  # 2, 5, 4 (B2 skipped once)
    assert value(campaign, tree["A-SYT"], "overall").value == D("100.00")  # the department holds only the hospital
    assert value(campaign, tree["A-SYT"], "responses").n == 1  # rejected and draft responses are not counted
    overall = value(campaign, tree["A"])
    assert (overall.value, overall.n) == (D("71.43"), 14)  # 10 satisfied of 14 valid index answers
    assert value(campaign, tree["A"], "full").value == D("50.00")  # the second respondent at A1 and the hospital's
    assert value(campaign, tree["A"], "expectation", "G1").value == D("90.00")  # 80, 90, 100; 999 is missing
    assert value(campaign, tree["A"], "return", "G2").value == D("66.67")  # 5 and 4 of 5, 3, 4 ("khác" is missing here)
    assert value(campaign, tree["A"], "mean", "").value == D("3.86")  # 54 / 14
    assert not IndexValue.objects.filter(unit__in=[tree["B"], tree["B1"]]).exists()


@pytest.mark.django_db
def test_a_campaign_without_responses_shows_no_data_never_zero(tree):
    campaign = make_campaign(tree["A"], make_questionnaire(TWO_SECTIONS))
    summary = index_recompute(campaign.pk)
    assert summary.responses == 0 and summary.overall is None
    rows = {(v.scope, v.key): v for v in index_values(working_snapshot(campaign), tree["A"])}
    assert rows[("responses", "")].value == D(0)
    for scope_key in [("overall", ""), ("full", ""), ("element", "A"), ("criterion", "B2"), ("mean", "")]:
        assert rows[scope_key].value is None and rows[scope_key].n == 0


@pytest.mark.django_db
def test_a_unit_without_answers_and_a_question_nobody_answered_show_no_data(tree):
    campaign = make_campaign(tree["A"], make_questionnaire(TWO_SECTIONS))
    make_response(campaign, tree["A1"], {"A1": 5, "A2": MISSING, "B1": None, "B2": None})
    make_response(campaign, tree["A2"], {})  # a response with no answers at all
    index_recompute(campaign.pk)
    assert value(campaign, tree["A"], "criterion", "A2").value is None  # only a missing code
    assert value(campaign, tree["A"], "element", "B").value is None  # nobody answered B1 or B2
    assert value(campaign, tree["A"]).value == D("100.00")
    assert value(campaign, tree["A2"], "responses").value == D(1)
    assert value(campaign, tree["A2"]).value is None and value(campaign, tree["A2"], "full").value is None
    assert not index_values(working_snapshot(campaign), tree["A-BV"]).exists()


@pytest.mark.django_db
def test_a_misconfigured_scheme_shows_no_data_and_the_recompute_finishes(tree):
    campaign = make_campaign(tree["A"], scheme="moh_pooled", options={"element": "average", "overall": 3})
    worked_example(campaign, tree["A1"])
    Campaign.objects.filter(pk=campaign.pk).update(index_scheme="bogus", counted_statuses="all")
    index_recompute(campaign.pk)
    assert value(campaign, tree["A"]).value is None
    assert value(campaign, tree["A"], "full").value == D("50.00")  # what does not depend on the scheme is still shown
    Campaign.objects.filter(pk=campaign.pk).update(index_scheme="moh_pooled")
    index_recompute(campaign.pk)  # bad options fall back to the scheme's defaults
    assert value(campaign, tree["A"]).value == D("80.00")


@pytest.mark.django_db
def test_recomputing_twice_gives_identical_tables(campaign):
    index_recompute(campaign.pk, full=True)
    first = index_tables(campaign)
    index_recompute(campaign.pk, full=True)
    assert index_tables(campaign) == first
    assert first["values"] and first["tally"]


@pytest.mark.django_db
def test_a_full_recompute_rewrites_only_the_rows_that_changed_and_equals_one_from_scratch(campaign, tree):
    index_recompute(campaign.pk, full=True)
    ids = {model: dict(model.objects.filter(**where).values_list("pk", *key)) for model, where, key in _replaced_tables(campaign)}
    with transaction.atomic():
        Response.objects.filter(unit=tree["A2"]).update(status="rejected")  # A2's rows vanish, its chain's change
        make_response(campaign, tree["A-BV"], {"A1": 4, "A2": 4, "B1": 4, "B2": 4})
    index_recompute(campaign.pk, full=True)
    kept = index_tables(campaign)
    after = {model: dict(model.objects.filter(**where).values_list("pk", *key)) for model, where, key in _replaced_tables(campaign)}
    # A1's leaf tallies did not change: the same rows, not rewritten; A2's are gone
    assert {pk for pk, unit in after[Tally].items() if unit == tree["A1"].pk} == {pk for pk, unit in ids[Tally].items() if unit == tree["A1"].pk}
    assert not any(unit == tree["A2"].pk for unit in after[Tally].values())
    assert set(after[IndexValue]) & set(ids[IndexValue])  # A1's index values kept in place
    for model, where, _key in _replaced_tables(campaign):
        model.objects.filter(**where).delete()
    index_recompute(campaign.pk, full=True)
    assert index_tables(campaign) == kept


def _replaced_tables(campaign):  # noqa: N802 (a table of the tables replace_rows writes)
    return [
        (Tally, {"campaign": campaign}, ["unit_id"]),
        (SubtreeTally, {"campaign": campaign}, ["unit_id"]),
        (IndexValue, {"snapshot": working_snapshot(campaign)}, ["unit_id"]),
    ]


@pytest.mark.django_db
def test_an_incremental_recompute_equals_a_full_one(campaign, tree):
    index_recompute(campaign.pk)
    with transaction.atomic():
        make_response(campaign, tree["A2"], {"A1": 5, "A2": 5, "B1": 5, "B2": 5})
        make_response(campaign, tree["B1"], {"A1": 2})  # outside the organiser's subtree
        rejected = Response.objects.get(unit=tree["A-BV"], status="rejected")
        Response.objects.filter(pk=rejected.pk).update(status="approved")  # a bulk update leaves updated_at alone
        Response.objects.filter(unit=tree["A1"], channel="phone").delete()
        campaign_mark_dirty(campaign_id=campaign.pk)
    summary = index_recompute(campaign.pk)
    assert summary.mode == "incremental"
    incremental = index_tables(campaign)
    index_recompute(campaign.pk, full=True)
    assert index_tables(campaign) == incremental
    assert value(campaign, tree["A"], "responses").value == D(5)


@pytest.mark.django_db
def test_a_subtree_recompute_equals_a_full_one(campaign, tree):
    index_recompute(campaign.pk)
    make_response(campaign, tree["A-BV"], {"A1": 3, "A2": 3, "B1": 3, "B2": 3})
    index_recompute(campaign.pk, ["A/A-SYT/"])
    partial = index_tables(campaign)
    index_recompute(campaign.pk, full=True)
    assert index_tables(campaign) == partial


@pytest.mark.django_db
def test_a_chunked_recompute_gives_exactly_the_single_process_result(campaign, tree, make_unit):
    make_response(campaign, tree["A"], {"A1": 2, "A2": 3})  # answered at the organiser itself
    index_recompute(campaign.pk, full=True)
    single = index_tables(campaign)
    assert tasks.recompute_campaign_chunked.delay(campaign.pk).get() == 4  # A1, A2, A-SYT and the rest
    assert index_tables(campaign) == single


@pytest.mark.django_db
def test_a_redelivered_chunk_changes_nothing(campaign):
    index_recompute(campaign.pk, full=True)
    single = index_tables(campaign)
    chunk_ids = chunks.index_recompute_plan(campaign_id=campaign.pk)
    finished = [tasks.recompute_chunk.delay(chunk_id).get() for chunk_id in chunk_ids]
    assert finished[-1] is True
    assert tasks.recompute_chunk.delay(chunk_ids[0]).get() is False  # the run is over: nothing to do
    assert index_tables(campaign) == single


@pytest.mark.django_db
def test_a_redelivered_recompute_finds_its_work_done(campaign, django_assert_max_num_queries):
    with transaction.atomic():
        campaign_mark_dirty(campaign_id=campaign.pk)
    assert tasks.recompute_campaign.delay(campaign.pk).get() == "full"
    campaign.refresh_from_db()
    assert campaign.dirty_at is None
    done = index_tables(campaign)
    with django_assert_max_num_queries(7):  # the settings' fingerprint reads forms, questions and population sizes
        assert tasks.recompute_campaign.delay(campaign.pk).get() == "up_to_date"
    assert index_tables(campaign) == done


@pytest.mark.django_db
def test_the_dirty_mark_stays_when_a_response_arrives_during_the_recompute(campaign, tree, monkeypatch):
    Campaign.objects.filter(pk=campaign.pk).update(dirty_at=timezone.now())
    real_setup = services.campaign_setup

    def setup_while_someone_submits(c):
        make_response(c, tree["A2"], {"A1": 5})  # saved after the run started
        return real_setup(c)

    monkeypatch.setattr(services, "campaign_setup", setup_while_someone_submits)
    index_recompute(campaign.pk)
    campaign.refresh_from_db()
    assert campaign.dirty_at is not None
    monkeypatch.undo()
    index_recompute(campaign.pk)
    campaign.refresh_from_db()
    assert campaign.dirty_at is None


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_data(tree, django_assert_num_queries):
    small = make_campaign(tree["A"], make_questionnaire(TWO_SECTIONS))
    large = make_campaign(tree["A"], make_questionnaire(TWO_SECTIONS))
    for unit in ("A1", "A2", "A-BV", "A"):
        make_response(small, tree[unit], {"A1": 5})
        for level in range(1, 6):
            for channel in ("desk", "phone"):
                make_response(large, tree[unit], {"A1": level, "A2": 6 - level, "B1": level, "B2": MISSING}, channel=channel)
    # PostgreSQL checks that every counted response has its stored counts, reads the responses once
    # (cell counts and index patterns) and the answers the patterns do not cover (here all of them, the
    # factory's responses having no pattern) in a second statement, and writes with COPY (not counted);
    # two of them record the run's start and end on the working snapshot (reports.freshness); the
    # estimates add seven: the population sizes, the cells' moments (deleted, one grouped read of the
    # responses' patterns, and for these factory-made responses without one a search and a read of
    # their answers), their write (COPY on PostgreSQL) and the read-back for every unit's estimates;
    # the leaf rows are read back and written where they differ, and the changes of an open chunked
    # run are marked taken in by the rebuild
    expected = 34 if connection.vendor == "postgresql" else 39
    for campaign in (small, large):
        with django_assert_num_queries(expected):
            index_recompute(campaign.pk, full=True)


@pytest.mark.django_db
def test_distribution_is_rounded_to_exactly_100(tree):
    campaign = make_campaign(tree["A"], make_questionnaire(TWO_SECTIONS))
    for level in (5, 5, 4, MISSING, 1, 3):
        make_response(campaign, tree["A1"], {"A1": level})
    index_recompute(campaign.pk)
    question = Question.objects.get(questionnaire=campaign.forms.get().questionnaire, code="A1")
    nobody = Question.objects.get(questionnaire=campaign.forms.get().questionnaire, code="B2")
    answered, unanswered = distributions(campaign, tree["A"], [question, nobody], rules_by_question(campaign))
    rows = [(level, count, percent) for level, _label, count, percent in answered.levels]
    assert rows == [(1, 1, D("20.00")), (2, 0, D("0.00")), (3, 1, D("20.00")), (4, 1, D("20.00")), (5, 2, D("40.00"))]
    assert answered.n == 5
    assert unanswered.n == 0 and {percent for *_, percent in unanswered.levels} == {None}


@pytest.mark.django_db
def test_the_recompute_command_prints_a_summary_and_json(campaign, tree):
    out = io.StringIO()
    call_command("recompute", campaign.code, stdout=out)
    assert "4 phiếu được tính" in out.getvalue() and "71,43%" in out.getvalue()
    out = io.StringIO()
    call_command("recompute", campaign.code, "--json", stdout=out)
    data = json.loads(out.getvalue())
    estimates, design = data.pop("estimates"), data.pop("design")
    assert data == {
        "campaign": campaign.code,
        "scheme": "moh_pooled",
        "responses": 4,
        "overall": 71.43,
        "full_satisfaction": 50.0,
        "elements": {"A": 71.43, "B": 71.43},
        "criteria": {"A1": 75.0, "A2": 66.67, "B1": 50.0, "B2": 100.0},
    }
    assert design == {"weighted": False, "rule": "pooled", "strata": 4}  # no population sizes: unweighted; 4 unit × channel cells
    assert set(estimates) == {"overall", "elements", "criteria"}
    assert list(estimates["criteria"]) == ["A1", "A2", "B1", "B2"] and list(estimates["elements"]) == ["A", "B"]
    overall = estimates["overall"]
    assert set(overall) == {"value", "se", "ci_low", "ci_high", "deff", "n_eff", "respondents"}
    assert overall["value"] == pytest.approx(500 / 7) and round(overall["value"], 2) == data["overall"]
    assert overall["respondents"] == 4 and overall["se"] > 0


@pytest.mark.django_db
def test_the_recompute_command_rejects_an_unknown_campaign():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("recompute", "khong-co")


@pytest.mark.django_db
def test_a_submission_with_the_broker_down_is_saved_and_the_sweep_catches_up(campaign, tree, caplog, django_capture_on_commit_callbacks):
    from config.celery import app

    index_recompute(campaign.pk)
    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app._pool = app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            response = make_response(campaign, tree["A2"], {"A1": 5, "A2": 5, "B1": 5, "B2": 5})
            campaign_mark_dirty(campaign_id=campaign.pk)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = previous
        app._pool = app.amqp._producer_pool = None
    assert len(callbacks) == 1 and "Không gửi được yêu cầu tính lại" in caplog.text  # the enqueue ran and failed
    assert Response.objects.filter(pk=response.pk).exists()
    campaign.refresh_from_db()
    assert campaign.dirty_at is not None
    assert value(campaign, tree["A"], "responses").value == D(4)  # not recomputed yet
    tasks.sweep_dirty.delay().get()  # Redis is back: the periodic sweep picks the campaign up
    campaign.refresh_from_db()
    assert campaign.dirty_at is None
    assert value(campaign, tree["A"], "responses").value == D(5)


@pytest.mark.django_db
def test_expired_export_files_are_deleted(alice, campaign, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.create(requested_by=alice, campaign=campaign, kind="xlsx", expires_at=timezone.now())
    job.file.save("ket-qua.xlsx", ContentFile(b"x"))
    kept = ExportJob.objects.create(requested_by=alice, campaign=campaign, kind="xlsx", expires_at=timezone.now() + timezone.timedelta(days=1))
    kept.file.save("con-han.xlsx", ContentFile(b"x"))
    path = job.file.path
    assert tasks.expire_exports.delay().get() == 1
    job.refresh_from_db()
    assert not job.file and not (tmp_path / path).exists()
    kept.refresh_from_db()
    assert kept.file
