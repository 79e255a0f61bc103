"""The builder's step 4 (Cỡ mẫu) through its page, as an official uses it: a rule previewed per unit by name
(nothing saved), the grid saved with exactly the numbers shown, errors beside the field or cell with what was
typed kept, and the access policy (404 outside the subtree, 403 for a viewer)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from campaigns.builder.quota_rules import largest_remainder
from campaigns.frames import frame_import
from campaigns.models import Channel, SampleQuota
from campaigns.quota_services import cell_field, quotas_save
from campaigns.quotas import yamane_size
from campaigns.services import CampaignRuleError, campaign_create, campaign_form_add, channel_window_add
from campaigns.tests.conftest import END, FRAME_HEADER, START, frame_rows, xlsx
from units.access import SYSTEM
from units.models import AuditEntry, Role

pytestmark = pytest.mark.django_db

CELL = re.compile(r'<input type="number" name="(q_[^"]+)" id="[^"]*" value="([^"]*)"')


@pytest.fixture
def official(make_user, tree):
    return make_user("canbo", Role.OFFICIAL, tree["A"], is_staff=True)


def _campaign(code, organiser, questionnaire, actor, channels=(Channel.DESK,)):
    campaign = campaign_create(code=code, name=f"Đợt {code}", organiser=organiser, fieldwork_start=START, fieldwork_end=END, actor=actor)
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=actor)
    for channel in channels:
        channel_window_add(campaign=campaign, channel=channel, start=START, end=END, actor=actor)
    return campaign


@pytest.fixture
def desk_campaign(make_unit, tree, questionnaire, alice):
    """A one-stop desk organising its own survey: nothing below it, one form, the desk channel."""
    desk = make_unit("A-HCC", "Trung tâm Phục vụ hành chính công A", "public_service_centre", tree["A"])
    return _campaign("mot-cua-2025", desk, questionnaire, alice)


@pytest.fixture
def wards(make_unit, tree):
    district = make_unit("A-Q1", "Quận 1", "district", tree["A"])
    return [make_unit(f"A-P{i}", f"Phường {i}", "commune", district) for i in range(1, 5)]


@pytest.fixture
def ward_campaign(wards, questionnaire, alice):
    """Four wards under a district, visited at home (a frame channel)."""
    return _campaign("phuong-2025", wards[0].parent, questionnaire, alice, channels=(Channel.HOME_VISIT,))


def _url(campaign):
    return reverse("builder:quotas", args=[campaign.code])


def _shown(page) -> dict[str, str]:
    """The number in every cell input of the grid, as the browser would post it."""
    return dict(CELL.findall(page.content.decode()))


def _by_unit(campaign) -> dict[str, int]:
    return {quota.unit.name: quota.target for quota in SampleQuota.objects.filter(campaign=campaign).select_related("unit")}


def _preview_then_save(client, campaign, params) -> tuple[dict[str, str], str]:
    page = client.get(_url(campaign), {**params, "preview": "1"})
    assert page.status_code == 200
    shown = _shown(page)
    assert not SampleQuota.objects.filter(campaign=campaign).exists()  # a preview saves nothing
    saved = client.post(_url(campaign), {**shown, "save": "1"})
    assert saved.status_code == 302, saved.content.decode()[-3000:]
    return shown, page.content.decode()


def test_a_one_stop_desk_gets_the_organiser_default_shown_then_saved(client, official, desk_campaign):
    client.force_login(official)
    shown, text = _preview_then_save(client, desk_campaign, {"rule": "defaults", "default_organiser": "100", "default_public_service_centre": ""})
    assert "Trung tâm Phục vụ hành chính công A" in text and "Tại bộ phận một cửa" in text
    assert list(shown.values()) == ["100"]
    assert _by_unit(desk_campaign) == {"Trung tâm Phục vụ hành chính công A": 100}
    entry = AuditEntry.objects.get(action="campaign.quotas.save")
    assert entry.changes["cells"] == [{"unit": "A-HCC", "channel": "desk", "form": desk_campaign.forms.get().pk, "from": None, "to": 100}]


def test_four_wards_get_the_ward_default_and_an_edited_default_wins(client, official, ward_campaign):
    client.force_login(official)
    page = client.get(_url(ward_campaign))
    assert page.context["rule_form"]["default_ward"].value() == 200  # the table in force, editable
    shown, text = _preview_then_save(client, ward_campaign, {"rule": "defaults", "default_ward": "200"})
    assert [text.index(f"Phường {i}") for i in range(1, 5)] == sorted(text.index(f"Phường {i}") for i in range(1, 5))
    assert list(shown.values()) == ["200"] * 4
    assert _by_unit(ward_campaign) == {f"Phường {i}": 200 for i in range(1, 5)}
    shown, _text = _preview_then_save_again(client, ward_campaign, {"rule": "defaults", "default_ward": "180"})
    assert _by_unit(ward_campaign) == {f"Phường {i}": 180 for i in range(1, 5)}


def _preview_then_save_again(client, campaign, params):
    page = client.get(_url(campaign), {**params, "preview": "1"})
    text = page.content.decode()
    assert "đang lưu 200" in text and "Bản xem trước, chưa lưu: tổng 720 phiếu (đang lưu 800)" in text
    shown = _shown(page)
    assert client.post(_url(campaign), shown).status_code == 302
    return shown, text


def test_four_wards_by_yamane_from_typed_populations(client, official, ward_campaign, wards):
    client.force_login(official)
    populations = [400, 1000, 50, 100_000]
    params = {"rule": "yamane", "margin": "2,5", "source": "population"}
    params.update({f"population_{ward.pk}": str(n) for ward, n in zip(wards, populations, strict=True)})
    shown, _text = _preview_then_save(client, ward_campaign, params)
    expected = [yamane_size(n, 0.025) for n in populations]
    assert [int(value) for value in shown.values()] == expected
    assert _by_unit(ward_campaign) == {f"Phường {i}": n for i, n in enumerate(expected, start=1)}


def test_four_wards_equal_and_proportional_to_the_frame_add_up_to_the_total(client, official, ward_campaign, wards):
    client.force_login(official)
    _preview_then_save(client, ward_campaign, {"rule": "equal", "total": "802"})
    assert _by_unit(ward_campaign) == {"Phường 1": 201, "Phường 2": 201, "Phường 3": 200, "Phường 4": 200}

    rows = [row for ward, n in zip(wards, (10, 20, 30, 41), strict=True) for row in frame_rows(ward.code, n)]
    frame_import(campaign=ward_campaign, source=xlsx([FRAME_HEADER, *rows]), actor=SYSTEM)
    page = client.get(_url(ward_campaign), {"rule": "proportional", "total": "50", "source": "frame"})
    shown = _shown(page)
    assert [int(value) for value in shown.values()] == largest_remainder(50, [10, 20, 30, 41]) == [5, 10, 15, 20]
    assert 'class="frame-size">41<' in page.content.decode()
    assert client.post(_url(ward_campaign), shown).status_code == 302
    assert sum(_by_unit(ward_campaign).values()) == 50


def test_a_unit_with_two_channels_shares_its_part_between_them(client, official, wards, questionnaire, alice):
    campaign = _campaign("hai-kenh", wards[0].parent, questionnaire, alice, channels=(Channel.DESK, Channel.HOME_VISIT))
    client.force_login(official)
    page = client.get(_url(campaign), {"rule": "equal", "total": "11"})
    assert [column.channel for column in page.context["grid"].columns] == [Channel.HOME_VISIT, Channel.DESK]
    sizes = [int(value) for value in _shown(page).values()]
    # 11 over 4 wards: 3, 3, 3, 2; each ward's part over its two cells (home visit first): 2+1, 2+1, 2+1, 1+1
    assert sizes == [2, 1, 2, 1, 2, 1, 1, 1] and sum(sizes) == 11
    assert page.context["proposed_total"] == 11


def test_bad_rule_input_is_explained_beside_its_field_and_kept(client, official, ward_campaign, wards):
    client.force_login(official)
    text = client.get(_url(ward_campaign), {"rule": "yamane", "margin": "60", "source": "population"}).content.decode()
    assert "Sai số phải lớn hơn 0% và không quá 50%" in text and 'value="60"' in text
    text = client.get(_url(ward_campaign), {"rule": "yamane", "margin": "năm", "source": "population"}).content.decode()
    assert "Nhập sai số là một số" in text
    page = client.get(_url(ward_campaign), {"rule": "yamane", "margin": "5", "source": "population", f"population_{wards[0].pk}": "900"})
    text = page.content.decode()
    assert "còn thiếu: «Phường 2», «Phường 3», «Phường 4»" in text and text.count("Chưa có cỡ tổng thể (N) của đơn vị này.") == 3
    assert 'value="900"' in text and not page.context["preview"]
    text = client.get(_url(ward_campaign), {"rule": "proportional", "total": "40", "source": "frame"}).content.decode()
    assert "Đơn vị chưa có ai trong khung mẫu" in text
    text = client.get(_url(ward_campaign), {"rule": "equal", "total": "3"}).content.decode()
    assert "Tổng cỡ mẫu 3 nhỏ hơn số đơn vị (4)" in text
    text = client.get(_url(ward_campaign), {"rule": "defaults", "default_ward": "", "default_commune": ""}).content.decode()
    assert "Nhập cỡ mẫu mặc định cho loại đơn vị này." in text
    assert not SampleQuota.objects.filter(campaign=ward_campaign).exists()


def test_bad_sizes_in_the_grid_save_nothing_and_keep_what_was_typed(client, official, ward_campaign, wards):
    client.force_login(official)
    form = ward_campaign.forms.get()
    fields = [cell_field((ward.pk, Channel.HOME_VISIT, form.pk)) for ward in wards]
    page = client.post(_url(ward_campaign), dict(zip(fields, ["150", "-5", "12.5", "nhiều"], strict=True)))
    text = page.content.decode()
    assert page.status_code == 200 and not SampleQuota.objects.filter(campaign=ward_campaign).exists()  # all or nothing
    assert "Không được nhỏ hơn 0." in text and text.count("Nhập một số nguyên") == 2
    assert _shown(page) == dict(zip(fields, ["150", "-5", "12.5", "nhiều"], strict=True))


def test_a_quota_over_the_frame_is_refused_on_its_cell(client, official, ward_campaign, wards):
    frame_import(campaign=ward_campaign, source=xlsx([FRAME_HEADER, *frame_rows(wards[0].code, 6)]), actor=SYSTEM)
    client.force_login(official)
    form = ward_campaign.forms.get()
    over = cell_field((wards[0].pk, Channel.HOME_VISIT, form.pk))
    page = client.post(_url(ward_campaign), {over: "10"})
    text = page.content.decode()
    assert page.status_code == 200 and not SampleQuota.objects.filter(campaign=ward_campaign).exists()
    assert "«Phường 1»: cỡ mẫu 10 lớn hơn số người trong khung mẫu (6)." in text
    assert page.context["grid_form"].errors[over]
    assert client.post(_url(ward_campaign), {over: "6"}).status_code == 302


def test_a_saved_cell_cannot_be_emptied(client, official, ward_campaign, wards):
    client.force_login(official)
    form = ward_campaign.forms.get()
    field = cell_field((wards[0].pk, Channel.HOME_VISIT, form.pk))
    assert client.post(_url(ward_campaign), {field: "120"}).status_code == 302
    page = client.post(_url(ward_campaign), {field: ""})
    assert "Nhập cỡ mẫu (0 nếu không khảo sát ô này)." in page.content.decode()
    assert client.post(_url(ward_campaign), {field: "0"}).status_code == 302
    assert _by_unit(ward_campaign) == {"Phường 1": 0}


def test_another_provinces_official_gets_404_and_a_viewer_403(client, make_user, tree, ward_campaign, wards):
    outsider = make_user("canbo-b", Role.OFFICIAL, tree["B"], is_staff=True)
    client.force_login(outsider)
    field = cell_field((wards[0].pk, Channel.HOME_VISIT, ward_campaign.forms.get().pk))
    assert client.get(_url(ward_campaign), {"rule": "defaults"}).status_code == 404
    assert client.post(_url(ward_campaign), {field: "5"}).status_code == 404
    client.force_login(make_user("xem", Role.VIEWER, tree["A"]))
    assert client.get(_url(ward_campaign)).status_code == 403
    assert client.post(_url(ward_campaign), {field: "5"}).status_code == 403
    assert not SampleQuota.objects.filter(campaign=ward_campaign).exists()


def test_the_service_refuses_a_cell_the_campaign_does_not_call_for_and_saves_nothing(ward_campaign, wards, tree, alice, bob):
    form = ward_campaign.forms.get()
    good = (wards[0].pk, Channel.HOME_VISIT, form.pk)
    stray = (wards[1].pk, Channel.PHONE, form.pk)  # no phone window
    with pytest.raises(CampaignRuleError) as refused:
        quotas_save(campaign=ward_campaign, sizes={good: 5, stray: 5}, actor=alice)
    assert [error.code for error in refused.value.error_list] == [cell_field(stray)]
    with pytest.raises(CampaignRuleError):
        quotas_save(campaign=ward_campaign, sizes={good: True}, actor=alice)
    with pytest.raises(PermissionDenied):
        quotas_save(campaign=ward_campaign, sizes={good: 5}, actor=bob)
    assert not SampleQuota.objects.filter(campaign=ward_campaign).exists()
    assert quotas_save(campaign=ward_campaign, sizes={good: 5}, actor=alice) == 1
    assert quotas_save(campaign=ward_campaign, sizes={good: 5}, actor=alice) == 0  # unchanged: nothing written, no audit row
    assert AuditEntry.objects.filter(action="campaign.quotas.save").count() == 1


def test_the_page_reads_the_same_number_of_queries_for_4_wards_as_for_8(client, official, ward_campaign, wards, make_unit, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(official)
    params = {"rule": "equal", "total": "800"}
    with CaptureQueriesContext(connection) as four:
        assert client.get(_url(ward_campaign), params).status_code == 200
    for i in range(5, 9):
        make_unit(f"A-P{i}", f"Phường {i}", "commune", wards[0].parent)
    assert len(four.captured_queries) <= 45, len(four.captured_queries)  # 39 on SQLite: the step list, the grid, the session
    with django_assert_max_num_queries(len(four.captured_queries)):
        page = client.get(_url(ward_campaign), params)
    assert len(page.context["grid"].rows) == 8 and page.context["proposed_total"] == 800


def test_populations_of_the_design_fill_the_n_column_and_feed_yamane(client, official, ward_campaign, wards, questionnaire):
    from campaigns.models import StratumPopulation

    form = ward_campaign.forms.get()
    StratumPopulation.objects.create(campaign=ward_campaign, unit=wards[0], channel=Channel.HOME_VISIT, population=400)
    # per form on one channel, and a stratum without form on another: the form-less one counts whole, the others add up
    StratumPopulation.objects.create(campaign=ward_campaign, unit=wards[1], channel=Channel.HOME_VISIT, form=form, population=700)
    StratumPopulation.objects.create(campaign=ward_campaign, unit=wards[1], channel=Channel.DESK, population=300)
    client.force_login(official)
    page = client.get(_url(ward_campaign))
    filled = {ward.name: page.context["rule_form"][f"population_{ward.pk}"].value() for ward in wards}
    assert filled == {"Phường 1": 400, "Phường 2": 1000, "Phường 3": None, "Phường 4": None}
    params = {"rule": "yamane", "margin": "5", "source": "population", **{f"population_{ward.pk}": str(filled[ward.name] or 250) for ward in wards}}
    shown = client.get(_url(ward_campaign), params)
    assert [int(value) for value in _shown(shown).values()] == [yamane_size(n, 0.05) for n in (400, 1000, 250, 250)] == [200, 286, 154, 154]
