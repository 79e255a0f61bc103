"""Snapshots and the index values of units in them, stored (values_by_unit) or computed from leaf tallies
for a form or channel filter (filtered_values)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum

from campaigns.models import Campaign, CampaignForm
from reports.estimation.design import RULE_POOLED
from reports.estimation.estimates import UnitEstimate, estimate_units, prepare, stored_estimates
from reports.estimation.verdicts import coefficient_of_variation
from reports.models import CellCount, IndexScope, IndexValue, Snapshot, SnapshotStatus, Tally
from reports.schemes import People, to_hundredths, unit_indices
from reports.setup import campaign_setup
from units.models import Unit

# How long a filtered view's indices stay cached (a recompute changes the key anyway).
FILTER_CACHE_SECONDS = 6 * 3600


def snapshot_published(campaign: Campaign, version: int | None = None) -> Snapshot | None:
    """The latest published snapshot, or the one of `version`."""
    snapshots = Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED)
    if version is not None:
        return snapshots.filter(version=version).first()
    return snapshots.order_by("-version").first()


def best_snapshots(campaign_ids: Iterable[int]) -> dict[int, tuple[int, bool]]:
    """For each campaign, (snapshot id, published?) of its latest published snapshot, else its working one (one query)."""
    best: dict[int, tuple[int, int, int]] = {}
    rows = Snapshot.objects.filter(campaign_id__in=list(campaign_ids)).values_list("campaign_id", "id", "status", "version")
    for campaign_id, snapshot_id, status, version in rows:
        rank = (1 if status == SnapshotStatus.PUBLISHED else 0, version, snapshot_id)
        if campaign_id not in best or rank > best[campaign_id]:
            best[campaign_id] = rank
    return {campaign_id: (rank[2], rank[0] == 1) for campaign_id, rank in best.items()}


@dataclass
class Score:
    """One index value as the pages show it, with its design-based standard error (percentage points for
    shares), design effect, effective n and respondents (None / 0 in snapshots made before them)."""

    value: Decimal | None = None
    n: int = 0
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    estimate: float | None = None
    se: float | None = None
    deff: float | None = None
    n_eff: float | None = None
    respondents: int = 0

    @classmethod
    def of(cls, row: IndexValue | None) -> Score:
        if row is None:
            return cls()
        return cls(row.value, row.n, row.ci_low, row.ci_high, row.estimate, row.se, row.deff, row.n_eff, row.respondents)

    @classmethod
    def estimated(cls, value: Decimal | None, n: int, stored: UnitEstimate) -> Score:
        return cls(
            value, n, to_hundredths(stored.ci_low), to_hundredths(stored.ci_high), stored.estimate, stored.se, stored.deff, stored.n_eff, stored.respondents
        )

    @property
    def float_value(self) -> float | None:
        return None if self.value is None else float(self.value)

    @property
    def cv(self) -> float | None:
        """The coefficient of variation in percent (SE / estimate)."""
        return coefficient_of_variation(self.estimate, self.se)


@dataclass
class UnitValues:
    """All index values of one unit in a snapshot, by (scope, key)."""

    unit: Unit
    values: dict[tuple[str, str], Score] = field(default_factory=dict)

    def get(self, scope: str, key: str = "") -> Score:
        return self.values.get((scope, key), Score())

    @property
    def overall(self) -> Score:
        return self.get(IndexScope.OVERALL)

    @property
    def full(self) -> Score:
        return self.get(IndexScope.FULL)

    def first(self, scope: str) -> Score:
        """The value of a scope keyed by question code (expectation, return): the first such question."""
        keys = sorted(key for row_scope, key in self.values if row_scope == scope)
        return self.values[(scope, keys[0])] if keys else Score()

    @property
    def expectation(self) -> Score:
        return self.first(IndexScope.EXPECTATION)

    @property
    def returning(self) -> Score:
        return self.first(IndexScope.RETURN)

    @property
    def responses(self) -> int:
        return self.get(IndexScope.RESPONSES).n


# What a unit shown only as a row of a ranking or heat map needs.
ROW_SCOPES = (IndexScope.OVERALL, IndexScope.RESPONSES, IndexScope.ELEMENT)
SCORE_FIELDS = ("value", "n", "ci_low", "ci_high", "estimate", "se", "deff", "n_eff", "respondents")


def values_by_unit(snapshot: Snapshot | None, units: Sequence[Unit], row_units: Sequence[Unit] = ()) -> dict[int, UnitValues]:
    """All index values of `units` and the ranking values (ROW_SCOPES) of `row_units` in `snapshot` (one query)."""
    result = {unit.pk: UnitValues(unit) for unit in [*units, *row_units]}
    if snapshot is None or not result:
        return result
    wanted = Q(unit_id__in=[u.pk for u in units]) | Q(unit_id__in=[u.pk for u in row_units], scope__in=ROW_SCOPES)
    rows = IndexValue.objects.filter(wanted, snapshot=snapshot).values_list("unit_id", "scope", "key", *SCORE_FIELDS)
    for unit_id, scope, key, *fields in rows:
        result[unit_id].values[(scope, key)] = Score(*fields)
    return result


def tally_filter(campaign: Campaign, unit: Unit, form_id: int | None = None, channel: str | None = None) -> QuerySet[Tally]:
    tallies = Tally.objects.filter(campaign=campaign, unit__path__startswith=unit.path)
    if form_id is not None:
        tallies = tallies.filter(form_id=form_id)
    if channel:
        tallies = tallies.filter(channel=channel)
    return tallies


def filtered_values(campaign: Campaign, unit: Unit, children: Sequence[Unit], form_id: int | None, channel: str | None) -> dict[int, UnitValues]:
    """Index values of `unit` and its `children` over the answers of one form and/or channel, computed
    from leaf tallies with the engine's scheme, and their design-based estimates over the same cells
    (the snapshot holds only the unfiltered values)."""
    setup = campaign_setup(campaign)
    prepared = prepare(campaign_id=campaign.pk, plan=setup.estimation, unit_paths={u.pk: u.path for u in [unit, *children]})
    raw = estimate_units(
        prepared, [unit.pk, *(c.pk for c in children)],
        where=lambda cell: (form_id is None or cell.form == form_id) and (not channel or cell.channel == channel),
    )
    estimates = stored_estimates(prepared, raw)
    exact = prepared.summary.rule == RULE_POOLED
    rules = setup.rules
    if form_id is not None:
        questionnaire = CampaignForm.objects.filter(pk=form_id).values_list("questionnaire_id", flat=True).first()
        rules = [r for r in rules if setup.questionnaire_of.get(r.question_id) == questionnaire]
    cells = CellCount.objects.filter(campaign=campaign, unit__path__startswith=unit.path)
    if form_id is not None:
        cells = cells.filter(form_id=form_id)
    if channel:
        cells = cells.filter(channel=channel)
    targets = [unit, *children]
    counts: dict[int, dict[int, dict[int, int]]] = {u.pk: defaultdict(lambda: defaultdict(int)) for u in targets}
    people: dict[int, list[int]] = {u.pk: [0, 0, 0] for u in targets}
    owner: dict[str, int | None] = {}  # leaf path → the child whose subtree holds it (None: the unit itself)

    def child_of(path: str) -> int | None:
        if path not in owner:
            owner[path] = next((c.pk for c in children if path.startswith(c.path)), None)
        return owner[path]

    level_rows = tally_filter(campaign, unit, form_id, channel).values_list("unit__path", "question_id", "level").annotate(total=Sum("n"))
    for path, question_id, level, total in level_rows:
        for target in (unit.pk, child_of(path)):
            if target is not None:
                counts[target][question_id][level] += total
    for path, responses, respondents, fully in cells.values_list("unit__path").annotate(Sum("responses"), Sum("respondents"), Sum("fully_satisfied")):
        for target in (unit.pk, child_of(path)):
            if target is not None:
                people[target] = [people[target][0] + responses, people[target][1] + respondents, people[target][2] + fully]
    result = {}
    for target in targets:
        values = UnitValues(target)
        if people[target.pk][0]:
            for index in unit_indices(rules=rules, counts=counts[target.pk], people=People(*people[target.pk]), scheme=setup.scheme):
                stored = estimates.get(target.pk, {}).get((index.scope, index.key))
                if stored is None or index.value is None:
                    values.values[(index.scope, index.key)] = Score(index.value, index.n)
                else:
                    values.values[(index.scope, index.key)] = Score.estimated(index.value if exact else stored.value, index.n, stored)
        result[target.pk] = values
    return result


def until_recompute(snapshot: Snapshot | None, name: str, parts: Sequence[object], compute):
    """`compute()`, kept in the cache until the next recompute of the campaign (the key names the
    snapshot's computed_at). For filtered views: the snapshot holds only unfiltered values, and the exact
    arithmetic of a hundred units over leaf tallies takes about a second the first time."""
    if snapshot is None or snapshot.computed_at is None:
        return compute()
    key = f"reports:{name}:{snapshot.pk}:{snapshot.computed_at.timestamp()}:" + ":".join("" if p is None else str(p) for p in parts)
    return cache.get_or_set(key, compute, FILTER_CACHE_SECONDS)
