"""A published snapshot keeps the subtree tallies its values were computed from."""

from __future__ import annotations

import pytest

from reports.models import PublishedTally, Snapshot, SnapshotStatus, SubtreeTally
from reports.publication import campaign_results_publish
from reports.published_tallies import published_tallies_freeze, subtree_levels
from reports.selectors import working_snapshot
from reports.services import index_recompute
from reports.tests.factories_dashboard import dashboard_fixture, responses_add  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def rows(queryset) -> list[tuple]:
    return sorted(queryset.values_list("unit_id", "question_id", "level", "n"))


def test_publishing_freezes_the_subtree_tallies_and_a_later_recompute_leaves_them(alice, tree, dashboard_data):
    campaign = dashboard_data.campaign
    live = rows(SubtreeTally.objects.filter(campaign=campaign))
    snapshot = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    assert rows(PublishedTally.objects.filter(snapshot=snapshot)) == live != []
    responses_add(campaign, tree["A1"], [(20, 1)])
    index_recompute(campaign.pk, full=True)
    assert rows(SubtreeTally.objects.filter(campaign=campaign)) != live
    assert rows(PublishedTally.objects.filter(snapshot=snapshot)) == live
    organiser = campaign.organiser_id
    published = subtree_levels(campaign_id=campaign.pk, published_snapshot_id=snapshot.pk, unit_ids=[organiser])
    working = subtree_levels(campaign_id=campaign.pk, published_snapshot_id=None, unit_ids=[organiser])
    first = min(published[organiser])
    assert published[organiser][first][1] == 10 and working[organiser][first][1] == 30  # 20 new answers at level 1


def test_a_recompute_that_commits_during_publication_makes_the_freeze_refuse(alice, tree, dashboard_data):
    campaign = dashboard_data.campaign
    read_before = working_snapshot(campaign)
    responses_add(campaign, tree["A1"], [(1, 5)])
    index_recompute(campaign.pk, full=True)  # commits between the publication's read of the working snapshot and its copy
    snapshot = Snapshot.objects.create(campaign=campaign, status=SnapshotStatus.PUBLISHED, version=9, computed_at=read_before.computed_at)
    assert published_tallies_freeze(snapshot=snapshot, working=read_before) is False
    assert published_tallies_freeze(snapshot=Snapshot.objects.create(campaign=campaign, status=SnapshotStatus.PUBLISHED, version=10),
                                    working=working_snapshot(campaign)) is True
