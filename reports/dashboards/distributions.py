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
from reports.models import IndexScope, SubtreeTally
from reports.schemes import QuestionRule, largest_remainder_percentages, to_hundredths, wilson_interval
from reports.services import campaign_setup
from surveys.models import Question, Section
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


def element_scores(catalogue_: Catalogue, own: UnitValues) -> list[tuple[str, str, Score]]:
    codes = [key for scope, key in own.values if scope == IndexScope.ELEMENT]
    ordered = [c for c in catalogue_.sections if c in codes] + sorted(c for c in codes if c not in catalogue_.sections)
    return [(code, catalogue_.sections.get(code, code), own.get(IndexScope.ELEMENT, code)) for code in ordered]
