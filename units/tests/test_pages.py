import pytest
from django.urls import reverse

from units.models import AuditEntry, Role, Unit
from units.tests.xlsx import xlsx_bytes


def test_the_login_page_is_in_vietnamese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "Tên đăng nhập" in html


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        (Role.OFFICIAL, "Quản lý đợt khảo sát"),
        (Role.LEADERSHIP, "Bảng điều khiển lãnh đạo"),
        (Role.SUPERVISOR, "Giám sát phiếu trả lời"),
        (Role.UNIT_MANAGER, "Kết quả của đơn vị"),
        (Role.ENUMERATOR, "Việc hôm nay"),
        (Role.VIEWER, "Kết quả khảo sát"),
    ],
)
def test_each_role_lands_on_its_own_page(client, tree, make_user, role, heading):
    user = make_user(f"user-{role}", role, tree["A"])
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_a_user_without_a_role_is_told_so(client, make_user, db):
    client.force_login(make_user("nobody"))
    assert "Chưa được phân quyền" in client.get(reverse("home")).content.decode()


def test_repeated_failed_logins_lock_the_account(client, make_user, db):
    make_user("victim")
    for _ in range(5):
        client.post(reverse("login"), {"username": "victim", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(reverse("login"), {"username": "victim", "password": "secret-pass-123"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "tạm bị khoá" in response.content.decode()


def test_a_correct_login_lands_on_home(client, make_user, tree):
    make_user("lan", Role.OFFICIAL, tree["A"])
    response = client.post(reverse("login"), {"username": "lan", "password": "secret-pass-123"})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, db):
    policy = client.get(reverse("login")).headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


class TestUnitAdmin:
    def test_an_official_sees_exactly_their_subtree(self, client, alice):
        client.force_login(alice)
        html = client.get(reverse("admin:units_unit_changelist")).content.decode()
        assert "Xã A1" in html and "Bệnh viện A" in html
        assert "Xã B1" not in html

    def test_an_outsider_gets_404_on_a_unit_of_another_province(self, client, tree, charlie, alice):
        client.force_login(charlie)
        url = reverse("admin:units_unit_change", args=[tree["A1"].pk])
        assert client.get(url).status_code == 404
        client.force_login(alice)
        assert client.get(url).status_code == 200

    def test_a_read_only_member_cannot_enter_the_admin(self, client, bob):
        client.force_login(bob)
        response = client.get(reverse("admin:units_unit_changelist"))
        assert response.status_code == 302
        assert "/admin/login/" in response.url

    def test_anonymous_users_are_sent_to_the_admin_login(self, client, db):
        response = client.get(reverse("admin:units_unit_import"))
        assert response.status_code == 302

    def test_the_upload_lists_errors_on_the_page_and_saves_nothing(self, client, alice):
        client.force_login(alice)
        before = Unit.objects.count()
        upload = xlsx_bytes([["code", "name", "type", "parent_code"], ["N1", "Mới", "agency", "A"], ["N2", "Mới 2", "agency", "MISSING"]])
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post(reverse("admin:units_unit_import"), {"file": SimpleUploadedFile("u.xlsx", upload)})
        html = response.content.decode()
        assert response.status_code == 200
        assert "dòng 3, cột «parent_code»" in html
        assert Unit.objects.count() == before

    def test_the_upload_of_a_good_file_adds_units_and_audits(self, client, alice):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.force_login(alice)
        upload = xlsx_bytes([["code", "name", "type", "parent_code"], ["N1", "Trạm Y tế mới", "health_station", "A1"]])
        response = client.post(reverse("admin:units_unit_import"), {"file": SimpleUploadedFile("u.xlsx", upload)})
        assert response.status_code == 302
        assert Unit.objects.get(code="N1").path == "A/A1/N1/"
        assert AuditEntry.objects.filter(action="unit.import", actor=alice).exists()


def test_vietnamese_is_the_default_even_for_an_english_browser(client, db):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Tên đăng nhập" in html
    assert '<html lang="vi">' in html


def test_a_user_may_switch_to_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Username" in html


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.ENUMERATOR, ["Việc hôm nay"], ["Duyệt phiếu", "Kết quả khảo sát", "Quản trị", "Trường hợp"]),
        (Role.SUPERVISOR, ["Duyệt phiếu", "Kết quả khảo sát", "Trường hợp"], ["Việc hôm nay", "Quản trị"]),
        (Role.OFFICIAL, ["Duyệt phiếu", "Kết quả khảo sát", "Quản trị", "Trường hợp"], ["Việc hôm nay"]),
        (Role.LEADERSHIP, ["Kết quả khảo sát"], ["Duyệt phiếu", "Quản trị", "Trường hợp"]),
    ],
)
def test_the_menu_follows_the_roles_a_user_holds(client, tree, make_user, role, shown, hidden):
    client.force_login(make_user(f"menu-{role}", role, tree["A"]))
    nav = client.get(reverse("home")).content.decode().split('id="nav"')[1].split("</nav>")[0]
    for label in shown:
        assert label in nav
    for label in hidden:
        assert label not in nav
