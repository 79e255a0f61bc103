import pytest
from django.core.management import CommandError, call_command

from units.models import AuditEntry, Unit
from units.tests.xlsx import xlsx_bytes

HEADER = ["code", "name", "type", "parent_code"]


def write(tmp_path, rows, name="units.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx_bytes([HEADER, *rows]))
    return str(path)


def run_import(path):
    call_command("import_units", path)


def test_a_good_file_adds_units_under_their_parents_in_any_row_order(db, tmp_path, make_unit):
    make_unit("56", "Khánh Hòa", "province")
    path = write(
        tmp_path,
        [
            ["BV1", "Bệnh viện Đa khoa", "hospital", "SYT"],
            ["SYT", "Sở Y tế", "Sở, ban, ngành", "56"],
            ["TOP", "Cơ quan trung ương", "agency", None],
        ],
    )
    run_import(path)
    hospital = Unit.objects.get(code="BV1")
    assert hospital.path == "56/SYT/BV1/"
    assert hospital.depth == 2
    assert Unit.objects.get(code="SYT").type.code == "department"
    assert Unit.objects.get(code="TOP").parent is None
    assert AuditEntry.objects.filter(action="unit.import").exists()


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = write(tmp_path, [["X", "Đơn vị X", "agency", None]])
    run_import(path)
    entries = AuditEntry.objects.count()
    run_import(path)
    assert Unit.objects.filter(code="X").count() == 1
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([["A", "Đơn vị A", "agency", "NOPE"]], "dòng 3, cột «parent_code»: Không tìm thấy đơn vị cha «NOPE»"),
        ([["A", "Đơn vị A", "agency", None], ["A", "Trùng", "agency", None]], "dòng 4, cột «code»: Mã «A» bị trùng với dòng 3"),
        ([["A", "Đơn vị A", "spaceship", None]], "dòng 3, cột «type»: Loại đơn vị «spaceship» không tồn tại"),
        ([["A", None, "agency", None]], "dòng 3, cột «name»: Thiếu tên đơn vị"),
        ([["A/B", "Đơn vị", "agency", None]], "dòng 3, cột «code»: Mã «A/B» không hợp lệ"),
    ],
)
def test_a_bad_row_saves_nothing_and_names_sheet_row_and_column(db, tmp_path, capsys, rows, fragment):
    path = write(tmp_path, [["GOOD", "Đơn vị tốt", "agency", None], *rows])  # the bad rows start at row 3
    before = Unit.objects.count()
    with pytest.raises(CommandError):
        run_import(path)
    errors = capsys.readouterr().err
    assert "Trang tính «Sheet1»" in errors
    assert fragment in errors
    assert Unit.objects.count() == before


def test_an_empty_file_is_refused(db, tmp_path, capsys):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(CommandError):
        run_import(str(path))
    assert "Tệp rỗng" in capsys.readouterr().err


def test_a_file_that_is_not_excel_is_refused(db, tmp_path, capsys):
    path = tmp_path / "units.xlsx"
    path.write_text("code,name,type,parent_code\nA,B,agency,\n")
    with pytest.raises(CommandError):
        run_import(str(path))
    assert "không phải là tệp Excel" in capsys.readouterr().err


def test_a_sheet_without_the_required_columns_is_refused(db, tmp_path, capsys):
    path = tmp_path / "units.xlsx"
    path.write_bytes(xlsx_bytes([["ma", "ten"], ["A", "B"]]))
    with pytest.raises(CommandError):
        run_import(str(path))
    err = capsys.readouterr().err
    assert "dòng 1, cột «code»: Thiếu cột bắt buộc" in err
    assert Unit.objects.filter(code="A").count() == 0


def test_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        run_import("/nonexistent/file.xlsx")
