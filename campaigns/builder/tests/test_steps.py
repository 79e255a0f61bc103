"""The builder's first steps, through the pages as an official uses them: a draft saved at each step, errors
beside their field with what was typed kept, the check list naming every rule that blocks activation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignStatus, Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(make_user, tree):
    from units.models import Role

    return make_user("canbo", Role.OFFICIAL, tree["A"], is_staff=True)


def _login(client, user):
    client.force_login(user)
    return client


def test_step_one_saves_a_draft_and_shows_the_units_covered(client, official, tree):
    _login(client, official)
    page = client.get(reverse("builder:new"))
    assert page.status_code == 200
    options = page.content.decode()
    assert "Tỉnh A (Tỉnh" in options and "Tỉnh B" not in options  # only organisers the official configures, by name
    data = {
        "code": "hl-2027", "name": "Khảo sát 2027", "organiser": tree["A"].pk, "fieldwork_start": "2027-03-01",
        "fieldwork_end": "2027-05-31", "index_scheme": "sipas", "target_index": "", "target_source": "",
    }
    preview = client.post(reverse("builder:new"), {**data, "preview": "1"})
    assert preview.status_code == 200 and not Campaign.objects.exists()
    text = preview.content.decode()
    assert "Đợt bao phủ «Tỉnh A» và 4 đơn vị trực thuộc" in text and "Bệnh viện A" in text
    saved = client.post(reverse("builder:new"), data)
    campaign = Campaign.objects.get(code="hl-2027")
    assert saved.status_code == 302 and saved["Location"] == reverse("builder:forms", args=[campaign.code])
    assert campaign.status == CampaignStatus.DRAFT and campaign.organiser == tree["A"] and campaign.target_source


def test_errors_stay_beside_their_field_and_nothing_typed_is_lost(client, official, tree):
    _login(client, official)
    page = client.post(reverse("builder:new"), {
        "code": "hl 2027!", "name": "Khảo sát giữ chữ", "organiser": tree["A"].pk, "fieldwork_start": "2027-05-31",
        "fieldwork_end": "2027-03-01", "index_scheme": "sipas", "target_index": "120",
    })
    text = page.content.decode()
    assert page.status_code == 200 and not Campaign.objects.exists()
    assert "Mã đợt chỉ gồm chữ không dấu" in text
    assert "Ngày kết thúc khảo sát không được trước ngày bắt đầu." in text
    assert "Khảo sát giữ chữ" in text and "2027-05-31" in text  # what was typed stays


def test_another_provinces_campaign_is_not_found(client, make_user, tree, campaign):
    from units.models import Role

    outsider = make_user("canbo-b", Role.OFFICIAL, tree["B"], is_staff=True)
    _login(client, outsider)
    assert client.get(reverse("builder:info", args=[campaign.code])).status_code == 404
    assert client.post(reverse("builder:windows", args=[campaign.code]), {"channel": "desk", "start": "2025-09-01", "end": "2025-09-30"}).status_code == 404
    assert not campaign.windows.exists()
    viewer = make_user("xem", Role.VIEWER, tree["A"])
    _login(client, viewer)
    assert client.get(reverse("builder:info", args=[campaign.code])).status_code == 403


def test_questionnaires_by_unit_type_then_a_window_checked_inside_the_period(client, official, tree, campaign, questionnaire):
    _login(client, official)
    page = client.get(reverse("builder:forms", args=[campaign.code]))
    fields = [name for name in page.context["form"].fields]
    assert fields == sorted(fields, key=lambda name: fields.index(name)) and "type_commune" in fields
    saved = client.post(reverse("builder:forms", args=[campaign.code]), {"type_commune": questionnaire.pk})
    assert saved.status_code == 302
    form = campaign.forms.get()
    assert [t.code for t in form.unit_types.all()] == ["commune"]

    outside = client.post(reverse("builder:windows", args=[campaign.code]), {"channel": Channel.DESK, "start": "2025-08-01", "end": "2025-09-30"})
    assert outside.status_code == 200 and not campaign.windows.exists()
    assert "trước ngày bắt đầu khảo sát của đợt" in outside.content.decode()
    inside = client.post(reverse("builder:windows", args=[campaign.code]), {"channel": Channel.DESK, "start": "2025-09-01", "end": "2025-11-30"})
    assert inside.status_code == 302 and campaign.windows.count() == 1


def test_the_check_list_names_every_rule_and_activation_waits_for_them(client, official, campaign, ready_campaign):
    _login(client, official)
    page = client.get(reverse("builder:check", args=[campaign.code]))
    rules = page.context["rules"]
    assert len(rules) >= 6 and all(rule.kept for rule in rules), [rule.problems for rule in rules]
    # Shortening the period after the windows were saved: the window now reaches outside it, and that blocks.
    Campaign.objects.filter(pk=campaign.pk).update(fieldwork_end="2025-10-31")
    page = client.get(reverse("builder:check", args=[campaign.code]))
    broken = [rule for rule in page.context["rules"] if not rule.kept]
    assert len(broken) == 1 and "sau ngày kết thúc khảo sát của đợt" in broken[0].problems[0]
    refused = client.post(reverse("builder:check", args=[campaign.code]), follow=True)
    assert "sau ngày kết thúc khảo sát của đợt" in refused.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    Campaign.objects.filter(pk=campaign.pk).update(fieldwork_end="2025-11-30")
    client.post(reverse("builder:check", args=[campaign.code]))
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.ACTIVE
