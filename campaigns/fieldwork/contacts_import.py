"""The call centre's own log of calls, imported into the cases: `import_contacts CAMPAIGN FILE.xlsx`.

One row per call: the case (its number, or the phone drawn for it), the time, the outcome (our code,
its Vietnamese label, or an AAPOR code), a note, and for an appointment the time agreed. The rows are
replayed in time order through `attempt_record`, exactly as if they had been entered on the case pages
(closing after the campaign's number of attempts, releasing reserves), in one transaction: every error is
listed with its row, and a file with any error saves nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from campaigns.fieldwork import clock
from campaigns.fieldwork.dispositions import ContactOutcome
from campaigns.fieldwork.services import IMPORT, FieldworkError, attempt_record
from campaigns.models import Assignment, Campaign, Channel
from units.access import Action, require
from units.phones import normalise_phone
from units.spreadsheets import CellError, ImportFailed, cell_text, column_map, open_workbook, read_rows, text_key

CONTACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "case": ("case", "case_id", "trường hợp", "mã trường hợp", "ma_truong_hop", "phân công", "assignment"),
    "phone": ("phone", "điện thoại", "số điện thoại", "so_dien_thoai"),
    "time": ("time", "at", "thời điểm", "thời gian", "thoi_gian", "giờ gọi"),
    "outcome": ("outcome", "outcome code", "outcome_code", "kết quả", "mã kết quả", "ket_qua", "ma_ket_qua"),
    "note": ("note", "ghi chú", "ghi_chu"),
    "appointment": ("appointment", "appointment_at", "hẹn lúc", "giờ hẹn", "hen_luc"),
    "channel": ("channel", "kênh", "kenh"),
}
CONTACT_COLUMNS_HELP = (
    "case (mã trường hợp) hoặc phone, time (dd/mm/yyyy HH:MM), outcome (mã kết quả: "
    + ", ".join(ContactOutcome.values)
    + "; hoặc tên tiếng Việt, hoặc mã AAPOR), note, appointment (giờ hẹn, với kết quả appointment), channel"
)

# AAPOR disposition codes a call centre may write for one call, and the outcome each stands for. Excel
# turns "2.10" into the number 2.1, so codes are read without trailing zeros.
AAPOR_OUTCOMES: dict[str, str] = {
    "1.1": ContactOutcome.COMPLETED,
    "1.2": ContactOutcome.PARTIAL,
    "2.1": ContactOutcome.REFUSED, "2.11": ContactOutcome.REFUSED, "2.111": ContactOutcome.REFUSED, "2.112": ContactOutcome.REFUSED,
    "2.12": ContactOutcome.REFUSED,
    "2.2": ContactOutcome.NO_ANSWER, "2.21": ContactOutcome.NO_ANSWER, "2.22": ContactOutcome.NO_ANSWER,
    "2.221": ContactOutcome.NO_ANSWER, "2.222": ContactOutcome.NO_ANSWER,
    "2.3": ContactOutcome.OTHER, "2.31": ContactOutcome.OTHER, "2.32": ContactOutcome.OTHER, "2.33": ContactOutcome.LANGUAGE,
    "2.34": ContactOutcome.OTHER, "2.35": ContactOutcome.OTHER, "2.36": ContactOutcome.OTHER,
    "3.12": ContactOutcome.BUSY, "3.13": ContactOutcome.NO_ANSWER, "3.14": ContactOutcome.NO_ANSWER,
    "3.9": ContactOutcome.WRONG_NUMBER, "3.2": ContactOutcome.WRONG_NUMBER,
    "4.3": ContactOutcome.WRONG_NUMBER, "4.31": ContactOutcome.WRONG_NUMBER, "4.32": ContactOutcome.WRONG_NUMBER,
    "4.1": ContactOutcome.NOT_ELIGIBLE, "4.7": ContactOutcome.NOT_ELIGIBLE,
}
# What call-centre staff write for an outcome, besides our labels.
OUTCOME_WORDS: dict[str, str] = {
    "không nghe máy": ContactOutcome.NO_ANSWER, "không bắt máy": ContactOutcome.NO_ANSWER, "không trả lời": ContactOutcome.NO_ANSWER,
    "không liên lạc được": ContactOutcome.NO_ANSWER, "thuê bao": ContactOutcome.NO_ANSWER, "bận": ContactOutcome.BUSY,
    "sai số": ContactOutcome.WRONG_NUMBER, "nhầm số": ContactOutcome.WRONG_NUMBER, "hẹn": ContactOutcome.APPOINTMENT,
    "hẹn lại": ContactOutcome.APPOINTMENT, "chuyển đi": ContactOutcome.MOVED_AWAY, "ngôn ngữ": ContactOutcome.LANGUAGE,
    "khác": ContactOutcome.OTHER, "hoàn thành": ContactOutcome.COMPLETED, "dở dang": ContactOutcome.PARTIAL,
}
AAPOR_PATTERN = re.compile(r"^\d\.\d{1,3}$")
DATETIME_PATTERN = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2})[:hH](\d{2})(?::(\d{2}))?)?$")


def outcome_from_cell(value: Any) -> str | None:
    """Our outcome code for a cell: the code itself, its Vietnamese label, or an AAPOR code; None if unknown."""
    text = cell_text(value)
    if isinstance(value, float):
        text = repr(value)
    key = text_key(text)
    if key in ContactOutcome.values:
        return key
    labels = {**OUTCOME_WORDS, **{text_key(str(label)): code for code, label in ContactOutcome.choices}}
    if key in labels:
        return labels[key]
    if AAPOR_PATTERN.match(key):
        return AAPOR_OUTCOMES.get(key.rstrip("0").rstrip(".") if "." in key else key)
    return None


def datetime_from_cell(value: Any) -> dt.datetime | None:
    """A time cell (Excel date-time, its day number, dd/mm/yyyy HH:MM or ISO text), in local time when no
    zone is given; None when empty. Raises ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value <= 2958465:
            raise ValueError(value)
        moment = from_excel(value)
    else:
        text = str(value).strip()
        match = DATETIME_PATTERN.match(text)
        if match:
            day, month, year, hour, minute, second = (int(part) if part else 0 for part in match.groups())
            moment = dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 (made aware below)
        else:
            moment = dt.datetime.fromisoformat(text)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@dataclass
class ContactRow:
    number: int
    case: Assignment
    at: dt.datetime
    outcome: str
    appointment_at: dt.datetime | None
    note: str
    channel: str | None


def phone_key(phone: str) -> str:
    """A Vietnamese number as the frame keeps it: +84 905… and 84905… are 0905…."""
    digits = phone.lstrip("+")
    if digits.startswith("84") and len(digits) in (11, 12):
        return "0" + digits[2:]
    return digits


def _case_lookups(campaign: Campaign) -> tuple[dict[int, Assignment], dict[str, list[Assignment]]]:
    cases = {case.pk: case for case in Assignment.objects.filter(campaign=campaign).select_related("frame_entry", "quota__unit", "campaign__organiser")}
    by_phone: dict[str, list[Assignment]] = {}
    for case in cases.values():
        if case.frame_entry is not None and case.frame_entry.phone:
            by_phone.setdefault(phone_key(case.frame_entry.phone), []).append(case)
    return cases, by_phone


def _case_of(record: dict[str, Any], columns: dict[str, str], cases: dict[int, Assignment], by_phone: dict[str, list[Assignment]]) -> tuple[Assignment | None, str | None, str]:
    """The case a row names (by number first, else by phone), or why none."""
    raw_case = cell_text(record.get(columns["case"])) if "case" in columns else ""
    if raw_case:
        number = raw_case.lstrip("#").strip()
        case = cases.get(int(number)) if number.isdigit() else None
        if case is None:
            return None, _("Không có trường hợp «%(case)s» trong đợt này.") % {"case": raw_case}, columns["case"]
        return case, None, columns["case"]
    raw_phone = record.get(columns["phone"]) if "phone" in columns else None
    label = columns.get("phone", "phone")
    if not cell_text(raw_phone):
        return None, _("Thiếu mã trường hợp hoặc số điện thoại."), columns.get("case", label)
    try:
        phone = normalise_phone(raw_phone)
    except ValueError:
        return None, _("Số điện thoại «%(value)s» không hợp lệ.") % {"value": cell_text(raw_phone)}, label
    found = by_phone.get(phone_key(phone), [])
    if not found:
        return None, _("Không có trường hợp nào mang số «%(phone)s» trong đợt này.") % {"phone": phone}, label
    if len(found) > 1:
        found = [case for case in found if case.is_active] or found  # a number shared in the frame: the one drawn into the sample
    if len(found) > 1:
        return None, _("Số «%(phone)s» ứng với %(n)d trường hợp; hãy ghi mã trường hợp.") % {"phone": phone, "n": len(found)}, label
    return found[0], None, label


def contacts_parse(campaign: Campaign, sheet: str, columns: dict[str, str], records: list[tuple[int, dict[str, Any]]]) -> tuple[list[ContactRow], list[CellError]]:
    """Read every row into a ContactRow (case found, time and outcome understood) or CellErrors."""
    cases, by_phone = _case_lookups(campaign)
    rows: list[ContactRow] = []
    errors: list[CellError] = []
    for number, record in records:
        row_errors: list[CellError] = []
        case, problem, column = _case_of(record, columns, cases, by_phone)
        if problem:
            row_errors.append(CellError(sheet, number, column, problem))
        moments: dict[str, dt.datetime | None] = {}
        for name in ("time", "appointment"):
            raw = record.get(columns[name]) if name in columns else None
            try:
                moments[name] = datetime_from_cell(raw)
            except (ValueError, OverflowError):
                row_errors.append(CellError(sheet, number, columns[name], _("Thời điểm «%(value)s» không hợp lệ (cần dạng dd/mm/yyyy HH:MM).") % {"value": cell_text(raw)}))
        if moments.get("time") is None and "time" in columns and not any(e.column == columns["time"] for e in row_errors):
            row_errors.append(CellError(sheet, number, columns["time"], _("Thiếu thời điểm liên hệ.")))
        raw_outcome = record.get(columns["outcome"])
        outcome = outcome_from_cell(raw_outcome)
        if outcome is None:
            row_errors.append(
                CellError(sheet, number, columns["outcome"], _("Mã kết quả «%(value)s» không có; dùng một trong: %(codes)s.") % {"value": cell_text(raw_outcome), "codes": ", ".join(ContactOutcome.values)})
            )
        channel = cell_text(record.get(columns["channel"])).lower() if "channel" in columns else ""
        if channel and channel not in Channel.values:
            row_errors.append(CellError(sheet, number, columns["channel"], _("Kênh «%(value)s» không có.") % {"value": channel}))
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(
            ContactRow(number, case, moments["time"], outcome, moments.get("appointment"), cell_text(record.get(columns["note"])) if "note" in columns else "", channel or None)  # type: ignore[arg-type]
        )
    return rows, errors


def contacts_import(*, campaign: Campaign, source: str | IO[bytes], actor: User | AnonymousUser, now: dt.datetime | None = None) -> int:
    """Record the calls of a call-centre log on the campaign's cases, in time order. All or nothing.

    The actor imports at the campaign's organiser (units.access CASES_IMPORT: 404/403 before the file is
    read), and each call is recorded as theirs, so each case asks CASES_CONTACT too. Raises ImportFailed
    listing every error by row (nothing saved). Returns the number of calls recorded.
    """
    require(actor, Action.CASES_IMPORT, campaign.organiser)
    workbook = open_workbook(source)
    sheet, header, records = read_rows(workbook)
    columns = column_map(sheet, header, CONTACT_COLUMNS, ("time", "outcome"))
    if "case" not in columns and "phone" not in columns:
        raise ImportFailed([CellError(sheet, 1, "case", _("Cần cột mã trường hợp (case) hoặc số điện thoại (phone)."))])
    if not records:
        raise ImportFailed([CellError(sheet, 2, None, _("Tệp không có dòng dữ liệu nào."))])
    rows, errors = contacts_parse(campaign, sheet, columns, records)
    now = now or clock.now()
    with transaction.atomic():
        for row in sorted(rows, key=lambda item: (item.at, item.number)):
            try:
                attempt_record(
                    actor=actor, case=row.case, outcome=row.outcome, at=row.at, appointment_at=row.appointment_at, note=row.note,
                    channel=row.channel, source=IMPORT, now=now,
                )
            except FieldworkError as problem:
                errors.extend(CellError(sheet, row.number, None, message) for message in problem.messages)
            except (Http404, PermissionDenied):
                errors.append(CellError(sheet, row.number, None, _("Bạn không có quyền ghi kết quả cho trường hợp #%(id)d.") % {"id": row.case.pk}))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: (error.row or 0, error.column or "")))
    return len(rows)
