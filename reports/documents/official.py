"""Administrative documents in the format of Nghị định 30/2020/NĐ-CP (Phụ lục I), built with python-docx.

The caller passes plain data (`OfficialDocument`); this module decides only how it looks:
A4 upright, margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm; Times New Roman; the heading
table (parent body, issuing body with its rule, "Số: …/…", the subject "V/v …" of a letter on the left;
the national heading, the motto with its rule and the place-date line on the right); the document type
and title with their rule; the body (justified, first line indented 1 cm, 6 pt between paragraphs);
"Nơi nhận:" and the signature block (authority line, title, room for the signature and seal, name).
Page numbers sit centred in the top margin from page 2. A provisional document ("TẠM TÍNH") carries
its mark in the header of every page.

Sizes follow Phụ lục I: national heading 12–13 upright bold upper case (13 here, 12 when the column
is narrow), motto 13–14 bold, bodies 12–13 upper case (issuing body bold), "Số" 13, place-date 13–14
italic, type and title 14 bold, body 14, "V/v" 12–13, "Nơi nhận:" 12 bold italic and its list 11,
authority and title 14 bold upper case, signer's name 14 bold.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

FONT = "Times New Roman"
NATIONAL_HEADING = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PROVISIONAL = "TẠM TÍNH"

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
TEXT_WIDTH_MM = 210 - 30 - 15
LEFT_COLUMN_MM, RIGHT_COLUMN_MM = 62, TEXT_WIDTH_MM - 62
CELL_PADDING_MM = 1.9  # Word's default left and right cell margin (108 twips)
FIRST_LINE_INDENT = Mm(10)


# ------------------------------------------------------------------------------------------------
# What a caller gives: plain data
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """The top of the page. `number` stays blank ("Số:      /BC-SYT") until the clerk numbers the
    document at issue; `date` None prints "ngày      tháng      năm <year>" for the same reason."""

    issuing_body: str
    symbol: str  # "BC-SYT": the part after the slash
    place: str  # "Khánh Hòa"
    parent_body: str = ""  # cơ quan chủ quản trực tiếp, e.g. "UBND TỈNH KHÁNH HÒA"
    number: str = ""
    date: dt.date | None = None
    year: int | None = None  # the year printed when `date` is None


@dataclass(frozen=True)
class Signature:
    authority: str = ""  # "KT. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN", or "" when the head signs
    title: str = "GIÁM ĐỐC"  # "PHÓ GIÁM ĐỐC"
    name: str = ""


@dataclass(frozen=True)
class Section:
    """A heading inside the body: level 1 "I. …" (bold, upper case as written), 2 "1. …" (bold),
    3 "a) …" (bold italic). The caller writes the numbering."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    indent: bool = True  # first line indented 1 cm
    italic: bool = False
    bold_lead: str = ""  # a bold lead-in before the text ("Kết luận: ")


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths_mm: tuple[float, ...] = ()  # defaults to equal columns over the text width
    caption: str = ""  # "Bảng 1. …", above the table
    align: tuple[str, ...] = ()  # per column: "l", "c" or "r" (numbers right); defaults to left
    bold_last_row: bool = False  # a total row


@dataclass(frozen=True)
class Image:
    png: bytes
    width_mm: float = TEXT_WIDTH_MM
    caption: str = ""  # "Biểu đồ 1. …", below the picture


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Section | Paragraph | Table | Image | PageBreak


@dataclass
class OfficialDocument:
    """A report ("BÁO CÁO" + title) or a letter (no type: `subject` "V/v …" under the number and
    `addressees` after "Kính gửi:")."""

    heading: Heading
    signature: Signature
    kind: str = ""  # "BÁO CÁO", "KẾ HOẠCH", "" for a letter (công văn)
    title: str = ""  # trích yếu of a typed document
    subject: str = ""  # "V/v …" of a letter, without "V/v"
    addressees: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận:"; "Lưu: VT, …" ends it
    archive: str = "Lưu: VT"
    provisional: bool = False  # working figures: "TẠM TÍNH" on every page
    author: str = ""  # the file's author property


# ------------------------------------------------------------------------------------------------
# Dates the way the decree writes them
# ------------------------------------------------------------------------------------------------


def place_date_line(place: str, date: dt.date | None, year: int | None = None) -> str:
    """The place-date line, "Khánh Hòa, ngày 05 tháng 02 năm 2025": a day below 10 and the months 1 and 2 take a leading
    zero (NĐ 30, Phụ lục I, mục 4); an undated document leaves room for the clerk."""
    if date is None:
        shown_year = year if year is not None else dt.date.today().year
        return f"{place}, ngày      tháng      năm {shown_year}"
    month = f"{date.month:02d}" if date.month <= 2 else str(date.month)
    return f"{place}, ngày {date.day:02d} tháng {month} năm {date.year}"


def number_line(number: str, symbol: str) -> str:
    """The number line, "Số: 05/BC-SYT"; a number below 10 takes a leading zero; blank leaves room: "Số:      /BC-SYT"."""
    number = number.strip()
    if number.isdigit() and int(number) < 10:
        number = f"{int(number):02d}"
    return f"Số: {number or '      '}/{symbol}" if symbol else f"Số: {number or '      '}"


# ------------------------------------------------------------------------------------------------
# Low-level formatting
# ------------------------------------------------------------------------------------------------


def _font(run, size: float, *, bold: bool = False, italic: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def _spacing(paragraph, *, before: float = 0, after: float = 0, line: float | None = 1.0) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if line is not None:
        fmt.line_spacing = line


def _line(container, text: str, size: float, *, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER, before=0, after=0, color=None):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    _spacing(paragraph, before=before, after=after)
    _font(paragraph.add_run(text), size, bold=bold, italic=italic, color=color)
    return paragraph


# Approximate advance widths of Times New Roman in ems, enough to size a rule "as long as the line".
_WIDE = set("MWmwĐÐ")


def text_width_mm(text: str, size: float, *, bold: bool = False) -> float:
    ems = 0.0
    for char in text:
        if char == " ":
            ems += 0.25
        elif char in "-.,:;/()ilI|'":
            ems += 0.3
        elif char in _WIDE:
            ems += 0.85
        elif char.isupper():
            ems += 0.70
        else:
            ems += 0.48
    if bold:
        ems *= 1.04
    return ems * size * 25.4 / 72


def _rule(container, *, width_mm: float, column_mm: float) -> None:
    """A thin solid line `width_mm` long, centred in a column `column_mm` wide: the top border of a
    small empty paragraph whose indents leave that width (NĐ 30 draws the rules as plain lines)."""
    paragraph = container.add_paragraph()
    content = column_mm - 2 * CELL_PADDING_MM if column_mm < TEXT_WIDTH_MM else column_mm
    side = max((content - width_mm) / 2, 0)
    paragraph.paragraph_format.left_indent = Mm(side)
    paragraph.paragraph_format.right_indent = Mm(side)
    _spacing(paragraph, before=3, after=0)
    _font(paragraph.add_run(""), 4)
    paragraph.paragraph_format.line_spacing = Pt(4)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)


def _clear_first_paragraph(cell) -> None:
    """A new cell holds one empty paragraph; the builders add their own."""
    cell._tc.remove(cell.paragraphs[0]._p)


def _fixed_table(document, widths_mm: tuple[float, ...], rows: int = 1, *, borders: bool = False):
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    if borders:
        table.style = document.styles["Table Grid"]
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        column.set(qn("w:w"), str(int(Mm(width).twips)))
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    return table


def _page_number_field(paragraph) -> None:
    run = paragraph.add_run()
    _font(run, 13)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# ------------------------------------------------------------------------------------------------
# The parts of the page
# ------------------------------------------------------------------------------------------------


def _setup(document, spec: OfficialDocument) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = section.footer_distance = Mm(10)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    normal.element.get_or_add_rPr().append(language)
    properties = document.core_properties
    properties.author = properties.last_modified_by = spec.author or spec.heading.issuing_body
    properties.title = " ".join(part for part in (spec.kind, spec.title or spec.subject) if part)
    properties.language = "vi-VN"
    stamp = dt.datetime.combine(spec.heading.date or dt.date(spec.heading.year or 2000, 1, 1), dt.time())
    properties.created = properties.modified = stamp
    properties.revision = 1


def _headers(document, spec: OfficialDocument) -> None:
    """Page numbers from page 2 (centred in the top margin); "TẠM TÍNH" on every page when provisional."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    mark = _("TẠM TÍNH — số liệu đang tính, chưa công bố")
    for header, numbered in ((section.first_page_header, False), (section.header, True)):
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _spacing(paragraph)
        if numbered:
            _page_number_field(paragraph)
        if spec.provisional:
            _line(header, mark, 13, bold=True, color=RGBColor(0xC0, 0x00, 0x00))


def _heading_table(document, spec: OfficialDocument) -> None:
    heading = spec.heading
    table = _fixed_table(document, (LEFT_COLUMN_MM, RIGHT_COLUMN_MM))
    left, right = table.rows[0].cells
    for cell in (left, right):
        _clear_first_paragraph(cell)
    if heading.parent_body:
        _line(left, heading.parent_body.upper(), 13)
    _line(left, heading.issuing_body.upper(), 13, bold=True)
    body_width = min(text_width_mm(heading.issuing_body.upper(), 13, bold=True), LEFT_COLUMN_MM - 2 * CELL_PADDING_MM)
    # 1/3 to 1/2 of the line; a short name ("SỞ Y TẾ") gets a rule about as long as itself.
    _rule(left, width_mm=max(body_width / 2, min(body_width, 20)), column_mm=LEFT_COLUMN_MM)
    _line(left, number_line(heading.number, heading.symbol), 13, before=4)
    if spec.subject:
        _line(left, f"V/v {spec.subject}", 12, before=2)
    national_size = 13 if text_width_mm(NATIONAL_HEADING, 13, bold=True) < RIGHT_COLUMN_MM - 2 * CELL_PADDING_MM else 12
    _line(right, NATIONAL_HEADING, national_size, bold=True)
    _line(right, MOTTO, 14, bold=True)
    _rule(right, width_mm=text_width_mm(MOTTO, 14, bold=True), column_mm=RIGHT_COLUMN_MM)
    _line(right, place_date_line(heading.place, heading.date, heading.year), 14, italic=True, before=6)


def _title(document, spec: OfficialDocument) -> None:
    if spec.kind:
        _line(document, spec.kind.upper(), 14, bold=True, before=18)
        if spec.title:
            _line(document, spec.title, 14, bold=True)
            longest = max(text_width_mm(part, 14, bold=True) for part in spec.title.splitlines())
            _rule(document, width_mm=min(longest, TEXT_WIDTH_MM) * 0.4, column_mm=TEXT_WIDTH_MM)
    if spec.addressees:
        _addressees(document, spec.addressees)


def _addressees(document, names: list[str]) -> None:
    if len(names) == 1:
        _line(document, f"Kính gửi: {names[0]}", 14, before=12, after=6)
        return
    _line(document, "Kính gửi:", 14, before=12, align=WD_ALIGN_PARAGRAPH.LEFT).paragraph_format.left_indent = Mm(40)
    for index, name in enumerate(names):
        ending = ";" if index < len(names) - 1 else "."
        paragraph = _line(document, f"- {name}{ending}", 14, align=WD_ALIGN_PARAGRAPH.LEFT, after=6 if ending == "." else 0)
        paragraph.paragraph_format.left_indent = Mm(62)


def _body_paragraph(document, block: Paragraph) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _spacing(paragraph, after=6, line=1.15)
    if block.indent:
        paragraph.paragraph_format.first_line_indent = FIRST_LINE_INDENT
    if block.bold_lead:
        _font(paragraph.add_run(block.bold_lead), 14, bold=True, italic=block.italic)
    _font(paragraph.add_run(block.text), 14, italic=block.italic)


def _section(document, block: Section) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _spacing(paragraph, before=6, after=6, line=1.15)
    paragraph.paragraph_format.first_line_indent = FIRST_LINE_INDENT
    paragraph.paragraph_format.keep_with_next = True
    _font(paragraph.add_run(block.text), 14, bold=True, italic=block.level >= 3)


def _cell_text(cell, text: str, size: float, *, bold: bool = False, align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    _spacing(paragraph, before=1, after=1)
    _font(paragraph.add_run(text), size, bold=bold)


_ALIGN = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER, "r": WD_ALIGN_PARAGRAPH.RIGHT}


def _table(document, block: Table) -> None:
    if block.caption:
        caption = _line(document, block.caption, 13, bold=True, before=6, after=3)
        caption.paragraph_format.keep_with_next = True
    columns = len(block.header)
    widths = block.widths_mm or tuple(TEXT_WIDTH_MM / columns for _ in range(columns))
    aligns = [_ALIGN[a] for a in (block.align or ("l",) * columns)]
    table = _fixed_table(document, widths, rows=1 + len(block.rows), borders=True)
    header_row = table.rows[0]
    _repeat_header(header_row)
    for cell, text in zip(header_row.cells, block.header, strict=True):
        _cell_text(cell, text, 12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for index, (row, values) in enumerate(zip(table.rows[1:], block.rows, strict=True)):
        bold = block.bold_last_row and index == len(block.rows) - 1
        for cell, text, align in zip(row.cells, values, aligns, strict=True):
            _cell_text(cell, text, 12, bold=bold, align=align)
    spacer = document.add_paragraph()
    _spacing(spacer, after=3)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        properties.append(OxmlElement(tag))


def _image(document, block: Image) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(paragraph, before=6, after=0)
    paragraph.paragraph_format.keep_with_next = bool(block.caption)
    paragraph.add_run().add_picture(io.BytesIO(block.png), width=Mm(min(block.width_mm, TEXT_WIDTH_MM)))
    if block.caption:
        _line(document, block.caption, 13, italic=True, after=6)


def _body(document, spec: OfficialDocument) -> None:
    first = document.add_paragraph()  # space between the title (or heading) and the text
    _spacing(first, after=6)
    for block in spec.blocks:
        if isinstance(block, Section):
            _section(document, block)
        elif isinstance(block, Paragraph):
            _body_paragraph(document, block)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Image):
            _image(document, block)
        elif isinstance(block, PageBreak):
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _closing(document, spec: OfficialDocument) -> None:
    """The recipients ("Nơi nhận:") on the left, the signature block on the right; the row never splits across pages."""
    _spacing(document.add_paragraph(), after=6)
    table = _fixed_table(document, (70, TEXT_WIDTH_MM - 70))
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    left, right = table.rows[0].cells
    for cell in (left, right):
        _clear_first_paragraph(cell)
    _line(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    for recipient in spec.recipients:
        _line(left, f"- {recipient};", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _line(left, f"- {spec.archive}.", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    signature = spec.signature
    if signature.authority:
        _line(right, signature.authority.upper(), 14, bold=True, before=6)
    _line(right, signature.title.upper(), 14, bold=True, before=0 if signature.authority else 6)
    for _index in range(4):  # room for the signature and the seal
        _line(right, "", 14)
    _line(right, signature.name, 14, bold=True)


def official_document(spec: OfficialDocument):
    """The python-docx Document of `spec`, laid out per NĐ 30/2020/NĐ-CP."""
    document = Document()
    _drop_template_thumbnail(document)
    _setup(document, spec)
    _headers(document, spec)
    _heading_table(document, spec)
    _title(document, spec)
    _body(document, spec)
    _closing(document, spec)
    return document


def _drop_template_thumbnail(document) -> None:
    """python-docx's template carries a picture of another document as the file's thumbnail."""
    relationships = document.part.package.rels
    for key, relationship in list(relationships.items()):
        if relationship.reltype == RT.THUMBNAIL:
            relationships.pop(key)


def official_document_bytes(spec: OfficialDocument) -> bytes:
    """The .docx file of `spec`, byte for byte the same for the same data (fixed zip timestamps)."""
    buffer = io.BytesIO()
    official_document(spec).save(buffer)
    return deterministic_zip(buffer.getvalue())


def deterministic_zip(data: bytes) -> bytes:
    """The same archive with every member dated 1980-01-01, so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return output.getvalue()
