"""The department report workbook: sheets, exact percentages, distributions adding to 100%, layout."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from reports.selectors import working_snapshot
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)
from reports.workbook import report_workbook_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def workbook(dashboard_data):
    campaign = dashboard_data.campaign
    buffer = io.BytesIO()
    report_workbook_write(campaign=campaign, snapshot=working_snapshot(campaign), out=buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def labelled(sheet) -> dict[str, object]:
    return {row[0].value: row[1].value for row in sheet.iter_rows(min_row=4, max_row=19) if row[0].value}


def test_the_summary_sheet_states_overall_target_verdict_counts_period_and_method(workbook):
    assert workbook.sheetnames == ["Tổng hợp", "Tiêu chí", "Xếp hạng", "Phân nhóm"]
    summary = labelled(workbook["Tổng hợp"])
    assert summary["Chỉ số hài lòng chung"] == 0.75
    assert summary["Chỉ tiêu"] == 0.8
    assert summary["Kết quả so với chỉ tiêu"] == "CHƯA ĐỦ CĂN CỨ"  # 75% over 60 respondents: the interval holds 80%
    assert summary["Cách tổng hợp"].startswith("Gộp mọi câu trả lời, không trọng số.")
    assert "không trọng số" in summary["Cách tổng hợp"]
    assert summary["Sai số chuẩn (điểm %)"] > 0 and summary["Hệ số thiết kế (deff)"] > 0
    assert summary["Số phiếu được tính"] == 60
    assert summary["Thời gian khảo sát"] == "01/09/2026 – 31/10/2026"
    assert summary["Phương pháp tính"].startswith("SIPAS")
    sheet = workbook["Tổng hợp"]
    assert sheet["A10"].value == "Chỉ số hài lòng chung" and sheet["B10"].number_format == "0.00%"
    assert sheet.freeze_panes == "A4"
    assert len(sheet._charts) == 1


def test_the_criteria_sheet_gives_counts_and_shares_that_add_up_to_one_hundred(workbook):
    sheet = workbook["Tiêu chí"]
    assert sheet["E4"].value == "1. Rất không hài lòng" and sheet["M4"].value == "5. Rất hài lòng"
    assert sheet["E5"].value == "Số lượng" and sheet["F5"].value == "Tỷ lệ"
    rows = list(sheet.iter_rows(min_row=6, max_row=9, values_only=True))
    assert [row[1] for row in rows] == ["TC1", "TC2", "TT1", "TT2"]
    first = rows[0]
    assert first[4:14] == (10, 0.1667, 2, 0.0333, 3, 0.05, 27, 0.45, 18, 0.3)
    assert first[14:17] == (0.75, 3.68, 60)  # satisfied share, mean (221 / 60), n
    for row in rows:
        assert round(sum(row[5:14:2]) * 100, 2) == 100.0
    assert sheet.freeze_panes == "E6"
    assert sheet.print_title_rows == "$4:$5"
    assert sheet.page_setup.orientation == "landscape"
    chart = sheet._charts[0]
    assert chart.grouping == "percentStacked" and len(chart.series) == 5


def test_the_ranking_sheet_ranks_units_with_change_and_ties(workbook):
    sheet = workbook["Xếp hạng"]
    rows = list(sheet.iter_rows(min_row=5, max_row=7, values_only=True))
    # rank, tier, code, value, respondents, verdict, last year, change, its verdict, rank change
    assert [(r[0], r[1], r[2], r[4], r[8], r[9], r[10], r[11], r[14], r[15]) for r in rows] == [
        (1, 1, "A1", 0.9, 20, "CHƯA ĐỦ CĂN CỨ", 0.8, 10.0, "không khác biệt có ý nghĩa thống kê", 1),
        (2, 1, "A2", 0.85, 20, "CHƯA ĐỦ CĂN CỨ", 0.95, -10.0, "không khác biệt có ý nghĩa thống kê", -1),
        (3, 2, "A-SYT", 0.5, 20, "CHƯA ĐẠT", 0.4, 10.0, "không khác biệt có ý nghĩa thống kê", 0),
    ]
    assert all(r[7] > 0 for r in rows)  # standard errors
    assert all(r[12] < 0 < r[13] for r in rows)  # the change's interval holds 0
    assert sheet.freeze_panes == "E5"
    assert sheet.column_dimensions["D"].width == 40


def test_the_breakdown_sheet_gives_channels_sexes_and_age_groups_with_standard_errors(workbook):
    sheet = workbook["Phân nhóm"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    headers = [r[0] for r in rows if r[1] == "Chỉ số chung"]
    assert headers == ["Theo kênh", "Theo giới tính", "Theo nhóm tuổi"]
    by_label = {r[0]: r for r in rows if r[0] and r[1] != "Chỉ số chung"}
    desk, phone = by_label["Tại bộ phận một cửa"], by_label["Điện thoại"]
    assert (desk[7], phone[7]) == (40, 20)  # A1 and A-SYT answered at the desk, A2 by phone
    assert phone[1] == 0.85 and desk[1] == 0.7 and desk[4] > 0 and desk[2] < 0.7 < desk[3]
    assert by_label["Không rõ"][7] == 60  # no profile in these responses


def test_a_raw_data_sheet_can_be_added(dashboard_data):
    campaign = dashboard_data.campaign
    buffer = io.BytesIO()
    report_workbook_write(campaign=campaign, snapshot=working_snapshot(campaign), out=buffer, include_raw=True)
    buffer.seek(0)
    raw = load_workbook(buffer)["Dữ liệu thô"]
    assert raw.max_row == 61
    assert [c.value for c in raw[1]][-4:] == ["TC1", "TC2", "TT1", "TT2"]
