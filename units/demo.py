"""Demo units and users: Khánh Hòa with its communes, two departments, health facilities, one user per role."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from units.access import SYSTEM
from units.models import Role, Unit, UnitType
from units.services import membership_grant, unit_save, units_load_national

DEMO_PASSWORD = "hailong2026"
PROVINCE_CODE = "56"  # Khánh Hòa

# (code, name, type, parent code)
DEMO_UNITS: list[tuple[str, str, str, str]] = [
    ("KH-SNV", "Sở Nội vụ tỉnh Khánh Hòa", "department", PROVINCE_CODE),
    ("KH-SYT", "Sở Y tế tỉnh Khánh Hòa", "department", PROVINCE_CODE),
    ("KH-TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa", "public_service_centre", PROVINCE_CODE),
    ("KH-BVDK", "Bệnh viện Đa khoa tỉnh Khánh Hòa", "hospital", "KH-SYT"),
    ("KH-BVNHIDONG", "Bệnh viện Nhi tỉnh Khánh Hòa", "hospital", "KH-SYT"),
    ("KH-BVYHCT", "Bệnh viện Y học cổ truyền và Phục hồi chức năng", "hospital", "KH-SYT"),
    ("KH-TTYT-NT", "Trung tâm Y tế khu vực Nha Trang", "health_centre", "KH-SYT"),
    ("KH-TTYT-CR", "Trung tâm Y tế khu vực Cam Ranh", "health_centre", "KH-SYT"),
    ("KH-TYT-NT1", "Trạm Y tế phường Nha Trang", "health_station", "KH-TTYT-NT"),
    ("KH-TYT-NT2", "Trạm Y tế phường Bắc Nha Trang", "health_station", "KH-TTYT-NT"),
    ("KH-TYT-CR1", "Trạm Y tế phường Cam Ranh", "health_station", "KH-TTYT-CR"),
    ("KH-TYT-CR2", "Trạm Y tế xã Cam Lâm", "health_station", "KH-TTYT-CR"),
]

# (username, full name, role, unit code)
DEMO_USERS: list[tuple[str, str, str, str]] = [
    ("canbo", "Nguyễn Thị Lan (cán bộ Sở Nội vụ)", Role.OFFICIAL, PROVINCE_CODE),
    ("lanhdao", "Trần Văn Hùng (lãnh đạo UBND tỉnh)", Role.LEADERSHIP, PROVINCE_CODE),
    ("giamsat", "Lê Minh Tâm (giám sát viên)", Role.SUPERVISOR, PROVINCE_CODE),
    ("dieutravien", "Phạm Thu Hà (điều tra viên bưu điện)", Role.ENUMERATOR, PROVINCE_CODE),
    ("giamdoc", "Võ Quốc Bảo (giám đốc bệnh viện)", Role.UNIT_MANAGER, "KH-BVDK"),
    ("xem", "Đỗ Thanh Mai (người xem)", Role.VIEWER, PROVINCE_CODE),
]

@transaction.atomic
def load_units_demo() -> list[tuple[str, str, str]]:
    """Create (idempotently) the demo units and users; return (username, password, role label) rows."""
    units_load_national(actor=SYSTEM)
    types = {t.code: t for t in UnitType.objects.all()}
    for code, name, type_code, parent_code in DEMO_UNITS:
        if Unit.objects.filter(code=code).exists():
            continue
        unit_save(unit=Unit(code=code, name=name, type=types[type_code], parent=Unit.objects.get(code=parent_code)), actor=SYSTEM)
    logins = []
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.invalid", DEMO_PASSWORD, first_name="Quản trị hệ thống")
    logins.append(("admin", DEMO_PASSWORD, "Quản trị hệ thống (superuser)"))
    for username, full_name, role, unit_code in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        membership_grant(user=user, unit=Unit.objects.get(code=unit_code), role=role, actor=SYSTEM)
        logins.append((username, DEMO_PASSWORD, Role(role).label))
    return logins
