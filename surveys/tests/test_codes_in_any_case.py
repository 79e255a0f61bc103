"""Codes as people write them: an XLSForm keeps its form_id as written, and every command, filter and page
finds a questionnaire, campaign or unit by a code typed in any letter case."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import CampaignRuleError, campaign_create
from surveys.models import Questionnaire, Response
from surveys.tests.test_import_responses import grant_survey_permissions
from units.access import SYSTEM
from units.models import Unit
from units.services import unit_save
from units.tests.xlsx import xlsx_bytes

FORM_ID = "SIPAS_Mot_Cua_2024"


def xlsform(tmp_path, form_id: str = FORM_ID, version: str = "1") -> str:
    """A small one-stop XLSForm: one group of two 5-level questions, the first required."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in [
        ["type", "name", "label::Tiếng Việt (vi)", "required"],
        ["begin group", "tiep_can", "Tiếp cận dịch vụ", ""],
        ["select_one muc5", "TC1", "Nơi ngồi chờ có đủ chỗ ngồi", "yes"],
        ["select_one muc5", "TC2", "Trang thiết bị phục vụ đầy đủ", ""],
        ["end group", "", "", ""],
    ]:
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Tiếng Việt (vi)"])
    for level, label in enumerate(["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"], start=1):
        choices.append(["muc5", str(level), label])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append([form_id, version, "Phiếu khảo sát một cửa 2024"])
    path = tmp_path / f"{form_id}.xlsx"
    book.save(path)
    return str(path)


def create_campaign(questionnaire: str, *, code: str = "Mot-Cua-2024", organiser: str = "a") -> str:
    out = StringIO()
    call_command(
        "create_campaign", "--code", code, "--name", "Một cửa 2024", "--organiser", organiser, "--questionnaire", questionnaire,
        "--start", "2024-01-01", "--end", "2099-12-31", "--scheme", "sipas", "--target", "80", stdout=out,
    )
    return out.getvalue()


def test_an_xlsform_keeps_its_form_id_exactly_as_written(db, tmp_path):
    out = StringIO()
    call_command("import_xlsform", xlsform(tmp_path), stdout=out)
    assert Questionnaire.objects.get().code == FORM_ID
    assert f"mã {FORM_ID} v1" in out.getvalue()


def test_a_form_id_with_vietnamese_letters_keeps_its_case_and_loses_only_what_a_code_cannot_hold(db, tmp_path):
    call_command("import_xlsform", xlsform(tmp_path, "Phiếu Một cửa Đắk Lắk"), stdout=StringIO())
    assert Questionnaire.objects.get().code == "Phieu-Mot-cua-Dak-Lak"


@pytest.mark.parametrize("typed", [FORM_ID, FORM_ID.lower(), FORM_ID.upper(), "sipas_mot_CUA_2024"])
def test_create_campaign_finds_the_xlsform_by_its_form_id_in_any_case(tree, tmp_path, typed):
    call_command("import_xlsform", xlsform(tmp_path), stdout=StringIO())
    assert "Đã tạo đợt «Mot-Cua-2024»" in create_campaign(typed)
    campaign = Campaign.objects.get()
    assert campaign.forms.get().questionnaire.code == FORM_ID
    assert dict(campaign.quotas.values_list("unit__code", "target")) == {"A1": 150, "A2": 200}


def test_the_same_form_id_in_another_case_is_the_next_version_of_the_same_questionnaire(db, tmp_path):
    call_command("import_xlsform", xlsform(tmp_path), stdout=StringIO())
    call_command("import_xlsform", xlsform(tmp_path, FORM_ID.lower()), stdout=StringIO())
    assert list(Questionnaire.objects.order_by("version").values_list("code", "version")) == [(FORM_ID, 1), (FORM_ID.lower(), 2)]
    out = tmp_path / "ra.xlsx"
    call_command("export_xlsform", FORM_ID.upper(), "--out", str(out), stdout=StringIO())
    assert openpyxl.load_workbook(out)["settings"]["A2"].value == FORM_ID.lower()  # the newest version


def test_every_campaign_command_takes_codes_typed_in_any_case(tree, tmp_path, capsys):
    call_command("import_xlsform", xlsform(tmp_path), stdout=StringIO())
    create_campaign(FORM_ID.lower(), organiser="a")
    call_command("activate_campaign", "mot-cua-2024", stdout=StringIO())
    assert Campaign.objects.get().status == CampaignStatus.ACTIVE
    rows = [["unit_code", "channel", "TC1", "TC2"], ["a1", "desk", 5, 4], ["A2", "desk", 2, None], ["a2", "desk", 4, 5]]
    paper = tmp_path / "phieu.xlsx"
    paper.write_bytes(xlsx_bytes(rows))
    call_command("import_responses", "MOT-CUA-2024", str(paper))
    assert sorted(Response.objects.values_list("unit__code", flat=True)) == ["A1", "A2", "A2"]
    call_command("recompute", "mot-cua-2024", stdout=StringIO())
    report = tmp_path / "bao-cao.xlsx"
    call_command("export_report", "MOT-cua-2024", "--out", str(report), stdout=StringIO())
    call_command("export_raw", "mot-CUA-2024", "--out", str(tmp_path / "tho.csv"), stdout=StringIO())
    assert report.stat().st_size > 0 and (tmp_path / "tho.csv").read_text(encoding="utf-8-sig").count("\n") >= 4
    with pytest.raises(CommandError, match="không có gì để rút"):
        call_command("draw_sample", "MOT-CUA-2024")  # found; the desk channel has nothing to draw


def test_pages_and_filters_take_codes_typed_in_any_case(client, alice, tree, tmp_path):
    call_command("import_xlsform", xlsform(tmp_path), stdout=StringIO())
    create_campaign(FORM_ID)
    call_command("activate_campaign", "Mot-Cua-2024", stdout=StringIO())
    paper = tmp_path / "phieu.xlsx"
    paper.write_bytes(xlsx_bytes([["unit_code", "channel", "TC1", "TC2"], ["A1", "desk", 5, 4]]))
    call_command("import_responses", "Mot-Cua-2024", str(paper), stdout=StringIO())
    call_command("recompute", "Mot-Cua-2024", stdout=StringIO())
    client.force_login(alice)
    assert client.get("/bao-cao/mot-cua-2024/").status_code == 200
    assert client.get("/bao-cao/MOT-CUA-2024/don-vi/a1/").status_code == 200
    unknown = "Không có đơn vị mã «zz»"
    assert unknown in client.get("/bao-cao/mot-cua-2024/", {"unit": "zz"}).content.decode()
    assert unknown.replace("zz", "a1") not in client.get("/bao-cao/mot-cua-2024/", {"unit": "a1"}).content.decode()
    grant_survey_permissions(alice)
    review = client.get("/giam-sat/phieu/", {"unit": "a1"}).content.decode()
    assert "Không tìm thấy đơn vị «a1»" not in review and "Không tìm thấy đơn vị «zz»" in client.get("/giam-sat/phieu/", {"unit": "zz"}).content.decode()


def test_codes_that_differ_only_by_case_cannot_be_saved_twice(tree):
    dates = {"fieldwork_start": dt.date(2025, 9, 1), "fieldwork_end": dt.date(2025, 11, 30)}
    campaign_create(code="sipas-2025", name="SIPAS", organiser=tree["A"], actor=SYSTEM, **dates)
    with pytest.raises(CampaignRuleError, match="đã tồn tại"):
        campaign_create(code="SIPAS-2025", name="SIPAS", organiser=tree["A"], actor=SYSTEM, **dates)
    with pytest.raises(IntegrityError):
        unit_save(unit=Unit(code="a1", name="Xã a1", type=tree["A1"].type, parent=tree["A"]), actor=SYSTEM)
    with pytest.raises(IntegrityError), transaction.atomic():
        Questionnaire.objects.bulk_create([Questionnaire(code="Phieu", version=1, title="x"), Questionnaire(code="PHIEU", version=1, title="y")])
    assert Campaign.objects.count() == 1 and Unit.objects.filter(code__iexact="a1").count() == 1


def test_the_units_import_finds_parents_and_units_in_any_case(alice, tree, tmp_path):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(xlsx_bytes([["code", "name", "type", "parent_code"], ["A3", "Xã A3", "commune", "a"], ["a1", "Xã A1 mới", "commune", "A"]]))
    call_command("import_units", str(path), stdout=StringIO())
    assert Unit.objects.get(code="A3").parent == tree["A"]
    assert Unit.objects.get(code="A1").name == "Xã A1 mới"  # the same unit, keeping the code it was saved with


def test_the_submission_api_finds_the_campaign_and_the_unit_in_any_letter_case(client, make_user, tree):
    from surveys.models import Response
    from surveys.tests.factories_collection import make_campaign, payload
    from units.models import Role

    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]])
    client.force_login(make_user("dtv-case", Role.ENUMERATOR, tree["A1"]))
    body = payload(setup, tree["A1"])
    body.update(campaign=body["campaign"].upper(), unit=body["unit"].lower())
    sent = client.post("/api/v1/responses/", data=json.dumps(body), content_type="application/json")
    assert sent.status_code == 201, sent.content
    stored = Response.objects.get(uuid=body["uuid"])
    assert (stored.campaign_id, stored.unit_id) == (setup.campaign.pk, tree["A1"].pk)
    again = client.post("/api/v1/responses/", data=json.dumps(body), content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == sent.json()["id"]


def test_a_form_id_a_code_cannot_hold_is_found_as_people_typed_it(db, tmp_path):
    from campaigns.selectors import questionnaire_latest

    call_command("import_xlsform", xlsform(tmp_path, form_id="Phiếu một cửa 2024"), stdout=StringIO())
    stored = Questionnaire.objects.get()
    assert stored.code == "Phieu-mot-cua-2024"
    for typed in ("Phiếu một cửa 2024", "phieu mot cua 2024", "PHIEU-MOT-CUA-2024"):
        assert questionnaire_latest(typed) == stored, typed
