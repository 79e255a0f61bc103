"""Answer's keys are kept by the code, not by database constraints (see the Answer model): what that must keep."""

from __future__ import annotations

import json

import pytest
from django.db.models import ProtectedError
from django.test import Client

from surveys.models import Answer, Question, Response
from surveys.tests.factories_collection import payload


@pytest.fixture
def stored(setup, tree, enumerator) -> Response:
    client = Client()
    client.force_login(enumerator)
    answer = client.post("/api/v1/responses/", data=json.dumps(payload(setup, tree["A1"])), content_type="application/json").json()
    return Response.objects.get(pk=answer["id"])


def test_every_answer_copies_its_responses_campaign_unit_and_channel(stored):
    rows = set(Answer.objects.filter(response=stored).values_list("campaign_id", "unit_id", "channel"))
    assert rows == {(stored.campaign_id, stored.unit_id, stored.channel)}


def test_every_answer_belongs_to_a_question_of_its_responses_questionnaire(stored):
    questionnaire = stored.form.questionnaire_id
    assert not Answer.objects.filter(response=stored).exclude(question__questionnaire_id=questionnaire).exists()
    assert Answer.objects.filter(response=stored).count() > 0


def test_deleting_a_response_deletes_its_answers(stored):
    stored.delete()
    assert Answer.objects.count() == 0


def test_a_question_with_answers_cannot_be_deleted(stored):
    question = Question.objects.get(pk=Answer.objects.filter(response=stored).values_list("question", flat=True)[0])
    with pytest.raises(ProtectedError):
        question.delete()
    assert Answer.objects.filter(question=question).exists()


def test_a_unit_with_answers_cannot_be_deleted_because_its_responses_protect_it(stored):
    with pytest.raises(ProtectedError):
        stored.unit.delete()
    assert Answer.objects.filter(unit_id=stored.unit_id).exists()
