"""Step 4 in a real browser on a 390 px phone: an official previews the quotas of 4 wards by a rule, sees each
ward by name with its number, saves, and the saved quotas are the numbers shown; nothing scrolls sideways."""

from __future__ import annotations

import pytest

from campaigns.models import Channel, SampleQuota
from campaigns.services import campaign_create, campaign_form_add, channel_window_add
from campaigns.tests.conftest import END, START
from surveys.models import Questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = """() => {
  const width = document.documentElement.clientWidth, wide = [];
  for (const element of document.querySelectorAll("main *")) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) { wide.push(element.tagName + (element.id ? "#" + element.id : "") + " " + Math.round(box.right)); }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


def _open_quota_step(page, live_server, campaign):
    """Sign in as alice (an official of province A) and land on the campaign's quota step."""
    page.goto(f"{live_server.url}/dang-nhap/?next=/dot-khao-sat/{campaign.code}/thiet-lap/co-mau/")
    page.get_by_label("Tên đăng nhập").fill("alice")
    page.get_by_label("Mật khẩu").fill("secret-pass-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("#quota-table")


def _wards_campaign(make_unit, parent, alice, *, district: str, wards: int, code: str):
    """A district of `wards` wards (Phường 1…) surveyed at home and at the desk with one form, by alice."""
    organiser = make_unit(f"{parent.code}-{district}", f"Quận {district}", "district", parent)
    for i in range(1, wards + 1):
        make_unit(f"{organiser.code}-W{i}", f"Phường {i}", "commune", organiser)
    questionnaire = Questionnaire.objects.create(code="mot-cua", version=1, title="Phiếu một cửa")
    campaign = campaign_create(code=code, name=f"Khảo sát {wards} phường", organiser=organiser, fieldwork_start=START, fieldwork_end=END, actor=alice)
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    for channel in (Channel.HOME_VISIT, Channel.DESK):
        channel_window_add(campaign=campaign, channel=channel, start=START, end=END, actor=alice)
    return campaign


def _phone(chromium):
    """A 390 px phone's page, and the console errors it logs."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return context, page, errors


def test_an_official_previews_and_saves_the_quotas_of_four_wards_on_a_phone(chromium, live_server, make_unit, tree, alice, tmp_path):
    campaign = _wards_campaign(make_unit, tree["A"], alice, district="Q1", wards=4, code="phuong-2025")
    context, page, errors = _phone(chromium)
    _open_quota_step(page, live_server, campaign)

    page.check("input[name=rule][value=equal]")
    page.fill("input[name=total]", "802")
    page.click("#quota-preview")
    page.wait_for_selector("#quota-preview-note")
    assert SampleQuota.objects.count() == 0
    seen = page.evaluate(WIDE)
    assert seen["scroll"] <= seen["width"] and seen["wide"] == [], seen
    assert page.locator("#quota-table tbody tr").first.evaluate("row => getComputedStyle(row).display") == "block"
    page.screenshot(path=str(tmp_path / "quotas-390.png"), full_page=True)
    shown = {
        row.locator(".unit-name").inner_text(): [int(value) for value in row.locator("input[name^=q_]").evaluate_all("inputs => inputs.map(i => i.value)")]
        for row in page.locator("#quota-table tbody tr[data-unit]").all()
    }
    assert shown == {"Phường 1": [101, 100], "Phường 2": [101, 100], "Phường 3": [100, 100], "Phường 4": [100, 100]}

    page.click("#quota-save")
    page.wait_for_selector(".alert-success")
    saved = {name: sorted(SampleQuota.objects.filter(unit__name=name).values_list("target", flat=True), reverse=True) for name in shown}
    assert saved == shown and sum(sum(sizes) for sizes in saved.values()) == 802
    assert errors == []
    context.close()


def test_a_one_stop_desk_previews_its_own_default_and_saves_it(chromium, live_server, make_unit, tree, alice):
    desk = make_unit("A-HCC", "Trung tâm Phục vụ hành chính công A", "public_service_centre", tree["A"])
    questionnaire = Questionnaire.objects.create(code="mot-cua", version=1, title="Phiếu một cửa")
    campaign = campaign_create(code="mot-cua-2025", name="Khảo sát một cửa", organiser=desk, fieldwork_start=START, fieldwork_end=END, actor=alice)
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.DESK, start=START, end=END, actor=alice)

    context = chromium.new_context(locale="vi-VN")
    page = context.new_page()
    _open_quota_step(page, live_server, campaign)
    page.check("input[name=rule][value=defaults]")
    page.click("#quota-preview")
    page.wait_for_selector("#quota-preview-note")
    row = page.locator("#quota-table tbody tr[data-unit='A-HCC']")
    assert row.locator(".unit-name").inner_text() == "Trung tâm Phục vụ hành chính công A"
    assert row.locator("input[name^=q_]").input_value() == "100" and SampleQuota.objects.count() == 0
    page.click("#quota-save")
    page.wait_for_selector(".alert-success")
    assert list(SampleQuota.objects.values_list("unit__code", "channel", "target")) == [("A-HCC", "desk", 100)]
    context.close()


def test_a_long_grid_has_a_search_box_and_saves_the_rows_it_hides(chromium, live_server, make_unit, tree, alice):
    campaign = _wards_campaign(make_unit, tree["A"], alice, district="Q2", wards=14, code="quan-2-2025")
    context, page, errors = _phone(chromium)
    _open_quota_step(page, live_server, campaign)
    page.check("input[name=rule][value=equal]")
    page.fill("input[name=total]", "1400")
    page.click("#quota-preview")
    page.wait_for_selector("#quota-preview-note")

    search = page.get_by_label("Tìm đơn vị (tên hoặc mã, gõ không dấu cũng được)")
    visible = page.locator("#quota-table tbody tr[data-unit]:visible")
    assert visible.count() == 14
    search.fill("phuong 1")  # without accents: Phường 1 and 10–14
    assert sorted(visible.locator(".unit-name").all_inner_texts()) == ["Phường 1", "Phường 10", "Phường 11", "Phường 12", "Phường 13", "Phường 14"]
    assert page.locator("#quota-table-filter-count").inner_text() == "Đang hiện 6 / 14 đơn vị"
    assert page.locator("#quota-totals").is_visible()  # the totals row stays
    search.fill("A-Q2-W3")  # by code
    assert visible.locator(".unit-name").all_inner_texts() == ["Phường 3"]
    seen = page.evaluate(WIDE)
    assert seen["scroll"] <= seen["width"] and seen["wide"] == [], seen

    page.click("#quota-save")  # the 13 hidden wards are saved too
    page.wait_for_selector(".alert-success")
    assert SampleQuota.objects.filter(campaign=campaign).values("unit").distinct().count() == 14
    assert sum(SampleQuota.objects.filter(campaign=campaign).values_list("target", flat=True)) == 1400
    assert errors == []
    context.close()
