"""The questions of a campaign (catalogue) and the distribution of answers to each question."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Sum

from campaigns.models import Campaign
from reports.dashboards.values import Score, UnitValues, tally_filter
from reports.models import IndexScope, Snapshot
from reports.published_tallies import subtree_levels
from reports.schemes import ROLE_INDEX, QuestionRule, largest_remainder_percentages, to_hundredths
from reports.services import campaign_setup
from reports.tallies import RESPONDENTS_LEVEL
from surveys.models import Question, Section
from surveys.rules import CHOICE_TYPES
from units.models import Unit


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


# A whole-number question with at most this many possible values (e.g. the number of trips, 1–20) is
# reported like a closed question, at the values people gave.
SMALL_RANGE = 20


def is_closed(rule: QuestionRule) -> bool:
    """Whether a question's answers are reported as a distribution: choices or a scale (single, multi,
    yes/no, Likert), or a whole number within a small declared range."""
    if rule.levels is not None:
        return bool(rule.levels)
    return rule.low is not None and rule.high is not None and rule.high - rule.low < SMALL_RANGE


@dataclass
class Distribution:
    """One question's valid answers by level in a subtree.

    `n` is the base of the shares: the valid answers, or for a multi-choice question the respondents
    who ticked at least one valid option. Single-answer shares add up to exactly 100.00 (largest
    remainder); a multi-choice question's do not (one respondent ticks several options).
    """

    question: Question
    levels: list[tuple[int, str, int, Decimal | None]]  # (level, label, count, percent)
    n: int
    satisfied: int
    mean: Decimal | None
    multi: bool = False
    criterion: bool = False  # the question counts in the index

    @property
    def satisfied_share(self) -> Decimal | None:
        return to_hundredths(Fraction(self.satisfied * 100, self.n)) if self.n else None

    @property
    def total_share(self) -> Decimal | None:
        """The sum of the shares (100.00 for a single-answer question with answers)."""
        shares = [share for *_rest, share in self.levels if share is not None]
        return sum(shares, Decimal("0.00")) if shares else None


@dataclass
class LevelTable:
    """Distributions on one answer scale (the same levels and labels), shown as one table: a row each."""

    labels: list[tuple[int, str]]
    rows: list[Distribution]


def level_tables(items: Sequence[Distribution]) -> list[LevelTable]:
    """`items` grouped by answer scale, in order of first appearance."""
    tables: dict[tuple[tuple[int, str], ...], LevelTable] = {}
    for item in items:
        labels = tuple((level, label) for level, label, _count, _share in item.levels)
        tables.setdefault(labels, LevelTable(list(labels), [])).rows.append(item)
    return list(tables.values())


class ClosedQuestions:
    """What a page with `distributions` (every closed question) shows of them."""

    distributions: list[Distribution]

    @property
    def criteria_distributions(self) -> list[Distribution]:
        return [d for d in self.distributions if d.criterion]

    @property
    def other_distributions(self) -> list[Distribution]:
        return [d for d in self.distributions if not d.criterion]

    @property
    def criteria_tables(self) -> list[LevelTable]:
        return level_tables(self.criteria_distributions)


def distribution_of(question: Question, rule: QuestionRule, by_level: dict[int, int]) -> Distribution:
    """The distribution of one question from its counts per level (RESPONDENTS_LEVEL: a multi-choice base)."""
    if rule.levels is not None:
        levels = sorted(rule.levels)
    else:  # a number: the values given
        levels = sorted(level for level, count in by_level.items() if count and rule.is_valid(level))
    counts = [by_level.get(level, 0) for level in levels]
    answers = sum(counts)
    if rule.multi:
        n = by_level.get(RESPONDENTS_LEVEL, 0)
        shares = [to_hundredths(Fraction(count * 100, n)) if n else None for count in counts]
    else:
        n = answers
        shares = largest_remainder_percentages(counts)
    criterion = rule.role == ROLE_INDEX
    has_mean = not rule.multi and (criterion or question.type not in CHOICE_TYPES)
    mean = to_hundredths(Fraction(sum(level * count for level, count in zip(levels, counts, strict=True)), answers)) if has_mean and answers else None
    satisfied = sum(count for level, count in zip(levels, counts, strict=True) if level in rule.satisfied)
    labelled = [(level, choice_label(question, level), count, share) for level, count, share in zip(levels, counts, shares, strict=True)]
    return Distribution(question, labelled, n, satisfied, mean, multi=rule.multi, criterion=criterion)


def rules_by_question(campaign: Campaign) -> dict[int, QuestionRule]:
    """The engine's rule (valid levels, satisfied levels, role) of each question of the campaign (two queries)."""
    return {rule.question_id: rule for rule in campaign_setup(campaign).rules}


def distributions(
    campaign: Campaign,
    unit: Unit,
    questions: Sequence[Question],
    rules: dict[int, QuestionRule],
    form_id: int | None = None,
    channel: str | None = None,
    *,
    published: Snapshot | None = None,
) -> list[Distribution]:
    """The distribution of each closed question of `questions` over the unit's subtree, in one query.

    Without filters it reads the subtree tallies: those frozen with `published` (a published
    snapshot), else the working ones; with a form or channel filter it sums the working leaf tallies.
    """
    wanted = [q for q in questions if q.pk in rules and is_closed(rules[q.pk])]
    ids = [q.pk for q in wanted]
    if form_id is None and not channel:
        levels = subtree_levels(campaign_id=campaign.pk, published_snapshot_id=published.pk if published else None, unit_ids=[unit.pk], question_ids=ids)
        counts = levels.get(unit.pk, {})
    else:
        counts = defaultdict(dict)
        rows = tally_filter(campaign, unit, form_id, channel).filter(question_id__in=ids).values_list("question_id", "level").annotate(total=Sum("n"))
        for question_id, level, total in rows:
            counts[question_id][level] = total
    return [distribution_of(question, rules[question.pk], counts.get(question.pk, {})) for question in wanted]


def element_scores(catalogue_: Catalogue, own: UnitValues) -> list[tuple[str, str, Score]]:
    codes = [key for scope, key in own.values if scope == IndexScope.ELEMENT]
    ordered = [c for c in catalogue_.sections if c in codes] + sorted(c for c in codes if c not in catalogue_.sections)
    return [(code, catalogue_.sections.get(code, code), own.get(IndexScope.ELEMENT, code)) for code in ordered]
