"""Reads of the index tables that dashboards, exports, the command and tests share.

Everything here reads tallies and index values, never answers.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from campaigns.models import Campaign
from reports.models import CellCount, CellMoments, IndexValue, Snapshot, SnapshotStatus, SubtreeCount, SubtreeTally, Tally
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


def campaign_summary(campaign: Campaign, snapshot: Snapshot | None = None) -> dict:
    """The whole campaign at the organiser, as `recompute --json` prints it: percentages with two
    decimals (floats), None where there is no data. Of the working snapshot unless another is given
    (a published version's summary has the same shape, so the two can be compared key by key)."""
    snapshot = snapshot or working_snapshot(campaign)
    values = list(index_values(snapshot, campaign.organiser)) if snapshot else []

    def number(value: Decimal | None) -> float | None:
        return float(value) if value is not None else None

    single = {(v.scope, v.key): v for v in values}
    overall = single.get(("overall", ""))
    full = single.get(("full", ""))
    section_order = _section_order(campaign)

    def ordered(scope: str) -> list[IndexValue]:
        return sorted((v for v in values if v.scope == scope), key=lambda v: (section_order.get(v.key, 10**6), v.key))

    design = (snapshot.design if snapshot else None) or {}
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
        "estimates": {
            "overall": estimate_summary(overall),
            "elements": {v.key: estimate_summary(v) for v in ordered("element")},
            "criteria": {v.key: estimate_summary(v) for v in ordered("criterion")},
        },
        "design": {"weighted": bool(design.get("weighted", False)), "rule": design.get("rule", "pooled"), "strata": int(design.get("strata", 0))},
    }


def estimate_summary(value: IndexValue | None) -> dict | None:
    """A value's design-based estimate as `recompute --json` prints it: the unrounded estimate and its
    standard error in percentage points, the 95% interval as stored (two decimals), the design effect,
    the effective sample size and the respondents; None when there is no such value."""
    if value is None:
        return None
    return {
        "value": value.estimate,
        "se": value.se,
        "ci_low": float(value.ci_low) if value.ci_low is not None else None,
        "ci_high": float(value.ci_high) if value.ci_high is not None else None,
        "deff": value.deff,
        "n_eff": value.n_eff,
        "respondents": value.respondents,
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
        "moments": sorted(
            CellMoments.objects.filter(campaign=campaign).values_list("form_id", "unit_id", "channel", "sex", "age_group", "n", "sums", "gram")
        ),
        "subtree": sorted(SubtreeTally.objects.filter(campaign=campaign).values_list("unit_id", "question_id", "level", "n")),
        "subtree_people": sorted(SubtreeCount.objects.filter(campaign=campaign).values_list("unit_id", "responses", "respondents", "fully_satisfied")),
        "values": sorted(
            IndexValue.objects.filter(snapshot__campaign=campaign, snapshot__status=SnapshotStatus.WORKING).values_list(
                "unit_id", "scope", "key", "value", "n", "ci_low", "ci_high", "estimate", "se", "deff", "n_eff", "respondents"
            ),
            key=text,
        ),
    }
