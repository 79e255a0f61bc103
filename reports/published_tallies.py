"""The tallies behind a snapshot: frozen with a published snapshot, live for the working one.

A published snapshot keeps its index values (`IndexValue`) and the subtree tallies they were computed
from (`PublishedTally`), copied in the publication's transaction. Published distributions and the
pooled previous values of merged units read those, so that what was published never moves when the
working tallies are recomputed afterwards (a late approval, a changed status).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection

from reports.models import PublishedTally, Snapshot, SubtreeTally

UnitLevels = dict[int, dict[int, dict[int, int]]]  # unit → question → level → n


def published_tallies_freeze(*, snapshot: Snapshot, working: Snapshot) -> bool:
    """Copy the campaign's subtree tallies into the published `snapshot` (one INSERT … SELECT).

    Caller: inside the publication's transaction, right after copying `working`'s values into
    `snapshot`. Returns False when a recompute committed since `working` was read (its computed_at
    moved), so the tallies might not be the ones the copied values came from: the caller rolls back.
    """
    published = connection.ops.quote_name(PublishedTally._meta.db_table)
    live = connection.ops.quote_name(SubtreeTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {published} (snapshot_id, unit_id, question_id, level, n) "
            f"SELECT %s, unit_id, question_id, level, n FROM {live} WHERE campaign_id = %s",
            [snapshot.pk, snapshot.campaign_id],
        )
    computed_at = Snapshot.objects.filter(pk=working.pk).values_list("computed_at", flat=True).first()
    return computed_at == working.computed_at


def subtree_levels(
    *, campaign_id: int, published_snapshot_id: int | None, unit_ids: Iterable[int], question_ids: Iterable[int] | None = None
) -> UnitLevels:
    """Counts per level over each unit's subtree (one query): those frozen with the published snapshot
    `published_snapshot_id`, or the working ones of the campaign when it is None."""
    if published_snapshot_id is not None:
        rows = PublishedTally.objects.filter(snapshot_id=published_snapshot_id)
    else:
        rows = SubtreeTally.objects.filter(campaign_id=campaign_id)
    rows = rows.filter(unit_id__in=list(unit_ids))
    if question_ids is not None:
        rows = rows.filter(question_id__in=list(question_ids))
    levels: UnitLevels = defaultdict(lambda: defaultdict(dict))
    for unit_id, question_id, level, n in rows.values_list("unit_id", "question_id", "level", "n"):
        levels[unit_id][question_id][level] = n
    return levels
