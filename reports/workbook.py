"""The department report workbook (openpyxl), in Vietnamese: summary, criteria, the other closed
questions' distributions, ranking, optional raw data.

Percentages are stored as numbers (0.8769 with the format 0,00%) so the department can compute with
them; each single-answer distribution is rounded by largest remainder and adds up to exactly 100,00%; a
multi-choice question's shares are over the respondents who answered it and say so. A published
snapshot's workbook reads the tallies frozen with it, so it shows what was published.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from campaigns.models import Campaign, IndexSchemeCode
from reports.dashboards.distributions import Distribution, catalogue, distributions, element_scores, rules_and_parts
from reports.dashboards.estimates import Breakdown, DesignNote, breakdowns, design_note
from reports.dashboards.pages import children_of
from reports.dashboards.ranking import RankRow, previous_campaign, previous_overall, ranking, unit_verdict
from reports.dashboards.values import UnitValues, values_by_unit
from reports.estimation.verdicts import Verdict
from reports.models import IndexScope, Snapshot, SnapshotStatus
from reports.schemes import IndexPart
from reports.selectors import working_snapshot
from units.formatting import date_vi, datetime_vi
from units.spreadsheets import sheet_text_guard

FONT = "Times New Roman"
PERCENT = "0.00%"
COUNT = "#,##0"
MEAN = "0.00"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SUBHEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
PASS_FILL = PatternFill("solid", fgColor="C6EFCE")
FAIL_FILL = PatternFill("solid", fgColor="FFC7CE")
THIN = Side(style="thin", color="9BB7D4")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)

ProgressCallback = Callable[[int], None]


def fraction(value: Decimal | None) -> float | None:
    """87.69 (percent) → 0.8769, the number behind a cell formatted 0.00%."""
    return None if value is None else round(float(value) / 100, 6)


WARN_FILL = PatternFill("solid", fgColor="FFEB9C")
VERDICT_FILLS = {"reached": PASS_FILL, "not_reached": FAIL_FILL, "undecided": WARN_FILL, "too_few": WARN_FILL}


def _header(ws: Worksheet, row: int, titles: list[str], widths: list[float] | None = None) -> None:
    for column, title in enumerate(titles, start=1):
        cell = ws.cell(row=row, column=column, value=title)
        cell.font = Font(name=FONT, bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = CENTRE
        cell.border = BOX
    for column, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def _title(ws: Worksheet, text: str, subtitle: str, span: int) -> None:
    ws.cell(row=1, column=1, value=text).font = Font(name=FONT, bold=True, size=14, color="1F4E79")
    ws.cell(row=2, column=1, value=subtitle).font = Font(name=FONT, italic=True, size=11)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=span)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=span)


def _print_setup(ws: Worksheet, title_rows: str, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Trang &P / &N"
    ws.oddFooter.right.text = "&A"


def _body(cell, number_format: str | None = None, bold: bool = False) -> None:
    cell.font = Font(name=FONT, bold=bold)
    cell.border = BOX
    if number_format:
        cell.number_format = number_format


def _share_bars(ws: Worksheet, title: str, *, value_column: int, label_column: int, head: int, count: int) -> BarChart:
    """A horizontal bar chart of the shares (0–100%) in `value_column` below the header row `head`."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.legend = None
    chart.add_data(Reference(ws, min_col=value_column, min_row=head, max_row=head + count), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=label_column, min_row=head + 1, max_row=head + count))
    return chart


def _scheme_text(campaign: Campaign) -> str:
    label = IndexSchemeCode(campaign.index_scheme).label if campaign.index_scheme in IndexSchemeCode.values else campaign.index_scheme
    return f"{label}. Câu trả lời “không biết / không trả lời” và câu bỏ qua không được tính vào tử số và mẫu số."


def _part_rows(parts: tuple[IndexPart, ...], own: UnitValues) -> list[tuple[str, object, str | None]]:
    """Each part of a combined index with its weight, then the weights' source (and whether it is confirmed)."""
    rows: list[tuple[str, object, str | None]] = [
        (f"Phần «{part.title}» (trọng số {part.weight_text(lang='vi')}%)", fraction(own.get(IndexScope.PART, part.code).value), PERCENT) for part in parts
    ]
    sources = list(dict.fromkeys(part.source or "chưa ghi" for part in parts))
    if parts:
        pending = "" if all(part.confirmed for part in parts) else " (cần xác nhận theo phụ lục)"
        rows.append(("Căn cứ trọng số các phần", "; ".join(sources) + pending, None))
    return rows


def _design_text(design: DesignNote) -> str:
    return " ".join([f"{design.label}.", *design.notes])


def _summary_sheet(
    ws: Worksheet, campaign: Campaign, snapshot: Snapshot, own: UnitValues, elements, design: DesignNote, parts: tuple[IndexPart, ...] = ()
) -> None:
    ws.title = "Tổng hợp"
    _title(ws, "BÁO CÁO KẾT QUẢ KHẢO SÁT SỰ HÀI LÒNG", campaign.name, 4)
    overall = own.overall
    verdict: Verdict = unit_verdict(overall, campaign, responses=own.responses)
    published = snapshot.status == SnapshotStatus.PUBLISHED
    rows: list[tuple[str, object, str | None]] = [
        ("Đơn vị tổ chức", campaign.organiser.name, None),
        ("Năm", campaign.year, "0"),
        ("Thời gian khảo sát", f"{date_vi(campaign.fieldwork_start)} – {date_vi(campaign.fieldwork_end)}", None),
        ("Phương pháp tính", _scheme_text(campaign), None),
        ("Cách tổng hợp", _design_text(design), None),
        ("Số phiếu được tính", own.responses, COUNT),
        ("Chỉ số hài lòng chung", fraction(overall.value), PERCENT),
        ("Khoảng tin cậy 95% (theo thiết kế mẫu): cận dưới", fraction(overall.ci_low), PERCENT),
        ("Khoảng tin cậy 95% (theo thiết kế mẫu): cận trên", fraction(overall.ci_high), PERCENT),
        ("Sai số chuẩn (điểm %)", overall.se, MEAN),
        ("Hệ số thiết kế (deff)", overall.deff, MEAN),
        ("Cỡ mẫu hiệu dụng", round(overall.n_eff) if overall.n_eff is not None else None, COUNT),
        *_part_rows(parts, own),
        ("Chỉ tiêu", fraction(campaign.target_index), PERCENT),
        ("Căn cứ của chỉ tiêu", campaign.target_source or "chưa ghi", None),
        ("Kết quả so với chỉ tiêu", verdict.label, None),
        ("Tỷ lệ hài lòng toàn diện", fraction(own.get(IndexScope.FULL).value), PERCENT),
        ("Mức đáp ứng so với mong đợi", fraction(own.expectation.value), PERCENT),
        ("Tỷ lệ sẽ quay lại / giới thiệu", fraction(own.returning.value), PERCENT),
        ("Số liệu", (f"Công bố phiên bản {snapshot.version}, ngày {date_vi(snapshot.published_at)}; số liệu tính lúc {datetime_vi(snapshot.computed_at)}" if published else f"Số liệu tạm tính lúc {datetime_vi(snapshot.computed_at)}"), None),
        ("Mã kiểm tra (SHA-256)", snapshot.checksum or "—", None),
        ("Ngày lập báo cáo", date_vi(timezone.now()), None),
    ]
    for offset, (label, value, number_format) in enumerate(rows):
        row = 4 + offset
        _body(ws.cell(row=row, column=1, value=label), bold=True)
        cell = ws.cell(row=row, column=2, value=value)
        _body(cell, number_format)
        cell.alignment = WRAP
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        if label == "Kết quả so với chỉ tiêu" and verdict.code in VERDICT_FILLS:
            cell.fill = VERDICT_FILLS[verdict.code]
            cell.font = Font(name=FONT, bold=True)
    ws.row_dimensions[7].height = 45  # the method's text wraps
    ws.row_dimensions[8].height = 45  # and the aggregation rule's
    start = 4 + len(rows) + 1
    _header(ws, start, ["Mã", "Yếu tố (khía cạnh)", "Chỉ số (%)", "Số câu trả lời hợp lệ", "Cận dưới 95%", "Cận trên 95%", "Sai số chuẩn (điểm)"], [34, 48, 16, 22, 14, 14, 14])
    for offset, (code, title, score) in enumerate(elements, start=1):
        row = start + offset
        _body(ws.cell(row=row, column=1, value=code))
        _body(ws.cell(row=row, column=2, value=title))
        _body(ws.cell(row=row, column=3, value=fraction(score.value)), PERCENT)
        _body(ws.cell(row=row, column=4, value=score.n), COUNT)
        _body(ws.cell(row=row, column=5, value=fraction(score.ci_low)), PERCENT)
        _body(ws.cell(row=row, column=6, value=fraction(score.ci_high)), PERCENT)
        _body(ws.cell(row=row, column=7, value=score.se), MEAN)
    if elements:
        chart = _share_bars(ws, "Chỉ số theo yếu tố", value_column=3, label_column=1, head=start, count=len(elements))
        chart.height, chart.width = 7.5, 16
        ws.add_chart(chart, f"A{start + len(elements) + 2}")
    ws.freeze_panes = "A4"
    _print_setup(ws, "1:2", landscape=False)


def _criteria_sheet(ws: Worksheet, campaign: Campaign, items: list[Distribution], own: UnitValues) -> list[str]:
    """One row per criterion: count and % at each level, satisfied share, mean, n. Returns the cells
    holding the sheet's own formulas (each row's total of shares)."""
    levels = sorted({level for d in items for level, *_ in d.levels})
    labels: dict[int, str] = {}
    for d in items:
        for level, label, *_ in d.levels:
            labels.setdefault(level, label)
    fixed = ["STT", "Mã", "Tiêu chí", "Yếu tố"]
    span = len(fixed) + 2 * len(levels) + 4
    _title(ws, "KẾT QUẢ THEO TIÊU CHÍ", f"{campaign.name} — phân bố câu trả lời (tỷ lệ làm tròn theo phần dư lớn nhất, mỗi dòng cộng đúng 100,00%)", span)
    head, sub = 4, 5
    for column, title in enumerate(fixed, start=1):
        ws.cell(row=head, column=column, value=title)
        ws.merge_cells(start_row=head, start_column=column, end_row=sub, end_column=column)
    for index, level in enumerate(levels):
        column = len(fixed) + 1 + 2 * index
        ws.cell(row=head, column=column, value=f"{level}. {labels[level]}")
        ws.merge_cells(start_row=head, start_column=column, end_row=head, end_column=column + 1)
        ws.cell(row=sub, column=column, value="Số lượng")
        ws.cell(row=sub, column=column + 1, value="Tỷ lệ")
    tail = len(fixed) + 2 * len(levels) + 1
    for offset, title in enumerate(["Tỷ lệ hài lòng", "Điểm trung bình (1–5)", "Số câu trả lời hợp lệ (n)", "Tổng tỷ lệ"]):
        ws.cell(row=head, column=tail + offset, value=title)
        ws.merge_cells(start_row=head, start_column=tail + offset, end_row=sub, end_column=tail + offset)
    for row in (head, sub):
        for column in range(1, span + 1):
            cell = ws.cell(row=row, column=column)
            cell.font = Font(name=FONT, bold=True, color="FFFFFF" if row == head else "1F4E79")
            cell.fill = HEADER_FILL if row == head else SUBHEADER_FILL
            cell.alignment = CENTRE
            cell.border = BOX
    ws.row_dimensions[head].height = 32
    first = sub + 1
    formulas: list[str] = []
    for number, d in enumerate(items, start=1):
        row = sub + number
        criterion = own.get(IndexScope.CRITERION, d.question.code)
        mean = own.get(IndexScope.MEAN, d.question.code).value or d.mean
        _body(ws.cell(row=row, column=1, value=number))
        _body(ws.cell(row=row, column=2, value=d.question.code))
        text = ws.cell(row=row, column=3, value=d.question.text)
        _body(text)
        text.alignment = WRAP
        _body(ws.cell(row=row, column=4, value=d.question.section.code))
        by_level = {level: (count, share) for level, _label, count, share in d.levels}
        for index, level in enumerate(levels):
            column = len(fixed) + 1 + 2 * index
            count, share = by_level.get(level, (None, None))
            _body(ws.cell(row=row, column=column, value=count), COUNT)
            _body(ws.cell(row=row, column=column + 1, value=fraction(share)), PERCENT)
        share = criterion.value if criterion.value is not None else d.satisfied_share
        _body(ws.cell(row=row, column=tail, value=fraction(share)), PERCENT, bold=True)
        _body(ws.cell(row=row, column=tail + 1, value=float(mean) if mean is not None else None), MEAN)
        _body(ws.cell(row=row, column=tail + 2, value=d.n), COUNT)
        percent_cells = [f"{get_column_letter(len(fixed) + 2 + 2 * i)}{row}" for i in range(len(levels))]
        total = ws.cell(row=row, column=tail + 3, value=f"=SUM({','.join(percent_cells)})" if d.n else None)
        _body(total, PERCENT)
        formulas.append(total.coordinate)
    last = sub + len(items)
    widths = [6, 10, 60, 10] + [11, 10] * len(levels) + [14, 14, 14, 12]
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=first, column=len(fixed) + 1)
    if items:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "percentStacked"
        chart.overlap = 100
        chart.title = "Phân bố câu trả lời theo tiêu chí"
        chart.y_axis.number_format = "0%"
        for index, level in enumerate(levels):
            column = len(fixed) + 2 + 2 * index
            chart.add_data(Reference(ws, min_col=column, min_row=first, max_row=last), titles_from_data=False)
            chart.series[-1].tx = SeriesLabel(v=f"{level}. {labels[level]}")
        chart.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
        chart.height = max(8.0, 0.55 * len(items) + 3)
        chart.width = 24
        ws.add_chart(chart, f"C{last + 3}")
    _print_setup(ws, f"{head}:{sub}")
    return formulas


def _distribution_sheet(ws: Worksheet, campaign: Campaign, items: list[Distribution]) -> None:
    """Each closed question outside the index, one block after another: its choices' counts and shares."""
    _title(
        ws,
        "PHÂN BỐ CÂU TRẢ LỜI CÁC CÂU HỎI KHÁC",
        f"{campaign.name} — câu hỏi ngoài chỉ số hài lòng. Câu chọn một: tỷ lệ trên số câu trả lời hợp lệ, làm tròn theo phần dư "
        "lớn nhất, cộng đúng 100,00%. Câu chọn nhiều: tỷ lệ trên số người trả lời câu hỏi.",
        4,
    )
    ws.row_dimensions[2].height = 30
    ws.cell(row=2, column=1).alignment = WRAP
    for column, width in zip("ABCD", [12, 70, 14, 14], strict=True):
        ws.column_dimensions[column].width = width
    row = 4
    for d in items:
        _body(ws.cell(row=row, column=1, value=d.question.code), bold=True)
        text = ws.cell(row=row, column=2, value=d.question.text)
        _body(text, bold=True)
        text.alignment = WRAP
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        for column in range(1, 5):
            ws.cell(row=row, column=column).fill = SUBHEADER_FILL
        row += 1
        for column, title in enumerate(["Phương án trả lời", "Số lượng", "Tỷ lệ"], start=2):
            cell = ws.cell(row=row, column=column, value=title)
            cell.font = Font(name=FONT, bold=True, color="FFFFFF")
            cell.fill = HEADER_FILL
            cell.alignment = CENTRE
            cell.border = BOX
        row += 1
        for _level, label, count, share in d.levels:
            _body(ws.cell(row=row, column=2, value=label))
            _body(ws.cell(row=row, column=3, value=count), COUNT)
            _body(ws.cell(row=row, column=4, value=fraction(share)), PERCENT)
            row += 1
        if d.multi:
            _body(ws.cell(row=row, column=2, value="Số người trả lời câu hỏi (n, gốc của tỷ lệ)"), bold=True)
            _body(ws.cell(row=row, column=3, value=d.n), COUNT, bold=True)
            row += 1
            note = ws.cell(row=row, column=2, value="Câu chọn nhiều: một người chọn được nhiều phương án nên các tỷ lệ không cộng thành 100%.")
            note.font = Font(name=FONT, italic=True)
            row += 1
        else:
            _body(ws.cell(row=row, column=2, value="Tổng (n = số câu trả lời hợp lệ)"), bold=True)
            _body(ws.cell(row=row, column=3, value=d.n), COUNT, bold=True)
            _body(ws.cell(row=row, column=4, value=fraction(d.total_share)), PERCENT, bold=True)
            row += 1
            if d.mean is not None and not d.question.choices:
                _body(ws.cell(row=row, column=2, value="Trung bình"))
                _body(ws.cell(row=row, column=3, value=float(d.mean)), MEAN)
                row += 1
        row += 1
    _print_setup(ws, "1:2", landscape=False)


def _ranking_sheet(ws: Worksheet, campaign: Campaign, rows: list[RankRow], values, elements, design: DesignNote) -> None:
    subtitle = (
        f"{campaign.name} — {_design_text(design)} Nhóm: các đơn vị cùng nhóm không khác nhau có ý nghĩa thống kê (kiểm định chênh "
        "lệch, hiệu chỉnh Holm). Đơn vị chưa đủ cỡ mẫu tối thiểu "
        f"({design.min_respondents} người trả lời, hệ số biến thiên ≤ {design.max_cv:g}%) được liệt kê riêng ở cuối, không xếp hạng."
    )
    _title(ws, "XẾP HẠNG CÁC ĐƠN VỊ", subtitle, 16 + len(elements))
    ws.row_dimensions[2].height = 45
    ws.cell(row=2, column=1).alignment = WRAP
    titles = [
        "Hạng",
        "Nhóm",
        "Mã đơn vị",
        "Đơn vị",
        "Chỉ số chung",
        "Cận dưới 95%",
        "Cận trên 95%",
        "Sai số chuẩn (điểm)",
        "Số người trả lời",
        "So với chỉ tiêu",
        "Kỳ trước",
        "Thay đổi (điểm %)",
        "Thay đổi: cận dưới 95%",
        "Thay đổi: cận trên 95%",
        "Đánh giá thay đổi",
        "Thay đổi hạng",
    ] + [f"Yếu tố {code}" for code, _t, _s in elements]
    head = 4
    _header(ws, head, titles, [7, 7, 14, 40, 13, 12, 12, 12, 12, 16, 12, 13, 13, 13, 22, 11] + [12] * len(elements))
    ws.row_dimensions[head].height = 32
    for offset, rank_row in enumerate(rows, start=1):
        row = head + offset
        change = rank_row.change
        cells = [
            (rank_row.rank if rank_row.rank is not None else "—", "0"),
            (rank_row.tier, "0"),
            (rank_row.unit.code, None),
            (rank_row.unit.name, None),
            (fraction(rank_row.score.value), PERCENT),
            (fraction(rank_row.score.ci_low), PERCENT),
            (fraction(rank_row.score.ci_high), PERCENT),
            (rank_row.score.se, MEAN),
            (rank_row.score.respondents or rank_row.responses, COUNT),
            (rank_row.verdict.label if rank_row.verdict else None, None),
            (fraction(rank_row.previous_value), PERCENT),
            (float(change.points) if change is not None else None, "+0.00;-0.00;0.00"),
            (change.low if change is not None else None, "+0.00;-0.00;0.00"),
            (change.high if change is not None else None, "+0.00;-0.00;0.00"),
            (change.verdict.label if change is not None else None, None),
            (rank_row.change_rank, "+0;-0;0"),
        ] + [(fraction(values[rank_row.unit.pk].get(IndexScope.ELEMENT, code).value), PERCENT) for code, _t, _s in elements]
        for column, (value, number_format) in enumerate(cells, start=1):
            cell = ws.cell(row=row, column=column, value=value)
            _body(cell, number_format)
            if column == 10 and rank_row.verdict is not None and rank_row.verdict.code in VERDICT_FILLS:
                cell.fill = VERDICT_FILLS[rank_row.verdict.code]
    ws.freeze_panes = ws.cell(row=head + 1, column=5)
    ranked = [r for r in rows if r.rank is not None]
    if ranked:
        chart = _share_bars(ws, "Chỉ số hài lòng chung theo đơn vị", value_column=5, label_column=4, head=head, count=len(ranked))
        chart.x_axis.scaling.orientation = "maxMin"
        chart.height = max(7.5, 0.6 * len(ranked) + 3)
        chart.width = 20
        ws.add_chart(chart, f"D{head + len(rows) + 3}")
    _print_setup(ws, f"{head}:{head}")


def _breakdown_sheet(ws: Worksheet, campaign: Campaign, items: list[Breakdown], design: DesignNote) -> None:
    """The organiser's overall index and full satisfaction by channel, sex and age group, with their SEs."""
    _title(ws, "KẾT QUẢ THEO KÊNH, GIỚI TÍNH VÀ NHÓM TUỔI", f"{campaign.name} — {_design_text(design)}", 8)
    ws.row_dimensions[2].height = 30
    ws.cell(row=2, column=1).alignment = WRAP
    row = 4
    for breakdown in items:
        _header(ws, row, [breakdown.dimension, "Chỉ số chung", "Cận dưới 95%", "Cận trên 95%", "Sai số chuẩn (điểm)", "Hệ số thiết kế", "Hài lòng toàn diện", "Số người trả lời"],
                [26, 14, 13, 13, 14, 13, 14, 14])
        for item in breakdown.rows:
            row += 1
            cells = [
                (item.category, None), (fraction(item.overall.value), PERCENT), (fraction(item.overall.ci_low), PERCENT),
                (fraction(item.overall.ci_high), PERCENT), (item.overall.se, MEAN), (item.overall.deff, MEAN),
                (fraction(item.full.value), PERCENT), (item.overall.respondents, COUNT),
            ]
            for column, (value, number_format) in enumerate(cells, start=1):
                _body(ws.cell(row=row, column=column, value=value), number_format)
        row += 2
    _print_setup(ws, "1:2", landscape=False)


def report_workbook_write(
    *, campaign: Campaign, snapshot: Snapshot, out: str | Path | IO[bytes], include_raw: bool = False, progress: ProgressCallback | None = None
) -> None:
    """Write the department report of `snapshot` to `out` (a path or a binary file).

    Reads the snapshot's values and the campaign's tallies only (plus the answers when `include_raw`).
    """
    organiser = campaign.organiser
    children = children_of(organiser)
    values = values_by_unit(snapshot, [organiser], children)
    own = values[organiser.pk]
    questions = catalogue(campaign)
    elements = element_scores(questions, own)
    with_data = [c for c in children if values[c.pk].values]
    previous = previous_overall(
        previous_campaign(campaign), with_data, published_only=snapshot.status == SnapshotStatus.PUBLISHED
    )
    rows = ranking(values, with_data, previous, campaign=campaign)
    design = design_note(snapshot)
    # Breakdowns come from the working leaf cells: only while they are the cells of these very figures.
    working = working_snapshot(campaign)
    same_figures = working is not None and working.computed_at == snapshot.computed_at and working.basis == snapshot.basis
    by_group = breakdowns(campaign, organiser, working) if same_figures else []
    published = snapshot if snapshot.status == SnapshotStatus.PUBLISHED else None
    rules, parts = rules_and_parts(campaign)
    closed = distributions(campaign, organiser, questions.questions, rules, published=published)
    others = [d for d in closed if not d.criterion]
    if progress:
        progress(20)
    workbook = Workbook()
    _summary_sheet(workbook.active, campaign, snapshot, own, elements, design, parts)
    formulas = _criteria_sheet(workbook.create_sheet("Tiêu chí"), campaign, [d for d in closed if d.criterion], own)
    if others:
        _distribution_sheet(workbook.create_sheet("Phân bố"), campaign, others)
    _ranking_sheet(workbook.create_sheet("Xếp hạng"), campaign, rows, values, elements, design)
    if by_group:
        _breakdown_sheet(workbook.create_sheet("Phân nhóm"), campaign, by_group, design)
    # Names and texts people typed (a campaign, unit, criterion) stay text; the raw sheet is written safe.
    for sheet in workbook.worksheets:
        sheet_text_guard(sheet, keep=formulas if sheet.title == "Tiêu chí" else ())
    if progress:
        progress(50)
    if include_raw:
        from reports.raw_export import raw_rows_append

        raw_rows_append(workbook, campaign=campaign, progress=progress)
    workbook.properties.title = f"Báo cáo kết quả khảo sát — {campaign.name}"
    workbook.properties.creator = "Hài Lòng"
    workbook.properties.language = "vi-VN"
    workbook.save(out)
    if progress:
        progress(100)
