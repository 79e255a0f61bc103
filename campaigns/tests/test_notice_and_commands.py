"""The public notice page and the operators' commands."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from campaigns.models import Campaign, CampaignStatus, FrameEntry
from campaigns.services import campaign_activate, campaign_close
from campaigns.tests.conftest import FRAME_HEADER, frame_rows, xlsx
from surveys.models import Questionnaire


def notice_url(campaign: Campaign) -> str:
    return reverse("campaigns:notice", kwargs={"public_key": campaign.public_key})


def test_an_active_campaign_has_a_public_notice_with_period_channels_and_qr(client, ready_campaign, alice):
    ready_campaign.notice_text = "Kính mời Quý vị tham gia khảo sát."
    ready_campaign.save()
    campaign_activate(campaign=ready_campaign, actor=alice)
    response = client.get(notice_url(ready_campaign))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kính mời Quý vị tham gia khảo sát." in page
    assert "01/09/2025 – 30/11/2025" in page and "Tại bộ phận một cửa" in page
    assert "<svg" in page and f"/khao-sat/{ready_campaign.public_key}/tra-loi/" in page
    assert "<script>" not in page.replace('<script src=', "")


def test_the_notice_is_the_same_for_every_persona(client, ready_campaign, alice, bob, charlie):
    campaign_activate(campaign=ready_campaign, actor=alice)
    for user in (alice, bob, charlie):
        client.force_login(user)
        assert client.get(notice_url(ready_campaign)).status_code == 200


def test_a_draft_or_unknown_campaign_has_no_public_page(client, campaign):
    assert client.get(notice_url(campaign)).status_code == 404
    assert client.get(reverse("campaigns:notice", kwargs={"public_key": uuid.uuid4()})).status_code == 404
    assert client.get("/khao-sat/khong-phai-uuid/").status_code == 404


def test_a_closed_campaign_says_it_ended_and_shows_no_qr(client, ready_campaign, alice):
    campaign_activate(campaign=ready_campaign, actor=alice)
    campaign_close(campaign=ready_campaign, actor=alice)
    page = client.get(notice_url(ready_campaign)).content.decode()
    assert "đã kết thúc" in page and "<svg" not in page.split("<main")[1]


# --- commands -------------------------------------------------------------------------------------


def _create(*extra: str, stdout=None) -> None:
    call_command(
        "create_campaign",
        "--code", "sipas-2025", "--name", "SIPAS 2025", "--organiser", "A", "--questionnaire", "sipas",
        "--start", "2025-09-01", "--end", "2025-11-30", "--scheme", "sipas", "--target", "87,5",
        *extra,
        stdout=stdout or StringIO(),
    )


def test_create_campaign_then_activate_campaign_work_at_once(tree, questionnaire):
    Questionnaire.objects.create(code="sipas", version=2, title="Phiếu SIPAS mới")
    out = StringIO()
    _create(stdout=out)
    campaign = Campaign.objects.get(code="sipas-2025")
    assert "Đã tạo đợt «sipas-2025»" in out.getvalue()
    assert campaign.forms.get().questionnaire.version == 2
    assert list(campaign.windows.values_list("channel", flat=True)) == ["desk"]
    assert dict(campaign.quotas.values_list("unit__code", "target")) == {"A1": 150, "A2": 200}
    assert str(campaign.target_index) == "87.50"
    call_command("activate_campaign", "sipas-2025", stdout=StringIO())
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE


def test_create_campaign_with_one_quota_for_every_unit(tree, questionnaire):
    _create("--quota", "40")
    assert set(Campaign.objects.get().quotas.values_list("unit__code", "target")) == {("A1", 40), ("A2", 40), ("A-SYT", 40), ("A-BV", 40)}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"--organiser": "ZZ"}, "Không tìm thấy đơn vị"),
        ({"--questionnaire": "khong-co"}, "Không tìm thấy phiếu"),
        ({"--start": "01/09/2025"}, "không hợp lệ"),
        ({"--end": "2025-08-01"}, "phải sau ngày bắt đầu"),
        ({"--target": "cao"}, "không phải là số"),
        ({"--target": "120"}, "0–100"),
    ],
)
def test_create_campaign_refuses_bad_input_and_saves_nothing(tree, questionnaire, change, message):
    args = {"--code": "x-2025", "--name": "X", "--organiser": "A", "--questionnaire": "sipas", "--start": "2025-09-01", "--end": "2025-11-30", "--scheme": "sipas", "--target": "80"}
    args.update(change)
    with pytest.raises(CommandError, match=message):
        call_command("create_campaign", *[part for pair in args.items() for part in pair], stdout=StringIO())
    assert not Campaign.objects.exists()


def test_activate_campaign_names_the_missing_rule(campaign):
    with pytest.raises(CommandError, match="chưa có phiếu khảo sát"):
        call_command("activate_campaign", campaign.code)
    with pytest.raises(CommandError, match="Không tìm thấy đợt"):
        call_command("activate_campaign", "khong-co")


def test_import_frame_lists_every_error_and_saves_nothing(campaign, tmp_path):
    bad = tmp_path / "khung.xlsx"
    bad.write_bytes(xlsx([FRAME_HEADER, *frame_rows("A1", 2), ["An", "", "", "", "ngày mai", "B1"]]).getvalue())
    err = StringIO()
    with pytest.raises(CommandError, match="2 lỗi"):
        call_command("import_frame", campaign.code, str(bad), stderr=err)
    assert "dòng 4" in err.getvalue() and not FrameEntry.objects.exists()
    good = tmp_path / "tot.xlsx"
    good.write_bytes(xlsx([FRAME_HEADER, *frame_rows("A1", 3)]).getvalue())
    call_command("import_frame", campaign.code, str(good), stdout=StringIO())
    assert FrameEntry.objects.count() == 3
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("import_frame", campaign.code, str(tmp_path / "khong-co.xlsx"))


def test_draw_sample_says_when_there_is_nothing_to_draw(campaign):
    with pytest.raises(CommandError, match="không có gì để rút"):
        call_command("draw_sample", campaign.code)


@pytest.mark.parametrize("command", ["create_campaign", "activate_campaign", "import_frame", "draw_sample"])
def test_every_command_has_vietnamese_help(command, capsys):
    with pytest.raises(SystemExit):
        call_command(command, "--help")
    assert "đợt" in capsys.readouterr().out


def test_the_default_notice_addresses_citizens_as_ong_ba(client, ready_campaign, alice):
    campaign_activate(campaign=ready_campaign, actor=alice)
    page = client.get(notice_url(ready_campaign)).content.decode()
    assert "Ý kiến của Ông/Bà giúp cải thiện chất lượng phục vụ." in page
    assert "Quý vị" not in page and " bạn " not in page
