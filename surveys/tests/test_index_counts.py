"""Every path that writes answers stores the response's index counts, equal to a recount of its answers."""

from __future__ import annotations

import json

from django.core.management import call_command

from surveys.demo_responses import load_responses_demo
from surveys.models import Answer, Question, Response
from surveys.tests.factories_collection import full_answers, payload
from surveys.tests.test_import_responses import good_rows, write
from units.models import Role


def pattern_recount(response: Response) -> str:
    """The index pattern straight from the answer rows: each index question's level in id order, '-' unanswered."""
    questions = Question.objects.filter(questionnaire=response.form.questionnaire, counts_in_index=True).order_by("pk").values_list("pk", flat=True)
    levels = dict(Answer.objects.filter(response=response).values_list("question_id", "value"))
    return "".join("-" if levels.get(q) is None else "0123456789abcdefghijklmnopqrstuvwxyz"[levels[q]] for q in questions)


def recount(response: Response) -> tuple[int, int]:
    """(valid, unsatisfied) straight from the answer rows and their questions' fields."""
    valid = unsatisfied = 0
    rows = Answer.objects.filter(response=response).values_list(
        "value", "question__counts_in_index", "question__missing_codes", "question__satisfied_levels"
    )
    for value, in_index, missing, satisfied in rows:
        if in_index and value is not None and value not in missing and 1 <= value <= 5:
            valid += 1
            unsatisfied += value not in satisfied
    return valid, unsatisfied


def stored(response: Response) -> tuple[int | None, int | None]:
    response.refresh_from_db()
    return response.index_valid, response.index_unsatisfied


def test_an_api_submission_stores_the_counts_of_its_answers(client, make_user, setup, tree):
    client.force_login(make_user("dtv", Role.ENUMERATOR, tree["A1"]))
    answers = full_answers(setup.questionnaire, S1_Q1=5, S1_Q2=2, S1_Q3=9, S2_Q1=3, S2_Q2=4, S2_Q3=1)
    reply = client.post("/api/v1/responses/", data=json.dumps(payload(setup, tree["A1"], answers=answers)), content_type="application/json")
    assert reply.status_code == 201
    response = Response.objects.get(pk=reply.json()["id"])
    assert stored(response) == recount(response) == (5, 3)  # 9 is "không biết": neither valid nor unsatisfied
    assert response.index_pattern == pattern_recount(response) and len(response.index_pattern) == 6


def test_imported_responses_store_the_counts_of_their_answers(setup, tmp_path):
    call_command("import_responses", "sipas-2026", write(tmp_path, good_rows(15)))
    responses = list(Response.objects.filter(campaign=setup.campaign))
    assert len(responses) == 15
    assert all(stored(r) == recount(r) for r in responses)
    assert all(r.index_pattern == pattern_recount(r) for r in responses)
    assert {stored(r) for r in responses} == {(6, 2), (5, 2)}  # levels 3 and 2 unsatisfied; some rows answer 9


def test_demo_responses_store_the_counts_of_their_answers(setup):
    load_responses_demo(setup.campaign, 80)
    responses = list(Response.objects.filter(campaign=setup.campaign))
    assert all(stored(r) == recount(r) for r in responses)
    assert len({stored(r) for r in responses}) > 3  # varied answers, drafts stopping part-way included


def test_old_responses_without_counts_are_filled_with_the_counts_of_their_answers(setup):
    load_responses_demo(setup.campaign, 40)
    expected = {r.pk: (*stored(r), r.index_pattern) for r in Response.objects.all()}
    Response.objects.update(index_valid=None, index_unsatisfied=None, index_pattern=None)  # as saved before the counts existed
    call_command("fill_index_counts", "--batch", "7")
    assert {r.pk: (r.index_valid, r.index_unsatisfied, r.index_pattern) for r in Response.objects.all()} == expected
    assert all(stored(r) == recount(r) for r in Response.objects.all())
    assert all(r.index_pattern == pattern_recount(r) for r in Response.objects.select_related("form__questionnaire"))
