"""The streaming .xlsx writer of the raw export: a valid workbook, whatever the text holds."""

from __future__ import annotations

from openpyxl import load_workbook

from reports.raw_export import sheet_rows, write_xlsx_stream
from reports.xlsx_stream import StreamingWorkbook


def test_the_streamed_workbook_reads_back_with_numbers_text_and_a_frozen_bold_header(tmp_path):
    out = tmp_path / "s.xlsx"
    with StreamingWorkbook(out) as book:
        book.add_sheet("Dữ liệu thô", ["Mã", "Câu 1", "Ghi chú"])
        book.append(["a-1", 5, "Rất hài lòng <&> \"tốt\""])
        book.append(["a-2", 2.5, "ký tự lạ \x00\x07 bị bỏ"])
        book.append(["a-3", None, ""])
        book.add_sheet("Trang 2", ["Mã"])
        book.append([True])
    wb = load_workbook(out)
    sheet = wb["Dữ liệu thô"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Mã", "Câu 1", "Ghi chú"],
        ["a-1", 5, 'Rất hài lòng <&> "tốt"'],
        ["a-2", 2.5, "ký tự lạ  bị bỏ"],
        ["a-3", None, None],
    ]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert wb.sheetnames == ["Dữ liệu thô", "Trang 2"] and wb["Trang 2"]["A2"].value is True


def test_the_stream_writer_splits_rows_over_sheets(tmp_path):
    rows = iter([["h1", "h2"]] + [[i, f"dòng {i}"] for i in range(7)])
    assert write_xlsx_stream(rows, tmp_path / "t.xlsx", max_rows=3) == 7
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["Dữ liệu thô", "Dữ liệu thô (2)", "Dữ liệu thô (3)", "Dữ liệu thô (4)"]
    assert [c.value for c in wb["Dữ liệu thô (4)"][2]] == [6, "dòng 6"]
    assert [s for s, _ in sheet_rows(iter([["h"], [1], [2], [3]]), 2)] == [0, None, 1, None, 2, None]
