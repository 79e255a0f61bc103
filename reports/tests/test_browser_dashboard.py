"""A leadership user and a unit manager use the dashboards in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(chromium, live_server, username: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("secret-pass-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page, errors


def test_leadership_reads_the_dashboard_drills_down_and_downloads_the_report(chromium, live_server, settings, tmp_path, make_user, tree, dashboard_data):
    settings.MEDIA_ROOT = tmp_path
    make_user("lanhdao", Role.LEADERSHIP, tree["A"])
    context, page, errors = log_in(chromium, live_server, "lanhdao")
    page.get_by_role("link", name="Bảng điều khiển").first.click()
    page.wait_for_url("**/bao-cao/ks-2026/")
    assert page.locator("#overall-card").inner_text().count("75,00%") == 1
    assert page.locator("#verdict").inner_text() == "CHƯA ĐỦ CĂN CỨ"  # 75% over 60 respondents: the interval holds 80%
    # plotly.js, served by the app, draws every chart under the CSP (no inline script).
    for chart in ("chart-elements", "chart-trend", "chart-distribution"):
        page.wait_for_selector(f"#{chart}[data-drawn='1'] .main-svg")
    assert page.locator("#heatmap tbody tr").count() == 3
    ranking = page.locator("#ranking tbody tr")
    assert ranking.count() == 3
    assert "≈" in ranking.nth(0).inner_text() and "+10,00 điểm" in ranking.nth(0).inner_text()
    # Drill down into the health department.
    page.locator("#ranking").get_by_role("link", name="Sở Y tế A").click()
    page.wait_for_url("**unit=A-SYT")
    assert "Bệnh viện A" in page.locator("#ranking").inner_text()
    page.get_by_role("link", name="Tỉnh A").click()
    # Ask for the department report and download it when the job is done.
    page.select_option("#id_kind", "report")
    page.get_by_role("button", name="Tạo tệp Excel").click()
    page.wait_for_url("**/xuat/*/")
    page.wait_for_selector("#export-download:not(.d-none)")
    assert page.locator("#export-bar").inner_text() == "100%"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải tệp về").click()
    path = download_info.value.path()
    with open(path, "rb") as handle:  # the download's temporary name has no .xlsx ending
        book = load_workbook(handle)
    assert book.sheetnames == ["Tổng hợp", "Tiêu chí", "Xếp hạng", "Phân nhóm"]
    assert errors == []
    context.close()


def test_a_unit_manager_sees_their_unit_against_parent_and_peers(chromium, live_server, make_user, tree, dashboard_data):
    make_user("giamdoc", Role.UNIT_MANAGER, tree["A1"])
    context, page, errors = log_in(chromium, live_server, "giamdoc")
    page.get_by_role("link", name="Kết quả Xã A1").first.click()
    page.wait_for_url("**/bao-cao/ks-2026/don-vi/A1/")
    assert "90,00%" in page.locator("#unit-overall").inner_text()
    assert page.locator("#parent-overall").inner_text() == "75,00%"
    assert page.locator("#weakest li").count() == 3
    assert page.locator("#peers tbody tr").count() == 3
    # Their dashboard starts at their own unit; another unit's page is not theirs to see.
    page.goto(f"{live_server.url}/bao-cao/ks-2026/")
    assert "Xã A1" in page.locator("h1 + p").inner_text()
    response = page.goto(f"{live_server.url}/bao-cao/ks-2026/don-vi/A2/")
    assert response.status == 404
    assert [e for e in errors if "404" not in e] == []
    context.close()


def test_an_open_dashboard_shows_new_figures_by_itself_after_a_counted_change(chromium, live_server, make_user, tree, dashboard_data):
    from campaigns.services import campaign_mark_dirty
    from reports.tests.factories_dashboard import responses_add

    make_user("lanhdao", Role.LEADERSHIP, tree["A"])
    context, page, errors = log_in(chromium, live_server, "lanhdao")
    page.goto(f"{live_server.url}/bao-cao/ks-2026/")
    assert page.locator("#responses").inner_text() == "60"
    computed = page.locator("#computed-at").inner_text()
    page.wait_for_timeout(1100)  # "computed at" shows seconds
    responses_add(dashboard_data.campaign, tree["A1"], [(1, 5)])
    campaign_mark_dirty(campaign_id=dashboard_data.campaign.pk)  # committed: the recompute runs at once (eager)
    from playwright.sync_api import expect

    expect(page.locator("#responses")).to_have_text("61", timeout=12000)  # polled, then reloaded by itself
    assert page.locator("#computed-at").inner_text() != computed
    assert errors == []
    context.close()
