"""Field staff accounts: officials create and deactivate enumerator and supervisor accounts in their subtree,
one by one or from an Excel list (all rows or none), and a new account's first login asks for a new password."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404

from units.access import SYSTEM
from units.models import AccountProfile, AuditEntry, Membership, PasswordChangeRequired, Role
from units.people import PeopleError, people_import, person_create, person_set_active
from units.spreadsheets import ImportFailed
from units.tests.xlsx import xlsx_bytes

HEADER = ["username", "full name", "phone", "unit code", "role"]


def upload(rows):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(xlsx_bytes(rows, "Danh sách"))


def test_an_official_creates_an_enumerator_in_their_subtree(alice, tree):
    account = person_create(actor=alice, username="dtv.a1", full_name="Trần Thị Lan", phone="905 123 456", unit=tree["A1"], role=Role.ENUMERATOR)
    user = User.objects.get(username="dtv.a1")
    assert user.is_active and user.get_full_name() == "Trần Thị Lan" and user.check_password(account.password)
    assert Membership.objects.filter(user=user, unit=tree["A1"], role=Role.ENUMERATOR).exists()
    profile = AccountProfile.objects.get(user=user)
    assert (profile.phone, profile.created_by) == ("0905123456", alice)
    assert PasswordChangeRequired.objects.filter(user=user, set_by=alice).exists()  # the account gate's own mark
    assert AuditEntry.objects.filter(action="person.create", actor=alice, changes__unit="A1").exists()
    assert len(account.password) == 12


@pytest.mark.parametrize(("persona", "error"), [("charlie", Http404), ("bob", PermissionDenied)])
def test_outside_the_subtree_404_and_without_the_role_403(tree, persona, error, request):
    with pytest.raises(error):
        person_create(actor=request.getfixturevalue(persona), username="x", full_name="X", phone="", unit=tree["A1"], role=Role.ENUMERATOR)
    assert not User.objects.filter(username="x").exists()


def test_bad_fields_are_refused_in_vietnamese_and_nothing_is_saved(alice, tree):
    with pytest.raises(PeopleError) as refusal:
        person_create(actor=alice, username="alice", full_name="", phone="gọi sau", unit=tree["A1"], role=Role.OFFICIAL)
    problems = refusal.value.message_dict
    assert problems["username"] == ["Đã có tài khoản «alice»."]
    assert problems["full_name"] == ["Thiếu họ tên."] and "không hợp lệ" in problems["phone"][0]
    assert problems["role"] == ["Vai trò phải là điều tra viên hoặc giám sát viên."]
    assert User.objects.count() == 1


def test_an_official_deactivates_and_reactivates_a_field_account(client, alice, tree, make_user, charlie):
    account = person_create(actor=alice, username="gs.a", full_name="Lê Văn Nam", phone="", unit=tree["A2"], role=Role.SUPERVISOR)
    user = account.user
    with pytest.raises(Http404):
        person_set_active(actor=charlie, user=user, active=False)
    person_set_active(actor=alice, user=user, active=False)
    user.refresh_from_db()
    assert not user.is_active
    assert client.post("/dang-nhap/", {"username": "gs.a", "password": account.password}).status_code == 200  # the form again: refused
    person_set_active(actor=alice, user=user, active=True)
    assert User.objects.get(pk=user.pk).is_active
    assert [e.action for e in AuditEntry.objects.filter(object_id=str(user.pk), action__startswith="person.").order_by("at", "pk")] == [
        "person.create", "person.deactivate", "person.reactivate"
    ]


def test_officials_and_accounts_reaching_beyond_the_subtree_are_not_deactivated(alice, tree, make_user):
    official = make_user("canbo.a1", Role.OFFICIAL, tree["A1"])
    with pytest.raises(PeopleError, match="Chỉ khoá hoặc mở lại"):
        person_set_active(actor=alice, user=official, active=False)
    both = make_user("dtv.ab", Role.ENUMERATOR, tree["A1"])
    Membership.objects.create(user=both, unit=tree["B1"], role=Role.ENUMERATOR)
    with pytest.raises(Http404):
        person_set_active(actor=alice, user=both, active=False)
    assert User.objects.get(pk=both.pk).is_active


def test_a_new_accounts_first_login_asks_for_a_new_password_then_the_pages_open(client, alice, tree):
    account = person_create(actor=alice, username="dtv.moi", full_name="Phạm Minh", phone="", unit=tree["A1"], role=Role.ENUMERATOR)
    login = client.post("/dang-nhap/", {"username": "dtv.moi", "password": account.password})
    assert login.status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/tai-khoan/doi-mat-khau/")
    assert client.get("/dieu-tra/truong-hop/")["Location"].startswith("/tai-khoan/doi-mat-khau/")
    assert client.get("/tai-khoan/doi-mat-khau/").status_code == 200
    assert client.post("/api/v1/responses/", "{}", content_type="application/json").status_code == 401  # the queue keeps what it holds
    weak = client.post("/tai-khoan/doi-mat-khau/", {"old_password": account.password, "new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and PasswordChangeRequired.objects.filter(user=account.user).exists()
    new = {"old_password": account.password, "new_password1": "Lan-khanh-hoa-2026", "new_password2": "Lan-khanh-hoa-2026"}
    done = client.post("/tai-khoan/doi-mat-khau/?next=/dieu-tra/goi-tiep/", new)
    assert done.status_code == 302 and done["Location"] == "/dieu-tra/goi-tiep/"  # back where the gate stopped them
    assert client.get("/").status_code == 200
    assert not PasswordChangeRequired.objects.filter(user=account.user).exists()
    client.post("/dang-xuat/")
    assert client.post("/dang-nhap/", {"username": "dtv.moi", "password": "Lan-khanh-hoa-2026"}).status_code == 302
    assert client.get("/").status_code == 200  # the second login is not asked again


def test_the_people_page_by_persona(client, alice, bob, charlie, tree, make_user):
    a1 = make_user("dtv.a1", Role.ENUMERATOR, tree["A1"])
    make_user("dtv.b1", Role.ENUMERATOR, tree["B1"])
    client.force_login(alice)
    page = client.get("/nguoi-dung/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-person="dtv.a1"' in html and 'data-person="dtv.b1"' not in html
    assert f'href="/tai-khoan/nguoi-dung/{a1.pk}/mat-khau-tam/"' in html  # a forgotten password: a temporary one from here
    created = client.post("/nguoi-dung/", {"username": "dtv.a2", "full_name": "Võ Thị Hà", "phone": "0905000111", "unit": tree["A2"].pk, "role": "enumerator"})
    assert created.status_code == 200 and 'id="people-created"' in created.content.decode()
    outside = client.post("/nguoi-dung/", {"username": "dtv.x", "full_name": "X", "phone": "", "unit": tree["B1"].pk, "role": "enumerator"})
    assert outside.status_code == 422 and not User.objects.filter(username="dtv.x").exists()
    client.force_login(bob)
    assert client.get("/nguoi-dung/").status_code == 403
    client.force_login(make_user("khach"))
    assert client.get("/nguoi-dung/").status_code == 404
    client.force_login(charlie)
    assert client.post(f"/nguoi-dung/{User.objects.get(username='dtv.a1').pk}/kich-hoat/", {"active": "0"}).status_code == 404
    assert User.objects.get(username="dtv.a1").is_active


def test_an_excel_list_creates_every_account_or_none(alice, tree):
    rows = [HEADER, ["dtv.x1", "Nguyễn Văn Một", 905000001, "a1", "Điều tra viên"], ["gs.x2", "Trần Thị Hai", "0905000002", "A2", "supervisor"]]
    accounts = people_import(actor=alice, source=upload(rows))
    assert [a.user.username for a in accounts] == ["dtv.x1", "gs.x2"]
    assert Membership.objects.get(user__username="gs.x2").role == Role.SUPERVISOR
    assert AccountProfile.objects.get(user__username="dtv.x1").phone == "0905000001"
    bad = [
        HEADER,
        ["dtv.y1", "Lê Y", "", "A1", "enumerator"],  # good
        ["dtv.x1", "Đã có", "", "A1", "enumerator"],
        ["dtv.y2", "Trùng", "", "A1", "enumerator"],
        ["dtv.y2", "Trùng lần hai", "", "A1", "enumerator"],
        ["dtv.y3", "Ngoài phạm vi", "", "B1", "enumerator"],
        ["dtv.y4", "Vai trò lạ", "", "A1", "cán bộ"],
        ["", "", "abc", "KHONG-CO", "enumerator"],
    ]
    with pytest.raises(ImportFailed) as failure:
        people_import(actor=alice, source=upload(bad))
    errors = {(e.row, e.column) for e in failure.value.errors}
    assert {(3, "username"), (5, "username"), (6, "unit code"), (7, "role"), (8, "username"), (8, "full name"), (8, "phone"), (8, "unit code")} <= errors
    assert (2, "username") not in errors and (4, "username") not in errors
    assert not User.objects.filter(username__startswith="dtv.y").exists()


def test_the_import_command_prints_each_temporary_password_once(tree, tmp_path):
    good = tmp_path / "ds.xlsx"
    good.write_bytes(upload([HEADER, ["dtv.z", "Hồ Văn Z", "", "A1", "enumerator"]]).getvalue())
    out = StringIO()
    call_command("import_people", str(good), stdout=out)
    line = out.getvalue().strip().splitlines()[-1]
    username, password = line.split("\t")
    assert username == "dtv.z" and User.objects.get(username="dtv.z").check_password(password)
    bad = tmp_path / "sai.xlsx"
    bad.write_bytes(upload([HEADER, ["dtv.w", "", "", "A1", "enumerator"]]).getvalue())
    err = StringIO()
    with pytest.raises(CommandError, match="không tạo tài khoản nào"):
        call_command("import_people", str(bad), stderr=err)
    assert "dòng 2" in err.getvalue()


def test_the_system_actor_creates_anywhere_and_outsiders_cannot_import(tree, charlie, bob):
    assert people_import(actor=SYSTEM, source=upload([HEADER, ["dtv.s", "S", "", "B1", "enumerator"]]))[0].user.username == "dtv.s"
    with pytest.raises(PermissionDenied):
        people_import(actor=bob, source=upload([HEADER, ["dtv.t", "T", "", "A1", "enumerator"]]))
    with pytest.raises(ImportFailed, match="trong phạm vi của bạn"):
        people_import(actor=charlie, source=upload([HEADER, ["dtv.t", "T", "", "A1", "enumerator"]]))
