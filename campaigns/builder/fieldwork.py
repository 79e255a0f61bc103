"""What steps 5–7 of the builder read: the frame's template workbook, the frame and quotas by unit, the
enumerators covering each unit, and the draw by quota cell. No personal data: counts and names of staff only."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns.builder.steps import frame_counts
from campaigns.models import Campaign, SampleQuota
from campaigns.sampling import FRAME_CHANNELS, enumerators_covering
from units.models import Membership, Role, Unit

# The frame's columns as the template writes them (campaigns.frames accepts these Vietnamese headers).
TEMPLATE_HEADERS = ("họ tên", "số điện thoại", "địa chỉ", "thủ tục", "ngày hoàn thành", "mã đơn vị")


def frame_quotas(campaign: Campaign) -> list[SampleQuota]:
    """The campaign's quotas on channels that reach people from the frame (phone, home visit)."""
    return list(
        campaign.quotas.filter(channel__in=list(FRAME_CHANNELS), target__gt=0)
        .select_related("unit__type", "form__questionnaire")
        .order_by("unit__path", "channel", "form_id")
    )


def frame_units(campaign: Campaign) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for quota in frame_quotas(campaign):
        seen.setdefault(quota.unit_id, quota.unit)
    return list(seen.values())


def frame_template(campaign: Campaign) -> bytes:
    """The workbook an official fills from the one-stop system's export: the frame sheet first (the headers
    campaigns.frames reads), then the units to use with their codes, then how to fill it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Khung mẫu")
    sheet.append(list(TEMPLATE_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEF", (28, 16, 36, 32, 18, 14), strict=True):
        sheet.column_dimensions[column].width = width
    for column in "BEF":  # phones, dates and codes are kept as typed, never turned into numbers (a column style: no empty rows)
        sheet.column_dimensions[column].number_format = "@"
    units = workbook.create_sheet(_("Đơn vị"))
    units.append([_("mã đơn vị"), _("tên đơn vị"), _("cỡ mẫu cần rút")])
    for cell in units[1]:
        cell.font = Font(bold=True)
    targets: dict[int, int] = defaultdict(int)
    for quota in frame_quotas(campaign):
        targets[quota.unit_id] += quota.target
    for unit in frame_units(campaign):
        units.append([unit.code, unit.name, targets[unit.pk]])
    units.column_dimensions["A"].width, units.column_dimensions["B"].width = 16, 40
    guide = workbook.create_sheet(_("Hướng dẫn"))
    for line in (
        _("Mỗi dòng của trang «Khung mẫu» là một người đã hoàn thành thủ tục trong kỳ khảo sát."),
        _("Bắt buộc: họ tên và mã đơn vị (xem trang «Đơn vị»). Kênh điện thoại cần số điện thoại; phỏng vấn tại nhà cần địa chỉ."),
        _("Ngày hoàn thành ghi theo dạng dd/mm/yyyy, ví dụ 15/03/2027."),
        _("Tệp mới thay toàn bộ khung mẫu hiện có; tệp có lỗi thì không lưu gì và mỗi lỗi ghi rõ dòng, cột."),
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class UnitFrame:
    unit: Unit
    target: int
    frame: int

    @property
    def short(self) -> bool:
        return self.frame < self.target


def frame_by_unit(campaign: Campaign) -> list[UnitFrame]:
    """Each unit with frame-channel quotas: the people to draw and the people on its frame."""
    counts = frame_counts(campaign)
    targets: dict[int, int] = defaultdict(int)
    for quota in frame_quotas(campaign):
        targets[quota.unit_id] += quota.target
    return [UnitFrame(unit, targets[unit.pk], counts.get(unit.pk, 0)) for unit in frame_units(campaign)]


@dataclass
class UnitStaff:
    unit: Unit
    own: list[Membership] = field(default_factory=list)  # enumerators holding the role at the unit itself
    inherited: list[tuple[User, Unit]] = field(default_factory=list)  # at a unit above, which covers it too


def staff_by_unit(campaign: Campaign) -> list[UnitStaff]:
    """The enumerators the draw gives each frame unit's cases to: their own and those of a unit above."""
    units = frame_units(campaign)
    covering = enumerators_covering(units)
    users = {user.pk: user for user in User.objects.filter(pk__in={pk for pks in covering.values() for pk in pks})}
    memberships = Membership.objects.filter(role=Role.ENUMERATOR, user_id__in=list(users)).select_related("unit", "user")
    rows = []
    for unit in units:
        row = UnitStaff(unit)
        for membership in memberships:
            if membership.user_id not in covering[unit.pk] or not unit.path.startswith(membership.unit.path):
                continue
            if membership.unit_id == unit.pk:
                row.own.append(membership)
            else:
                row.inherited.append((membership.user, membership.unit))
        rows.append(row)
    return rows


def enumerator_candidates(campaign: Campaign) -> list[User]:
    """Active accounts holding an enumerator role somewhere in the organiser's subtree (the people page creates them)."""
    return list(
        User.objects.filter(
            is_active=True, memberships__role=Role.ENUMERATOR, memberships__unit__path__startswith=campaign.organiser.path
        ).distinct().order_by("last_name", "first_name", "username")
    )


@dataclass
class CellDraw:
    quota: SampleQuota
    drawn: int
    reserves: int

    @property
    def shortfall(self) -> int:
        return max(self.quota.target - self.drawn, 0)


def draw_by_cell(campaign: Campaign) -> list[CellDraw]:
    """Each frame-channel quota cell with the people drawn for it and its reserves."""
    counts = {
        row["quota_id"]: row
        for row in campaign.assignments.values("quota_id").annotate(
            drawn=Count("pk", filter=Q(is_reserve=False)), reserves=Count("pk", filter=Q(is_reserve=True))
        )
    }
    return [
        CellDraw(quota, counts.get(quota.pk, {}).get("drawn", 0), counts.get(quota.pk, {}).get("reserves", 0))
        for quota in frame_quotas(campaign)
    ]
