"""The sampling frame: people who completed a procedure, imported from the one-stop system's Excel export.

The whole file is checked first; a file with any error saves nothing and every error names its
sheet, row and column (Vietnamese). A good file replaces the campaign's frame in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from campaigns.models import Campaign, FrameEntry
from campaigns.services import CampaignRuleError, audit_record, campaign_ensure_editable
from units.access import Action, require
from units.models import ImportJob, Unit
from units.phones import normalise_phone
from units.services import Actor
from units.spreadsheets import CellError, ErrorList, ImportFailed, cell_text, column_map, open_workbook, read_rows

# Canonical column → the headers accepted for it (English, Vietnamese, and the one-stop system's ASCII names).
FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("full_name", "họ tên", "họ và tên", "ho_ten"),
    "phone": ("phone", "điện thoại", "số điện thoại", "so_dien_thoai"),
    "address": ("address", "địa chỉ", "dia_chi"),
    "procedure": ("procedure", "thủ tục", "tên thủ tục", "thu_tuc"),
    "completed_on": ("completed_on", "ngày hoàn thành", "ngay_hoan_thanh"),
    "unit_code": ("unit_code", "mã đơn vị", "ma_don_vi"),
}
REQUIRED_COLUMNS = ("full_name", "unit_code")
FRAME_COLUMNS_HELP = "full_name (họ tên), phone, address, procedure, completed_on (dd/mm/yyyy), unit_code"

# Longer texts are refused, never cut (the columns' lengths).
TEXT_MAX = {name: FrameEntry._meta.get_field(name).max_length for name in ("address", "procedure")}
DATE_PATTERN = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _column_map(sheet: str, header: list[str]) -> dict[str, str]:
    return column_map(sheet, header, FRAME_COLUMNS, REQUIRED_COLUMNS)


def parse_completed_on(value: Any) -> dt.date | None:
    """A date cell, dd/mm/yyyy text or an Excel day number, in the years 1900–2100; None when empty.
    Raises ValueError otherwise."""
    day = _completed_on(value)
    if day is not None and not 1900 <= day.year <= 2100:
        raise ValueError(value)
    return day


def _completed_on(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value <= 2958465:
            raise ValueError(value)
        return from_excel(value).date()
    match = DATE_PATTERN.match(str(value).strip())
    if not match:
        raise ValueError(value)
    day, month, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)


def frame_validate_rows(
    campaign: Campaign, sheet: str, columns: dict[str, str], records: list[tuple[int, dict[str, Any]]]
) -> tuple[list[FrameEntry], ErrorList]:
    """Check every row; return unsaved FrameEntry objects and the errors found (entries are empty when any error)."""
    units = {unit.code.upper(): unit for unit in Unit.objects.only("pk", "code", "path", "name")}  # codes typed in any case
    organiser_path = campaign.organiser.path
    errors = ErrorList()
    entries: list[FrameEntry] = []

    def column_value(record: dict[str, Any], canonical: str) -> Any:
        return record.get(columns[canonical]) if canonical in columns else None

    for number, record in records:
        label = {name: columns.get(name, name) for name in FRAME_COLUMNS}
        full_name = cell_text(column_value(record, "full_name"))
        if not full_name:
            errors.append(CellError(sheet, number, label["full_name"], _("Thiếu họ tên.")))
        elif len(full_name) > 200:
            errors.append(CellError(sheet, number, label["full_name"], _("Họ tên dài quá 200 ký tự.")))
        code = cell_text(column_value(record, "unit_code"))
        unit = units.get(code.upper())
        if not code:
            errors.append(CellError(sheet, number, label["unit_code"], _("Thiếu mã đơn vị.")))
        elif unit is None:
            errors.append(CellError(sheet, number, label["unit_code"], _("Không tìm thấy đơn vị có mã «%(code)s».") % {"code": code}))
        elif not unit.path.startswith(organiser_path):
            errors.append(
                CellError(sheet, number, label["unit_code"], _("Đơn vị «%(code)s» không thuộc phạm vi của đơn vị tổ chức.") % {"code": code})
            )
        for name in ("address", "procedure"):
            if len(cell_text(column_value(record, name))) > TEXT_MAX[name]:
                errors.append(CellError(sheet, number, label[name], _("Dài quá %(n)d ký tự.") % {"n": TEXT_MAX[name]}))
        raw_date = column_value(record, "completed_on")
        completed_on = None
        try:
            completed_on = parse_completed_on(raw_date)
        except (ValueError, OverflowError):
            errors.append(
                CellError(sheet, number, label["completed_on"], _("Ngày «%(value)s» không hợp lệ (cần dạng dd/mm/yyyy).") % {"value": cell_text(raw_date)})
            )
        phone = ""
        try:
            phone = normalise_phone(column_value(record, "phone"))
        except ValueError:
            errors.append(CellError(sheet, number, label["phone"], _("Số điện thoại «%(value)s» không hợp lệ.") % {"value": cell_text(column_value(record, "phone"))}))
        if not errors:
            entries.append(
                FrameEntry(
                    campaign=campaign,
                    unit=unit,
                    full_name=full_name,
                    phone=phone,
                    address=cell_text(column_value(record, "address")),
                    procedure=cell_text(column_value(record, "procedure")),
                    completed_on=completed_on,
                    source_row=number,
                )
            )
    return ([] if errors else entries), errors


def frame_import(*, campaign: Campaign, source: str | IO[bytes], actor: Actor, progress: Callable[[int], None] | None = None) -> int:
    """Replace the campaign's sampling frame with the people in an Excel file. All or nothing.

    Personal data: only officials of the organiser (units.access FRAME_IMPORT; 404/403 otherwise).
    Raises ImportFailed listing every error (nothing saved), CampaignRuleError when the campaign
    may no longer take a frame (published, or already drawn). Returns the number of people imported.
    `progress` (a job's) hears how far it got, 0–100.
    """
    require(actor, Action.FRAME_IMPORT, campaign.organiser)
    campaign_ensure_editable(campaign)
    if campaign.assignments.filter(frame_entry__isnull=False).exists():
        raise CampaignRuleError(_("Đợt đã rút mẫu từ khung mẫu hiện tại: không thể nhập lại khung mẫu."))
    workbook = open_workbook(source)
    sheet, header, records = read_rows(workbook, progress=progress)
    columns = _column_map(sheet, header)
    if not records:
        raise ImportFailed([CellError(sheet, 2, None, _("Tệp không có dòng dữ liệu nào."))])
    entries, errors = frame_validate_rows(campaign, sheet, columns, records)
    if errors:
        raise ImportFailed(errors)
    if progress is not None:
        progress(70)
    with transaction.atomic():
        replaced = campaign.frame.count()
        campaign.frame.all().delete()
        FrameEntry.objects.bulk_create(entries, batch_size=2000)
        audit_record(actor=actor, action="campaign.frame.import", obj=campaign, changes={"count": len(entries), "replaced": replaced})
    return len(entries)


def frame_upload(*, campaign: Campaign, upload: IO[bytes], actor: Actor) -> ImportJob | int:
    """A frame file sent from a page (the builder's frame step, the admin): a job for a large file, which a
    worker imports (units.import_jobs), else imported now; returns the job or the number of people imported."""
    from units.import_jobs import import_in_background

    job = import_in_background(actor=actor, kind="frame", upload=upload, params={"campaign": campaign.pk})
    return job if job is not None else frame_import(campaign=campaign, source=upload, actor=actor)


def frame_import_check(actor: Actor, params: dict[str, Any]) -> None:
    """Whether `actor` may replace the frame of the campaign in a job's `params` (before the file is stored)."""
    require(actor, Action.FRAME_IMPORT, Campaign.objects.select_related("organiser").get(pk=params["campaign"]).organiser)


def frame_import_job(job: ImportJob, source: IO[bytes], progress: Callable[[int], None]) -> str:
    """A job's run of `frame_import` (units.import_jobs), for the campaign in `job.params`: the summary."""
    campaign = Campaign.objects.select_related("organiser").get(pk=job.params["campaign"])
    try:
        count = frame_import(campaign=campaign, source=source, actor=job.requested_by, progress=progress)
    except CampaignRuleError as problem:
        raise ImportFailed([CellError("", None, None, message) for message in problem.messages]) from None
    return _("Đã nhập %(n)d người vào khung mẫu của «%(name)s».") % {"n": count, "name": campaign.name}
