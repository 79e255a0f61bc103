"""The administrative format of Nghị định 30/2020/NĐ-CP (reports/documents/official.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from reports.documents.official import (
    MOTTO,
    NATIONAL_HEADING,
    Heading,
    Image,
    OfficialDocument,
    Paragraph,
    Section,
    Signature,
    Table,
    number_line,
    official_document,
    official_document_bytes,
    place_date_line,
)


def report_spec(**changes) -> OfficialDocument:
    spec = OfficialDocument(
        heading=Heading(
            parent_body="UBND tỉnh Khánh Hòa",
            issuing_body="Sở Y tế",
            symbol="BC-SYT",
            place="Khánh Hòa",
            number="7",
            date=dt.date(2025, 2, 5),
        ),
        signature=Signature(authority="KT. Giám đốc", title="Phó Giám đốc", name="Nguyễn Văn An"),
        kind="Báo cáo",
        title="Kết quả khảo sát sự hài lòng của người bệnh năm 2024",
        blocks=[
            Section("I. KẾT QUẢ CHUNG"),
            Paragraph("Chỉ số hài lòng chung đạt 87,69%."),
            Table(("Đơn vị", "Số phiếu"), (("Bệnh viện A", "1.234"), ("Tổng", "1.234")), caption="Bảng 1. Số phiếu", bold_last_row=True),
        ],
        recipients=["Bộ Y tế (để báo cáo)", "Các bệnh viện"],
        archive="Lưu: VT, NVY",
    )
    for key, value in changes.items():
        setattr(spec, key, value)
    return spec


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    section = document.sections[0]
    for header in (section.header, section.first_page_header):
        parts.extend(p.text for p in header.paragraphs)
    return "\n".join(parts)


def reopened(spec: OfficialDocument):
    return Document(io.BytesIO(official_document_bytes(spec)))


def test_the_date_line_pads_days_below_ten_and_the_months_january_and_february():
    assert place_date_line("Khánh Hòa", dt.date(2025, 2, 5)) == "Khánh Hòa, ngày 05 tháng 02 năm 2025"
    assert place_date_line("Khánh Hòa", dt.date(2025, 1, 15)) == "Khánh Hòa, ngày 15 tháng 01 năm 2025"
    assert place_date_line("Nha Trang", dt.date(2024, 12, 9)) == "Nha Trang, ngày 09 tháng 12 năm 2024"
    assert place_date_line("Khánh Hòa", dt.date(2024, 3, 31)) == "Khánh Hòa, ngày 31 tháng 3 năm 2024"


def test_an_undated_document_leaves_room_for_the_clerk_and_keeps_its_year():
    assert place_date_line("Khánh Hòa", None, 2026) == "Khánh Hòa, ngày      tháng      năm 2026"


def test_the_number_line_pads_numbers_below_ten_and_leaves_room_when_blank():
    assert number_line("7", "BC-SYT") == "Số: 07/BC-SYT"
    assert number_line("123", "BC-SYT") == "Số: 123/BC-SYT"
    assert number_line("", "BC-SYT") == "Số:       /BC-SYT"


def test_a_report_carries_the_national_heading_bodies_number_date_title_recipients_and_signature():
    document = reopened(report_spec())
    heading_left, heading_right = (cell.text for cell in document.tables[0].rows[0].cells)
    assert heading_left.splitlines()[:2] == ["UBND TỈNH KHÁNH HÒA", "SỞ Y TẾ"]
    assert "Số: 07/BC-SYT" in heading_left
    lines = [line for line in heading_right.splitlines() if line]
    assert lines == [NATIONAL_HEADING, MOTTO, "Khánh Hòa, ngày 05 tháng 02 năm 2025"]
    text = all_text(document)
    assert "BÁO CÁO\nKết quả khảo sát sự hài lòng của người bệnh năm 2024" in text
    closing_left, closing_right = (cell.text for cell in document.tables[-1].rows[0].cells)
    assert closing_left.splitlines() == ["Nơi nhận:", "- Bộ Y tế (để báo cáo);", "- Các bệnh viện;", "- Lưu: VT, NVY."]
    signature = [line for line in closing_right.splitlines() if line]
    assert signature == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn An"]


def test_the_page_is_a4_with_the_decrees_margins_and_times_new_roman():
    document = reopened(report_spec())
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [round(m.mm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)]
    top, bottom, left, right = margins
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    runs = [run for paragraph in document.paragraphs for run in paragraph.runs if run.text]
    assert runs and {run.font.name for run in runs} == {"Times New Roman"}
    body = next(p for p in document.paragraphs if p.text.startswith("Chỉ số"))
    assert body.runs[0].font.size.pt == 14 and round(body.paragraph_format.first_line_indent.mm) == 10


def test_the_national_heading_and_signature_are_bold_and_the_date_line_italic():
    document = reopened(report_spec())
    right = document.tables[0].rows[0].cells[1]
    by_text = {p.text: p.runs[0] for p in right.paragraphs if p.runs and p.text}
    assert by_text[NATIONAL_HEADING].font.bold and by_text[MOTTO].font.bold
    assert by_text["Khánh Hòa, ngày 05 tháng 02 năm 2025"].font.italic
    assert by_text[MOTTO].font.size.pt in (13, 14)


def test_pages_after_the_first_are_numbered_and_the_first_is_not():
    section = reopened(report_spec()).sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml and "PAGE" not in section.first_page_header._element.xml


def test_a_provisional_document_says_tam_tinh_on_every_page_and_a_final_one_does_not():
    provisional = reopened(report_spec(provisional=True)).sections[0]
    for header in (provisional.header, provisional.first_page_header):
        assert "TẠM TÍNH" in "\n".join(p.text for p in header.paragraphs)
    final = reopened(report_spec()).sections[0]
    assert "TẠM TÍNH" not in "\n".join(p.text for h in (final.header, final.first_page_header) for p in h.paragraphs)


def test_a_letter_has_its_subject_under_the_number_and_its_addressees():
    spec = report_spec(kind="", title="", subject="phối hợp tổ chức truyền thông", addressees=["UBND các xã", "Trung tâm Y tế"])
    document = reopened(spec)
    assert "V/v phối hợp tổ chức truyền thông" in document.tables[0].rows[0].cells[0].text
    text = all_text(document)
    assert "Kính gửi:\n- UBND các xã;\n- Trung tâm Y tế." in text
    assert "BÁO CÁO" not in text


def test_tables_and_pictures_land_in_the_body():
    png = _one_pixel_png()
    document = reopened(report_spec(blocks=[Table(("A", "B"), (("1", "2"),)), Image(png, width_mm=80, caption="Biểu đồ 1. Thử")]))
    assert [cell.text for cell in document.tables[1].rows[1].cells] == ["1", "2"]
    assert len(document.inline_shapes) == 1 and "Biểu đồ 1. Thử" in all_text(document)


def test_the_same_data_gives_the_same_bytes():
    assert official_document_bytes(report_spec()) == official_document_bytes(report_spec())


def test_the_builder_returns_a_python_docx_document_the_caller_may_extend():
    document = official_document(report_spec())
    document.add_paragraph("Thêm")
    assert document.paragraphs[-1].text == "Thêm"


@pytest.mark.parametrize("name", ["", "Nguyễn Thị Bích Ngọc"])
def test_a_missing_signer_name_still_leaves_the_signature_block(name):
    spec = report_spec(signature=Signature(title="Giám đốc", name=name))
    signature = [line for line in reopened(spec).tables[-1].rows[0].cells[1].text.splitlines() if line]
    assert signature == ["GIÁM ĐỐC", name] if name else signature == ["GIÁM ĐỐC"]


def _one_pixel_png() -> bytes:
    import base64

    return base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
