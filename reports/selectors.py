"""Reads of the index tables that dashboards, exports, the command and tests share.

Everything here reads tallies and index values, never answers.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import QuerySet, Sum

from campaigns.models import Campaign
from reports.models import CellCount, IndexValue, Snapshot, SnapshotStatus, SubtreeCount, SubtreeTally, Tally
from reports.schemes import largest_remainder_percentages, question_rule
from surveys.models import Question
from units.models import Unit


def working_snapshot(campaign: Campaign) -> Snapshot | None:
    """The snapshot that recomputes keep up to date (None before the first recompute)."""
    return Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.WORKING, version=0).first()


def index_values(snapshot: Snapshot, unit: Unit, scope: str | None = None) -> QuerySet[IndexValue]:
    """The index values of `unit` (over its whole subtree) in `snapshot`, optionally of one scope."""
    values = IndexValue.objects.filter(snapshot=snapshot, unit=unit)
    if scope is not None:
        values = values.filter(scope=scope)
    return values.order_by("scope", "key")


def distribution(campaign: Campaign, question: Question, unit: Unit) -> list[tuple[int, int, Decimal | None]]:
    """(level, answers, percent) of one question over the unit's subtree, valid levels only.

    Missing codes ("không biết / không trả lời") are left out, as in the indices; the percentages are
    rounded by largest remainder so that they add up to exactly 100.00 (None when nobody answered).
    Levels of the question's scale that nobody chose are listed with 0.
    """
    rule = question_rule(
        question_id=question.pk, code=question.code, section_code="", type=question.type, counts_in_index=question.counts_in_index,
        choices=question.choices, satisfied_levels=question.satisfied_levels, missing_codes=question.missing_codes,
        min_value=question.min_value, max_value=question.max_value,
    )
    counts: dict[int, int] = defaultdict(int)
    for level in rule.levels or ():
        counts[level] = 0
    rows = SubtreeTally.objects.filter(campaign=campaign, unit=unit, question=question).values_list("level", "n")
    for level, n in rows:
        if rule.is_valid(level):
            counts[level] += n
    levels = sorted(counts)
    shares = largest_remainder_percentages([counts[level] for level in levels])
    return [(level, counts[level], share) for level, share in zip(levels, shares, strict=True)]


def counted_responses(campaign: Campaign, unit: Unit | None = None) -> int:
    """Counted responses of the campaign, or of one unit's subtree."""
    if unit is None:
        return CellCount.objects.filter(campaign=campaign).aggregate(n=Sum("responses"))["n"] or 0
    return SubtreeCount.objects.filter(campaign=campaign, unit=unit).values_list("responses", flat=True).first() or 0


def campaign_summary(campaign: Campaign) -> dict:
    """The whole campaign at the organiser, as `recompute --json` prints it: percentages with two
    decimals (floats), None where there is no data."""
    snapshot = working_snapshot(campaign)
    values = list(index_values(snapshot, campaign.organiser)) if snapshot else []

    def number(value: Decimal | None) -> float | None:
        return float(value) if value is not None else None

    single = {(v.scope, v.key): v for v in values}
    overall = single.get(("overall", ""))
    full = single.get(("full", ""))
    section_order = _section_order(campaign)
    return {
        "campaign": campaign.code,
        "scheme": campaign.index_scheme,
        "responses": snapshot.responses if snapshot else 0,
        "overall": number(overall.value) if overall else None,
        "full_satisfaction": number(full.value) if full else None,
        "elements": {
            v.key: number(v.value)
            for v in sorted((v for v in values if v.scope == "element"), key=lambda v: (section_order.get(v.key, 10**6), v.key))
        },
        "criteria": {
            v.key: number(v.value)
            for v in sorted((v for v in values if v.scope == "criterion"), key=lambda v: (section_order.get(v.key, 10**6), v.key))
        },
    }


def _section_order(campaign: Campaign) -> dict[str, int]:
    """Position of each section and question code in the campaign's questionnaires, for a stable print order."""
    order: dict[str, int] = {}
    questions = Question.objects.filter(questionnaire__campaign_forms__campaign=campaign).order_by(
        "questionnaire_id", "section__order", "section_id", "order", "pk"
    )
    for position, (section, code) in enumerate(questions.values_list("section__code", "code")):
        order.setdefault(section, position)
        order.setdefault(code, position)
    return order


def index_tables(campaign: Campaign) -> dict[str, list[tuple]]:
    """Every index table of a campaign as sorted tuples, to compare two recomputes (tests, benchmark)."""

    def text(row: tuple) -> tuple:
        return tuple("" if v is None else str(v) for v in row)

    return {
        "tally": sorted(Tally.objects.filter(campaign=campaign).values_list("form_id", "unit_id", "channel", "question_id", "level", "n")),
        "cells": sorted(
            CellCount.objects.filter(campaign=campaign).values_list("form_id", "unit_id", "channel", "responses", "respondents", "fully_satisfied")
        ),
        "subtree": sorted(SubtreeTally.objects.filter(campaign=campaign).values_list("unit_id", "question_id", "level", "n")),
        "subtree_people": sorted(SubtreeCount.objects.filter(campaign=campaign).values_list("unit_id", "responses", "respondents", "fully_satisfied")),
        "values": sorted(
            IndexValue.objects.filter(snapshot__campaign=campaign, snapshot__status=SnapshotStatus.WORKING).values_list(
                "unit_id", "scope", "key", "value", "n", "ci_low", "ci_high"
            ),
            key=text,
        ),
    }
