"""Small ORM builders for data-collection tests: a questionnaire with a skip rule, an active campaign."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from campaigns.models import Assignment, Campaign, CampaignForm, CampaignStatus, ChannelWindow, SampleQuota
from surveys.models import Question, Questionnaire, QuestionnaireStatus, QuestionType, Section
from units.models import Unit

LIKERT5 = [
    {"value": 1, "name": "1", "label": "Rất không hài lòng"},
    {"value": 2, "name": "2", "label": "Không hài lòng"},
    {"value": 3, "name": "3", "label": "Bình thường"},
    {"value": 4, "name": "4", "label": "Hài lòng"},
    {"value": 5, "name": "5", "label": "Rất hài lòng"},
]


def make_questionnaire(code: str = "mot-cua", *, n_sections: int = 2, per_section: int = 3, frozen: bool = True) -> Questionnaire:
    """Sections S1..Sn of required Likert questions, plus in S1 a yes/no `used_before` and a follow-up
    `why_not` shown only when `used_before` = 'no' (the skip rule), an optional age number and a comment."""
    questionnaire = Questionnaire.objects.create(
        code=code, title="Phiếu khảo sát một cửa", status=QuestionnaireStatus.FROZEN if frozen else QuestionnaireStatus.DRAFT
    )
    order = 0
    for s in range(1, n_sections + 1):
        section = Section.objects.create(questionnaire=questionnaire, code=f"S{s}", title=f"Phần {s}: Tiếp cận dịch vụ" if s == 1 else f"Phần {s}", order=s)
        if s == 1:
            order += 1
            Question.objects.create(
                questionnaire=questionnaire, section=section, code="used_before", text="Ông/bà đã từng dùng dịch vụ này chưa?",
                type=QuestionType.YES_NO, required=True, order=order,
                choices=[{"value": 1, "name": "yes", "label": "Có"}, {"value": 2, "name": "no", "label": "Không"}],
            )
            order += 1
            Question.objects.create(
                questionnaire=questionnaire, section=section, code="why_not", text="Vì sao ông/bà chưa từng dùng?",
                type=QuestionType.TEXT, required=True, relevant="${used_before} = 'no'", order=order,
            )
        for q in range(1, per_section + 1):
            order += 1
            Question.objects.create(
                questionnaire=questionnaire, section=section, code=f"S{s}_Q{q}", text=f"Mức độ hài lòng với tiêu chí {s}.{q}",
                type=QuestionType.LIKERT5, required=True, choices=LIKERT5, satisfied_levels=[4, 5], missing_codes=[9],
                counts_in_index=True, order=order,
            )
    order += 1
    Question.objects.create(
        questionnaire=questionnaire, section=section, code="wait_minutes", text="Ông/bà chờ bao nhiêu phút?",
        type=QuestionType.NUMBER, min_value=0, max_value=600, constraint=". <= 480", constraint_message="Thời gian chờ không quá 480 phút.",
        order=order,
    )
    order += 1
    Question.objects.create(
        questionnaire=questionnaire, section=section, code="comment", text="Góp ý khác", type=QuestionType.TEXT, order=order,
    )
    return questionnaire


@dataclass
class CampaignSetup:
    campaign: Campaign
    form: CampaignForm
    questionnaire: Questionnaire
    quotas: dict[str, SampleQuota]


def make_campaign(
    *, organiser: Unit, units: list[Unit], code: str = "sipas-2026", channels: tuple[str, ...] = ("desk", "online", "paper", "phone"),
    questionnaire: Questionnaire | None = None, target: int = 10, status: str = CampaignStatus.ACTIVE,
) -> CampaignSetup:
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        code=code, name=f"Khảo sát hài lòng {code}", organiser=organiser, year=today.year,
        fieldwork_start=today - dt.timedelta(days=10), fieldwork_end=today + dt.timedelta(days=30), status=status,
    )
    questionnaire = questionnaire or make_questionnaire(f"q-{code}")
    form = CampaignForm.objects.create(campaign=campaign, questionnaire=questionnaire)
    for channel in channels:
        ChannelWindow.objects.create(campaign=campaign, channel=channel, start=today - dt.timedelta(days=10), end=today + dt.timedelta(days=30))
    quotas = {}
    for unit in units:
        quotas[unit.code] = SampleQuota.objects.create(campaign=campaign, unit=unit, channel=channels[0], form=form, target=target)
    return CampaignSetup(campaign, form, questionnaire, quotas)


def make_assignment(quota: SampleQuota, enumerator: User | None, order: int = 1) -> Assignment:
    return Assignment.objects.create(campaign=quota.campaign, quota=quota, enumerator=enumerator, draw_order=order)


def full_answers(questionnaire: Questionnaire, level: int = 4, **overrides: Any) -> dict[str, Any]:
    """Answers to every Likert question at `level`, `used_before` = yes, plus overrides."""
    answers: dict[str, Any] = {"used_before": "yes"}
    for question in questionnaire.questions.filter(type=QuestionType.LIKERT5):
        answers[question.code] = level
    answers.update(overrides)
    return answers


def payload(setup: CampaignSetup, unit: Unit, *, key: str | None = None, channel: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {
        "uuid": key or str(uuid.uuid4()),
        "campaign": setup.campaign.code,
        "unit": unit.code,
        "channel": channel or "desk",
        "status": "submitted",
        "duration_seconds": 420,
        "profile": {"sex": "female", "age_group": "35_49"},
        "answers": full_answers(setup.questionnaire),
    }
    body.update(extra)
    return body


def post_at_once(user: User, body: dict[str, Any], *, times: int = 4) -> list[tuple[int, dict]]:
    """POST the same body to the submission API from `times` threads at once, each logged in as `user`
    (PostgreSQL tests of what concurrent requests store); the (status, JSON) of each."""
    barrier = threading.Barrier(times)
    results: list[tuple[int, dict]] = []

    def worker() -> None:
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            reply = client.post("/api/v1/responses/", data=json.dumps(body), content_type="application/json")
            results.append((reply.status_code, reply.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
