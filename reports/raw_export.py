"""Raw data export: one row per counted response, one column per question, as labels or codes.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from campaigns.models import Campaign, Channel
from reports.dashboards.distributions import LIKERT_LABELS
from reports.xlsx_stream import StreamingWorkbook
from surveys.models import Answer, Question, QuestionType, Response
from units.spreadsheets import csv_row, sheet_row

EXCEL_MAX_ROWS = 1_048_576  # rows per sheet, header included
CHUNK = 10_000
META_HEADERS = ["Mã phiếu (UUID)", "Mã đơn vị", "Đơn vị", "Kênh", "Phiếu", "Trạng thái", "Thời điểm gửi"]
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
    channels = {value: str(label) for value, label in Channel.choices}
    statuses = {value: str(label) for value, label in Response._meta.get_field("status").choices}
    zone = timezone.get_current_timezone()
    responses = counted_responses(campaign, unit_path)
    total = responses.count() if progress else 0
    width = meta + len(columns)
    answers_sql = (
        f"SELECT response_id, question_id, value, number, text FROM {Answer._meta.db_table} "
        "WHERE response_id >= %s AND response_id <= %s AND campaign_id = %s"
    )
    last_id, done = 0, 0
    while True:
        chunk = list(
            responses.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "uuid", "unit__code", "unit__name", "channel", "form__questionnaire__code", "status", "submitted_at")[:CHUNK]
        )
        if not chunk:
            break
        rows: dict[int, list[Any]] = {}
        for pk, uuid, unit_code, unit_name, channel, form_code, status, submitted_at in chunk:
            row = [None] * width
            row[:meta] = [
                str(uuid),
                unit_code,
                unit_name,
                channels.get(channel, channel),
                form_code,
                statuses.get(status, status),
                submitted_at.astimezone(zone).strftime("%d/%m/%Y %H:%M") if submitted_at else None,
            ]
            rows[pk] = row
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


def _sheet_title(index: int) -> str:
    return SHEET_TITLE if index == 0 else f"{SHEET_TITLE} ({index + 1})"


def write_csv(rows: Iterator[list[Any]], out: str | Path) -> int:
    """Write rows as UTF-8 CSV (with BOM); return the number of data rows. A text a spreadsheet would
    take for a formula (=…, +…, -…, @…) starts with an apostrophe (units.spreadsheets.csv_row)."""
    count = -1
    with open(out, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
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

    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
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
        sheet.append(sheet_row(sheet, row))
    return count


WRITERS: dict[str, Callable[[Iterator[list[Any]], str | Path], int]] = {
    "csv": write_csv,
    "xlsx": write_xlsx_stream,
}


def raw_export_write(
    *, campaign: Campaign, out: str | Path, fmt: str = "xlsx", codes: bool = False, unit_path: str | None = None, progress: ProgressCallback | None = None
) -> int:
    """Write the campaign's raw data to `out` as "xlsx" or "csv"; return the number of responses written."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}")
    return WRITERS[fmt](raw_rows(campaign=campaign, codes=codes, unit_path=unit_path, progress=progress), out)


def raw_rows_append(workbook: Workbook, *, campaign: Campaign, codes: bool = False, progress: ProgressCallback | None = None) -> int:
    """Add the raw-data sheet(s) to an open (normal-mode) report workbook."""
    return _append_openpyxl(workbook, raw_rows(campaign=campaign, codes=codes, progress=progress), EXCEL_MAX_ROWS)
