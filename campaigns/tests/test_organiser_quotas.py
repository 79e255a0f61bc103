"""A campaign surveys its organiser when the organiser has no sub-units (a department surveying its own
one-stop desk), and when default quotas make no row the message says which units the campaign covers and why."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from campaigns.models import Campaign, CampaignStatus, Channel
from campaigns.selectors import quotas_unmade_reasons
from campaigns.services import campaign_create, campaign_form_add, channel_window_add, quotas_generate
from campaigns.tests.conftest import END, START
from reports.selectors import index_values, working_snapshot
from surveys.models import Response
from surveys.tests.factories_collection import make_questionnaire
from surveys.tests.test_import_responses import HEADER
from units.tests.xlsx import xlsx_bytes


@pytest.fixture
def home_affairs(make_unit, tree):
    """Sở Nội vụ of province A: a department with no unit below it."""
    return make_unit("A-SNV", "Sở Nội vụ A", "department", tree["A"])


def create_campaign(organiser: str, questionnaire: str, *extra: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "create_campaign", "--code", "mot-cua-snv", "--name", "Một cửa Sở Nội vụ", "--organiser", organiser,
        "--questionnaire", questionnaire, "--start", "2024-01-01", "--end", "2099-12-31", "--scheme", "sipas", "--target", "80",
        *extra, stdout=out, stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_a_one_stop_campaign_at_a_unit_with_no_sub_units_surveys_the_organiser_itself(home_affairs, tmp_path):
    make_questionnaire("mot-cua", frozen=False)
    out, err = create_campaign("A-SNV", "mot-cua")
    assert "với 1 phiếu và 1 cỡ mẫu" in out and not err
    campaign = Campaign.objects.get()
    assert list(campaign.quotas.values_list("unit__code", "channel", "target")) == [("A-SNV", "desk", 100)]
    call_command("activate_campaign", "mot-cua-snv", stdout=StringIO())
    assert Campaign.objects.get().status == CampaignStatus.ACTIVE
    forms = [["A-SNV", "desk", None, "yes", None, 5, 4, 4, 5, 4, 2, 10, None], ["A-SNV", "desk", None, "yes", None, 4, 4, 3, 5, 5, 4, None, None]]
    paper = tmp_path / "phieu.xlsx"
    paper.write_bytes(xlsx_bytes([HEADER, *forms]))
    call_command("import_responses", "mot-cua-snv", str(paper), stdout=StringIO())
    assert Response.objects.filter(unit=home_affairs).count() == 2
    call_command("recompute", "mot-cua-snv", stdout=StringIO())
    values = index_values(working_snapshot(campaign), home_affairs, "criterion")
    assert values.get(key="S2_Q3").value == 50  # one of two answers at 4–5
    assert index_values(working_snapshot(campaign), home_affairs, "responses").get(key="").value == 2
    assert index_values(working_snapshot(campaign), home_affairs, "overall").get(key="").value is not None


def test_a_leaf_organiser_whose_type_has_a_default_gets_that_default(tree, questionnaire):
    create_campaign("A1", "sipas")
    assert dict(Campaign.objects.get().quotas.values_list("unit__code", "target")) == {"A1": 150}


def test_an_organiser_with_sub_units_gets_no_quota_of_its_own(tree, questionnaire):
    create_campaign("A", "sipas")
    assert dict(Campaign.objects.get().quotas.values_list("unit__code", "target")) == {"A1": 150, "A2": 200}


def test_the_message_names_the_units_covered_and_the_unit_types_the_form_wants(client, alice, home_affairs, questionnaire, unit_types, tree):
    campaign = campaign_create(code="sipas-snv", name="SIPAS Sở Nội vụ", organiser=home_affairs, fieldwork_start=START, fieldwork_end=END, actor=alice)
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, unit_types=[unit_types["commune"]], actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.DESK, start=START, end=END, actor=alice)
    client.force_login(alice)
    page = client.post("/admin/campaigns/campaign/", {"action": "generate_quotas", "_selected_action": [campaign.pk]}, follow=True)
    text = page.content.decode()
    assert "đã tạo 0 cỡ mẫu" not in text and "ipas-snv: không tạo cỡ mẫu nào." in text  # the admin capitalises a message
    assert "Đợt bao phủ «Sở Nội vụ A» (Sở, ban, ngành), đơn vị này không có đơn vị trực thuộc." in text
    assert "chỉ áp dụng cho loại đơn vị «Xã / Phường / Đặc khu»" in text
    assert "các đơn vị loại này nằm dưới «Tỉnh A»" in text
    assert not campaign.quotas.exists()


def test_the_command_says_which_unit_types_have_no_default_size(tree, questionnaire):
    out, err = create_campaign("A-SYT", "sipas")
    assert "0 cỡ mẫu" in out
    assert "Đợt bao phủ «Sở Y tế A» và 1 đơn vị trực thuộc (Bệnh viện: 1)." in err
    assert "«Bệnh viện» không có cỡ mẫu mặc định" in err and "--quota N" in err


def test_a_channel_that_serves_other_unit_types_is_named(campaign, questionnaire, unit_types, alice):
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, unit_types=[unit_types["commune"]], actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.PHONE, start=START, end=END, unit_types=[unit_types["hospital"]], actor=alice)
    assert quotas_generate(campaign=campaign, actor=alice) == 0
    reasons = " ".join(quotas_unmade_reasons(campaign))
    assert "Đợt bao phủ «Tỉnh A» và 4 đơn vị trực thuộc" in reasons
    assert "Không kênh thu thập nào phục vụ" in reasons and "«Điện thoại» chỉ phục vụ «Bệnh viện»" in reasons


def test_a_rerun_says_every_cell_already_has_its_quota(ready_campaign, alice):
    assert quotas_generate(campaign=ready_campaign, size=30, actor=alice) == 3  # A1 keeps its 10
    assert quotas_generate(campaign=ready_campaign, size=30, actor=alice) == 0
    assert "4 trong 4 ô (đơn vị × kênh × phiếu) đã có cỡ mẫu." in quotas_unmade_reasons(ready_campaign, size=30)
