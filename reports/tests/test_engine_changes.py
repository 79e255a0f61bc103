"""A full or chunked recompute does above the tally only the work of the cells that changed (issue 19
item 1), and every way still gives the tables of a recompute from scratch."""

from __future__ import annotations

import pytest
from django.db import transaction

from campaigns.models import StratumPopulation
from reports import chunks, services
from reports.chunks import index_recompute_chunk, index_recompute_finish, index_recompute_plan
from reports.models import CellCount, CellMoments, IndexValue, RecomputeChunk, Snapshot, SubtreeCount, SubtreeTally, Tally
from reports.selectors import index_tables, working_snapshot
from reports.services import index_recompute
from reports.tests.factories import MISSING, make_campaign, make_questionnaire, make_response
from surveys.models import Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tree):
    campaign = make_campaign(tree["A"], make_questionnaire({"A": ["A1", "A2"], "B": ["B1"]}), scheme="moh_pooled")
    for unit, channel in [("A1", "phone"), ("A1", "desk"), ("A2", "phone"), ("A-BV", "home_visit"), ("A", "desk")]:
        for level in (1, 3, 4, 5, MISSING):
            make_response(campaign, tree[unit], {"A1": level, "A2": 5, "B1": 6 - level if level != MISSING else 4}, channel=channel)
    return campaign


@pytest.fixture(params=["unweighted", "weighted"])
def weighted(request, campaign, tree):
    """The same campaign without and with population sizes (weights N/n per stratum)."""
    if request.param == "weighted":
        for unit, channel, population in [("A1", "phone", 400), ("A1", "desk", 90), ("A2", "phone", 250), ("A-BV", "home_visit", 60), ("A", "desk", 30)]:
            StratumPopulation.objects.create(campaign=campaign, unit=tree[unit], channel=channel, population=population, source="import")
    return campaign


def from_scratch(campaign) -> dict:
    """The tables of a full recompute with every derived row deleted first."""
    for model in (Tally, CellCount, CellMoments, SubtreeTally, SubtreeCount):
        model.objects.filter(campaign=campaign).delete()
    IndexValue.objects.filter(snapshot=working_snapshot(campaign)).delete()
    index_recompute(campaign.pk, full=True)
    return index_tables(campaign)


def change_a1(campaign, tree) -> None:
    """A change only at commune A1: a response rejected by a bulk update (its updated_at kept) and a new one."""
    with transaction.atomic():
        Response.objects.filter(pk=Response.objects.filter(unit=tree["A1"], channel="phone").order_by("pk").values("pk")[:1]).update(status="rejected")
        make_response(campaign, tree["A1"], {"A1": 2, "A2": 2, "B1": 2}, channel="desk")


def test_a_full_recompute_of_unchanged_responses_writes_nothing_above_the_tally(weighted):
    index_recompute(weighted.pk, full=True)
    tables = index_tables(weighted)
    ids = sorted(IndexValue.objects.values_list("pk", flat=True))
    summary = index_recompute(weighted.pk, full=True)
    assert summary.mode == "full" and summary.units == 0  # no unit's roll-up or index values written again
    assert index_tables(weighted) == tables
    assert sorted(IndexValue.objects.values_list("pk", flat=True)) == ids
    assert Snapshot.objects.get(pk=working_snapshot(weighted).pk).computed_at is not None


def test_a_full_recompute_after_a_change_at_one_commune_writes_only_its_chain(weighted, tree):
    index_recompute(weighted.pk, full=True)
    change_a1(weighted, tree)
    summary = index_recompute(weighted.pk, full=True)
    assert summary.units == 2  # A1 and the organiser A; the department, the hospital and A2 are untouched
    merged = index_tables(weighted)
    assert merged == from_scratch(weighted)
    assert merged != {}


def test_chunks_merge_their_changes_and_equal_a_recompute_from_scratch(weighted, tree):
    index_recompute(weighted.pk, full=True)
    change_a1(weighted, tree)
    make_response(weighted, tree["A-BV"], {"A1": 5, "A2": 5, "B1": 5}, channel="home_visit")
    chunk_ids = index_recompute_plan(campaign_id=weighted.pk, chunks=2)
    finished = [index_recompute_chunk(chunk_id=chunk_id) for chunk_id in chunk_ids]
    assert finished.count(True) == 1
    assert RecomputeChunk.objects.filter(run__campaign=weighted, changes__isnull=False).count() == 0  # merged, then cleared
    chunked = index_tables(weighted)
    assert chunked == from_scratch(weighted)


def test_a_full_recompute_between_a_chunk_and_the_runs_end_is_counted_once(campaign, tree):
    index_recompute(campaign.pk, full=True)
    change_a1(campaign, tree)
    chunk_ids = index_recompute_plan(campaign_id=campaign.pk, chunks=2)
    for chunk_id in chunk_ids[:-1]:  # A1's chunk among them: its change waits for the run's end
        index_recompute_chunk(chunk_id=chunk_id)
    make_response(campaign, tree["A2"], {"A1": 4, "A2": 4, "B1": 4})
    index_recompute(campaign.pk, full=True)  # merges only A2's change: A1's leaves are already re-tallied
    assert index_recompute_chunk(chunk_id=chunk_ids[-1]) is True
    assert index_tables(campaign) == from_scratch(campaign)


def test_a_rebuild_from_the_leaves_takes_in_the_changes_of_an_open_run(campaign, tree):
    index_recompute(campaign.pk, full=True)
    change_a1(campaign, tree)
    chunk_ids = index_recompute_plan(campaign_id=campaign.pk, chunks=2)
    for chunk_id in chunk_ids[:-1]:
        index_recompute_chunk(chunk_id=chunk_id)
    Snapshot.objects.filter(pk=working_snapshot(campaign).pk).update(basis="")  # as when the settings change
    index_recompute(campaign.pk)  # fresh: rebuilt from every leaf row, the chunks' included
    assert index_recompute_chunk(chunk_id=chunk_ids[-1]) is True
    assert index_tables(campaign) == from_scratch(campaign)


def test_a_run_ends_once(campaign, tree):
    index_recompute(campaign.pk, full=True)
    change_a1(campaign, tree)
    chunk_ids = index_recompute_plan(campaign_id=campaign.pk, chunks=2)
    for chunk_id in chunk_ids:
        index_recompute_chunk(chunk_id=chunk_id)
    tables = index_tables(campaign)
    run_id = RecomputeChunk.objects.get(pk=chunk_ids[0]).run_id
    assert index_recompute_finish(run_id=run_id) is False  # a second end (two last chunks at once) merges nothing again
    assert index_tables(campaign) == tables == from_scratch(campaign)


def test_an_incremental_recompute_equals_one_from_scratch_with_weights(weighted, tree):
    index_recompute(weighted.pk, full=True)
    change_a1(weighted, tree)
    services.index_recompute(weighted.pk, ["A/A1/"])
    assert index_tables(weighted) == from_scratch(weighted)


def test_the_chunk_of_the_rest_names_its_units_and_reads_no_other(campaign, tree):
    make_response(campaign, tree["B1"], {"A1": 4})  # outside the organiser's subtree: counted at itself
    index_recompute(campaign.pk, full=True)
    single = index_tables(campaign)
    chunk_ids = index_recompute_plan(campaign_id=campaign.pk, chunks=2)
    rest = RecomputeChunk.objects.select_related("run").get(pk=chunk_ids[-1])
    assert rest.paths == []
    assert chunks._chunk_units(rest).include == {tree["A"].pk, tree["B1"].pk}  # not "every unit but the others'"
    for chunk_id in chunk_ids:
        index_recompute_chunk(chunk_id=chunk_id)
    assert index_tables(campaign) == single


def test_a_chunk_runs_on_one_core_and_a_whole_recompute_may_take_more(campaign, tree, monkeypatch):
    """The chunks running side by side on several workers are the parallelism (issue 19 item 2): each chunk's
    transaction asks PostgreSQL for no parallel workers, so that k workers use k cores of the server; a whole
    recompute keeps the server's parallel aggregation."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("cần PostgreSQL: SQLite không có truy vấn song song")
    seen: list[str] = []
    real = services.write_leaf_rows

    def watched(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            seen.append(cursor.fetchone()[0])
        return real(**kwargs)

    monkeypatch.setattr(services, "write_leaf_rows", watched)
    monkeypatch.delenv("REPORTS_PARALLEL_WORKERS", raising=False)
    monkeypatch.delenv("REPORTS_CHUNK_PARALLEL_WORKERS", raising=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        server = cursor.fetchone()[0]
    index_recompute(campaign.pk, full=True)
    assert seen == [server]
    seen.clear()
    for chunk_id in index_recompute_plan(campaign_id=campaign.pk):
        index_recompute_chunk(chunk_id=chunk_id)
    assert seen and set(seen) == {"0"}
    seen.clear()
    monkeypatch.setenv("REPORTS_CHUNK_PARALLEL_WORKERS", "3")  # a server with cores to spare per chunk
    for chunk_id in index_recompute_plan(campaign_id=campaign.pk):
        index_recompute_chunk(chunk_id=chunk_id)
    assert set(seen) == {"3"}
