"""Reads behind the dashboards, the unit page, the report workbook and the public page.

Everything here reads precomputed tables only (Snapshot, IndexValue, Tally, SampleQuota): never answers.
Each function runs a fixed number of queries whatever the size of the campaign (the tests pin them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from campaigns.models import Campaign, CampaignForm, Channel, SampleQuota
from campaigns.selectors import campaign_by_code
from reports.models import CellCount, IndexScope, IndexValue, Snapshot, SnapshotStatus, SubtreeTally, Tally
from reports.schemes import People, QuestionRule, largest_remainder_percentages, to_hundredths, unit_indices, wilson_interval
from reports.selectors import working_snapshot
from reports.services import campaign_setup
from surveys.models import Question, Section
from units.models import RESULT_ROLES, Role, Unit
from units.selectors import membership_paths, outermost_paths, unit_ancestor_paths

# How many weakest criteria the unit page lists.
WEAKEST_COUNT = 3
# How long a filtered view's indices stay cached (a recompute changes the key anyway).
FILTER_CACHE_SECONDS = 6 * 3600


# ---------------------------------------------------------------- who sees which campaign and unit


@dataclass(frozen=True)
class Reach:
    """Where a user may look inside one campaign: the organiser's subtree cut down to the user's own subtrees."""

    campaign: Campaign
    paths: tuple[str, ...]  # the outermost unit paths the user may see inside the campaign
    everything: bool  # the user sits at or above the organiser

    def covers(self, unit: Unit) -> bool:
        return unit.path.startswith(self.campaign.organiser.path) and any(unit.path.startswith(p) for p in self.paths)


def _campaign_q(paths: Sequence[str]) -> Q:
    """Campaigns whose organiser lies inside one of `paths`, or above one of them."""
    query = Q(pk__in=[])
    ancestors: set[str] = set()
    for path in paths:
        query |= Q(organiser__path__startswith=path)
        ancestors.update(unit_ancestor_paths(Unit(path=path)))
    if ancestors:
        query |= Q(organiser__path__in=sorted(ancestors))
    return query


def campaigns_with_results_for(user: User | AnonymousUser) -> QuerySet[Campaign]:
    """Campaigns the user may read results of: organised inside or above one of the user's units."""
    campaigns = Campaign.objects.select_related("organiser")
    if not user.is_authenticated:
        return campaigns.none()
    if user.is_superuser:
        return campaigns
    return campaigns.filter(_campaign_q(membership_paths(user, RESULT_ROLES)))


def campaigns_for_landing(user: User | AnonymousUser) -> list[Campaign]:
    """Visible campaigns, each with `my_units`: the units the user manages inside it (for their unit page links)."""
    campaigns = list(campaigns_with_results_for(user))
    managed = list(
        Unit.objects.filter(memberships__user=user, memberships__role=Role.UNIT_MANAGER).order_by("path").distinct()
    ) if user.is_authenticated else []
    for campaign in campaigns:
        campaign.my_units = [u for u in managed if u.path.startswith(campaign.organiser.path)]
    return campaigns


def campaign_reach(*, user: User | AnonymousUser, code: str) -> Reach:
    """The campaign `code` and where the user may look in it; 404 when the user has no unit in it."""
    if not user.is_authenticated:
        raise Http404
    campaign = campaign_by_code(code)
    if campaign is None:
        raise Http404
    organiser_path = campaign.organiser.path
    if user.is_superuser:
        return Reach(campaign, (organiser_path,), True)
    paths = membership_paths(user, RESULT_ROLES)
    if any(organiser_path.startswith(p) for p in paths):
        return Reach(campaign, (organiser_path,), True)
    outermost = outermost_paths(p for p in paths if p.startswith(organiser_path))
    if not outermost:
        raise Http404
    return Reach(campaign, tuple(outermost), False)


def reach_units(reach: Reach) -> QuerySet[Unit]:
    """The units a reach starts from (the organiser, or the user's own units inside the campaign)."""
    return Unit.objects.filter(path__in=reach.paths).order_by("path")


# ---------------------------------------------------------------- snapshots


def snapshot_published(campaign: Campaign, version: int | None = None) -> Snapshot | None:
    """The latest published snapshot, or the one of `version`."""
    snapshots = Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED)
    if version is not None:
        return snapshots.filter(version=version).first()
    return snapshots.order_by("-version").first()


def _best_snapshots(campaign_ids: Iterable[int]) -> dict[int, tuple[int, bool]]:
    """For each campaign, (snapshot id, published?) of its latest published snapshot, else its working one (one query)."""
    best: dict[int, tuple[int, int, int]] = {}
    rows = Snapshot.objects.filter(campaign_id__in=list(campaign_ids)).values_list("campaign_id", "id", "status", "version")
    for campaign_id, snapshot_id, status, version in rows:
        rank = (1 if status == SnapshotStatus.PUBLISHED else 0, version, snapshot_id)
        if campaign_id not in best or rank > best[campaign_id]:
            best[campaign_id] = rank
    return {campaign_id: (rank[2], rank[0] == 1) for campaign_id, rank in best.items()}


# ---------------------------------------------------------------- index values


@dataclass
class Score:
    """One index value as the pages show it."""

    value: Decimal | None = None
    n: int = 0
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None

    @classmethod
    def of(cls, row: IndexValue | None) -> Score:
        if row is None:
            return cls()
        return cls(row.value, row.n, row.ci_low, row.ci_high)

    @property
    def float_value(self) -> float | None:
        return None if self.value is None else float(self.value)


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


def values_by_unit(snapshot: Snapshot | None, units: Sequence[Unit], row_units: Sequence[Unit] = ()) -> dict[int, UnitValues]:
    """All index values of `units` and the ranking values (ROW_SCOPES) of `row_units` in `snapshot` (one query)."""
    result = {unit.pk: UnitValues(unit) for unit in [*units, *row_units]}
    if snapshot is None or not result:
        return result
    wanted = Q(unit_id__in=[u.pk for u in units]) | Q(unit_id__in=[u.pk for u in row_units], scope__in=ROW_SCOPES)
    rows = IndexValue.objects.filter(wanted, snapshot=snapshot).values_list("unit_id", "scope", "key", "value", "n", "ci_low", "ci_high")
    for unit_id, scope, key, value, n, ci_low, ci_high in rows:
        result[unit_id].values[(scope, key)] = Score(value, n, ci_low, ci_high)
    return result


def meets_target(value: Decimal | None, target: Decimal) -> bool | None:
    """ĐẠT when the index reaches the target; None when there is no index."""
    if value is None:
        return None
    return value >= target


# ---------------------------------------------------------------- ranking


@dataclass
class RankRow:
    unit: Unit
    score: Score
    responses: int
    rank: int | None = None
    tied_above: bool = False  # its interval overlaps the one of the unit ranked just above
    tied_below: bool = False
    previous_value: Decimal | None = None
    previous_rank: int | None = None

    @property
    def tied(self) -> bool:
        return self.tied_above or self.tied_below

    @property
    def change_points(self) -> Decimal | None:
        if self.score.value is None or self.previous_value is None:
            return None
        return self.score.value - self.previous_value

    @property
    def change_rank(self) -> int | None:
        """Places gained since the previous campaign (positive = moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def _intervals_overlap(upper: Score, lower: Score) -> bool:
    if None in (upper.ci_low, upper.ci_high, lower.ci_low, lower.ci_high):
        return False
    return upper.ci_low <= lower.ci_high and lower.ci_low <= upper.ci_high  # type: ignore[operator]


def _rank_positions(scores: dict[int, Decimal | None]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of the units that have a value, highest first."""
    ordered = sorted(((v, k) for k, v in scores.items() if v is not None), key=lambda item: -item[0])
    ranks: dict[int, int] = {}
    previous: Decimal | None = None
    position = 0
    for index, (value, key) in enumerate(ordered, start=1):
        if value != previous:
            position = index
            previous = value
        ranks[key] = position
    return ranks


def ranking(values: dict[int, UnitValues], units: Sequence[Unit], previous: dict[int, Decimal | None] | None = None) -> list[RankRow]:
    """Rank `units` by overall index, mark statistical ties between neighbours, add the change since `previous`.

    `previous` maps unit id → overall value in the previous campaign of the series.
    """
    rows = [RankRow(unit, values[unit.pk].overall, values[unit.pk].responses) for unit in units]
    current_ranks = _rank_positions({row.unit.pk: row.score.value for row in rows})
    previous_ranks = _rank_positions({k: v for k, v in (previous or {}).items() if k in current_ranks})
    for row in rows:
        row.rank = current_ranks.get(row.unit.pk)
        row.previous_value = (previous or {}).get(row.unit.pk)
        row.previous_rank = previous_ranks.get(row.unit.pk)
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.unit.name))
    ranked = [row for row in rows if row.rank is not None]
    for upper, lower in zip(ranked, ranked[1:], strict=False):
        if _intervals_overlap(upper.score, lower.score):
            upper.tied_below = lower.tied_above = True
    return rows


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The campaign before this one: the one it names, else the latest earlier one of the same series."""
    if campaign.previous_id:
        return campaign.previous
    if not campaign.series:
        return None
    return (
        Campaign.objects.filter(series=campaign.series, year__lt=campaign.year).exclude(pk=campaign.pk).order_by("-year", "-fieldwork_end").first()
    )


def previous_overall(campaign: Campaign | None, units: Sequence[Unit], *, published_only: bool = False) -> dict[int, Decimal | None]:
    """Overall values of `units` in the campaign's best snapshot; a merged unit takes its predecessor's value.

    `published_only`: for what the public reads, a campaign whose results were never published gives nothing.
    """
    if campaign is None or not units:
        return {}
    snapshot_id, published = _best_snapshots([campaign.pk]).get(campaign.pk, (None, False))
    if snapshot_id is None or (published_only and not published):
        return {}
    wanted = {unit.pk: unit.pk for unit in units}
    successors = Unit.objects.filter(successor_id__in=list(wanted)).values_list("pk", "successor_id")
    for predecessor_id, successor_id in successors:
        wanted.setdefault(predecessor_id, successor_id)
    rows = IndexValue.objects.filter(snapshot_id=snapshot_id, unit_id__in=list(wanted), scope=IndexScope.OVERALL, key="")
    result: dict[int, Decimal | None] = {}
    for unit_id, value in rows.values_list("unit_id", "value"):
        target = wanted[unit_id]
        if target == unit_id or target not in result:
            result[target] = value
    return result


# ---------------------------------------------------------------- questions, sections and distributions


@dataclass
class Catalogue:
    """The questions and sections of a campaign's questionnaires, keyed by code."""

    questions: list[Question]
    sections: dict[str, str]  # section code → title

    @property
    def index_questions(self) -> list[Question]:
        return [q for q in self.questions if q.counts_in_index]

    def question_text(self, code: str) -> str:
        for question in self.questions:
            if question.code == code:
                return question.text
        return code


def catalogue(campaign: Campaign, form_id: int | None = None) -> Catalogue:
    """Questions (with their section) of the campaign's forms (two queries)."""
    questions = Question.objects.filter(questionnaire__campaign_forms__campaign=campaign).select_related("section")
    sections = Section.objects.filter(questionnaire__campaign_forms__campaign=campaign)
    if form_id is not None:
        questions = questions.filter(questionnaire__campaign_forms__pk=form_id)
        sections = sections.filter(questionnaire__campaign_forms__pk=form_id)
    questions = questions.order_by("questionnaire_id", "section__order", "order", "pk")
    titles: dict[str, str] = {}
    for code, title in sections.order_by("questionnaire_id", "order", "pk").values_list("code", "title"):
        titles.setdefault(code, title)
    return Catalogue(list(questions), titles)


# Labels of the Likert levels when a question keeps no choice list of its own.
LIKERT_LABELS = {
    "likert5": {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường", 4: "Hài lòng", 5: "Rất hài lòng"},
    "likert4": {1: "Không", 2: "Ít", 3: "Mong muốn", 4: "Rất mong muốn"},
}


def choice_label(question: Question, level: int) -> str:
    for choice in question.choices or []:
        if choice.get("value") == level:
            return str(choice.get("label") or choice.get("name") or level)
    return LIKERT_LABELS.get(question.type, {}).get(level, str(level))


@dataclass
class Distribution:
    """One question's valid answers by level in a subtree, with shares that add up to 100.00."""

    question: Question
    levels: list[tuple[int, str, int, Decimal | None]]  # (level, label, count, percent)
    n: int
    satisfied: int
    mean: Decimal | None

    @property
    def satisfied_share(self) -> Decimal | None:
        return to_hundredths(Fraction(self.satisfied * 100, self.n)) if self.n else None

    @property
    def wilson(self) -> tuple[Decimal | None, Decimal | None]:
        return wilson_interval(self.satisfied, self.n)


def rules_by_question(campaign: Campaign) -> dict[int, QuestionRule]:
    """The engine's rule (valid levels, satisfied levels, role) of each question of the campaign (two queries)."""
    return {rule.question_id: rule for rule in campaign_setup(campaign).rules}


def tally_filter(campaign: Campaign, unit: Unit, form_id: int | None = None, channel: str | None = None) -> QuerySet[Tally]:
    tallies = Tally.objects.filter(campaign=campaign, unit__path__startswith=unit.path)
    if form_id is not None:
        tallies = tallies.filter(form_id=form_id)
    if channel:
        tallies = tallies.filter(channel=channel)
    return tallies


def distributions(
    campaign: Campaign,
    unit: Unit,
    questions: Sequence[Question],
    rules: dict[int, QuestionRule],
    form_id: int | None = None,
    channel: str | None = None,
) -> list[Distribution]:
    """Each question's distribution over the unit's subtree, in one grouped query.

    Without filters it reads the engine's subtree roll-up of the unit; with a form or channel filter
    it sums the leaf tallies of the subtree.
    """
    wanted = [q for q in questions if q.pk in rules and rules[q.pk].levels]
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    if form_id is None and not channel:
        rows = SubtreeTally.objects.filter(campaign=campaign, unit=unit, question_id__in=[q.pk for q in wanted]).values_list("question_id", "level", "n")
    else:
        rows = (
            tally_filter(campaign, unit, form_id, channel)
            .filter(question_id__in=[q.pk for q in wanted])
            .values_list("question_id", "level")
            .annotate(total=Sum("n"))
        )
    for question_id, level, total in rows:
        counts[question_id][level] = counts[question_id].get(level, 0) + total
    result = []
    for question in wanted:
        rule = rules[question.pk]
        by_level = counts.get(question.pk, {})
        levels = sorted(rule.levels or ())
        level_counts = [by_level.get(level, 0) for level in levels]
        n = sum(level_counts)
        shares = largest_remainder_percentages(level_counts)
        satisfied = sum(count for level, count in zip(levels, level_counts, strict=True) if level in rule.satisfied)
        mean = to_hundredths(Fraction(sum(level * count for level, count in zip(levels, level_counts, strict=True)), n)) if n else None
        labelled = [(level, choice_label(question, level), count, share) for level, count, share in zip(levels, level_counts, shares, strict=True)]
        result.append(Distribution(question, labelled, n, satisfied, mean))
    return result


def filtered_values(campaign: Campaign, unit: Unit, children: Sequence[Unit], form_id: int | None, channel: str | None) -> dict[int, UnitValues]:
    """Index values of `unit` and its `children` over the answers of one form and/or channel, computed
    from leaf tallies with the engine's scheme (the snapshot holds only the unfiltered values)."""
    setup = campaign_setup(campaign)
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
                values.values[(index.scope, index.key)] = Score(index.value, index.n, index.ci_low, index.ci_high)
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


# ---------------------------------------------------------------- fieldwork progress


@dataclass
class ProgressRow:
    unit: Unit
    channel: str
    target: int
    done: int

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label if self.channel in Channel.values else self.channel

    @property
    def percent(self) -> Decimal | None:
        if not self.target:
            return None
        return (Decimal(self.done) * 100 / self.target).quantize(Decimal("0.01"))

    @property
    def bar(self) -> int:
        return min(100, round(float(self.percent or 0)))


def fieldwork_progress(campaign: Campaign, unit: Unit, form_id: int | None = None, channel: str | None = None) -> list[ProgressRow]:
    """Counted responses against quotas per unit and channel in the subtree (two grouped queries).

    Counts come from the engine's per-cell people counts (unit × channel × form), never from responses.
    """
    quotas = SampleQuota.objects.filter(campaign=campaign, unit__path__startswith=unit.path).select_related("unit")
    counts = CellCount.objects.filter(campaign=campaign, unit__path__startswith=unit.path)
    if form_id is not None:
        quotas, counts = quotas.filter(form_id=form_id), counts.filter(form_id=form_id)
    if channel:
        quotas, counts = quotas.filter(channel=channel), counts.filter(channel=channel)
    cells: dict[tuple[int, str], ProgressRow] = {}
    for quota in quotas.order_by("unit__path", "channel"):
        key = (quota.unit_id, quota.channel)
        if key in cells:
            cells[key].target += quota.target
        else:
            cells[key] = ProgressRow(quota.unit, quota.channel, quota.target, 0)
    if not cells:
        return []
    for unit_id, cell_channel, done in counts.values_list("unit_id", "channel").annotate(done=Sum("responses")):
        if (unit_id, cell_channel) in cells:
            cells[(unit_id, cell_channel)].done = done
    return list(cells.values())


# ---------------------------------------------------------------- trend


@dataclass
class TrendPoint:
    campaign: Campaign
    value: Decimal | None
    published: bool


def trend(campaign: Campaign, unit: Unit) -> list[TrendPoint]:
    """The unit's overall index in every campaign of the series up to this one (three queries)."""
    if campaign.series:
        campaigns = list(Campaign.objects.filter(series=campaign.series, year__lte=campaign.year).order_by("year", "fieldwork_end"))
    else:
        campaigns = [campaign]
    best = _best_snapshots(c.pk for c in campaigns)
    snapshot_ids = [snapshot_id for snapshot_id, _published in best.values()]
    values = dict(
        IndexValue.objects.filter(snapshot_id__in=snapshot_ids, unit=unit, scope=IndexScope.OVERALL, key="").values_list("snapshot_id", "value")
    )
    points = []
    for c in campaigns:
        snapshot_id, published = best.get(c.pk, (None, False))
        points.append(TrendPoint(c, values.get(snapshot_id), published))
    return points


# ---------------------------------------------------------------- forms and units of a campaign


def campaign_forms(campaign: Campaign) -> list[CampaignForm]:
    return list(CampaignForm.objects.filter(campaign=campaign).select_related("questionnaire").order_by("pk"))


def children_of(unit: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=unit).select_related("type").order_by("name"))


def units_with_data(snapshot: Snapshot | None, units: Sequence[Unit]) -> list[Unit]:
    """The subset of `units` that have any index value in the snapshot (one query)."""
    if snapshot is None:
        return []
    present = set(IndexValue.objects.filter(snapshot=snapshot, unit__in=list(units)).values_list("unit_id", flat=True).distinct())
    return [unit for unit in units if unit.pk in present]


def ancestors_within(unit: Unit, top: Unit) -> list[Unit]:
    """The chain from `top` down to `unit` (for the drill-down breadcrumb)."""
    paths = [p for p in unit_ancestor_paths(unit) if p.startswith(top.path)]
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


# ---------------------------------------------------------------- the pages' data


@dataclass
class DashboardData:
    campaign: Campaign
    snapshot: Snapshot | None
    unit: Unit
    breadcrumb: list[Unit]
    own: UnitValues
    target: Decimal
    reached: bool | None
    ranking: list[RankRow]
    previous: Campaign | None
    elements: list[tuple[str, str, Score]]  # (code, title, score)
    distributions: list[Distribution]
    progress: list[ProgressRow]
    heatmap_units: list[Unit]
    heatmap: dict[int, UnitValues]
    trend: list[TrendPoint]
    filtered: bool

    @property
    def has_data(self) -> bool:
        return self.snapshot is not None and self.own.overall.value is not None

    @property
    def progress_total(self) -> tuple[int, int]:
        return sum(r.done for r in self.progress), sum(r.target for r in self.progress)

    def chart_data(self) -> dict[str, object]:
        """What static/js/dashboard.js draws (passed with json_script, never inline script)."""
        element_codes = [code for code, _title, _score in self.elements]
        return {
            "target": float(self.target),
            "elements": [{"code": c, "label": f"{c}. {t}", "value": s.float_value} for c, t, s in self.elements],
            "distributions": [
                {
                    "code": d.question.code,
                    "text": d.question.text,
                    "levels": [{"label": label, "percent": float(share or 0), "count": count} for _lvl, label, count, share in d.levels],
                }
                for d in self.distributions
                if d.n
            ],
            "heatmap": {
                "units": [u.name for u in self.heatmap_units],
                "elements": element_codes,
                "z": [[self.heatmap[u.pk].get(IndexScope.ELEMENT, c).float_value for c in element_codes] for u in self.heatmap_units],
            },
            "trend": [{"label": f"{p.campaign.year} · {p.campaign.code}", "value": float(p.value) if p.value is not None else None} for p in self.trend],
        }


def _elements(catalogue_: Catalogue, own: UnitValues) -> list[tuple[str, str, Score]]:
    codes = [key for scope, key in own.values if scope == IndexScope.ELEMENT]
    ordered = [c for c in catalogue_.sections if c in codes] + sorted(c for c in codes if c not in catalogue_.sections)
    return [(code, catalogue_.sections.get(code, code), own.get(IndexScope.ELEMENT, code)) for code in ordered]


def campaign_dashboard(*, reach: Reach, unit: Unit, form_id: int | None = None, channel: str | None = None, snapshot: Snapshot | None = None) -> DashboardData:
    """Everything the campaign dashboard shows for `unit` (the caller checked that the reach covers it)."""
    campaign = reach.campaign
    snapshot = snapshot or working_snapshot(campaign)
    top = campaign.organiser if reach.everything else next((u for u in reach_units(reach) if unit.path.startswith(u.path)), unit)
    children = children_of(unit)
    filtered = bool(form_id or channel)
    if filtered:
        values = until_recompute(snapshot, "values", (unit.pk, form_id, channel), lambda: filtered_values(campaign, unit, children, form_id, channel))
    else:
        values = values_by_unit(snapshot, [unit], children)
    own = values[unit.pk]
    with_data = [c for c in children if values[c.pk].values]
    before = previous_campaign(campaign)
    cat = catalogue(campaign, form_id)
    rules = rules_by_question(campaign)
    ranked = ranking(values, with_data, previous_overall(before, with_data))
    return DashboardData(
        campaign=campaign,
        snapshot=snapshot,
        unit=unit,
        breadcrumb=ancestors_within(unit, top),
        own=own,
        target=campaign.target_index,
        reached=meets_target(own.overall.value, campaign.target_index),
        ranking=ranked,
        previous=before,
        elements=_elements(cat, own),
        distributions=until_recompute(
            snapshot if filtered else None, "distributions", (unit.pk, form_id, channel),
            lambda: distributions(campaign, unit, cat.index_questions or cat.questions, rules, form_id, channel),
        ),
        progress=fieldwork_progress(campaign, unit, form_id, channel),
        heatmap_units=[row.unit for row in ranked],
        heatmap=values,
        trend=trend(campaign, unit),
        filtered=filtered,
    )


@dataclass
class UnitPageData:
    campaign: Campaign
    snapshot: Snapshot | None
    unit: Unit
    parent: Unit | None
    own: UnitValues
    parent_values: UnitValues | None
    peers: list[RankRow]
    elements: list[tuple[str, str, Score, Score, Decimal | None]]  # (code, title, unit, parent, difference in points)
    weakest: list[tuple[str, str, Score]]  # (question code, text, score)
    criteria: list[tuple[str, str, Score]]
    target: Decimal
    reached: bool | None

    @property
    def has_data(self) -> bool:
        return self.snapshot is not None and bool(self.own.values)


def unit_page(*, reach: Reach, unit: Unit) -> UnitPageData:
    """A unit's results against its parent and its peers, and its weakest criteria."""
    campaign = reach.campaign
    snapshot = working_snapshot(campaign)
    organiser_path = campaign.organiser.path
    parent = unit.parent if unit.parent_id and unit.path != organiser_path else None
    peers = [u for u in children_of(parent) if u.pk != unit.pk] if parent else []
    values = values_by_unit(snapshot, [unit, *([parent] if parent else [])], peers)
    own = values[unit.pk]
    parent_values = values[parent.pk] if parent else None
    cat = catalogue(campaign)
    elements = []
    for code, title, score in _elements(cat, own):
        above = parent_values.get(IndexScope.ELEMENT, code) if parent_values else Score()
        difference = score.value - above.value if score.value is not None and above.value is not None else None
        elements.append((code, title, score, above, difference))
    texts = {q.code: q.text for q in cat.questions}
    criteria = sorted(
        ((key, texts.get(key, key), score) for (scope, key), score in own.values.items() if scope == IndexScope.CRITERION),
        key=lambda item: list(texts).index(item[0]) if item[0] in texts else len(texts),
    )
    weakest = sorted((c for c in criteria if c[2].value is not None), key=lambda c: (c[2].value, c[0]))[:WEAKEST_COUNT]
    peer_rows = ranking(values, [u for u in [unit, *peers] if values[u.pk].values])
    return UnitPageData(
        campaign=campaign,
        snapshot=snapshot,
        unit=unit,
        parent=parent,
        own=own,
        parent_values=parent_values,
        peers=peer_rows,
        elements=elements,
        weakest=weakest,
        criteria=criteria,
        target=campaign.target_index,
        reached=meets_target(own.overall.value, campaign.target_index),
    )


@dataclass
class PublicData:
    campaign: Campaign
    snapshot: Snapshot
    versions: list[Snapshot]
    own: UnitValues
    reached: bool | None
    ranking: list[RankRow]
    elements: list[tuple[str, str, Score]]
    element_table: list[tuple[RankRow, list[Score]]]


def public_results(*, campaign: Campaign, snapshot: Snapshot) -> PublicData:
    """The public page of a published snapshot: overall, ranking with change, element table."""
    organiser = campaign.organiser
    children = children_of(organiser)
    values = values_by_unit(snapshot, [organiser], children)
    with_data = [c for c in children if values[c.pk].values]
    rows = ranking(values, with_data, previous_overall(previous_campaign(campaign), with_data, published_only=True))
    cat = catalogue(campaign)
    elements = _elements(cat, values[organiser.pk])
    table = [(row, [values[row.unit.pk].get(IndexScope.ELEMENT, code) for code, _t, _s in elements]) for row in rows]
    versions = list(Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).order_by("-version"))
    return PublicData(
        campaign=campaign,
        snapshot=snapshot,
        versions=versions,
        own=values[organiser.pk],
        reached=meets_target(values[organiser.pk].overall.value, campaign.target_index),
        ranking=rows,
        elements=elements,
        element_table=table,
    )
