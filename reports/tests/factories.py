"""Small factories for the index engine's tests: questionnaires, campaigns and responses via the ORM."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence

from campaigns.models import Campaign, CampaignForm
from surveys.models import Answer, Question, Questionnaire, Response, Section
from units.models import Unit

_serial = itertools.count(1)

# Section code → question codes; the worked example of DESIGN.md §5 uses one section of three items.
WORKED_SECTIONS: dict[str, list[str]] = {"A": ["A1", "A2", "A3"]}
MISSING = 9  # "không biết / không trả lời"


def make_questionnaire(
    sections: Mapping[str, Sequence[str]] | None = None,
    *,
    code: str | None = None,
    missing_codes: Sequence[int] = (MISSING,),
    satisfied_levels: Sequence[int] = (4, 5),
    expectation: str | None = None,
    return_question: str | None = None,
) -> Questionnaire:
    """A questionnaire of Likert-5 index questions, plus optionally a 0–100 expectation item and a
    return/recommend item (both outside the index) in a last section "G"."""
    questionnaire = Questionnaire.objects.create(code=code or f"q{next(_serial)}", title="Phiếu khảo sát thử")
    order = 0
    for s_order, (section_code, question_codes) in enumerate((sections or WORKED_SECTIONS).items()):
        section = Section.objects.create(questionnaire=questionnaire, code=section_code, title=f"Phần {section_code}", order=s_order)
        for question_code in question_codes:
            order += 1
            Question.objects.create(
                questionnaire=questionnaire, section=section, code=question_code, text=f"Câu {question_code}", type="likert5",
                satisfied_levels=list(satisfied_levels), missing_codes=list(missing_codes), counts_in_index=True, order=order,
            )
    if expectation or return_question:
        section = Section.objects.create(questionnaire=questionnaire, code="G", title="Đánh giá chung", order=99)
        if expectation:
            Question.objects.create(
                questionnaire=questionnaire, section=section, code=expectation, text="Đáp ứng bao nhiêu % mong đợi?",
                type="number", min_value=0, max_value=100, missing_codes=[999], order=1000,
            )
        if return_question:
            Question.objects.create(
                questionnaire=questionnaire, section=section, code=return_question, text="Có quay lại hoặc giới thiệu?",
                type="single", choices=[{"value": v, "name": str(v), "label": str(v)} for v in range(1, 7)],
                satisfied_levels=[4, 5], missing_codes=[6], order=1001,
            )
    return questionnaire


def make_campaign(
    organiser: Unit, questionnaire: Questionnaire | None = None, *, scheme: str = "moh_pooled", options: dict | None = None
) -> Campaign:
    campaign = Campaign.objects.create(
        code=f"dot-{next(_serial)}", name="Đợt khảo sát thử", organiser=organiser, year=2026,
        fieldwork_start=dt.date(2026, 9, 1), fieldwork_end=dt.date(2026, 10, 31), index_scheme=scheme, scheme_options=options or {},
    )
    CampaignForm.objects.create(campaign=campaign, questionnaire=questionnaire or make_questionnaire())
    return campaign


def make_response(
    campaign: Campaign,
    unit: Unit,
    answers: Mapping[str, int | None],
    *,
    channel: str = "phone",
    status: str = "submitted",
    form: CampaignForm | None = None,
) -> Response:
    """A response with one answer row per question code whose value is not None (None = skipped)."""
    form = form or campaign.forms.first()
    response = Response.objects.create(campaign=campaign, form=form, unit=unit, channel=channel, status=status)
    questions = dict(Question.objects.filter(questionnaire_id=form.questionnaire_id).values_list("code", "id"))
    Answer.objects.bulk_create(
        [
            Answer(response=response, question_id=questions[code], campaign=campaign, unit=unit, channel=channel, value=value)
            for code, value in answers.items()
            if value is not None
        ]
    )
    return response


def worked_example(campaign: Campaign, unit: Unit) -> None:
    """DESIGN.md §5: R1 answers (5, 4, 3), R2 answers (4, 4, missing)."""
    make_response(campaign, unit, {"A1": 5, "A2": 4, "A3": 3})
    make_response(campaign, unit, {"A1": 4, "A2": 4, "A3": MISSING})


def campaign_across_channels(tree: dict[str, Unit]) -> Campaign:
    """Province A's campaign with five responses (one of them missing A1) on each of four units and
    channels: enough cells for every chunk of a chunked recompute."""
    campaign = make_campaign(tree["A"], make_questionnaire({"A": ["A1", "A2"], "B": ["B1"]}), scheme="sipas")
    for unit, channel in [("A1", "phone"), ("A2", "home_visit"), ("A-BV", "venue"), ("A", "desk")]:
        for level in (1, 3, 4, 5, MISSING):
            make_response(campaign, tree[unit], {"A1": level, "A2": 5, "B1": 6 - level if level != MISSING else 4}, channel=channel)
    return campaign
