"""The chunked full recompute (a Celery group; reports/tasks.py): the plan that deals the organiser's subtrees
into chunks, each chunk's re-tally of its own units, the end of the run that merges what the chunks changed,
and the sweep for chunks whose worker was lost. The tallies and merges themselves are reports/services.py's."""

from __future__ import annotations

import datetime as dt
import os

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from reports.freshness import run_failed, run_finished, run_started, working_snapshot_ensure
from reports.models import CellCount, RecomputeChunk, RecomputeRun, Snapshot
from reports.rows import LeafChanges, deltas_as_json, deltas_from_json
from reports.services import (
    _clear_dirty,
    _load,
    _lock_snapshot,
    _merge_changes,
    _rebuild_from_leaves,
    _replace_leaf_rows,
    _rollups_hold_the_leaves,
    _share_lock_snapshot,
)
from reports.setup import campaign_setup
from reports.tallies import ALL_UNITS, UnitFilter, leaf_sums
from surveys.models import Response
from units.jobs import lease_kept, lease_lapsed_before, resend_before
from units.models import Unit
from units.selectors import subtree_q

__all__ = ["ChunkLost", "index_recompute_chunk", "index_recompute_chunks_lost", "index_recompute_finish", "index_recompute_plan", "index_runs_prune"]


def _chunk_count() -> int:
    """How many chunks a full recompute is split into (REPORTS_RECOMPUTE_CHUNKS, default 4): about the
    number of workers; each chunk reads its units' answers once, so many tiny chunks only add overhead."""
    try:
        return max(1, int(os.environ.get("REPORTS_RECOMPUTE_CHUNKS", "4")))
    except ValueError:
        return 4


def index_recompute_plan(*, campaign_id: int, chunks: int | None = None) -> list[int]:
    """Open a chunked run: the organiser's children dealt into `chunks` groups of subtrees (balanced by
    counted responses), plus one chunk for everything else (the organiser's own responses).

    Returns the chunk ids to hand to workers; [] when the campaign does not exist.
    """
    campaign = _load(campaign_id)
    if campaign is None:
        return []
    children = list(Unit.objects.filter(parent_id=campaign.organiser_id).order_by("path").values_list("path", flat=True))
    weights = dict.fromkeys(children, 0)
    # balanced by the counted responses of the last run's leaf rows: a few hundred rows, where counting the
    # responses again would read them all before any chunk starts (one child each when nothing is stored)
    stored = CellCount.objects.filter(campaign=campaign).values("unit__path").annotate(n=Sum("responses")).values_list("unit__path", "n")
    for unit_path, n in stored:
        for child in children:
            if unit_path.startswith(child):
                weights[child] += n
                break
    groups: list[list[str]] = [[] for _ in range(min(chunks or _chunk_count(), len(children)))]
    loads = [0] * len(groups)
    for child in sorted(children, key=lambda c: (-weights[c], c)):  # heaviest first into the lightest group
        lightest = loads.index(min(loads))
        groups[lightest].append(child)
        loads[lightest] += weights[child]
    with transaction.atomic():
        run = RecomputeRun.objects.create(campaign=campaign, started_at=timezone.now(), dirty_seen=campaign.dirty_at)
        run_started(snapshot_id=working_snapshot_ensure(campaign).pk, at=run.started_at)
        RecomputeChunk.objects.bulk_create([RecomputeChunk(run=run, paths=sorted(group)) for group in [*groups, []]])
    return list(RecomputeChunk.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))


def _units_with_responses(campaign_id: int) -> set[int]:
    """The units that have responses in the campaign, found by skipping along the (campaign, unit, channel)
    index one unit at a time (a few hundred probes, not a read of every response)."""
    table = connection.ops.quote_name(Response._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # from unit id 0, each step the next unit: a first step of its own (MIN(unit_id) for the campaign)
            # took the unit index and crossed every other campaign's rows (1.6 s at 5 M)
            f"WITH RECURSIVE u(unit_id) AS (SELECT CAST(0 AS BIGINT) "
            f"UNION ALL SELECT (SELECT MIN(r.unit_id) FROM {table} r WHERE r.campaign_id = %s AND r.unit_id > u.unit_id) "
            "FROM u WHERE u.unit_id IS NOT NULL) SELECT unit_id FROM u WHERE unit_id IS NOT NULL AND unit_id > 0",
            [campaign_id],
        )
        return {row[0] for row in cursor.fetchall()}


def _chunk_units(chunk: RecomputeChunk) -> UnitFilter:
    """The units a chunk re-tallies: its subtrees; for the chunk without paths, every unit with responses
    (or leaf rows to clear) outside the other chunks' subtrees, named one by one so that it reads only
    their responses."""
    if chunk.paths:
        return UnitFilter(include=frozenset(Unit.objects.filter(subtree_q(chunk.paths)).values_list("pk", flat=True)))
    siblings = [p for paths in RecomputeChunk.objects.filter(run_id=chunk.run_id).values_list("paths", flat=True) for p in paths]
    covered = set(Unit.objects.filter(subtree_q(siblings)).values_list("pk", flat=True)) if siblings else set()
    campaign_id = chunk.run.campaign_id
    # a unit with leaf rows (tallies and moments only exist beside its cell counts) whose responses are gone
    present = _units_with_responses(campaign_id) | set(CellCount.objects.filter(campaign_id=campaign_id).values_list("unit_id", flat=True).distinct())
    return UnitFilter(include=frozenset(present - covered))


def _chunk_claim(chunk_id: int) -> int | None:
    """Take the chunk for this worker: one conditional UPDATE, so that of two deliveries of one chunk
    (a redelivered message, a sweep's resend) only one runs it while the other's lease holds.
    Returns the attempt number, or None when the chunk is done or another worker holds its lease."""
    free = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=lease_lapsed_before())
    with transaction.atomic():
        taken = RecomputeChunk.objects.filter(free, pk=chunk_id, done=False).update(heartbeat_at=timezone.now(), attempts=F("attempts") + 1)
        if not taken:
            return None
        return RecomputeChunk.objects.values_list("attempts", flat=True).get(pk=chunk_id)


def index_recompute_chunk(*, chunk_id: int, lease: bool = False) -> bool:
    """Re-tally one chunk's units; the call that finds every chunk of the run done finishes the run.

    Returns True when this call finished the run. Safe to run twice (a redelivered chunk): a chunk that
    is done, or held by another worker's lease, is left alone. `lease`: renew the chunk's lease from a
    thread while it runs (on a worker; units/jobs.py), so the sweep sends it again soon if the worker dies.
    """
    chunk = RecomputeChunk.objects.select_related("run__campaign__organiser").filter(pk=chunk_id).first()
    if chunk is None or chunk.run.finished_at is not None:
        return False
    attempt = _chunk_claim(chunk_id)
    if attempt is None:
        return False
    setup = campaign_setup(chunk.run.campaign)
    snapshot_id = working_snapshot_ensure(chunk.run.campaign).pk
    units = _chunk_units(chunk)
    with lease_kept(RecomputeChunk, enabled=lease, pk=chunk_id, done=False, attempts=attempt), transaction.atomic():
        _share_lock_snapshot(snapshot_id)
        changes = LeafChanges()
        _replace_leaf_rows(setup, units, changes, chunk=True)
        # what changed, for the run's end to merge (not the units themselves: a chunk's share of units is large)
        recorded = deltas_as_json(changes.units, *changes.deltas())
        RecomputeChunk.objects.filter(pk=chunk_id, done=False).update(done=True, changes=recorded)
    if RecomputeChunk.objects.filter(run_id=chunk.run_id, done=False).exists():
        return False
    return index_recompute_finish(run_id=chunk.run_id)


def index_recompute_chunks_lost(*, max_attempts: int = 3) -> list[int]:
    """Chunks of open runs (started within a day) that will not finish by themselves: their worker's lease
    lapsed, or nobody took them since the run was planned (their message was lost); to send again.

    A chunk that lost its worker `max_attempts` times is given up: its run is closed, the failure is
    written where officials read it (reports.freshness), and the working snapshot is marked so that the
    next recompute is a full one (the chunks already done changed leaf rows under stale roll-ups).
    """
    now = timezone.now()
    open_chunks = RecomputeChunk.objects.filter(done=False, run__finished_at__isnull=True, run__started_at__gt=now - dt.timedelta(days=1))
    lapsed = Q(heartbeat_at__lt=lease_lapsed_before(now)) | Q(heartbeat_at__isnull=True, run__started_at__lt=resend_before(now))
    lost: list[int] = []
    for chunk in open_chunks.filter(lapsed).select_related("run"):
        if chunk.attempts < max_attempts:
            lost.append(chunk.pk)
            continue
        if RecomputeRun.objects.filter(pk=chunk.run_id, finished_at__isnull=True).update(finished_at=now):
            snapshot = working_snapshot_ensure(chunk.run.campaign)
            Snapshot.objects.filter(pk=snapshot.pk).update(basis="")
            run_failed(snapshot_id=snapshot.pk, error=ChunkLost(f"{chunk} × {chunk.attempts}"))
    return lost


class ChunkLost(RuntimeError):
    """A part of a chunked recompute whose worker died again and again (out of memory, killed)."""


def index_recompute_finish(*, run_id: int) -> bool:
    """End a chunked run once (a second call finds it ended and returns False): merge what its chunks
    changed into the roll-ups and index values of the units concerned, or rebuild them all from the leaf
    rows when the stored ones do not hold the leaves (settings changed, never computed)."""
    run = RecomputeRun.objects.select_related("campaign__organiser").get(pk=run_id)
    setup = campaign_setup(run.campaign)
    snapshot_id = working_snapshot_ensure(run.campaign).pk
    with transaction.atomic():
        snapshot = _lock_snapshot(snapshot_id)
        if not RecomputeRun.objects.filter(pk=run_id, finished_at__isnull=True).update(finished_at=timezone.now()):
            return False
        if _rollups_hold_the_leaves(setup, snapshot):
            units: set[int] = set()
            deltas = []
            for recorded in RecomputeChunk.objects.filter(run_id=run_id, changes__isnull=False).values_list("changes", flat=True):
                chunk_units, levels, people = deltas_from_json(recorded)
                units |= chunk_units
                deltas.append((levels, people))
            if units:
                _merge_changes(setup, snapshot, run.started_at, units, deltas)
            else:
                Snapshot.objects.filter(pk=snapshot_id).update(computed_at=run.started_at)
            RecomputeChunk.objects.filter(run_id=run_id).update(changes=None)
        else:
            leaf_levels, leaf_people = leaf_sums(campaign_id=run.campaign_id, units=ALL_UNITS)
            _rebuild_from_leaves(setup, snapshot, leaf_levels, leaf_people, run.started_at)
    _clear_dirty(run.campaign_id, run.dirty_seen, run.started_at)
    run_finished(snapshot_id=snapshot_id)
    return True


def index_runs_prune(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Delete finished (or abandoned) chunked runs older than `older_than`."""
    deleted, _ = RecomputeRun.objects.filter(started_at__lt=timezone.now() - older_than).delete()
    return deleted
