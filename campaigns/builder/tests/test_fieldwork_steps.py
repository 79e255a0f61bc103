"""Steps 5–7 of the builder through the pages: the frame from the downloaded template, enumerators given units,
the draw; and who may reach them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.builder.fieldwork import TEMPLATE_HEADERS
from campaigns.models import Channel
from campaigns.services import channel_window_add, quota_set
from units.models import Membership, Role

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def official(make_user, tree):
    return make_user("canbo", Role.OFFICIAL, tree["A"], is_staff=True)


@pytest.fixture
def phone_campaign(ready_campaign, tree, alice):
    form = ready_campaign.forms.get()
    channel_window_add(campaign=ready_campaign, channel=Channel.PHONE, start=ready_campaign.fieldwork_start, end=ready_campaign.fieldwork_end, actor=alice)
    quota_set(campaign=ready_campaign, unit=tree["A1"], channel=Channel.PHONE, form=form, target=3, actor=alice)
    return ready_campaign


def _filled_template(client, campaign, rows: list[list[str]]) -> SimpleUploadedFile:
    response = client.get(reverse("builder:frame_template", args=[campaign.code]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(TEMPLATE_HEADERS)
    units = workbook.worksheets[1]
    assert [cell.value for cell in units[2]] == ["A1", "Xã A1", 3]  # the units to use, by code and name, with what to draw
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("khung.xlsx", buffer.getvalue(), content_type=XLSX)


def test_the_frame_comes_from_the_downloaded_template_and_a_bad_file_saves_nothing(client, official, phone_campaign):
    client.force_login(official)
    people = [[f"Người dân {i}", f"090500000{i}", f"Số {i} Trần Phú", "Cấp giấy khai sinh", "15/10/2025", "A1"] for i in range(6)]
    bad = _filled_template(client, phone_campaign, [*people, ["", "0905", "", "", "31/02/2025", "ZZ"]])
    page = client.post(reverse("builder:frame", args=[phone_campaign.code]), {"file": bad})
    assert page.status_code == 200 and not phone_campaign.frame.exists()
    text = page.content.decode()
    assert "không có gì được lưu" in text and "dòng 8" in text.lower()
    good = _filled_template(client, phone_campaign, people)
    saved = client.post(reverse("builder:frame", args=[phone_campaign.code]), {"file": good})
    assert saved.status_code == 302 and phone_campaign.frame.count() == 6
    page = client.get(reverse("builder:frame", args=[phone_campaign.code]))
    state = page.context["state"]
    assert state.status == "done" and "6 người ở 1 đơn vị" in state.summary


def test_enumerators_are_given_units_and_the_draw_follows(client, official, make_user, tree, phone_campaign):
    from campaigns.frames import frame_import
    from campaigns.tests.conftest import FRAME_HEADER, frame_rows, xlsx

    frame_import(campaign=phone_campaign, source=xlsx([FRAME_HEADER, *frame_rows("A1", 6)]), actor=official)
    enumerator = make_user("dtv", Role.ENUMERATOR, tree["A2"], first_name="Lan")
    client.force_login(official)
    page = client.get(reverse("builder:enumerators", args=[phone_campaign.code]))
    assert [row.unit.code for row in page.context["rows"]] == ["A1"] and page.context["state"].advice
    granted = client.post(reverse("builder:enumerators", args=[phone_campaign.code]), {"enumerator": enumerator.pk, "units": [str(tree["A1"].pk)]})
    assert granted.status_code == 302 and Membership.objects.filter(user=enumerator, unit=tree["A1"], role=Role.ENUMERATOR).exists()
    assert client.get(reverse("builder:enumerators", args=[phone_campaign.code])).context["state"].status == "done"

    refused = client.post(reverse("builder:draw", args=[phone_campaign.code]), {"reserve_percent": "150"})
    assert refused.status_code == 200 and "Tỷ lệ dự phòng phải là số phần trăm từ 0 đến 100." in refused.content.decode()
    assert not phone_campaign.assignments.exists()
    drawn = client.post(reverse("builder:draw", args=[phone_campaign.code]), {"reserve_percent": "34"})
    assert drawn.status_code == 302
    assert phone_campaign.assignments.filter(is_reserve=False).count() == 3 and phone_campaign.assignments.filter(is_reserve=True).count() == 2
    assert set(phone_campaign.assignments.values_list("enumerator_id", flat=True)) == {enumerator.pk}
    page = client.get(reverse("builder:draw", args=[phone_campaign.code]))
    assert page.context["state"].status == "done" and page.context["cells"][0].drawn == 3
    again = client.post(reverse("builder:draw", args=[phone_campaign.code]), {"reserve_percent": "0"})
    assert again.status_code == 200 and "Đợt đã được rút mẫu" in again.content.decode()
    redrawn = client.post(reverse("builder:draw", args=[phone_campaign.code]), {"reserve_percent": "0", "redraw": "1"})
    assert redrawn.status_code == 302 and phone_campaign.assignments.count() == 3

    membership = Membership.objects.get(user=enumerator, unit=tree["A1"])
    client.post(reverse("builder:enumerators", args=[phone_campaign.code]), {"revoke": membership.pk})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_desk_only_campaign_skips_the_frame_steps(client, official, ready_campaign):
    client.force_login(official)
    for name in ("builder:frame", "builder:enumerators", "builder:draw"):
        page = client.get(reverse(name, args=[ready_campaign.code]))
        assert page.status_code == 200 and page.context["state"].status == "skip"
        assert "Không cần" in page.content.decode()


def test_outsiders_reach_nothing_and_viewers_are_refused(client, make_user, tree, phone_campaign):
    outsider = make_user("canbo-b", Role.OFFICIAL, tree["B"], is_staff=True)
    client.force_login(outsider)
    for name in ("builder:frame", "builder:frame_template", "builder:enumerators", "builder:draw"):
        assert client.get(reverse(name, args=[phone_campaign.code])).status_code == 404
    assert client.post(reverse("builder:draw", args=[phone_campaign.code]), {"reserve_percent": "20"}).status_code == 404
    viewer = make_user("xem", Role.VIEWER, tree["A"])
    client.force_login(viewer)
    assert client.get(reverse("builder:frame_template", args=[phone_campaign.code])).status_code == 403
    assert not phone_campaign.assignments.exists()
