"""The campaign's signed-format report and a unit's (reports/documents/report.py), from the published snapshot."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from docx import Document

from reports.dashboards.distributions import catalogue, distributions, rules_by_question
from reports.documents.official import MOTTO, NATIONAL_HEADING
from reports.documents.report import ReportUnavailable, report_document, report_document_build
from reports.models import IndexScope, IndexValue, ReportHeading
from reports.publication import campaign_results_publish
from reports.tests.factories_dashboard import dashboard_fixture, responses_add  # noqa: F401 (fixture)
from units.formatting import percent_vi

pytestmark = pytest.mark.django_db

SHARE = re.compile(r"(\d{1,3},\d{2})%")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def text_of(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    section = document.sections[0]
    parts += [p.text for h in (section.header, section.first_page_header) for p in h.paragraphs]
    return "\n".join(parts)


@pytest.fixture
def published(alice, dashboard_data):
    campaign = dashboard_data.campaign
    ReportHeading.objects.create(
        campaign=campaign,
        parent_body="UBND TỈNH A",
        issuing_body="SỞ NỘI VỤ",
        symbol="BC-SNV",
        place="Tỉnh A",
        signer_authority="KT. GIÁM ĐỐC",
        signer_title="PHÓ GIÁM ĐỐC",
        signer_name="Nguyễn Văn An",
        recipients="Bộ Nội vụ (để báo cáo)\nCác xã, phường",
    )
    snapshot = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    return campaign, snapshot


def test_the_published_report_carries_the_heading_the_figures_and_the_signature(alice, published):
    campaign, snapshot = published
    data, name = report_document(actor=alice, campaign=campaign)
    assert name == f"bao-cao-{campaign.code}-v1.docx"
    text = text_of(data)
    assert NATIONAL_HEADING in text and MOTTO in text and "SỞ NỘI VỤ" in text and "Số:       /BC-SNV" in text
    assert "Nguyễn Văn An" in text and "KT. GIÁM ĐỐC" in text and "- Bộ Nội vụ (để báo cáo);" in text
    overall = IndexValue.objects.get(snapshot=snapshot, unit=campaign.organiser, scope=IndexScope.OVERALL, key="")
    assert f"Chỉ số hài lòng chung của Tỉnh A đạt {percent_vi(overall.value)}" in text
    assert "TẠM TÍNH" not in text
    assert "Số liệu theo phiên bản công bố số 1 ngày" in text and snapshot.checksum in text


def test_the_report_is_stored_at_publication_with_its_sha256_and_served_as_stored(alice, published):
    import hashlib

    campaign, snapshot = published
    stored = snapshot.document.read()
    assert hashlib.sha256(stored).hexdigest() == snapshot.document_sha256
    assert report_document(actor=alice, campaign=campaign)[0] == stored
    assert report_document_build(campaign=campaign, snapshot=snapshot) == stored  # deterministic


def test_every_closed_question_is_phrased_like_the_real_reports_and_adds_up_to_100(alice, published):
    campaign, snapshot = published
    text = text_of(report_document(actor=alice, campaign=campaign)[0])
    items = distributions(campaign, campaign.organiser, catalogue(campaign).questions, rules_by_question(campaign), published=snapshot)
    assert items
    for item in items:
        line = next(line for line in text.splitlines() if line.startswith(f"{item.question.code}. "))
        sentence = line.split("): ", 1)[1]
        assert re.match(r"\d{1,3},\d{2}% người được hỏi đánh giá ", sentence), sentence
        shares = [Decimal(s.replace(",", ".")) for s in SHARE.findall(sentence)]
        assert sum(shares) == Decimal("100.00"), line


def test_the_ranking_names_ties_and_the_target_verdict(alice, published):
    campaign, _snapshot = published
    text = text_of(report_document(actor=alice, campaign=campaign)[0])
    assert "1* | Xã A1 | 90,00%" in text and "2* | Phường A2 | 85,00%" in text and "3 | Sở Y tế A | 50,00% | 20 | CHƯA ĐẠT" in text
    assert "không khác biệt có ý nghĩa thống kê" in text and "Xã A1, Phường A2" in text
    assert "So với chỉ tiêu 80,00%" in text


def test_a_unit_report_is_issued_by_the_unit_and_placed_among_its_peers(alice, published, tree):
    campaign, _snapshot = published
    data, name = report_document(actor=alice, campaign=campaign, unit=tree["A1"])
    assert name == f"bao-cao-{campaign.code}-A1-v1.docx"
    text = text_of(data)
    assert "XÃ A1" in text and "Chỉ số hài lòng chung của Xã A1 đạt 90,00%" in text
    assert "Vị trí so với các đơn vị cùng cấp" in text


def test_without_published_figures_a_unit_manager_gets_a_clear_refusal_and_an_official_a_provisional_report(
    alice, dashboard_data, make_user, tree
):
    from units.models import Role

    manager = make_user("giamdoc", Role.UNIT_MANAGER, tree["A-BV"])
    with pytest.raises(ReportUnavailable, match="chưa công bố kết quả"):
        report_document(actor=manager, campaign=dashboard_data.campaign, unit=tree["A-BV"])
    data, name = report_document(actor=alice, campaign=dashboard_data.campaign)
    assert name.endswith("-tam-tinh.docx")
    document = Document(io.BytesIO(data))
    for header in (document.sections[0].header, document.sections[0].first_page_header):
        assert "TẠM TÍNH" in "\n".join(p.text for p in header.paragraphs)


# ------------------------------------------------------------------------------------------ pages and the command


def test_the_dashboard_and_unit_page_offer_the_report_and_the_files_download(client, alice, published, tree):
    from django.urls import reverse

    campaign, _snapshot = published
    client.force_login(alice)
    page = client.get(reverse("reports:dashboard", args=[campaign.code])).content.decode()
    assert 'id="report-docx"' in page and 'id="report-heading"' in page
    response = client.get(reverse("reports:report_document", args=[campaign.code]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'bao-cao-{campaign.code}-v1.docx"')
    unit_page = client.get(reverse("reports:unit", args=[campaign.code, "A1"])).content.decode()
    assert 'id="report-docx"' in unit_page
    unit_file = client.get(reverse("reports:unit_report_document", args=[campaign.code, "A1"]))
    assert unit_file.status_code == 200 and "Xã A1" in text_of(unit_file.content)


def test_the_public_page_offers_the_stored_report_with_its_sha256(client, published):
    from django.urls import reverse

    campaign, snapshot = published
    page = client.get(reverse("reports:public_results", args=[campaign.code])).content.decode()
    assert 'id="public-document"' in page and snapshot.document_sha256 in page
    response = client.get(reverse("reports:public_document", args=[campaign.code, 1]))
    assert response.status_code == 200 and response.content == snapshot.document.open("rb").read()


def test_a_reader_of_an_unpublished_campaign_gets_a_vietnamese_message_not_an_error(client, bob, dashboard_data):
    from django.urls import reverse

    client.force_login(bob)
    response = client.get(reverse("reports:report_document", args=[dashboard_data.campaign.code]))
    assert response.status_code == 409 and "chưa công bố kết quả" in response.content.decode()
    working = client.get(reverse("reports:report_document", args=[dashboard_data.campaign.code]) + "?so-lieu=tam-tinh")
    assert working.status_code == 409
    page = client.get(reverse("reports:dashboard", args=[dashboard_data.campaign.code])).content.decode()
    assert 'id="report-none"' in page and 'id="report-working"' not in page


def test_an_outsider_gets_404_for_the_report(client, charlie, dashboard_data):
    from django.urls import reverse

    client.force_login(charlie)
    assert client.get(reverse("reports:report_document", args=[dashboard_data.campaign.code])).status_code == 404
    assert client.get(reverse("reports:unit_report_document", args=[dashboard_data.campaign.code, "A1"])).status_code == 404


def test_export_report_writes_the_docx_and_keeps_xlsx_as_the_default(published, tmp_path):
    from django.core.management import call_command
    from openpyxl import load_workbook

    campaign, _snapshot = published
    call_command("export_report", campaign.code, "--format", "docx", "--out", str(tmp_path / "r.docx"))
    assert NATIONAL_HEADING in text_of((tmp_path / "r.docx").read_bytes())
    call_command("export_report", campaign.code, "--format", "docx", "--unit", "A2", "--out", str(tmp_path / "u.docx"))
    assert "Phường A2" in text_of((tmp_path / "u.docx").read_bytes())
    call_command("export_report", campaign.code, "--out", str(tmp_path / "r.xlsx"))
    assert "Tổng hợp" in load_workbook(tmp_path / "r.xlsx").sheetnames


def test_export_report_refuses_an_unknown_unit_and_a_campaign_without_figures(published, tmp_path, tree):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    campaign, _snapshot = published
    with pytest.raises(CommandError, match="Không có đơn vị «B1»"):
        call_command("export_report", campaign.code, "--format", "docx", "--unit", "B1", "--out", str(tmp_path / "x.docx"))
    assert not (tmp_path / "x.docx").exists()


def test_the_heading_defaults_come_from_the_organiser(dashboard_data, tree):
    from reports.documents.headings import heading_default

    default = heading_default(dashboard_data.campaign)
    assert default.issuing_body == "UBND TỈNH A" and default.symbol == "BC-A" and default.place == "A"
    assert default.signer_title == "CHỦ TỊCH"


def test_an_official_saves_the_heading_in_the_admin_with_defaults_offered(client, alice, dashboard_data):
    from django.urls import reverse

    client.force_login(alice)
    campaign = dashboard_data.campaign
    form = client.get(reverse("admin:reports_reportheading_add") + f"?campaign={campaign.pk}")
    assert form.status_code == 200 and "BC-A" in form.content.decode() and "Cơ quan ban hành" in form.content.decode()
    response = client.post(
        reverse("admin:reports_reportheading_add"),
        {
            "campaign": campaign.pk,
            "parent_body": "",
            "issuing_body": "SỞ NỘI VỤ",
            "number": "",
            "symbol": "BC-SNV",
            "place": "Khánh Hòa",
            "issued_on": "",
            "signer_authority": "KT. GIÁM ĐỐC",
            "signer_title": "PHÓ GIÁM ĐỐC",
            "signer_name": "Lê Thị Hoa",
            "recipients": "Bộ Nội vụ",
            "archive": "Lưu: VT",
        },
    )
    assert response.status_code == 302
    heading = ReportHeading.objects.get(campaign=campaign)
    assert heading.signer_name == "Lê Thị Hoa"
    again = client.get(reverse("admin:reports_reportheading_add") + f"?campaign={campaign.pk}")
    assert again.status_code == 302 and again["Location"] == reverse("admin:reports_reportheading_change", args=[heading.pk])


def test_a_unit_below_the_minimum_size_is_named_apart_with_its_count_and_never_ranked(alice, dashboard_data, make_unit, tree):
    from reports.services import index_recompute

    campaign = dashboard_data.campaign
    small = make_unit("A3", "Xã A3", "commune", tree["A"])
    responses_add(campaign, small, [(3, 5)])
    index_recompute(campaign.pk, full=True)
    campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    text = text_of(report_document(actor=alice, campaign=campaign)[0])
    assert "Không xếp hạng các đơn vị chưa đủ cỡ mẫu tối thiểu để công bố (ít nhất 20 người trả lời" in text
    assert "Xã A3 (3 phiếu)" in text and "| Xã A3 |" not in text


def test_a_departments_default_heading_names_the_provinces_peoples_committee_and_the_short_body(make_unit):
    from campaigns.models import Campaign
    from reports.documents.headings import heading_default

    province = make_unit("56", "Khánh Hòa", "province")
    department = make_unit("KH-SYT", "Sở Y tế tỉnh Khánh Hòa", "department", province)
    default = heading_default(Campaign(organiser=department, year=2025))
    assert (default.parent_body, default.issuing_body, default.symbol, default.place) == (
        "UBND TỈNH KHÁNH HÒA",
        "SỞ Y TẾ",
        "BC-SYT",
        "Khánh Hòa",
    )
    assert default.signer_title == "GIÁM ĐỐC" and default.recipient_list[0] == "UBND tỉnh Khánh Hòa (để báo cáo)"
