"""Every write to units is scoped like every read: alice (official of A), bob (viewer of A), charlie
(official of B, the outsider). The unit Excel import of the admin is the attack of issue 11: an official
of another province renamed a province, created units under it and at the top of the tree, and moved a
commune into their own province."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from units.access import SYSTEM
from units.models import AuditEntry, Membership, Role, Unit, UnitType
from units.services import audit_record, unit_save, unit_type_save, units_import, units_rights_problems
from units.spreadsheets import ImportFailed
from units.tests.xlsx import xlsx_bytes

HEADER = ["code", "name", "type", "parent_code"]
IMPORT = "/admin/units/unit/import/"


def upload(rows: list[list]) -> SimpleUploadedFile:
    return SimpleUploadedFile("don-vi.xlsx", xlsx_bytes([HEADER, *rows]))


def tree_state() -> list[tuple]:
    return list(Unit.objects.order_by("code").values_list("code", "name", "path", "type__code"))


# One row of an attacker from province B, each on its own and beside a row B may import (row 3 is the attack).
ATTACKS = {
    "rename a province": ["A", "Tỉnh A (đổi tên)", "province", None],
    "rename a department": ["A-SYT", "Sở Y tế (đổi tên)", "department", "A"],
    "create under A": ["X1", "Đơn vị cài vào", "agency", "A"],
    "create deep under A": ["X2", "Trạm cài vào", "health_station", "A-BV"],
    "create at the top": ["NEW", "Tỉnh mới", "agency", None],
    "move a commune into B": ["A1", "Xã A1", "commune", "B"],
    "move a department into B": ["A-SYT", "Sở Y tế A", "department", "B"],
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_an_outsiders_unit_import_that_touches_another_province_refuses_the_whole_file(client, tree, charlie, attack):
    before = tree_state()
    client.force_login(charlie)
    response = client.post(IMPORT, {"file": upload([["B-AG", "Cơ quan của B", "agency", "B"], ATTACKS[attack]])})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Trang tính «Sheet1», dòng 3" in page and "không có gì được lưu" in page
    assert tree_state() == before
    assert not Unit.objects.filter(code="B-AG").exists()
    assert not AuditEntry.objects.filter(action="unit.import").exists()


def test_every_refused_row_is_named_in_vietnamese(tree, charlie):
    rows = [["B-AG", "Cơ quan của B", "agency", "B"], *(row for name, row in ATTACKS.items() if name != "move a department into B")]
    with pytest.raises(ImportFailed) as failure:
        units_import(source=upload(rows), actor=charlie)
    named = {error.row: error.message for error in failure.value.errors}
    assert sorted(named) == list(range(3, 3 + len(ATTACKS) - 1))
    assert "ngoài phạm vi bạn quản lý" in named[4] and "«A-SYT»" in named[4]  # the rename
    assert "Đơn vị cha «A» nằm ngoài phạm vi bạn quản lý" in named[5]
    assert "cấp cao nhất" in named[7]


def test_after_the_refused_move_the_commune_and_its_responses_stay_with_its_province(tree, alice, charlie):
    with pytest.raises(ImportFailed):
        units_import(source=upload([["A1", "Xã A1", "commune", "B"]]), actor=charlie)
    assert Unit.objects.get(code="A1").path == "A/A1/"
    from units.selectors import units_visible_to

    assert "A1" not in set(units_visible_to(charlie).values_list("code", flat=True))
    assert "A1" in set(units_visible_to(alice).values_list("code", flat=True))


def test_an_official_imports_inside_their_subtree_and_each_unit_changed_is_audited(client, tree, alice):
    client.force_login(alice)
    rows = [
        ["A-SYT", "Sở Y tế tỉnh A", "department", "A"],  # a rename inside A
        ["A-TT", "Trung tâm y tế A", "health_centre", "A-SYT"],
        ["A-TT-1", "Trạm y tế số 1", "health_station", "A-TT"],  # under a unit of the same file
        ["A-BV", "Bệnh viện A", "hospital", "A-SYT"],  # unchanged: not audited
    ]
    response = client.post(IMPORT, {"file": upload(rows)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Unit.objects.get(code="A-TT-1").path == "A/A-SYT/A-TT/A-TT-1/"
    entries = {entry.object_repr.split(" (")[-1].rstrip(")"): entry for entry in AuditEntry.objects.filter(action="unit.import")}
    assert sorted(entries) == ["A-SYT", "A-TT", "A-TT-1"]
    assert entries["A-SYT"].actor == alice and entries["A-SYT"].unit == tree["A-SYT"]
    assert entries["A-SYT"].changes["name"] == ["Sở Y tế A", "Sở Y tế tỉnh A"]
    assert entries["A-TT"].changes["parent"] == "A-SYT"


def test_an_import_that_moves_a_unit_moves_its_whole_subtree(tree, alice):
    units_import(source=upload([["A-K", "Khối khác", "agency", "A"], ["A-SYT", "Sở Y tế A", "department", "A-K"]]), actor=alice)
    assert Unit.objects.get(code="A-BV").path == "A/A-K/A-SYT/A-BV/"
    assert Unit.objects.get(code="A-BV").depth == 3


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (["A3", "Xã mới", "commune", "A"], "chỉ quản trị hệ thống"),  # national divisions
        (["A1", "Xã A1 (đổi tên)", "commune", "A"], "chỉ quản trị hệ thống"),
        (["A-SYT", "Sở Y tế A", "department", "A-BV"], "vòng lặp"),  # under its own subtree
        (["A-SYT", "Sở Y tế A", "department", None], "cấp cao nhất"),
    ],
)
def test_an_official_cannot_change_national_divisions_or_break_the_tree(tree, alice, row, fragment):
    before = tree_state()
    with pytest.raises(ImportFailed) as failure:
        units_import(source=upload([row]), actor=alice)
    assert fragment in str(failure.value.errors[0])
    assert tree_state() == before


def test_a_viewer_role_writes_nothing_even_for_staff(tree, make_user):
    dan = make_user("dan", Role.OFFICIAL, tree["B"])  # staff through B
    Membership.objects.create(user=dan, unit=tree["A"], role=Role.VIEWER)
    with pytest.raises(ImportFailed):
        units_import(source=upload([["A-SYT", "Đổi tên", "department", "A"]]), actor=dan)
    syt = Unit.objects.get(code="A-SYT")
    syt.name = "Đổi tên"
    with pytest.raises(PermissionDenied):
        unit_save(unit=syt, actor=dan)


def test_unit_save_refuses_outsiders_with_404_and_members_with_403(tree, alice, bob, charlie):
    syt = Unit.objects.get(code="A-SYT")
    syt.name = "Đổi tên"
    with pytest.raises(Http404):
        unit_save(unit=syt, actor=charlie)
    with pytest.raises(PermissionDenied):
        unit_save(unit=syt, actor=bob)
    syt.parent = tree["B"]
    with pytest.raises(PermissionDenied):
        unit_save(unit=syt, actor=alice)
    assert Unit.objects.get(code="A-SYT").name == "Sở Y tế A"


def test_the_unit_admin_pages_follow_the_same_rule(client, tree, alice, charlie):
    syt = tree["A-SYT"]
    change = reverse("admin:units_unit_change", args=[syt.pk])
    data = {"code": "A-SYT", "name": "Sở Y tế A mới", "type": syt.type_id, "parent": tree["A"].pk, "is_active": "on"}
    client.force_login(charlie)
    assert client.get(change).status_code == 404
    assert client.post(change, data).status_code == 404
    assert client.get(reverse("admin:units_unit_delete", args=[syt.pk])).status_code == 404
    assert client.get(reverse("admin:units_unit_history", args=[syt.pk])).status_code == 404
    client.force_login(alice)
    assert client.post(change, {**data, "parent": tree["B"].pk}).status_code == 200  # B is not a choice for alice
    assert client.post(change, data).status_code == 302
    assert Unit.objects.get(code="A-SYT").name == "Sở Y tế A mới"
    assert AuditEntry.objects.get(action="unit.update").changes["name"] == ["Sở Y tế A", "Sở Y tế A mới"]
    commune = client.get(reverse("admin:units_unit_change", args=[tree["A1"].pk])).content.decode()
    assert 'name="_save"' not in commune  # a national division: read-only for officials


def test_unit_types_are_changed_by_superusers_only_and_audited(client, tree, alice):
    province = UnitType.objects.get(code="province")
    client.force_login(alice)
    url = reverse("admin:units_unittype_change", args=[province.pk])
    assert client.get(url).status_code == 200  # officials read them
    assert client.post(url, {"code": "province", "name": "Đã đổi", "name_en": "x", "order": 1}).status_code == 403
    assert client.post(reverse("admin:units_unittype_add"), {"code": "x", "name": "X", "order": 1}).status_code == 403
    assert client.post(reverse("admin:units_unittype_delete", args=[province.pk]), {"post": "yes"}).status_code == 403
    with pytest.raises(PermissionDenied):
        unit_type_save(unit_type=UnitType(code="x", name="X"), actor=alice)
    assert UnitType.objects.get(code="province").name == "Tỉnh / Thành phố"
    root = User.objects.create_superuser("root", password="secret-pass-123")
    client.force_login(root)
    assert client.post(url, {"code": "province", "name": "Tỉnh, thành phố", "name_en": "Province", "order": 0}).status_code == 302
    entry = AuditEntry.objects.get(action="unit_type.update")
    assert entry.actor == root and entry.changes["name"] == ["Tỉnh / Thành phố", "Tỉnh, thành phố"] and entry.unit is None


def test_the_audit_log_shows_each_official_only_their_subtree(client, tree, alice, charlie):
    audit_record(actor=SYSTEM, action="test.a", obj=tree["A1"], changes={})
    audit_record(actor=SYSTEM, action="test.b", obj=tree["B1"], changes={})
    unit_type_save(unit_type=UnitType(code="kiosk", name="Ki-ốt"), actor=SYSTEM)
    a_entry = AuditEntry.objects.get(action="test.a")
    listing = reverse("admin:units_auditentry_changelist")
    client.force_login(charlie)
    page = client.get(listing).content.decode()
    assert "Xã B1" in page and "Xã A1" not in page and "Ki-ốt" not in page
    assert client.get(reverse("admin:units_auditentry_change", args=[a_entry.pk])).status_code == 404
    client.force_login(alice)
    page = client.get(listing).content.decode()
    assert "Xã A1" in page and "Xã B1" not in page
    assert "membership.grant" in page  # alice's own role, granted at A
    assert "test.b" not in page  # nor in the list filter's choices


def test_roles_are_granted_only_inside_the_officials_subtree(client, tree, alice, charlie, bob):
    client.force_login(charlie)
    add = reverse("admin:units_membership_add")
    page = client.get(add).content.decode()
    assert "alice" not in page and "bob" not in page  # no list of another province's people
    response = client.post(add, {"user": charlie.pk, "unit": tree["A"].pk, "role": Role.OFFICIAL})
    assert response.status_code == 200
    assert not Membership.objects.filter(user=charlie, unit=tree["A"]).exists()
    bob_role = Membership.objects.get(user=bob)
    assert client.get(reverse("admin:units_membership_change", args=[bob_role.pk])).status_code == 404
    assert client.post(reverse("admin:units_membership_delete", args=[bob_role.pk]), {"post": "yes"}).status_code == 404
    assert Membership.objects.filter(pk=bob_role.pk).exists()


def test_a_loop_with_many_rows_below_it_is_found_in_one_walk_each(tree, alice):
    """Rows under a unit moved into its own subtree walk up to the loop and stop there (each unit once),
    instead of going round it as many times as the file has rows (3,000 rows: seconds before, now milliseconds)."""
    rows = [{"row": 2, "code": "A-SYT", "name": "Sở Y tế A", "type": "department", "parent_code": "A-BV"}]
    rows += [{"row": n + 3, "code": f"A-K{n}", "name": f"Khối {n}", "type": "agency", "parent_code": "A-BV"} for n in range(3000)]
    started = time.monotonic()
    problems = units_rights_problems("Sheet1", rows, actor=alice)
    assert time.monotonic() - started < 1
    assert len(problems) == 1 and "vòng lặp" in str(next(iter(problems)))
