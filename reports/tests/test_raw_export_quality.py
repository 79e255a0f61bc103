"""The raw export's data-quality columns (issue 15): enumerator, real date cells, duration, profile, flags,
review history and back-check result, in xlsx, CSV and the report workbook's raw sheet; no query per row."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from campaigns.models import QualityRules
from reports.raw_export import META_HEADERS, raw_export_write, raw_rows, raw_rows_append
from surveys.models import AnswerRevision, BackCheck, FlagKind, Question, Response, ResponseFlag, ResponseStatus, ResponseVersion
from surveys.quality.backchecks import BackCheckAnswers, backcheck_record, backchecks_draw
from surveys.services.responses import Submitter, response_submit
from surveys.services.review import responses_review
from surveys.tests.factories_collection import make_campaign, payload
from units.access import SYSTEM
from units.models import Role

pytestmark = pytest.mark.django_db

STARTED = dt.datetime(2026, 5, 12, 8, 30, tzinfo=dt.UTC)  # 15:30 in Hà Nội
SUBMITTED = dt.datetime(2026, 5, 12, 8, 37, 5, tzinfo=dt.UTC)
COLUMN = {header: index for index, header in enumerate(META_HEADERS)}


@pytest.fixture
def export(tree, make_user):
    """Three interviews by An (one flagged, sent back once and corrected, approved by Bình; one drawn and
    back-checked without a match; one drawn and not reached) and one by Chi (nothing special)."""
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], target=100)
    # No odd-hours flag whatever the clock says (21:00–06:00 by default): the flags here are the ones made below.
    QualityRules.objects.create(campaign=setup.campaign, odd_hours_start=0, odd_hours_end=0)
    an = make_user("dtv.an", Role.ENUMERATOR, tree["A1"], first_name="Nguyễn Văn An")
    chi = make_user("dtv.chi", Role.ENUMERATOR, tree["A1"])
    reviewer = make_user("gs.binh", Role.SUPERVISOR, tree["A"], first_name="Trần Bình")
    stored = [response_submit(payload=payload(setup, tree["A1"]), submitter=Submitter(user=user)).response for user in (an, an, an, chi)]
    Response.objects.filter(pk__in=[r.pk for r in stored]).update(started_at=STARTED, submitted_at=SUBMITTED, duration_seconds=425)
    first = stored[0]
    ResponseFlag.objects.create(response=first, kind=FlagKind.TOO_FAST, message="Làm trong 20 giây")
    ResponseFlag.objects.create(response=first, kind=FlagKind.DUPLICATE, message="Cùng số điện thoại với phiếu khác")
    ResponseVersion.objects.create(response=first, number=1, status=ResponseStatus.RETURNED, answers={})
    Response.objects.filter(pk=first.pk).update(version=2)
    questions = list(Question.objects.filter(questionnaire=setup.questionnaire, type="likert5")[:2])
    for question in questions:
        AnswerRevision.objects.create(
            response=first, question=question, kind="correction", version=2, old_value="3", new_value="4", reason="Gõ nhầm"
        )
    responses_review(responses=[Response.objects.get(pk=first.pk)], action="approve", actor=reviewer)
    Response.objects.filter(pk=first.pk).update(reviewed_at=dt.datetime(2026, 5, 13, 2, 0, tzinfo=dt.UTC))
    BackCheck.objects.create(campaign=setup.campaign, response=stored[1], enumerator=an, seed=1, items=[])
    BackCheck.objects.create(campaign=setup.campaign, response=stored[2], enumerator=an, seed=1, items=[])
    checks = list(BackCheck.objects.select_related("response", "campaign", "enumerator").order_by("response_id"))
    backcheck_record(actor=SYSTEM, backcheck=checks[0], answers=BackCheckAnswers(reached=True, interviewed=False))
    backcheck_record(actor=SYSTEM, backcheck=checks[1], answers=BackCheckAnswers(reached=False))
    Response.objects.filter(pk__in=[stored[2].pk, stored[3].pk]).update(status=ResponseStatus.SUBMITTED)  # counted again after the hold
    return setup, stored


def by_uuid(rows) -> dict[str, list]:
    return {str(row[0]): list(row) for row in rows[1:]}


def test_the_xlsx_has_real_date_cells_and_every_new_column_filled(tmp_path, export):
    setup, stored = export
    out = tmp_path / "tho.xlsx"
    assert raw_export_write(campaign=setup.campaign, out=out) == 4
    sheet = load_workbook(out)["Dữ liệu thô"]
    header = [cell.value for cell in sheet[1]]
    assert header[: len(META_HEADERS)] == META_HEADERS
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == str(stored[0].uuid))
    started, submitted = row[COLUMN["Bắt đầu lúc"]], row[COLUMN["Thời điểm gửi"]]
    assert started.is_date and submitted.is_date and started.number_format == "dd/mm/yyyy hh:mm"
    assert started.value == dt.datetime(2026, 5, 12, 15, 30) and submitted.value.replace(microsecond=0) == dt.datetime(
        2026, 5, 12, 15, 37, 5
    )
    values = {header: row[index].value for header, index in COLUMN.items()}
    assert values["Điều tra viên (tên đăng nhập)"] == "dtv.an" and values["Điều tra viên (họ tên)"] == "Nguyễn Văn An"
    assert values["Kênh"] == "Tại bộ phận một cửa" and values["Thời lượng (giây)"] == 425
    assert (values["Giới tính"], values["Nhóm tuổi"]) == ("Nữ", "Từ 35 đến 49 tuổi")
    assert values["Cờ chất lượng"] == "Người trả lời trùng: Cùng số điện thoại với phiếu khác | Quá nhanh: Làm trong 20 giây"
    assert values["Lịch sử duyệt"] == "v2; gửi lại 1 lần; sửa 2 câu; duyệt bởi Trần Bình 13/05/2026"
    rows = by_uuid(list(sheet.iter_rows(values_only=True)))
    results = [rows[str(r.uuid)][COLUMN["Kết quả phúc tra"]] for r in stored]
    assert results == [None, "Không khớp", "Không liên hệ được", None]
    assert rows[str(stored[1].uuid)][COLUMN["Cờ chất lượng"]].startswith("Phúc tra không khớp: ")
    assert rows[str(stored[3].uuid)][COLUMN["Lịch sử duyệt"]] == "v1"


def test_the_csv_writes_local_times_as_yyyy_mm_dd_hh_mm_and_numbers_as_numbers(tmp_path, export):
    setup, stored = export
    out = tmp_path / "tho.csv"
    raw_export_write(campaign=setup.campaign, out=out, fmt="csv")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][: len(META_HEADERS)] == META_HEADERS
    row = by_uuid(rows)[str(stored[0].uuid)]
    assert (row[COLUMN["Bắt đầu lúc"]], row[COLUMN["Thời điểm gửi"]]) == ("2026-05-12 15:30", "2026-05-12 15:37")
    assert row[COLUMN["Thời lượng (giây)"]] == "425" and row[COLUMN["Điều tra viên (tên đăng nhập)"]] == "dtv.an"
    assert row[COLUMN["Lịch sử duyệt"]].startswith("v2; gửi lại 1 lần")
    assert by_uuid(rows)[str(stored[1].uuid)][COLUMN["Kết quả phúc tra"]] == "Không khớp"


def test_the_report_workbooks_raw_sheet_has_the_same_columns_and_date_cells(export):
    setup, stored = export
    workbook = Workbook()
    assert raw_rows_append(workbook, campaign=setup.campaign) == 4
    sheet = workbook["Dữ liệu thô"]
    assert [cell.value for cell in sheet[1]][: len(META_HEADERS)] == META_HEADERS
    cell = sheet.cell(row=2, column=COLUMN["Thời điểm gửi"] + 1)
    assert cell.is_date and cell.number_format == "dd/mm/yyyy hh:mm"
    data = io.BytesIO()
    workbook.save(data)
    reread = load_workbook(data)["Dữ liệu thô"].cell(row=2, column=COLUMN["Bắt đầu lúc"] + 1)
    assert reread.is_date and reread.value == dt.datetime(2026, 5, 12, 15, 30)


def test_the_export_reads_each_table_once_per_chunk_whatever_the_number_of_rows(export, tree, make_user, monkeypatch):
    setup, _stored = export

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(raw_rows(campaign=setup.campaign))
        return len(captured)

    few = queries()
    more = make_user("dtv.moi", Role.ENUMERATOR, tree["A1"])
    for _ in range(6):
        response = response_submit(payload=payload(setup, tree["A1"]), submitter=Submitter(user=more)).response
        ResponseFlag.objects.create(response=response, kind=FlagKind.ODD_HOURS, message="23 giờ")
    backchecks_draw(actor=SYSTEM, campaign=setup.campaign, seed=3)
    assert queries() == few  # the same reads for ten rows as for four: none per row
    monkeypatch.setattr("reports.raw_export.CHUNK", 4)  # 10 responses in 3 chunks: the chunk's reads three times
    assert queries() > few
