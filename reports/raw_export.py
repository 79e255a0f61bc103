"""Raw data export: one row per counted response, one column per question, as labels or codes.

Before the questions, the columns about the response: unit, channel, form, status, the enumerator
(username and full name), start and submission times (real date cells in Excel, "yyyy-mm-dd hh:mm"
local time in CSV), duration in seconds, the respondent's sex and age group, and the data-quality
columns of reports/raw_quality.py (flags, review history, back-check result).

Responses are read in keyset-paged chunks and written as they come, so memory stays bounded whatever
the campaign's size. An .xlsx sheet holds at most 1,048,576 rows: the rows continue on a new sheet
with the same header. The .xlsx writer is the project's own streaming writer (reports/xlsx_stream.py),
the fastest correct one of those measured in bench/export.py against openpyxl `write_only` and
XlsxWriter `constant_memory` (figures in docs/benchmarks.md); CSV is UTF-8 with a BOM so that Excel
opens Vietnamese text correctly. No writer lets a free-text answer become a live formula: xlsx cells
are typed text (with the quote prefix where the text looks like a formula), CSV text that looks like a
formula starts with an apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models.fields.json import KT
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell

from campaigns.models import Campaign, Channel
from reports.dashboards.distributions import LIKERT_LABELS
from reports.raw_quality import (
    AGE_LABELS,
    FLAG_SEPARATOR,
    QUALITY_HEADERS,
    SEX_LABELS,
    ChunkQuality,
    UserNames,
    chunk_quality,
    history_summary,
)
from reports.xlsx_stream import EXCEL_DATETIME, StreamingWorkbook
from surveys.models import Answer, Question, QuestionType, Response, ResponseStatus
from units.spreadsheets import csv_row, sheet_row

EXCEL_MAX_ROWS = 1_048_576  # rows per sheet, header included
CHUNK = 10_000
META_HEADERS = [
    "Mã phiếu (UUID)",
    "Mã đơn vị",
    "Đơn vị",
    "Kênh",
    "Phiếu",
    "Trạng thái",
    "Điều tra viên (tên đăng nhập)",
    "Điều tra viên (họ tên)",
    "Bắt đầu lúc",
    "Thời điểm gửi",
    "Thời lượng (giây)",
    "Giới tính",
    "Nhóm tuổi",
    *QUALITY_HEADERS,
]
# Local times without a zone: real date cells in Excel (EXCEL_DATETIME), "yyyy-mm-dd hh:mm" in CSV.
DATE_COLUMNS = (META_HEADERS.index("Bắt đầu lúc"), META_HEADERS.index("Thời điểm gửi"))
CSV_DATETIME = "%Y-%m-%d %H:%M"
SHEET_TITLE = "Dữ liệu thô"

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class RawColumn:
    question_id: int
    header: str
    labels: dict[int, str]
    multi: bool


def raw_columns(campaign: Campaign) -> list[RawColumn]:
    """One column per answerable question of the campaign's forms, in questionnaire order."""
    questions = (
        Question.objects.filter(questionnaire__campaign_forms__campaign=campaign)
        .exclude(type=QuestionType.NOTE)
        .order_by("questionnaire_id", "section__order", "order", "pk")
    )
    return [
        RawColumn(
            q.pk,
            q.code,
            {c["value"]: str(c.get("label") or c.get("name") or c["value"]) for c in q.choices or [] if "value" in c}
            or dict(LIKERT_LABELS.get(q.type, {})),
            q.type == QuestionType.MULTI,
        )
        for q in questions
    ]


def counted_responses(campaign: Campaign, unit_path: str | None = None):
    responses = Response.objects.filter(campaign=campaign, status__in=list(campaign.counted_statuses))
    if unit_path:
        responses = responses.filter(unit__path__startswith=unit_path)
    return responses


def raw_rows(
    *, campaign: Campaign, codes: bool = False, unit_path: str | None = None, progress: ProgressCallback | None = None
) -> Iterator[list[Any]]:
    """Yield the header, then one row per counted response (at most CHUNK responses in memory).

    Responses come in keyset-paged chunks; each chunk's answers are read by response id range with a
    plain cursor (no model or dict per answer: 40 million answers must stream quickly).
    """
    columns = raw_columns(campaign)
    meta = len(META_HEADERS)
    slots = {c.question_id: (meta + i, None if codes else c.labels, c.multi) for i, c in enumerate(columns)}
    yield META_HEADERS + [column.header for column in columns]
    names = {
        "channel": {value: str(label) for value, label in Channel.choices},
        "status": {value: str(label) for value, label in Response._meta.get_field("status").choices},
        "sex": SEX_LABELS,
        "age": AGE_LABELS,
    }
    zone = timezone.get_current_timezone()
    responses = counted_responses(campaign, unit_path)
    total = responses.count() if progress else 0
    width = meta + len(columns)
    answers_sql = (
        f"SELECT response_id, question_id, value, number, text FROM {Answer._meta.db_table} "
        "WHERE response_id >= %s AND response_id <= %s AND campaign_id = %s"
    )
    users = UserNames()
    last_id, done = 0, 0
    while True:
        chunk = list(responses.filter(pk__gt=last_id).order_by("pk").annotate(**PROFILE_KEYS).values_list(*CHUNK_FIELDS)[:CHUNK])
        if not chunk:
            break
        users.load(pk for record in chunk for pk in (record[ENUMERATOR], record[REVIEWER]))
        quality = chunk_quality(chunk[0][0], chunk[-1][0])
        rows: dict[int, list[Any]] = {}
        for record in chunk:
            row = [None] * width
            row[:meta] = _meta_cells(record, quality, users, names, zone, codes)
            rows[record[0]] = row
        with connection.cursor() as cursor:
            cursor.execute(answers_sql, [chunk[0][0], chunk[-1][0], campaign.pk])
            answers = cursor.fetchall()
        for response_id, question_id, value, number, text in answers:
            row = rows.get(response_id)
            slot = slots.get(question_id)
            if row is None or slot is None:
                continue
            index, labels, multi = slot
            if value is not None:
                shown: Any = labels.get(value, value) if labels else value
                if multi and row[index] is not None:
                    shown = f"{row[index]}; {shown}"
                row[index] = shown
            elif number is not None:
                row[index] = float(number)
            elif text:
                row[index] = text
        yield from rows.values()
        last_id = chunk[-1][0]
        done += len(chunk)
        if progress and total:
            progress(min(99, done * 100 // total))


# What one chunk reads of each response; the profile's two keys come out of the JSON in SQL (no JSON decoded per row).
CHUNK_FIELDS = (
    "pk", "uuid", "unit__code", "unit__name", "channel", "form__questionnaire__code", "status", "enumerator_id",
    "started_at", "submitted_at", "duration_seconds", "profile_sex", "profile_age_group", "reviewed_by_id", "reviewed_at", "version",
)  # fmt: skip
ENUMERATOR, REVIEWER = CHUNK_FIELDS.index("enumerator_id"), CHUNK_FIELDS.index("reviewed_by_id")
PROFILE_KEYS = {"profile_sex": KT("profile__sex"), "profile_age_group": KT("profile__age_group")}


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """A moment as the local wall-clock time without a zone (what a spreadsheet's date cell holds)."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _meta_cells(record: tuple, quality: ChunkQuality, users: UserNames, names: dict[str, dict], zone: dt.tzinfo, codes: bool) -> list[Any]:
    """The columns about one response (META_HEADERS) from its chunk record and the chunk's quality rows."""
    pk, uuid, unit_code, unit_name, channel, form_code, status, enumerator_id, started, submitted, duration, sex, age, reviewer_id, reviewed_at, version = record  # fmt: skip
    sent_back, corrected = quality.sent_back.get(pk, 0), len(quality.corrected.get(pk, ()))
    if version == 1 and not sent_back and not corrected and status != ResponseStatus.APPROVED:
        history = "v1"  # most responses: no need to build the line
    else:
        reviewer = users.full_name(reviewer_id) or users.username(reviewer_id)
        history = history_summary(
            version=version,
            sent_back=sent_back,
            corrected=corrected,
            status=status,
            reviewer=reviewer,
            reviewed_at=_local(reviewed_at, zone),
        )
    return [
        str(uuid),
        unit_code,
        unit_name,
        names["channel"].get(channel, channel),
        form_code,
        names["status"].get(status, status),
        users.username(enumerator_id),
        users.full_name(enumerator_id),
        _local(started, zone),
        _local(submitted, zone),
        duration,
        sex if codes else names["sex"].get(sex, sex),
        age if codes else names["age"].get(age, age),
        FLAG_SEPARATOR.join(quality.flags[pk]) if pk in quality.flags else None,
        history,
        quality.backchecks.get(pk),  # empty: not drawn for a back-check
    ]


def _sheet_title(index: int) -> str:
    return SHEET_TITLE if index == 0 else f"{SHEET_TITLE} ({index + 1})"


def write_csv(rows: Iterator[list[Any]], out: str | Path) -> int:
    """Write rows as UTF-8 CSV (with BOM); return the number of data rows. A text a spreadsheet would
    take for a formula (=…, +…, -…, @…) starts with an apostrophe (units.spreadsheets.csv_row); the
    date columns are local times written "yyyy-mm-dd hh:mm", which spreadsheets read as dates."""
    count = -1
    with open(out, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            for index in DATE_COLUMNS:
                value = row[index] if index < len(row) else None
                if value.__class__ is dt.datetime:
                    row[index] = value.strftime(CSV_DATETIME)
            writer.writerow(csv_row(row))
            count += 1
    return max(count, 0)


def sheet_rows(rows: Iterator[list[Any]], max_rows: int = EXCEL_MAX_ROWS) -> Iterator[tuple[int | None, list[Any]]]:
    """(sheet number, row) pairs, the number set only where a new sheet starts (its row 1 is the header).

    The first pair is (0, header) even without data rows, so every file has at least one sheet.
    """
    header = next(rows)
    index, line = 0, 1
    yield 0, header
    for row in rows:
        if line >= max_rows:
            index += 1
            line = 1
            yield index, header
        yield None, row
        line += 1


def write_xlsx_xlsxwriter(rows: Iterator[list[Any]], out: str | Path, max_rows: int = EXCEL_MAX_ROWS) -> int:
    """XlsxWriter in constant_memory mode (measured against the others in bench/export.py)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(out),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": EXCEL_DATETIME,
        },
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    sheet, line, count = None, 0, 0
    for new_sheet, row in sheet_rows(rows, max_rows):
        if new_sheet is not None:
            sheet = workbook.add_worksheet(_sheet_title(new_sheet))
            sheet.write_row(0, 0, row, bold)
            sheet.freeze_panes(1, 1)
            line = 1
            continue
        sheet.write_row(line, 0, row)
        line += 1
        count += 1
    workbook.close()
    return count


def write_xlsx_stream(rows: Iterator[list[Any]], out: str | Path, max_rows: int = EXCEL_MAX_ROWS) -> int:
    """The project's own streaming writer (reports/xlsx_stream.py): the fastest of the three measured."""
    count = 0
    with StreamingWorkbook(out) as workbook:
        for new_sheet, row in sheet_rows(rows, max_rows):
            if new_sheet is not None:
                workbook.add_sheet(_sheet_title(new_sheet), row)
            else:
                workbook.append(row)
                count += 1
    return count


def write_xlsx_openpyxl(rows: Iterator[list[Any]], out: str | Path, max_rows: int = EXCEL_MAX_ROWS) -> int:
    """openpyxl in write_only mode (kept for the benchmark and as a fallback)."""
    workbook = Workbook(write_only=True)
    count = _append_openpyxl(workbook, rows, max_rows)
    workbook.save(str(out))
    return count


def _append_openpyxl(workbook: Workbook, rows: Iterator[list[Any]], max_rows: int) -> int:
    sheet, count = None, 0
    for new_sheet, row in sheet_rows(rows, max_rows):
        if new_sheet is not None:
            sheet = workbook.create_sheet(_sheet_title(new_sheet))
        else:
            count += 1
        sheet.append([_date_cell(sheet, value) if value.__class__ is dt.datetime else value for value in sheet_row(sheet, row)])
    return count


def _date_cell(sheet, moment: dt.datetime) -> Cell:  # type: ignore[no-untyped-def]
    """An openpyxl date cell shown dd/mm/yyyy hh:mm."""
    cell = Cell(sheet, value=moment)
    cell.number_format = EXCEL_DATETIME
    return cell


WRITERS: dict[str, Callable[[Iterator[list[Any]], str | Path], int]] = {
    "csv": write_csv,
    "xlsx": write_xlsx_stream,
}


def raw_export_write(
    *,
    campaign: Campaign,
    out: str | Path,
    fmt: str = "xlsx",
    codes: bool = False,
    unit_path: str | None = None,
    progress: ProgressCallback | None = None,
) -> int:
    """Write the campaign's raw data to `out` as "xlsx" or "csv"; return the number of responses written."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}")
    return WRITERS[fmt](raw_rows(campaign=campaign, codes=codes, unit_path=unit_path, progress=progress), out)


def raw_rows_append(workbook: Workbook, *, campaign: Campaign, codes: bool = False, progress: ProgressCallback | None = None) -> int:
    """Add the raw-data sheet(s) to an open (normal-mode) report workbook."""
    return _append_openpyxl(workbook, raw_rows(campaign=campaign, codes=codes, progress=progress), EXCEL_MAX_ROWS)
