"""Through the submission API, a questionnaire imported from an XLSForm with a date constraint, calculated fields
and metadata: the constraint compares dates as ODK does, calculations are recomputed by the server (what the
device sends for them is ignored) and stored, metadata come from the interview and the enumerator."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from surveys.models import Answer, QuestionType, Response
from surveys.tests.factories_collection import make_campaign
from surveys.xlsform import xlsform_import
from units.access import SYSTEM

URL = "/api/v1/responses/"
MESSAGE = "Ngày khám không được trước ngày sinh."


def form_bytes() -> io.BytesIO:
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    for row in [
        ["type", "name", "label::Tiếng Việt (vi)", "required", "relevant", "constraint", "constraint_message::Tiếng Việt (vi)", "calculation"],
        ["start", "bat_dau", "", "", "", "", "", ""],
        ["end", "ket_thuc", "", "", "", "", "", ""],
        ["today", "hom_nay", "", "", "", "", "", ""],
        ["username", "nguoi_nhap", "", "", "", "", "", ""],
        ["deviceid", "may", "", "", "", "", "", ""],
        ["date", "dob", "Ngày sinh", "yes", "", ". <= today()", "Ngày sinh không được sau hôm nay.", ""],
        ["date", "visit", "Ngày khám", "yes", "", ". >= ${dob}", MESSAGE, ""],
        # a calculation placed after the question that reads it, reading answers, another calculation and metadata
        ["text", "guardian", "Họ tên người giám hộ", "yes", "${minor} = 'yes'", "", "", ""],
        ["calculate", "age", "", "", "", "", "", "int((${visit} - ${dob}) div 365.25)"],
        ["calculate", "minor", "", "", "", "", "", "if(${age} < 18, 'yes', 'no')"],
        ["calculate", "stamp", "", "", "", "", "", "concat(${nguoi_nhap}, '@', ${may}, ' ', format-date(${hom_nay}, '%Y'), ' ', date(${dob} + 1))"],
    ]:
        survey.append(row)
    workbook.create_sheet("settings").append(["form_id"])
    workbook["settings"].append(["kham_benh"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.fixture
def clinic(tree):
    questionnaire = xlsform_import(form_bytes(), actor=SYSTEM).questionnaire
    return make_campaign(organiser=tree["A"], units=[tree["A1"]], questionnaire=questionnaire)


@pytest.fixture
def api(client, enumerator):
    client.force_login(enumerator)
    return client


def submit(api, clinic, tree, answers, **extra):
    body = {
        "uuid": extra.pop("uuid", None) or __import__("uuid").uuid4().hex, "campaign": clinic.campaign.code, "unit": tree["A1"].code,
        "channel": "desk", "status": "submitted", "started_at": "2024-05-01T08:00:00+07:00", "duration_seconds": 600, "answers": answers,
        **extra,
    }
    reply = api.post(URL, data=json.dumps(body), content_type="application/json")
    return reply.status_code, reply.json()


def stored(response_id):
    return {code: text for code, text in Answer.objects.filter(response_id=response_id).values_list("question__code", "text")}


def test_the_form_imports_with_its_calculations_and_metadata(clinic):
    types = dict(clinic.questionnaire.questions.values_list("code", "type"))
    assert types["age"] == QuestionType.CALCULATE and types["nguoi_nhap"] == QuestionType.META


def test_a_visit_on_or_after_the_birth_date_is_accepted_and_the_server_computes_the_calculations(api, clinic, tree):
    status, body = submit(api, clinic, tree, {"dob": "1990-06-15", "visit": "2024-05-01", "age": "99", "minor": "yes"}, deviceid="may-01")
    assert status == 201, body
    answers = stored(body["id"])
    assert answers["age"] == "33" and answers["minor"] == "no"  # recomputed: the device's 99 and "yes" are ignored
    assert "guardian" not in answers
    assert answers["bat_dau"] == "2024-05-01T08:00:00.000+07:00" and answers["ket_thuc"] == "2024-05-01T08:10:00.000+07:00"
    assert answers["hom_nay"] == "2024-05-01" and answers["nguoi_nhap"] == "dtv" and answers["may"] == "may-01"
    assert answers["stamp"] == "dtv@may-01 2024 1990-06-16"
    assert Response.objects.get(pk=body["id"]).index_valid == 0  # calculated fields never count


def test_the_same_day_is_accepted(api, clinic, tree):
    status, body = submit(api, clinic, tree, {"dob": "2000-01-01", "visit": "2000-01-01", "guardian": "Mẹ"})
    assert status == 201, body
    assert stored(body["id"])["minor"] == "yes"


def test_a_visit_before_the_birth_date_is_refused_with_the_forms_vietnamese_message(api, clinic, tree):
    status, body = submit(api, clinic, tree, {"dob": "1990-06-15", "visit": "1980-01-01", "guardian": "x"})
    assert status == 422
    assert body["errors"] == {"answers.visit": [MESSAGE]}
    assert not Response.objects.exists()


def test_a_calculation_decides_what_is_asked(api, clinic, tree):
    status, body = submit(api, clinic, tree, {"dob": "2015-03-01", "visit": "2024-05-01"})
    assert status == 422 and body["errors"] == {"answers.guardian": ["Câu này bắt buộc trả lời."]}
    status, body = submit(api, clinic, tree, {"dob": "2015-03-01", "visit": "2024-05-01", "guardian": "Nguyễn Văn A"})
    assert status == 201, body
    assert stored(body["id"])["age"] == "9"


def test_a_birth_date_after_today_is_refused(api, clinic, tree):
    status, body = submit(api, clinic, tree, {"dob": "2099-01-01", "visit": "2099-01-02", "guardian": "x"})
    assert status == 422 and body["errors"] == {"answers.dob": ["Ngày sinh không được sau hôm nay."]}


def test_the_entry_page_runs_the_calculations_and_shows_no_input_for_them(client, clinic, tree, enumerator):
    client.force_login(enumerator)
    html = client.get(f"/thu-thap/nhap/{clinic.quotas['A1'].pk}/").content.decode()
    assert "js/calculations.js" in html and 'name="q-visit"' in html
    assert 'name="q-age"' not in html and 'data-question="nguoi_nhap"' not in html
    schema = json.loads(html.split('id="form-schema" type="application/json">')[1].split("</script>")[0])
    questions = {q["code"]: q for section in schema["sections"] for q in section["questions"]}
    assert questions["minor"]["calculation"][0] == "call" and questions["may"]["metadata"] == "deviceid"
    assert schema["meta"] == {"username": "dtv"}


def test_a_correction_recomputes_the_calculations_and_keeps_the_interviews_metadata(api, clinic, tree, make_user):
    from surveys.services.corrections import response_correct
    from units.models import Role

    status, body = submit(api, clinic, tree, {"dob": "1990-06-15", "visit": "2024-05-01"}, deviceid="may-01")
    assert status == 201, body
    supervisor = make_user("gs", Role.SUPERVISOR, tree["A1"])
    response = Response.objects.get(pk=body["id"])
    response_correct(actor=supervisor, response=response, changes={"dob": "2000-05-02"}, reason="Sai năm sinh")
    answers = stored(body["id"])
    assert answers["age"] == "23" and answers["nguoi_nhap"] == "dtv" and answers["may"] == "may-01"
    assert answers["bat_dau"] == "2024-05-01T08:00:00.000+07:00"


def test_the_export_keeps_calculations_and_metadata_and_imports_again(clinic):
    import io as _io

    from surveys.xlsform_export import xlsform_export

    again = xlsform_import(_io.BytesIO(xlsform_export(clinic.questionnaire)), code="kham-lai", actor=SYSTEM).questionnaire
    fields = {code: (kind, calculation) for code, kind, calculation in again.questions.values_list("code", "type", "calculation")}
    assert fields["age"] == (QuestionType.CALCULATE, "int((${visit} - ${dob}) div 365.25)")
    assert fields["bat_dau"] == (QuestionType.META, "start") and fields["may"] == (QuestionType.META, "deviceid")
    assert again.questions.get(code="visit").constraint == ". >= ${dob}"
