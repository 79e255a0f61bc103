import pytest

from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("role", "heading"), [(Role.OFFICIAL, "Quản lý đợt khảo sát"), (Role.ENUMERATOR, "Việc hôm nay")])
def test_a_user_logs_in_on_a_phone_and_lands_on_their_role_page(chromium, live_server, tree, make_user, role, heading):
    make_user("lan", role, tree["A"])
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Mật khẩu").fill("secret-pass-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name=heading).is_visible()
    # The collapsed menu opens on a phone: Bootstrap's script is served by the app and runs under the CSP.
    page.get_by_role("button", name="Mở menu").click()
    # Wait for the collapse animation to end ("collapsing" → "collapse show") so the click lands on the button.
    page.wait_for_selector("#nav.collapse.show")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất").click()
    assert page.url.startswith(f"{live_server.url}/dang-nhap/")
    assert errors == []
    context.close()
