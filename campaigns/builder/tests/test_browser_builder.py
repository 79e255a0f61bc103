"""Issue 17's check, in a real browser: a new official builds and activates a campaign with the builder alone
(never /admin/), for a one-stop desk and for 4 wards, and the quotas shown before saving are the rule's numbers
and the ones saved; on a 390 px phone no step scrolls sideways."""

from __future__ import annotations

import pytest

from campaigns.models import Campaign, CampaignStatus, SampleQuota
from campaigns.tests.conftest import END, START
from surveys.models import Questionnaire
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _build(page, live_server, *, code: str, name: str, organiser, questionnaire: Questionnaire, rule: str, check_width: bool) -> dict:
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))

    def settled() -> None:
        page.wait_for_load_state()
        if check_width:
            assert page.evaluate(WIDE) <= 0, page.url

    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("canbo-moi")
    page.get_by_label("Mật khẩu").fill("secret-pass-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/dot-khao-sat/")
    page.click("#new-campaign")
    settled()
    page.fill("#id_code", code)
    page.fill("#id_name", name)
    page.select_option("#id_organiser", value=str(organiser.pk))
    assert organiser.name in page.locator("#id_organiser option:checked").inner_text()  # chosen by name, never by id
    page.fill("#id_fieldwork_start", START.isoformat())
    page.fill("#id_fieldwork_end", END.isoformat())
    page.click("#preview-coverage")
    page.wait_for_selector("#coverage-summary")
    settled()
    coverage = page.inner_text("#coverage-summary")
    assert not Campaign.objects.filter(code=code).exists()  # a preview saves nothing
    page.click("#save-info")
    page.wait_for_selector("#forms-form")
    settled()
    for select in page.locator("#forms-form select").all():
        select.select_option(value=str(questionnaire.pk))
    page.click("#save-forms")
    page.wait_for_selector("#window-form")
    settled()
    page.select_option("#id_channel", value="desk")
    page.click("#add-window")
    page.wait_for_selector("#window-list")
    page.click("#next-step")
    page.wait_for_selector("#quota-rule")
    page.check(f"input[name=rule][value={rule}]")
    page.click("#quota-preview")
    page.wait_for_selector("#quota-preview-note")
    settled()
    shown = {
        row.locator(".unit-name").inner_text(): [int(v) for v in row.locator("input[name^=q_]").evaluate_all("inputs => inputs.map(i => i.value)")]
        for row in page.locator("#quota-table tbody tr[data-unit]").all()
    }
    assert not SampleQuota.objects.filter(campaign__code=code).exists()
    page.click("#quota-save")
    page.wait_for_selector(".alert-success")
    for _step in ("khung-mau", "dieu-tra-vien", "rut-mau"):  # a desk campaign needs no frame: each says so
        page.click("#next-step")
        page.wait_for_selector("#step-skipped")
        settled()
    page.click("#next-step")
    page.wait_for_selector("#activation-rules")
    settled()
    assert page.locator("#activation-rules li[data-kept='0']").count() == 0
    page.click("#activate")
    page.wait_for_selector("#activated")
    assert not [url for url in visited if "/admin/" in url]
    return {"coverage": coverage, "shown": shown}


@pytest.fixture
def new_official(make_user, tree):
    return make_user("canbo-moi", Role.OFFICIAL, tree["A"], is_staff=True)


def test_four_wards_on_a_phone(chromium, live_server, make_unit, tree, new_official):
    district = make_unit("A-Q1", "Quận 1", "district", tree["A"])
    for i in range(1, 5):
        make_unit(f"A-P{i}", f"Phường {i}", "commune", district)
    questionnaire = Questionnaire.objects.create(code="mot-cua", version=1, title="Phiếu một cửa")
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    result = _build(context.new_page(), live_server, code="phuong-2025", name="Khảo sát 4 phường", organiser=district,
                    questionnaire=questionnaire, rule="defaults", check_width=True)
    context.close()
    assert "4 đơn vị trực thuộc" in result["coverage"]
    assert result["shown"] == {f"Phường {i}": [200] for i in range(1, 5)}  # the ward default
    campaign = Campaign.objects.get(code="phuong-2025")
    saved = {quota.unit.name: [quota.target] for quota in campaign.quotas.select_related("unit")}
    assert saved == result["shown"] and campaign.status == CampaignStatus.ACTIVE


def test_a_one_stop_desk(chromium, live_server, make_unit, tree, new_official):
    desk = make_unit("A-HCC", "Trung tâm Phục vụ hành chính công A", "public_service_centre", tree["A"])
    questionnaire = Questionnaire.objects.create(code="mot-cua", version=1, title="Phiếu một cửa")
    context = chromium.new_context(locale="vi-VN")
    result = _build(context.new_page(), live_server, code="hcc-2025", name="Khảo sát Trung tâm hành chính công", organiser=desk,
                    questionnaire=questionnaire, rule="defaults", check_width=False)
    context.close()
    assert "không có đơn vị trực thuộc" in result["coverage"]
    assert result["shown"] == {"Trung tâm Phục vụ hành chính công A": [100]}
    campaign = Campaign.objects.get(code="hcc-2025")
    assert list(campaign.quotas.values_list("unit__code", "target")) == [("A-HCC", 100)] and campaign.status == CampaignStatus.ACTIVE
