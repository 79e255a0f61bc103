"""Questionnaire admin with the three personas.

Shared templates (no owner) are read by every official (alice of A, charlie of B) and changed by
superusers only; a questionnaire owned by A is edited by A's officials (test_questionnaire_ownership.py
holds the outsiders' side). bob (not staff) and anonymous users are sent to the admin login; staff
without permissions get 403.
"""

import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from surveys.models import Questionnaire, QuestionnaireStatus
from surveys.services.questionnaires import questionnaire_copy, questionnaire_freeze, questionnaire_load_template
from units.access import SYSTEM
from units.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def officials(alice, charlie):
    """Officials get the admin permissions with their role (units.services.membership_grant)."""
    return alice, charlie


@pytest.fixture
def shared():
    """The built-in one-stop template: shared, no owner."""
    return questionnaire_load_template(name="one-stop", actor=SYSTEM)[0]


@pytest.fixture
def one_stop(shared, tree):
    """Province A's copy of the one-stop template (code "one-stop-A"), which A's officials edit."""
    return questionnaire_copy(questionnaire=shared, owner=tree["A"], actor=SYSTEM)


def admin_pages(questionnaire):
    return [
        reverse("admin:surveys_questionnaire_changelist"),
        reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk]),
        reverse("admin:surveys_questionnaire_import"),
        reverse("admin:surveys_questionnaire_load_template"),
        reverse("admin:surveys_questionnaire_export", args=[questionnaire.pk]),
        reverse("admin:surveys_question_changelist"),
    ]


@pytest.mark.parametrize("persona", ["alice", "charlie"])
def test_officials_of_any_province_read_the_shared_templates(client, officials, shared, persona):
    client.force_login(dict(zip(["alice", "charlie"], officials, strict=True))[persona])
    for url in admin_pages(shared):
        assert client.get(url).status_code == 200, url


def test_bob_who_is_not_staff_is_sent_to_the_admin_login(client, bob, one_stop):
    client.force_login(bob)
    for url in admin_pages(one_stop):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert client.post(reverse("admin:surveys_questionnaire_load_template"), {"template": "sipas"}).status_code == 302
    assert not Questionnaire.objects.filter(template="sipas").exists()


def test_anonymous_users_are_sent_to_the_admin_login(client, one_stop):
    for url in admin_pages(one_stop):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_staff_without_questionnaire_permissions_are_refused(client, make_user, shared):
    client.force_login(make_user("dave", is_staff=True))
    assert client.get(reverse("admin:surveys_questionnaire_changelist")).status_code == 403
    assert client.post(reverse("admin:surveys_questionnaire_load_template"), {"template": "sipas"}).status_code == 403
    assert client.post(reverse("admin:surveys_questionnaire_new_version", args=[shared.pk])).status_code == 403
    assert not Questionnaire.objects.filter(template="sipas").exists()


def test_the_changelist_shows_the_template_and_import_buttons(client, officials, one_stop):
    client.force_login(officials[0])
    page = client.get(reverse("admin:surveys_questionnaire_changelist")).content.decode()
    assert "Nạp phiếu mẫu" in page and "Nhập XLSForm" in page


def test_an_official_loads_a_builtin_template_in_one_action(client, officials):
    client.force_login(officials[0])
    response = client.post(reverse("admin:surveys_questionnaire_load_template"), {"template": "moh-inpatient"})
    questionnaire = Questionnaire.objects.get(template="moh-inpatient")
    assert response["Location"] == reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk])
    assert questionnaire.questions.count() > 36
    assert AuditEntry.objects.filter(action="questionnaire.load_template", actor=officials[0]).exists()
    client.post(reverse("admin:surveys_questionnaire_load_template"), {"template": "moh-inpatient"})
    assert Questionnaire.objects.filter(template="moh-inpatient").count() == 1
    assert client.post(reverse("admin:surveys_questionnaire_load_template"), {"template": "khong-co"}).status_code == 302


def xlsform_upload(rows, name="phieu.xlsx"):
    book = openpyxl.Workbook()
    book.active.title = "survey"
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = name
    return data


def test_an_official_uploads_an_xlsform_for_their_unit(client, officials, tree):
    client.force_login(officials[1])
    upload = xlsform_upload([["type", "name", "label"], ["integer", "tuoi", "Tuổi"], ["geopoint", "vi_tri", "Vị trí"]])
    response = client.post(reverse("admin:surveys_questionnaire_import"), {"file": upload, "owner": tree["B"].pk}, follow=True)
    questionnaire = Questionnaire.objects.get(code="phieu")
    assert questionnaire.owner == tree["B"]
    assert list(questionnaire.questions.values_list("code", flat=True)) == ["tuoi"]
    assert "vi_tri" in response.content.decode()  # the skipped-field note is shown


def test_a_malformed_upload_lists_its_errors_and_saves_nothing(client, officials, tree):
    client.force_login(officials[0])
    upload = xlsform_upload([["type", "name", "label", "relevant"], ["integr", "a", "A", ""], ["text", "b", "B", "${zz} = 1"]])
    response = client.post(reverse("admin:surveys_questionnaire_import"), {"file": upload, "owner": tree["A"].pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "dòng 2" in page and "«integr»" in page and "dòng 3" in page and "«zz»" in page
    garbage = io.BytesIO(b"\x00\x01 not excel")
    garbage.name = "x.xlsx"
    assert "không phải là tệp Excel" in client.post(reverse("admin:surveys_questionnaire_import"), {"file": garbage, "owner": tree["A"].pk}).content.decode()
    assert not Questionnaire.objects.exists()


def test_a_frozen_questionnaire_is_read_only_and_offers_a_new_version(client, officials, one_stop):
    questionnaire_freeze(questionnaire=one_stop, actor=SYSTEM)
    client.force_login(officials[0])
    url = reverse("admin:surveys_questionnaire_change", args=[one_stop.pk])
    page = client.get(url).content.decode()
    assert "Tạo phiên bản mới" in page and 'name="title"' not in page and "Phiếu đã khoá" in page
    client.post(url, {"title": "Đổi tên"})
    one_stop.refresh_from_db()
    assert one_stop.title != "Đổi tên"
    response = client.post(reverse("admin:surveys_questionnaire_new_version", args=[one_stop.pk]))
    copy = Questionnaire.objects.get(code=one_stop.code, version=2)
    assert response["Location"] == reverse("admin:surveys_questionnaire_change", args=[copy.pk])
    assert copy.status == QuestionnaireStatus.DRAFT and copy.questions.count() == one_stop.questions.count()


def inline_data(questionnaire, **question_changes):
    """The change form's POST data for a questionnaire, with changes to its first question."""
    data = {"code": questionnaire.code, "version": questionnaire.version, "title": questionnaire.title, "title_en": "", "language": "vi", "template": questionnaire.template, "owner": questionnaire.owner_id or ""}
    sections = list(questionnaire.sections.all())
    questions = list(questionnaire.questions.all())
    data.update({"sections-TOTAL_FORMS": len(sections), "sections-INITIAL_FORMS": len(sections), "sections-MIN_NUM_FORMS": 0, "sections-MAX_NUM_FORMS": 1000})
    for n, s in enumerate(sections):
        data.update({f"sections-{n}-id": s.pk, f"sections-{n}-questionnaire": questionnaire.pk, f"sections-{n}-order": s.order, f"sections-{n}-code": s.code, f"sections-{n}-title": s.title, f"sections-{n}-title_en": s.title_en, f"sections-{n}-relevant": s.relevant})
    data.update({"questions-TOTAL_FORMS": len(questions), "questions-INITIAL_FORMS": len(questions), "questions-MIN_NUM_FORMS": 0, "questions-MAX_NUM_FORMS": 1000})
    for n, q in enumerate(questions):
        values = {"id": q.pk, "questionnaire": questionnaire.pk, "section": q.section_id, "order": q.order, "code": q.code, "type": q.type, "text": q.text, "text_en": q.text_en,
                  "satisfied_levels": q.satisfied_levels, "missing_codes": q.missing_codes, "choices": q.choices, "relevant": q.relevant, "constraint": q.constraint}
        if n == 0:
            values.update(question_changes)
        for key, value in values.items():
            data[f"questions-{n}-{key}"] = value if not isinstance(value, list) else __import__("json").dumps(value, ensure_ascii=False)
        for flag in ("required", "counts_in_index"):
            if getattr(q, flag):
                data[f"questions-{n}-{flag}"] = "on"
    return data


def test_an_inline_edit_with_an_unknown_name_in_relevant_is_refused_in_vietnamese(client, officials, one_stop):
    client.force_login(officials[0])
    url = reverse("admin:surveys_questionnaire_change", args=[one_stop.pk])
    response = client.post(url, inline_data(one_stop, relevant="${khong_co} = 1"))
    assert response.status_code == 200
    assert "khong_co" in response.content.decode()
    response = client.post(url, inline_data(one_stop, text="Ngày trả kết quả so với giấy hẹn"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert one_stop.questions.order_by("section__order", "order").first().text == "Ngày trả kết quả so với giấy hẹn"


def test_actions_freeze_and_export(client, officials, one_stop):
    sipas = questionnaire_load_template(name="sipas", actor=SYSTEM)[0]
    client.force_login(officials[0])
    url = reverse("admin:surveys_questionnaire_changelist")
    client.post(url, {"action": "freeze_selected", "_selected_action": [one_stop.pk]})
    one_stop.refresh_from_db()
    assert one_stop.status == QuestionnaireStatus.FROZEN
    single = client.post(url, {"action": "export_selected", "_selected_action": [one_stop.pk]})
    assert single["Content-Type"].startswith("application/vnd.openxmlformats")
    both = client.post(url, {"action": "export_selected", "_selected_action": [one_stop.pk, sipas.pk]})
    assert sorted(zipfile.ZipFile(io.BytesIO(both.content)).namelist()) == ["one-stop-A-v1.xlsx", "sipas-v1.xlsx"]
    client.post(url, {"action": "new_version_selected", "_selected_action": [one_stop.pk, sipas.pk]})
    assert Questionnaire.objects.filter(code="one-stop-A").count() == 2
    assert Questionnaire.objects.filter(code="sipas").count() == 1  # a shared template: A copies it instead


def test_a_section_condition_naming_an_unknown_question_is_refused_not_crashed(client, officials, one_stop):
    client.force_login(officials[0])
    data = inline_data(one_stop)
    data["sections-0-relevant"] = "${khong_co} = 1"
    response = client.post(reverse("admin:surveys_questionnaire_change", args=[one_stop.pk]), data)
    assert response.status_code == 200 and "khong_co" in response.content.decode()
    assert one_stop.sections.filter(relevant="").count() == one_stop.sections.count()


def test_a_new_question_may_be_named_by_another_question_saved_in_the_same_form(client, officials, one_stop):
    client.force_login(officials[0])
    data = inline_data(one_stop, relevant="${GHI_CHU} != ''")
    n = data["questions-TOTAL_FORMS"]
    data["questions-TOTAL_FORMS"] = n + 1
    section = one_stop.sections.first()
    data.update({f"questions-{n}-section": section.pk, f"questions-{n}-order": 99, f"questions-{n}-code": "GHI_CHU", f"questions-{n}-type": "text",
                 f"questions-{n}-text": "Ghi chú thêm", f"questions-{n}-choices": "[]", f"questions-{n}-satisfied_levels": "[]", f"questions-{n}-missing_codes": "[]"})
    response = client.post(reverse("admin:surveys_questionnaire_change", args=[one_stop.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert one_stop.questions.filter(code="GHI_CHU").exists()
