"""Every write to the index tables: the recompute of a campaign, whole, in part, or in chunks.

Three ways, one result:
- full: re-tally every unit of the campaign; the leaf rows are rewritten where they differ, and what
  differed is merged into the roll-ups and index values of the changed units' chains, so the work above
  the tally grows with the cells that changed (none: nothing more to do). Roll-ups and index values are
  rebuilt from all leaf rows when they cannot be trusted to hold them (settings changed, never computed);
- incremental (a dirty campaign): re-tally only the units whose responses changed since the last run
  and merge the difference into their ancestors' roll-ups (DHIS2-style continuous analytics);
- chunked (reports/chunks.py): one full recompute split per child of the organiser (Celery group); each
  chunk re-tallies its units (reading only their responses) and records what changed; the chunk that finds
  every chunk done ends the run once, merging those changes as `full` does.
Leaf changes are merged exactly once whatever the order of runs (roll-ups = those of the leaf rows less
the changes of chunks not yet merged; a rebuild from the leaves takes those in), and every path replaces
rows rather than adding to them, so running it twice gives the same tables.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from campaigns.models import Campaign
from reports.estimation.design import RULE_POOLED
from reports.estimation.estimates import DesignSummary, cell_moments_rows, unit_estimates
from reports.estimation.sums import cell_moments
from reports.freshness import run_failed, run_finished, run_started, working_snapshot_ensure
from reports.models import (
    CellCount,
    CellMoments,
    IndexValue,
    RecomputeChunk,
    Snapshot,
    SubtreeCount,
    SubtreeTally,
)
from reports.rows import LeafChanges, UnitLevels, UnitPeople, insert_rows, replace_rows
from reports.schemes import People, to_hundredths, unit_indices
from reports.setup import CampaignSetup, campaign_setup
from reports.tallies import (
    ALL_UNITS,
    PatternGroups,
    UnitFilter,
    ancestor_chain,
    leaf_sums,
    roll_up,
    tune_session,
    write_leaf_rows,
)
from surveys.models import Response
from units.models import Unit
from units.selectors import subtree_q

logger = logging.getLogger(__name__)

__all__ = ["CampaignSetup", "campaign_setup", "index_recompute"]

# Responses saved this long before the last run started are looked at again by the next incremental run,
# so a submission whose transaction straddled the run is never missed.
CHANGE_MARGIN = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class RecomputeSummary:
    campaign: str
    mode: str  # "full", "incremental", "chunked", "up_to_date"
    responses: int
    overall: Decimal | None
    units: int
    seconds: float
    # Whether full satisfaction came from the index counts stored per response (True), from a recount
    # over the answers because some counted response lacked them (False), or nothing was tallied (None).
    stored_counts: bool | None = None


# ------------------------------------------------------------------------------------------------
# The working snapshot and its lock
# ------------------------------------------------------------------------------------------------


def _lock_snapshot(snapshot_id: int) -> Snapshot:
    """Serialise the writers of one campaign's index tables (call inside a transaction)."""
    return Snapshot.objects.select_for_update().get(pk=snapshot_id)


def _share_lock_snapshot(snapshot_id: int) -> None:
    """Let chunks of one run write side by side while keeping whole recomputes out (PostgreSQL only;
    SQLite serialises every writer anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Snapshot._meta.db_table} WHERE id = %s FOR SHARE", [snapshot_id])


# ------------------------------------------------------------------------------------------------
# Leaf rows
# ------------------------------------------------------------------------------------------------


CELL_MOMENTS_COLUMNS = ["campaign_id", "form_id", "unit_id", "channel", "sex", "age_group", "n", "sums", "gram"]


def _replace_leaf_rows(setup: CampaignSetup, units: UnitFilter, changes: LeafChanges | None = None, *, chunk: bool = False) -> bool | None:
    """Re-tally the units of `units` from the answers in place of their old leaf rows (tallies, cell
    counts, and the cells' sums and cross-products for the estimates), each table rewritten only where
    it differs; `changes` receives what differed. Returns whether the stored per-response index counts
    were used (see `write_leaf_rows`). `chunk`: one chunk of a chunked run (its session's tuning)."""
    campaign_id = setup.campaign.pk
    tune_session(chunk=chunk)
    expected: dict[tuple[int, int, str], int] = {}
    groups = PatternGroups()
    stored = write_leaf_rows(
        campaign_id=campaign_id, plan=setup.plan, units=units, cell_responses=expected, pattern_groups=groups, changes=changes
    )
    cells = cell_moments(
        campaign_id=campaign_id, statuses=setup.statuses, layouts=setup.estimation.layouts, variables=setup.estimation.variables,
        units=units, expected=expected, groups=groups.rows,
    ) if not units.empty else {}
    replace_rows(
        CellMoments, CELL_MOMENTS_COLUMNS, 6, cell_moments_rows(campaign_id, cells), where=f"campaign_id = %s{units.sql('unit_id')}",
        params=[campaign_id], changes=changes.moments if changes is not None else None,
    )
    return stored


# ------------------------------------------------------------------------------------------------
# Roll-ups and index values
# ------------------------------------------------------------------------------------------------


def _unit_maps(setup: CampaignSetup, unit_ids: Iterable[int]) -> tuple[dict[int, str], dict[str, int]]:
    """Paths of the given units, and ids of every unit on their chains up to the organiser."""
    organiser = setup.campaign.organiser
    unit_paths = dict(Unit.objects.filter(pk__in=sorted(set(unit_ids))).values_list("pk", "path"))
    unit_paths[organiser.pk] = organiser.path
    chain_paths = {p for path in unit_paths.values() for p in ancestor_chain(path, root_path=setup.root_path)}
    path_units = {path: pk for pk, path in unit_paths.items()}
    missing = sorted(chain_paths - set(path_units))
    if missing:
        for pk, path in Unit.objects.filter(path__in=missing).values_list("pk", "path"):
            path_units[path] = pk
            unit_paths[pk] = path
    return unit_paths, path_units


INDEX_VALUE_COLUMNS = [
    "snapshot_id", "unit_id", "scope", "key", "value", "n", "ci_low", "ci_high", "estimate", "se", "deff", "n_eff", "respondents",
]


def _index_rows(
    setup: CampaignSetup, snapshot: Snapshot, levels: UnitLevels, people: UnitPeople, units: Iterable[int], unit_paths: dict[int, str]
) -> tuple[list[list], DesignSummary]:
    """Index values of each unit from its subtree counts, with their design-based estimates, as rows of
    INDEX_VALUE_COLUMNS; units without responses get none, except the organiser.

    Under the pooled rule the published value is the exact share of the pooled counts (the first wave's
    arithmetic, rounded half-up); otherwise it is the design-based estimate rounded. Either way the
    interval, standard error, design effect and effective n are the design's."""
    organiser_id = setup.campaign.organiser_id
    units = sorted(set(units))
    estimates, design = unit_estimates(
        campaign_id=setup.campaign.pk, plan=setup.estimation, unit_paths=unit_paths, root_path=setup.root_path, targets=units
    )
    exact = design.rule == RULE_POOLED
    rows: list[list] = []
    snapshot_id = snapshot.pk
    for unit in units:
        responses, respondents, full = people.get(unit, (0, 0, 0))
        if responses <= 0 and unit != organiser_id:
            continue
        counts = levels.get(unit, {})
        present = {setup.questionnaire_of.get(q) for q, by_level in counts.items() if any(by_level.values())}
        rules = [r for r in setup.rules if r.question_id in setup.questionnaire_of and setup.questionnaire_of[r.question_id] in present]
        results = unit_indices(
            rules=rules or setup.rules, counts=counts, people=People(responses, respondents, full), scheme=setup.scheme
        )
        unit_estimates_ = estimates.get(unit, {})
        seen: set[tuple[str, str]] = set()
        for result in results:
            if (result.scope, result.key) in seen:  # a section and a question with the same code: keep the first
                continue
            seen.add((result.scope, result.key))
            # the columns of INDEX_VALUE_COLUMNS, as plain values (no model instances: thousands per run)
            row = [snapshot_id, unit, result.scope, result.key, result.value, result.n, None, None, None, None, None, None, 0]
            estimate = unit_estimates_.get((result.scope, result.key))
            if estimate is not None and result.value is not None:
                row[4] = result.value if exact else estimate.value
                row[6:] = [
                    to_hundredths(estimate.ci_low), to_hundredths(estimate.ci_high), estimate.estimate, estimate.se, estimate.deff,
                    estimate.n_eff, estimate.respondents,
                ]
            rows.append(row)
    return rows, design


def _store_subtrees(
    setup: CampaignSetup, snapshot: Snapshot, levels: UnitLevels, people: UnitPeople, units: Sequence[int] | None, unit_paths: dict[int, str]
) -> DesignSummary:
    """Replace roll-ups and index values of `units` (all units when None) by the given subtree counts;
    returns the design the estimates were made with."""
    campaign_id = setup.campaign.pk
    if units is None:
        scope, among = {}, ALL_UNITS
        targets: Iterable[int] = set(levels) | set(people) | {setup.campaign.organiser_id}
    else:
        scope, among = {"unit_id__in": sorted(units)}, UnitFilter(include=frozenset(units))
        targets = units
    SubtreeCount.objects.filter(campaign_id=campaign_id, **scope).delete()
    targets = sorted(set(targets))
    replace_rows(
        SubtreeTally,
        ["campaign_id", "unit_id", "question_id", "level", "n"], 4,
        (
            (campaign_id, unit, q, lv, n)
            for unit in targets
            for q, by_level in levels.get(unit, {}).items()
            for lv, n in by_level.items()
            if n
        ),
        where=f"campaign_id = %s{among.sql('unit_id')}", params=[campaign_id],
    )
    insert_rows(
        SubtreeCount,
        ["campaign_id", "unit_id", "responses", "respondents", "fully_satisfied"],
        ((campaign_id, unit, *people[unit]) for unit in targets if any(people.get(unit, (0, 0, 0)))),
    )
    rows, design = _index_rows(setup, snapshot, levels, people, targets, unit_paths)
    replace_rows(IndexValue, INDEX_VALUE_COLUMNS, 4, rows, where=f"snapshot_id = %s{among.sql('unit_id')}", params=[snapshot.pk])
    return design


def _finish_snapshot(setup: CampaignSetup, snapshot: Snapshot, started: dt.datetime, responses: int, design: DesignSummary) -> None:
    Snapshot.objects.filter(pk=snapshot.pk).update(computed_at=started, responses=responses, basis=setup.basis, design=design.as_dict())


def _rebuild_from_leaves(setup: CampaignSetup, snapshot: Snapshot, leaf_levels: UnitLevels, leaf_people: UnitPeople, started: dt.datetime) -> int:
    unit_paths, path_units = _unit_maps(setup, set(leaf_levels) | set(leaf_people))
    levels, people = roll_up(leaf_levels, leaf_people, unit_paths=unit_paths, path_units=path_units, root_path=setup.root_path)
    design = _store_subtrees(setup, snapshot, levels, people, None, unit_paths)
    responses = people.get(setup.campaign.organiser_id, (0, 0, 0))[0]
    _finish_snapshot(setup, snapshot, started, responses, design)
    # The roll-ups now hold every leaf row, those of the chunks of an open run too: their changes are in.
    RecomputeChunk.objects.filter(run__campaign_id=setup.campaign.pk, run__finished_at__isnull=True, done=True).update(changes=None)
    return len(set(levels) | set(people))


def _rollups_hold_the_leaves(setup: CampaignSetup, snapshot: Snapshot) -> bool:
    """Whether the stored roll-ups and index values are those of the stored leaf rows (less the changes of
    chunks not yet merged), so that a re-tally need only merge what it changed: the snapshot was computed
    with the campaign's present settings and has its organiser's values (call under the snapshot's lock)."""
    return (
        snapshot.computed_at is not None and snapshot.basis == setup.basis
        and IndexValue.objects.filter(snapshot_id=snapshot.pk, unit_id=setup.campaign.organiser_id).exists()
    )


def _merge_changes(
    setup: CampaignSetup, snapshot: Snapshot, started: dt.datetime, unit_ids: Iterable[int], deltas: Iterable[tuple[UnitLevels, UnitPeople]]
) -> int:
    """Add the leaf changes `deltas` of the units `unit_ids` to the stored roll-ups of their chains and
    compute those units' index values again (every unit's when the weights are raked: one stratum moves
    them all); returns the number of units written. The work grows with the units that changed."""
    unit_ids = set(unit_ids)
    unit_paths, path_units = _unit_maps(setup, unit_ids)
    maps = {"unit_paths": unit_paths, "path_units": path_units, "root_path": setup.root_path}
    affected = sorted({path_units[p] for u in unit_ids for p in ancestor_chain(unit_paths[u], root_path=setup.root_path) if p in path_units})
    if setup.estimation.weights_shared:
        everyone = set(SubtreeCount.objects.filter(campaign_id=setup.campaign.pk).values_list("unit_id", flat=True))
        affected = sorted(set(affected) | everyone)
        if everyone - set(unit_paths):
            unit_paths, path_units = _unit_maps(setup, set(unit_paths) | everyone)
    current: UnitLevels = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    current_people: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    stored_levels = SubtreeTally.objects.filter(campaign_id=setup.campaign.pk, unit_id__in=affected).values_list("unit_id", "question_id", "level", "n")
    for unit, question, level, n in stored_levels:
        current[unit][question][level] += n
    stored_people = SubtreeCount.objects.filter(campaign_id=setup.campaign.pk, unit_id__in=affected)
    for unit, r, v, s in stored_people.values_list("unit_id", "responses", "respondents", "fully_satisfied"):
        current_people[unit] = [r, v, s]
    for levels, people in deltas:
        _merge(current, current_people, *roll_up(levels, people, **maps))
    people = {unit: (r, v, s) for unit, (r, v, s) in current_people.items()}
    design = _store_subtrees(setup, snapshot, current, people, affected, unit_paths)
    responses = people.get(setup.campaign.organiser_id, (0, 0, 0))[0]
    _finish_snapshot(setup, snapshot, started, responses, design)
    return len(affected)


# ------------------------------------------------------------------------------------------------
# The three ways
# ------------------------------------------------------------------------------------------------


def _recompute_full(setup: CampaignSetup, snapshot_id: int, started: dt.datetime) -> tuple[int, bool | None]:
    """Re-tally every unit; when the stored roll-ups hold the stored leaves, merge only what the re-tally
    changed (nothing to do above the tally when nothing changed), else rebuild them from the leaves."""
    with transaction.atomic():
        snapshot = _lock_snapshot(snapshot_id)
        changes = LeafChanges()
        stored_counts = _replace_leaf_rows(setup, ALL_UNITS, changes)
        if _rollups_hold_the_leaves(setup, snapshot):
            changed = changes.units
            if not changed:
                Snapshot.objects.filter(pk=snapshot_id).update(computed_at=started)
                return 0, stored_counts
            return _merge_changes(setup, snapshot, started, changed, [changes.deltas()]), stored_counts
        leaf_levels, leaf_people = leaf_sums(campaign_id=setup.campaign.pk, units=ALL_UNITS)
        return _rebuild_from_leaves(setup, snapshot, leaf_levels, leaf_people, started), stored_counts


def _merge(into: UnitLevels, people_into: dict[int, list[int]], levels: UnitLevels, people: UnitPeople) -> None:
    for unit, questions in levels.items():
        for question, by_level in questions.items():
            for level, n in by_level.items():
                into[unit][question][level] += n
    for unit, triple in people.items():
        cell = people_into[unit]
        for i in range(3):
            cell[i] += triple[i]


def _recompute_units(setup: CampaignSetup, snapshot_id: int, started: dt.datetime, unit_ids: Iterable[int]) -> tuple[int, bool | None]:
    """Re-tally `unit_ids` and merge the difference into the roll-ups of their chains."""
    units = UnitFilter(include=frozenset(unit_ids))
    with transaction.atomic():
        snapshot = _lock_snapshot(snapshot_id)
        changes = LeafChanges()
        stored_counts = _replace_leaf_rows(setup, units, changes)
        # every given unit is written again (its chain's values too), whether or not its leaves changed
        return _merge_changes(setup, snapshot, started, units.include or (), [changes.deltas()]), stored_counts


def _changed_units(setup: CampaignSetup, since: dt.datetime) -> set[int]:
    """Units whose counted responses may differ from the stored leaf rows: saved since `since`, or counted
    in a different number (a status changed by a bulk update, a response deleted)."""
    campaign_id = setup.campaign.pk
    changed = set(Response.objects.filter(campaign_id=campaign_id, updated_at__gte=since).values_list("unit_id", flat=True).distinct())
    now = dict(  # COUNT(*): read from the (campaign, status, unit) index alone
        Response.objects.filter(campaign_id=campaign_id, status__in=setup.statuses)
        .values("unit_id").annotate(n=Count("*")).values_list("unit_id", "n")
    )
    stored = dict(CellCount.objects.filter(campaign_id=campaign_id).values("unit_id").annotate(n=Sum("responses")).values_list("unit_id", "n"))
    changed |= {unit for unit in set(now) | set(stored) if now.get(unit, 0) != stored.get(unit, 0)}
    return changed


def _clear_dirty(campaign_id: int, dirty_seen: dt.datetime | None, started: dt.datetime) -> None:
    """Clear the dirty mark only if nobody re-marked it and no response was saved since the run started."""
    if dirty_seen is None:
        return
    if Response.objects.filter(campaign_id=campaign_id, updated_at__gte=started).exists():
        return
    Campaign.objects.filter(pk=campaign_id, dirty_at=dirty_seen).update(dirty_at=None)


def _load(campaign_id: int) -> Campaign | None:
    return Campaign.objects.select_related("organiser").filter(pk=campaign_id).first()


def index_recompute(campaign_id: int, unit_paths: Sequence[str] | None = None, *, full: bool = False) -> RecomputeSummary | None:
    """Bring the working snapshot of a campaign up to date; safe to run twice or side by side.

    - `unit_paths`: re-tally the subtrees under these unit paths and merge them (the rest is kept);
    - `full`: recompute everything from the answers;
    - neither: incremental for a dirty campaign (only units whose responses changed), full when the
      settings changed or nothing was computed yet, nothing when the campaign is clean and up to date.
    Returns None when the campaign does not exist (e.g. deleted before a queued task ran).

    The run's start, end and error are written on the working snapshot outside the run's transaction:
    a run that fails leaves the previous figures in place, the campaign still marked dirty, and the
    reason for officials to read; then the error is raised again for the caller (a task retries
    transient errors).
    """
    clock = time.monotonic()
    campaign = _load(campaign_id)
    if campaign is None:
        return None
    started = timezone.now()
    dirty_seen = campaign.dirty_at
    snapshot = working_snapshot_ensure(campaign)
    snapshot_id = snapshot.pk
    setup = campaign_setup(campaign)
    fresh = snapshot.computed_at is None or snapshot.basis != setup.basis
    if not (full or fresh or unit_paths is not None or dirty_seen is not None):  # clean and computed: nothing to run
        return _summary(campaign, snapshot_id, "up_to_date", 0, clock, None)
    run_started(snapshot_id=snapshot_id, at=started)
    try:
        stored_counts: bool | None = None
        if full or fresh:
            mode, (units, stored_counts) = "full", _recompute_full(setup, snapshot_id, started)
        elif unit_paths is not None:
            ids = set(Unit.objects.filter(subtree_q(unit_paths)).values_list("pk", flat=True))
            mode, (units, stored_counts) = "incremental", _recompute_units(setup, snapshot_id, started, ids)
        else:
            changed = _changed_units(setup, snapshot.computed_at - CHANGE_MARGIN)
            mode, units = "incremental", 0
            if changed:
                units, stored_counts = _recompute_units(setup, snapshot_id, started, changed)
            else:
                Snapshot.objects.filter(pk=snapshot_id).update(computed_at=started)
        if unit_paths is None:
            _clear_dirty(campaign_id, dirty_seen, started)
    except BaseException as error:  # a time limit, a database error, a bug: say so, keep the old figures
        run_failed(snapshot_id=snapshot_id, error=error)
        raise
    run_finished(snapshot_id=snapshot_id)
    return _summary(campaign, snapshot_id, mode, units, clock, stored_counts)


def _summary(campaign: Campaign, snapshot_id: int, mode: str, units: int, clock: float, stored_counts: bool | None) -> RecomputeSummary:
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    overall = (
        IndexValue.objects.filter(snapshot_id=snapshot_id, unit_id=campaign.organiser_id, scope="overall", key="")
        .values_list("value", flat=True).first()
    )
    return RecomputeSummary(
        campaign=campaign.code, mode=mode, responses=snapshot.responses, overall=overall, units=units, seconds=time.monotonic() - clock,
        stored_counts=stored_counts,
    )
