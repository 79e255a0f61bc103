"""A questionnaire belongs to a unit and is edited only inside it; others copy it. Shared templates (no
owner) are changed by superusers only. Personas: alice (official of A), charlie (official of B)."""

from __future__ import annotations

import datetime as dt
import importlib
import io

import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from campaigns.services import CampaignRuleError, campaign_create, campaign_form_add
from surveys.models import Question, Questionnaire, QuestionnaireStatus
from surveys.services.questionnaires import (
    question_save,
    questionnaire_copy,
    questionnaire_load_template,
    questionnaire_new_version,
    questionnaire_save,
)
from surveys.xlsform import xlsform_import
from units.access import SYSTEM
from units.models import AuditEntry, Role
from units.spreadsheets import ImportFailed

pytestmark = pytest.mark.django_db

DATES = {"fieldwork_start": dt.date(2025, 9, 1), "fieldwork_end": dt.date(2025, 11, 30)}


@pytest.fixture
def shared():
    return questionnaire_load_template(name="one-stop", actor=SYSTEM)[0]


@pytest.fixture
def owned(shared, tree):
    """Province A's questionnaire, with a title no one else's page may show."""
    copy = questionnaire_copy(questionnaire=shared, owner=tree["A"], actor=SYSTEM)
    Questionnaire.objects.filter(pk=copy.pk).update(title="Phiếu riêng của tỉnh A")
    copy.refresh_from_db()
    return copy


def page(pk: int, name: str) -> str:
    return reverse(f"admin:surveys_questionnaire_{name}", args=[pk])


def test_the_outsider_neither_sees_nor_changes_another_provinces_questionnaire(client, owned, charlie):
    client.force_login(charlie)
    listing = client.get(reverse("admin:surveys_questionnaire_changelist")).content.decode()
    assert "Phiếu riêng của tỉnh A" not in listing and "one-stop-A" not in listing
    assert "Phiếu riêng của tỉnh A" not in client.get(reverse("admin:surveys_question_changelist")).content.decode()
    for name in ("change", "delete", "history", "export", "copy"):
        assert client.get(page(owned.pk, name)).status_code == 404, name
    assert client.post(page(owned.pk, "change"), {"code": owned.code, "title": "Bị sửa", "version": 1, "language": "vi"}).status_code == 404
    assert client.post(page(owned.pk, "delete"), {"post": "yes"}).status_code == 404
    assert client.post(page(owned.pk, "new_version")).status_code == 404
    question = owned.questions.first()
    assert client.get(reverse("admin:surveys_question_change", args=[question.pk])).status_code == 404
    owned.title = "Bị sửa"
    with pytest.raises(Http404):
        questionnaire_save(questionnaire=owned, actor=charlie)
    question.text = "Bị sửa"
    with pytest.raises(Http404):
        question_save(question=question, actor=charlie)
    with pytest.raises(Http404):
        questionnaire_copy(questionnaire=owned, owner=owned.owner, actor=charlie)
    assert Questionnaire.objects.get(pk=owned.pk).title == "Phiếu riêng của tỉnh A"
    assert Question.objects.get(pk=question.pk).text != "Bị sửa"
    assert Questionnaire.objects.count() == 2


@pytest.mark.parametrize("persona", ["alice", "charlie"])
def test_officials_read_but_do_not_change_or_delete_a_shared_template(client, shared, alice, charlie, persona):
    client.force_login({"alice": alice, "charlie": charlie}[persona])
    assert client.get(page(shared.pk, "change")).status_code == 200
    data = {"code": shared.code, "version": 1, "title": "Bị sửa", "language": "vi", "template": shared.template}
    assert client.post(page(shared.pk, "change"), data).status_code == 403
    assert client.post(page(shared.pk, "delete"), {"post": "yes"}).status_code == 403
    response = client.post(reverse("admin:surveys_questionnaire_changelist"), {"action": "freeze_selected", "_selected_action": [shared.pk]}, follow=True)
    assert "hãy sao chép về đơn vị của mình" in response.content.decode()
    shared.refresh_from_db()
    assert shared.title != "Bị sửa" and shared.status == QuestionnaireStatus.DRAFT
    with pytest.raises(PermissionDenied):
        questionnaire_new_version(questionnaire=shared, actor=alice)


def test_an_official_copies_a_shared_template_to_their_unit_and_edits_the_copy(client, shared, tree, alice):
    client.force_login(alice)
    response = client.post(reverse("admin:surveys_questionnaire_changelist"), {"action": "copy_selected", "_selected_action": [shared.pk]})
    assert response.status_code == 302
    copy = Questionnaire.objects.get(code="one-stop-A")
    assert copy.owner == tree["A"] and copy.questions.count() == shared.questions.count() and copy.template == ""
    entry = AuditEntry.objects.get(action="questionnaire.copy")
    assert entry.actor == alice and entry.unit == tree["A"]
    copy.title = "Phiếu một cửa của tỉnh A"
    questionnaire_save(questionnaire=copy, actor=alice)
    assert client.get(page(copy.pk, "change")).status_code == 200


def test_the_copy_page_lets_an_official_of_several_units_choose(client, shared, tree, make_user):
    both = make_user("eve", Role.OFFICIAL, tree["A1"])
    from units.services import membership_grant

    membership_grant(user=both, unit=tree["B1"], role=Role.OFFICIAL, actor=SYSTEM)
    client.force_login(both)
    page_text = client.get(page(shared.pk, "copy")).content.decode()
    assert "Xã A1" in page_text and "Xã B1" in page_text and "Tỉnh A" not in page_text
    assert client.post(page(shared.pk, "copy"), {"owner": tree["A"].pk}).status_code == 200  # not one of hers: refused in the form
    assert client.post(page(shared.pk, "copy"), {"owner": tree["B1"].pk}).status_code == 302
    assert Questionnaire.objects.get(code="one-stop-B1").owner == tree["B1"]


def test_officials_above_the_owner_edit_and_officials_below_only_read(tree, shared, alice, make_user):
    questionnaire = questionnaire_copy(questionnaire=shared, owner=tree["A-SYT"], actor=SYSTEM)
    hospital_official = make_user("hv", Role.OFFICIAL, tree["A-BV"])
    questionnaire.title = "Phiếu của Sở Y tế"
    questionnaire_save(questionnaire=questionnaire, actor=alice)
    with pytest.raises(PermissionDenied):
        questionnaire_save(questionnaire=questionnaire, actor=hospital_official)


def xlsform(form_id: str) -> io.BytesIO:
    book = openpyxl.Workbook()
    book.active.title = "survey"
    book.active.append(["type", "name", "label"])
    book.active.append(["integer", "tuoi", "Tuổi"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "form_title"])
    settings.append([form_id, "Phiếu cài vào"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "phieu.xlsx"
    return data


def test_an_xlsform_cannot_slip_a_version_into_another_units_questionnaire(client, owned, tree, charlie):
    client.force_login(charlie)
    response = client.post(reverse("admin:surveys_questionnaire_import"), {"file": xlsform(owned.code), "owner": tree["B"].pk})
    assert response.status_code == 200 and "form_id" in response.content.decode() and "đã thuộc một đơn vị khác" in response.content.decode()
    assert Questionnaire.objects.filter(code__iexact=owned.code).count() == 1
    with pytest.raises(PermissionDenied):
        xlsform_import(xlsform("phieu-khac"), actor=charlie, owner=None)  # a shared template: superusers only
    with pytest.raises(Http404):
        xlsform_import(xlsform("phieu-khac"), actor=charlie, owner=tree["A"])
    assert client.post(reverse("admin:surveys_questionnaire_import"), {"file": xlsform("phieu-b"), "owner": tree["A"].pk}).status_code == 200
    with pytest.raises(ImportFailed):
        xlsform_import(xlsform(owned.code.upper()), actor=SYSTEM, owner=tree["B"])
    assert not Questionnaire.objects.filter(code="phieu-b").exists()


def test_a_campaign_uses_shared_templates_and_its_own_units_questionnaires_not_others(client, shared, owned, tree, charlie):
    campaign = campaign_create(code="b-2025", name="Đợt của B", organiser=tree["B"], actor=charlie, **DATES)
    with pytest.raises(CampaignRuleError, match="thuộc đơn vị khác"):
        campaign_form_add(campaign=campaign, questionnaire=owned, actor=charlie)
    campaign_form_add(campaign=campaign, questionnaire=shared, actor=charlie)
    client.force_login(charlie)
    form_page = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "Phiếu riêng của tỉnh A" not in form_page


def test_existing_questionnaires_get_the_organiser_of_the_campaigns_using_them(tree, shared):
    from surveys.tests.factories_collection import make_campaign, make_questionnaire

    only_a = make_questionnaire("chi-a")
    both = make_questionnaire("ca-hai")
    make_campaign(organiser=tree["A"], units=[tree["A1"]], code="a-1", questionnaire=only_a)
    make_campaign(organiser=tree["A"], units=[tree["A1"]], code="a-2", questionnaire=both)
    make_campaign(organiser=tree["B"], units=[tree["B1"]], code="b-1", questionnaire=both)
    make_campaign(organiser=tree["A"], units=[tree["A1"]], code="a-3", questionnaire=shared)  # a built-in template stays shared
    Questionnaire.objects.update(owner=None)
    migration = importlib.import_module("surveys.migrations.0007_questionnaire_owner")
    migration.assign_owners(apps, None)
    owners = dict(Questionnaire.objects.values_list("code", "owner__code"))
    assert owners == {"chi-a": "A", "ca-hai": None, "one-stop": None}
