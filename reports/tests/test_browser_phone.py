"""The pages people open on a provincial phone (dashboard, unit page, public results, notice, review queue) fit a 390 px screen: nothing scrolls sideways, neither the
page nor a table inside it (wide tables become one card per row, static/js/tables.js)."""

from __future__ import annotations

import pytest

from reports.publication import campaign_results_publish
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every element whose right edge passes the screen, also inside a container that would scroll sideways.
WIDE = """() => {
  const width = document.documentElement.clientWidth, wide = [];
  for (const element of document.querySelectorAll("main *")) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1 && !element.closest(".js-plotly-plot")) {
      wide.push(element.tagName + (element.id ? "#" + element.id : "") + " " + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


def overflow(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate(WIDE)


def phone_login(chromium, live_server, username: str):
    """A 390 px phone signed in as `username`: (context, page)."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("secret-pass-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_the_dashboard_unit_page_and_public_results_fit_a_390_px_phone(chromium, live_server, settings, tmp_path, make_user, tree, alice, dashboard_data):
    settings.MEDIA_ROOT = tmp_path
    campaign_results_publish(campaign_id=dashboard_data.campaign.pk, actor=alice)
    make_user("lanhdao", Role.LEADERSHIP, tree["A"])
    context, page = phone_login(chromium, live_server, "lanhdao")
    code = dashboard_data.campaign.code
    problems = {}
    for url in (f"/bao-cao/{code}/", f"/bao-cao/{code}/don-vi/A1/", f"/ket-qua/{code}/", "/ket-qua/", f"/khao-sat/{dashboard_data.campaign.public_key}/"):
        seen = overflow(page, live_server.url + url)
        if seen["scroll"] > seen["width"] or seen["wide"]:
            problems[url] = seen
    assert problems == {}
    # The ranking is one card per unit on the phone, each value with its heading.
    page.goto(f"{live_server.url}/bao-cao/{code}/")
    first = page.locator("#ranking tbody tr").first
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    assert first.locator("td").nth(3).get_attribute("data-label") == "Chỉ số chung"
    context.close()
    # The supervisor's review queue: one card per response too.
    make_user("giamsat", Role.SUPERVISOR, tree["A"])
    context, page = phone_login(chromium, live_server, "giamsat")
    seen = overflow(page, f"{live_server.url}/giam-sat/phieu/")
    assert seen["scroll"] <= seen["width"] and seen["wide"] == [], seen
    assert page.locator("#review-table tbody tr").count() > 0
    context.close()
