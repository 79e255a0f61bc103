"""Uploads bounded at the edge: what an .xlsx unpacks to, how many rows and columns it holds, and what
its cells may be (no formulas, no merged cells) are checked before a cell is parsed, and refused with a
Vietnamese message naming the sheet, row and cell. Every import reads through units.spreadsheets."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command

from units.access import SYSTEM
from units.models import Unit
from units.services import units_import
from units.spreadsheets import ImportFailed, open_workbook, read_rows, sheet_data_rows
from units.tests.xlsx import SHEET, sheet_xml, text_row, xlsx_bytes, xlsx_with, zip_bomb_xlsx

pytestmark = pytest.mark.django_db
HEADER = ["code", "name", "type", "parent_code"]


def refusal(data: bytes) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        units_import(source=io.BytesIO(data), actor=SYSTEM)
    return caught.value


def test_a_zip_bomb_is_refused_within_a_second_and_100_mb(client, alice, unit_types):
    """The attack: 4.4 MB that unpack to 4 GB of sheet. Refused on the zip's directory, through the admin page."""
    bomb = zip_bomb_xlsx(4000)
    assert len(bomb) < 5 * 1024 * 1024 and sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 4 * 10**9
    client.force_login(alice)

    def upload() -> io.BytesIO:
        file = io.BytesIO(bomb)
        file.name = "don-vi.xlsx"
        return file

    started = time.monotonic()  # the first request, cold
    page = client.post("/admin/units/unit/import/", {"file": upload()})
    elapsed = time.monotonic() - started
    assert page.status_code == 200 and "Tệp bị nén bất thường" in page.content.decode()
    tracemalloc.start()  # slows Python down: memory is measured on a second request
    client.post("/admin/units/unit/import/", {"file": upload()})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 1.0 and peak < 100 * 1024 * 1024, (elapsed, peak)
    assert not Unit.objects.filter(code="x").exists()


def test_the_bomb_is_refused_by_every_import_that_reads_excel(tree, unit_types):
    from campaigns.frames import frame_import
    from reports.estimation.population import population_import
    from surveys.services.response_import import responses_import
    from surveys.tests.factories_collection import make_campaign
    from surveys.xlsform import xlsform_spec

    bomb = zip_bomb_xlsx(1000)
    campaign = make_campaign(organiser=tree["A"], units=[tree["A1"]]).campaign
    for run in (
        lambda: frame_import(campaign=campaign, source=io.BytesIO(bomb), actor=SYSTEM),
        lambda: responses_import(campaign=campaign, source=io.BytesIO(bomb), actor=SYSTEM),
        lambda: population_import(campaign=campaign, source=io.BytesIO(bomb), actor=SYSTEM),
        lambda: xlsform_spec(io.BytesIO(bomb)),
    ):
        started = time.monotonic()
        with pytest.raises(ImportFailed, match="giải nén|nén bất thường"):
            run()
        assert time.monotonic() - started < 1.0


def test_a_part_packed_far_beyond_what_spreadsheets_pack_is_refused(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 10**10  # the sum alone would let it through
    assert "nén bất thường" in refusal(zip_bomb_xlsx(50)).errors[0].message


def test_more_than_the_unpacked_limit_is_refused_however_well_packed(settings, unit_types):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    data = xlsx_bytes([HEADER, *[[f"U{n}", f"Đơn vị số {n}", "agency", None] for n in range(20_000)]])
    assert "Tệp quá lớn khi giải nén (tối đa 1 MB)" in refusal(data).errors[0].message


def test_a_sheet_declaring_a_million_rows_is_refused_before_openpyxl_pads_them(unit_types):
    rows = text_row(1, *zip(["A1", "B1", "C1", "D1"], HEADER, strict=True)) + text_row(1_048_576, ("A1048576", "X"))
    data = xlsx_with(xlsx_bytes([HEADER]), {SHEET: sheet_xml(rows, dimension="A1:XFD1048576")})
    started = time.monotonic()
    failure = refusal(data)
    assert time.monotonic() - started < 1.0
    assert "1.048.575 dòng dữ liệu, nhiều hơn giới hạn 200.000 dòng" in failure.errors[0].message


def test_more_rows_than_the_limit_are_refused_before_parsing(settings, unit_types):
    settings.IMPORT_MAX_ROWS = 5
    data = xlsx_bytes([HEADER, *[[f"U{n}", f"Đơn vị {n}", "agency", None] for n in range(6)]])
    workbook = open_workbook(io.BytesIO(data))
    assert sheet_data_rows(workbook) == 6
    with pytest.raises(ImportFailed, match="6 dòng dữ liệu, nhiều hơn giới hạn 5 dòng"):
        read_rows(workbook)
    settings.IMPORT_MAX_ROWS = 6
    assert units_import(source=io.BytesIO(data), actor=SYSTEM) == 6


def test_a_cell_beyond_column_zz_is_refused(unit_types):
    rows = text_row(1, *zip(["A1", "B1", "C1", "D1"], HEADER, strict=True)) + text_row(2, ("A2", "X"), ("AAA2", "xa"))
    data = xlsx_with(xlsx_bytes([HEADER]), {SHEET: sheet_xml(rows)})
    assert "sau cột ZZ" in refusal(data).errors[0].message


def test_merged_cells_are_refused_with_the_range_named(unit_types):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in [HEADER, ["A", "Đơn vị A", "agency", None], ["B", "Đơn vị B", "agency", None]]:
        sheet.append(row)
    sheet.merge_cells("B2:B3")
    buffer = io.BytesIO()
    book.save(buffer)
    failure = refusal(buffer.getvalue())
    assert (failure.errors[0].row, "Ô gộp B2:B3") == (2, failure.errors[0].message[:11])
    assert Unit.objects.count() == 0


def test_formulas_are_refused_with_each_cell_named(unit_types):
    data = xlsx_bytes([HEADER, ["A", "=HYPERLINK(\"http://x\",\"y\")", "agency", None], ["B", "Đơn vị B", "agency", "=A2"]])
    errors = refusal(data).errors
    assert [(error.row, error.column) for error in errors] == [(2, "name"), (3, "parent_code")]
    assert "Ô B2 chứa công thức" in errors[0].message and "Ô D3 chứa công thức" in errors[1].message
    assert Unit.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xd0\xcf\x11\xe0" + b"\0" * 600, "Tệp Excel cũ (.xls) hoặc tệp có mật khẩu"),
        (xlsx_with(xlsx_bytes([HEADER]), {"xl/vbaProject.bin": b"macro"}), "Tệp có macro (.xlsm)"),
        (xlsx_with(xlsx_bytes([HEADER]), {"xl/workbook.xml": None}), "không phải là tệp Excel"),
        (b"code,name,type,parent_code\nA,B,agency,\n", "không phải là tệp Excel"),
    ],
    ids=["xls or password", "macros", "a zip that is no workbook", "csv"],
)
def test_files_of_another_type_are_refused_by_their_content(unit_types, data, words):
    assert words in refusal(data).errors[0].message


def test_a_zip_of_too_many_parts_is_refused(unit_types):
    parts = {f"extra/p{n}.xml": b"<x/>" for n in range(1_001)}
    assert "quá nhiều thành phần" in refusal(xlsx_with(xlsx_bytes([HEADER]), parts)).errors[0].message


def test_an_upload_over_the_size_limit_is_not_read_whole(settings, unit_types):
    settings.UPLOAD_MAX_BYTES = 1000

    class Upload(io.BytesIO):
        largest = 0

        def read(self, size=-1):  # type: ignore[no-untyped-def]
            Upload.largest = max(Upload.largest, size)
            return super().read(size)

    with pytest.raises(ImportFailed) as caught:
        units_import(source=Upload(xlsx_bytes([HEADER]) + b"\0" * 10_000), actor=SYSTEM)
    failure = caught.value
    assert "Tệp quá lớn" in failure.errors[0].message and 0 < Upload.largest <= 1001


def test_over_long_values_are_refused_not_cut(unit_types):
    errors = refusal(xlsx_bytes([HEADER, ["A", "Đ" * 256, "agency", None]])).errors
    assert (errors[0].row, errors[0].column, errors[0].message) == (2, "name", "Tên dài quá 255 ký tự.")
    assert Unit.objects.count() == 0


def test_a_file_of_many_bad_rows_lists_the_first_errors_and_counts_them_all(tmp_path, unit_types, capsys):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(xlsx_bytes([HEADER, *[[f"U{n}", None, "spaceship", None] for n in range(1_500)]]))
    with pytest.raises(CommandError, match="3000 lỗi"):
        call_command("import_units", str(path))
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 101 and "dòng 2" in lines[0]
    assert "… và 2.900 lỗi khác: tệp có 3.000 lỗi" in lines[-1]
