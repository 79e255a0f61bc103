"""Reads of fieldwork: who may act on a case, the day's call list, the cases of a unit, response rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, Q, QuerySet
from django.http import Http404

from campaigns.fieldwork import clock
from campaigns.fieldwork.dispositions import (
    DISPOSITIONS,
    DispositionCounts,
    aapor_rates,
    case_disposition,
    disposition_group,
    eligibility_estimate,
)
from campaigns.models import Assignment, AssignmentStatus, Campaign, CampaignStatus, ContactAttempt
from campaigns.selectors import mask_name, mask_phone
from units.access import Action, allowed, require, scope
from units.models import Unit
from units.selectors import subtree_q

# A case is in the released sample when it is a primary case or a released reserve.
ACTIVE = Q(is_reserve=False) | Q(released_at__isnull=False)


def case_require(actor: User | AnonymousUser, case: Assignment, action: Action) -> None:
    """Let `actor` take `action` on `case`, or raise: an enumerator acts only on their own cases (another
    enumerator's case is a 403 in their unit, a 404 elsewhere); officials and supervisors on the cases of
    their subtree (units.access)."""
    unit = case.quota.unit
    own = actor.is_authenticated and case.enumerator_id == actor.pk
    if own and action in (Action.CASES_READ, Action.CASES_CONTACT) and allowed(actor, Action.CASES_CONTACT, unit):
        return
    require(actor, Action.CASES_READ, unit)
    if action != Action.CASES_READ:
        require(actor, action, unit)


def case_for_actor(actor: User | AnonymousUser, case_id: Any, action: Action = Action.CASES_READ) -> Assignment:
    """The case `case_id` with what its page shows, if `actor` may take `action` on it (else 404/403)."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    case = (
        Assignment.objects.select_related("campaign__organiser", "quota__unit__type", "quota__form__questionnaire", "frame_entry", "enumerator")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    case_require(actor, case, action)
    return case


def person_visible(actor: User | AnonymousUser, case: Assignment) -> bool:
    """Whether `actor` sees the drawn person's full name and phone: the organiser's officials (DESIGN §8),
    and the enumerator who holds the case while it is active, since they must call or visit the person."""
    if not actor.is_authenticated:
        return False
    if case.enumerator_id == actor.pk and case.is_active:
        return True
    return allowed(actor, Action.FRAME_READ, case.campaign.organiser)


@dataclass(frozen=True)
class Person:
    """A drawn person as one viewer may see them."""

    name: str
    phone: str
    address: str
    full: bool

    @property
    def tel(self) -> str:
        """The number for a tel: link (only when shown in full)."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+") if self.full else ""


def person_for(actor: User | AnonymousUser, case: Assignment, *, visible: bool | None = None) -> Person | None:
    """The case's person: in full for those allowed (`person_visible`), else initials and a masked phone."""
    entry = case.frame_entry
    if entry is None:
        return None
    full = person_visible(actor, case) if visible is None else visible
    if full:
        return Person(entry.full_name, entry.phone, entry.address, True)
    return Person(mask_name(entry.full_name), mask_phone(entry.phone) if entry.phone else "", "", False)


def case_attempts(case: Assignment) -> list[ContactAttempt]:
    return list(case.attempts.select_related("enumerator").order_by("at", "pk"))


# --- the enumerator's day --------------------------------------------------------------------------


@dataclass
class CallList:
    """The enumerator's open cases: `due` to work now (appointments whose time has come, then cases not
    yet tried, then the longest untried), and `appointments` still to come, earliest first."""

    now: dt.datetime
    due: list[Assignment] = field(default_factory=list)
    appointments: list[Assignment] = field(default_factory=list)

    @property
    def next_case(self) -> Assignment | None:
        return self.due[0] if self.due else None


def _due_key(case: Assignment) -> tuple[Any, ...]:
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    if case.appointment_at is not None:
        return (0, case.appointment_at, case.pk)
    return (1, case.attempt_count > 0, case.last_attempt_at or epoch, case.campaign_id, case.draw_order, case.pk)


def open_cases_of(user: User | AnonymousUser) -> QuerySet[Assignment]:
    """The user's own open, active cases in active campaigns."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    return Assignment.objects.filter(ACTIVE, enumerator=user, status=AssignmentStatus.PENDING, campaign__status=CampaignStatus.ACTIVE)


def call_list(*, user: User | AnonymousUser, now: dt.datetime | None = None, limit: int = 300) -> CallList:
    """The day's work of `user` at `now` (default: the current time)."""
    now = now or clock.now()
    cases = list(
        open_cases_of(user).select_related("campaign", "quota__unit", "frame_entry").order_by(F("appointment_at").asc(nulls_last=True), "attempt_count", "draw_order")[:limit]
    )
    result = CallList(now=now)
    for case in cases:
        if case.appointment_at is not None and case.appointment_at > now:
            result.appointments.append(case)
        else:
            result.due.append(case)
    result.due.sort(key=_due_key)
    result.appointments.sort(key=lambda case: (case.appointment_at, case.pk))
    return result


# --- supervisors' case list ---------------------------------------------------------------------------


def cases_visible_to(actor: User | AnonymousUser) -> QuerySet[Assignment]:
    """Cases of the units where `actor` may read cases (officials and supervisors, their subtrees)."""
    return scope(actor, Action.CASES_READ, Assignment.objects.all(), "quota__unit")


def cases_for_review(*, actor: User | AnonymousUser, filters: dict[str, Any]) -> QuerySet[Assignment]:
    """Cases the actor may read, filtered by campaign, unit (subtree), enumerator and state."""
    queryset = cases_visible_to(actor).filter(ACTIVE).select_related("campaign__organiser", "quota__unit", "frame_entry", "enumerator")
    if filters.get("campaign"):
        queryset = queryset.filter(campaign=filters["campaign"])
    if filters.get("unit"):
        queryset = queryset.filter(subtree_q([filters["unit"].path], "quota__unit"))
    if filters.get("enumerator"):
        queryset = queryset.filter(enumerator=filters["enumerator"])
    state = filters.get("state")
    if state == "open":
        queryset = queryset.filter(status=AssignmentStatus.PENDING)
    elif state == "closed":
        queryset = queryset.exclude(status=AssignmentStatus.PENDING)
    elif state == "unassigned":
        queryset = queryset.filter(enumerator__isnull=True, status=AssignmentStatus.PENDING)
    return queryset.order_by("campaign__code", "quota__unit__path", "quota__channel", "draw_order", "pk")


# --- response rates ------------------------------------------------------------------------------------

E_METHOD = "(I+P+R+NC+O) / (I+P+R+NC+O+NE) trên toàn bộ mẫu đã phát hành của báo cáo; 1 khi chưa trường hợp nào rõ đủ điều kiện"

COUNT_NAMES = {
    "I": "completed",
    "P": "partial",
    "R": "refusals",
    "NC": "non_contacts",
    "O": "other",
    "U": "unknown_eligibility",
    "NE": "not_eligible",
}


@dataclass
class RateRow:
    """One line of the rates: a cell, a unit, a channel or an enumerator."""

    key: dict[str, Any]
    counts: DispositionCounts = field(default_factory=DispositionCounts)
    drawn: int = 0
    reserves: int = 0
    released_reserves: int = 0
    open: int = 0
    target: int = 0

    def add_case(self, group: str, *, is_open: bool) -> None:
        self.counts.add(group)
        self.open += int(is_open)

    def as_dict(self, e: float) -> dict[str, Any]:
        return {
            **self.key,
            "target": self.target,
            "drawn": self.drawn,
            "reserves_drawn": self.reserves,
            "released_reserves": self.released_reserves,
            "unreleased_reserves": self.reserves - self.released_reserves,
            "cases": self.counts.total,
            "open": self.open,
            **{name: self.counts[group] for group, name in COUNT_NAMES.items()},
            "rates": {**aapor_rates(self.counts, e=e), "e": e},
        }


@dataclass
class FieldworkReport:
    """Cases and AAPOR rates of one campaign (or the part of it under one unit)."""

    campaign: Campaign
    e: float
    total: RateRow
    cells: list[RateRow]
    units: list[RateRow]
    channels: list[RateRow]
    enumerators: list[RateRow]

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign.code,
            "max_attempts": self.campaign.max_attempts,
            "e": self.e,
            "e_method": E_METHOD,
            "dispositions": {code: {"group": d.group, "label": str(d.label)} for code, d in DISPOSITIONS.items()},
            "total": self.total.as_dict(self.e),
            "cells": [row.as_dict(self.e) for row in self.cells],
            "by_unit": [row.as_dict(self.e) for row in self.units],
            "by_channel": [row.as_dict(self.e) for row in self.channels],
            "by_enumerator": [row.as_dict(self.e) for row in self.enumerators],
        }


CASE_FIELDS = (
    "quota_id", "quota__target", "quota__channel", "quota__form__questionnaire__code", "quota__unit__code", "quota__unit__name",
    "quota__unit__path", "enumerator__username", "is_reserve", "released_at", "status", "disposition", "attempt_count", "contacted",
)


def fieldwork_report(*, campaign: Campaign, within: Unit | None = None) -> FieldworkReport:
    """Every drawn case of `campaign` (under `within` when given) by AAPOR group, per cell (unit × channel ×
    form), unit, channel and current enumerator, with RR1, RR3, COOP1, REF1 and CON1. Reserves not released
    are outside the sample: counted as reserves only. One query."""
    cases = Assignment.objects.filter(campaign=campaign)
    if within is not None:
        cases = cases.filter(subtree_q([within.path], "quota__unit"))
    total = RateRow(key={})
    cells: dict[int, RateRow] = {}
    units: dict[str, RateRow] = {}
    channels: dict[str, RateRow] = {}
    enumerators: dict[str, RateRow] = {}
    targets_seen: set[int] = set()
    for row in cases.order_by("quota__unit__path", "quota__channel", "quota_id").values(*CASE_FIELDS).iterator(chunk_size=5000):
        cell = cells.get(row["quota_id"])
        if cell is None:
            cell = cells[row["quota_id"]] = RateRow(
                key={
                    "quota_id": row["quota_id"],
                    "unit": row["quota__unit__code"],
                    "unit_name": row["quota__unit__name"],
                    "channel": row["quota__channel"],
                    "form": row["quota__form__questionnaire__code"],
                },
                target=row["quota__target"],
            )
        unit = units.setdefault(row["quota__unit__code"], RateRow(key={"unit": row["quota__unit__code"], "unit_name": row["quota__unit__name"]}))
        channel = channels.setdefault(row["quota__channel"], RateRow(key={"channel": row["quota__channel"]}))
        groups = (cell, unit, channel, total)
        if row["quota_id"] not in targets_seen:
            targets_seen.add(row["quota_id"])
            for target in groups[1:]:
                target.target += row["quota__target"]
        for line in groups:
            if row["is_reserve"]:
                line.reserves += 1
                line.released_reserves += int(row["released_at"] is not None)
            else:
                line.drawn += 1
        if row["is_reserve"] and row["released_at"] is None:
            continue
        code = case_disposition(disposition=row["disposition"], attempt_count=row["attempt_count"], contacted=row["contacted"])
        group, is_open = disposition_group(code), row["status"] == AssignmentStatus.PENDING
        username = row["enumerator__username"] or ""
        enumerator = enumerators.setdefault(username, RateRow(key={"enumerator": username or None}))
        for line in (*groups, enumerator):
            line.add_case(group, is_open=is_open)
    e = eligibility_estimate(total.counts)
    return FieldworkReport(
        campaign=campaign,
        e=e,
        total=total,
        cells=list(cells.values()),
        units=list(units.values()),
        channels=sorted(channels.values(), key=lambda row: row.key["channel"]),
        enumerators=sorted(enumerators.values(), key=lambda row: (row.key["enumerator"] is None, row.key["enumerator"] or "")),
    )

