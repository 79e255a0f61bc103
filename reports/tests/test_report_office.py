"""The signed-format report opened by LibreOffice in a separate process, as an official's computer would.

Needs `soffice` (make office: libreoffice-writer-nogui) and `pdftotext` (poppler-utils); `make test` installs both.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from reports.documents.official import MOTTO, NATIONAL_HEADING, Heading, OfficialDocument, Paragraph, Signature, official_document_bytes
from reports.models import ReportHeading
from reports.publication import campaign_results_publish
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.office]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def soffice() -> str:
    found = shutil.which("soffice")
    if found is None or shutil.which("pdftotext") is None:
        pytest.fail(
            "LibreOffice hoặc pdftotext chưa được cài: chạy `make office` (apt-get install libreoffice-writer-nogui poppler-utils)."
        )
    return found


def pdf_text(soffice: str, docx: bytes, folder: Path) -> str:
    """Convert with soffice in its own process and profile, then read the PDF's text with pdftotext."""
    source = folder / "bao-cao.docx"
    source.write_bytes(docx)
    command = [
        soffice,
        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        str(source),
    ]
    finished = subprocess.run(command, capture_output=True, timeout=180, check=False)
    assert finished.returncode == 0, finished.stderr
    pdf = folder / "bao-cao.pdf"
    assert pdf.exists() and pdf.stat().st_size > 5000
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, timeout=60, check=True).stdout.decode()


def test_the_published_report_opens_in_libreoffice_with_its_heading_figures_and_signature(client, alice, dashboard_data, soffice, tmp_path):
    campaign = dashboard_data.campaign
    ReportHeading.objects.create(campaign=campaign, issuing_body="SỞ NỘI VỤ", symbol="BC-SNV", place="Tỉnh A", signer_name="Nguyễn Văn An")
    campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    response = client.get(reverse("reports:public_document", args=[campaign.code, 1]))
    assert response.status_code == 200
    text = " ".join(pdf_text(soffice, response.content, tmp_path).split())
    assert NATIONAL_HEADING in text and MOTTO in text and "SỞ NỘI VỤ" in text and "Nguyễn Văn An" in text
    assert "Chỉ số hài lòng chung của Tỉnh A đạt 75,00%" in text
    assert (
        "30,00% người được hỏi đánh giá rất hài lòng; 45,00% hài lòng; 5,00% bình thường; 3,33% không hài lòng; 16,67% rất không hài lòng."
        in text
    )
    assert "TẠM TÍNH" not in text


def test_a_letter_in_the_administrative_format_opens_in_libreoffice(soffice, tmp_path):
    letter = OfficialDocument(
        heading=Heading(issuing_body="UBND HUYỆN CAM LÂM", symbol="UBND-VP", place="Cam Lâm", year=2026),
        signature=Signature(authority="TM. ỦY BAN NHÂN DÂN", title="CHỦ TỊCH", name="Trần Văn Bình"),
        subject="phối hợp tổ chức truyền thông khảo sát sự hài lòng",
        addressees=["Ủy ban nhân dân các xã"],
        blocks=[Paragraph("Đề nghị các xã niêm yết thông báo tại bộ phận một cửa.")],
    )
    text = " ".join(pdf_text(soffice, official_document_bytes(letter), tmp_path).split())
    assert "V/v phối hợp tổ chức" in text and "Kính gửi: Ủy ban nhân dân các xã" in text and "Trần Văn Bình" in text


def test_an_official_downloads_the_provisional_report_as_pdf_marked_tam_tinh(client, alice, dashboard_data, soffice, tmp_path):
    client.force_login(alice)
    response = client.get(reverse("reports:report_document", args=[dashboard_data.campaign.code]) + "?dinh-dang=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "tam-tinh.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, timeout=60, check=True).stdout.decode()
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2 and all("TẠM TÍNH" in page for page in pages)
