"""What a recompute needs to know about a campaign besides its answers: scheme, counted statuses,
question rules, the tally plan and the design (population sizes, aggregation rule), with a fingerprint
(`basis`) that changes whenever any of them does, so that the next recompute starts from scratch."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from campaigns.models import Campaign, CampaignForm, StratumPopulation, default_counted_statuses
from reports.estimation.plan import EstimationPlan, estimation_plan
from reports.schemes import QuestionRule, SchemeSettings, question_rule, scheme_settings
from reports.tallies import TallyPlan, index_level_table, multi_level_table
from surveys.models import Question, ResponseStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CampaignSetup:
    """What a recompute needs to know about a campaign besides its answers."""

    campaign: Campaign
    scheme: SchemeSettings
    statuses: list[str]
    rules: list[QuestionRule]
    questionnaire_of: dict[int, int]  # question → questionnaire
    root_path: str
    basis: str
    plan: TallyPlan
    estimation: EstimationPlan



def _counted_statuses(value: object) -> list[str]:
    valid = set(ResponseStatus.values)
    if isinstance(value, list) and value and all(isinstance(s, str) and s in valid for s in value):
        return sorted(set(value))
    logger.warning("Trạng thái phiếu được tính không hợp lệ (%r), dùng mặc định.", value)
    return sorted(default_counted_statuses())


def campaign_setup(campaign: Campaign) -> CampaignSetup:
    """Scheme, counted statuses, question rules and design of a campaign (three queries besides the organiser)."""
    form_of_questionnaire = dict(CampaignForm.objects.filter(campaign=campaign).values_list("questionnaire_id", "pk"))
    questionnaires = list(form_of_questionnaire)
    rows = (
        Question.objects.filter(questionnaire_id__in=questionnaires)
        .order_by("questionnaire_id", "section__order", "section_id", "order", "pk")
        .values_list(
            "pk", "questionnaire_id", "code", "section__code", "type", "counts_in_index", "choices",
            "satisfied_levels", "missing_codes", "min_value", "max_value", "text",
        )
    )
    rules: list[QuestionRule] = []
    questionnaire_of: dict[int, int] = {}
    for pk, questionnaire, code, section, qtype, in_index, choices, satisfied, missing, low, high, text in rows:
        questionnaire_of[pk] = questionnaire
        rules.append(
            question_rule(
                question_id=pk, code=code, section_code=section, type=qtype, counts_in_index=in_index, choices=choices,
                satisfied_levels=satisfied, missing_codes=missing, min_value=low, max_value=high, options=campaign.scheme_options, text=text,
            )
        )
    scheme = scheme_settings(campaign.index_scheme, campaign.scheme_options)
    statuses = _counted_statuses(campaign.counted_statuses)
    root_path = campaign.organiser.path
    population = StratumPopulation.objects.filter(campaign=campaign).values_list("unit_id", "channel", "form_id", "population")
    estimation = estimation_plan(
        rules=rules, questionnaire_of=questionnaire_of, form_of_questionnaire=form_of_questionnaire, scheme=scheme,
        options=campaign.scheme_options, population=list(population),
    )
    fingerprint = json.dumps(
        [scheme.code, scheme.element, scheme.overall, scheme.known, statuses, root_path, [r.as_key() for r in rules], estimation.fingerprint()],
        sort_keys=True, default=str,
    )
    plan = TallyPlan(
        statuses=tuple(statuses),
        form_of={q: form_of_questionnaire[qn] for q, qn in questionnaire_of.items()},
        index_levels=tuple(index_level_table(rules)),
        number_questions=tuple(r.question_id for r in rules if r.levels is None),
        multi_levels=tuple(multi_level_table(rules)),
    )
    return CampaignSetup(
        campaign=campaign, scheme=scheme, statuses=statuses, rules=rules, questionnaire_of=questionnaire_of,
        root_path=root_path, basis=hashlib.sha256(fingerprint.encode()).hexdigest(), plan=plan, estimation=estimation,
    )


