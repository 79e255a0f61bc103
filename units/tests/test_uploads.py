"""Evidence uploads are untrusted: the extension and the content must agree on a kind we take, the size is
bounded, the stored name is random, and a file is served only as an attachment that no browser runs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from units.uploads import (
    PDF,
    EvidenceFileField,
    EvidenceLinkField,
    evidence_response,
    evidence_store,
    link_clean,
    safe_download_name,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP_BYTES = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def office_bytes(*parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            archive.writestr(part, "<x/>")
    return buffer.getvalue()


DOCX_BYTES = office_bytes("[Content_Types].xml", "word/document.xml")
XLSX_BYTES = office_bytes("[Content_Types].xml", "xl/workbook.xml")


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def refusal(data: bytes, filename: str) -> str:
    with pytest.raises(ValidationError) as caught:
        evidence_store(io.BytesIO(data), filename=filename)
    return caught.value.messages[0]


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (PDF_BYTES, "Biên bản họp.pdf", "pdf"),
        (JPEG_BYTES, "ảnh bảng tin.JPG", "jpeg"),
        (PNG_BYTES, "poster.png", "png"),
        (WEBP_BYTES, "anh.webp", "webp"),
        (DOCX_BYTES, "Kế hoạch.docx", "docx"),
        (XLSX_BYTES, "bang-theo-doi.xlsx", "xlsx"),
    ],
)
def test_each_kind_is_stored_under_media_with_a_random_name(media, data, filename, kind):
    stored = evidence_store(io.BytesIO(data), filename=filename)
    assert stored.kind == kind and stored.size == len(data)
    assert stored.name.startswith("evidence/") and Path(filename).stem not in stored.name
    assert (media / stored.name).read_bytes() == data
    assert stored.original_name.endswith(Path(filename).suffix.lower().replace(".jpg", ".jpg"))


def test_two_uploads_of_the_same_name_never_share_a_path():
    first = evidence_store(io.BytesIO(PNG_BYTES), filename="a.png")
    second = evidence_store(io.BytesIO(PNG_BYTES), filename="a.png")
    assert first.name != second.name


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"<script>alert(1)</script>", "bao-cao.pdf"),  # a page disguised as a PDF
        (b"<html><body onload=alert(1)>", "anh.png"),
        (b"MZ\x90\x00 a program", "anh.jpg"),
        (PNG_BYTES, "anh.webp"),  # a real image, but not what its name says
        (XLSX_BYTES, "ke-hoach.docx"),  # a workbook renamed .docx
        (b"PK\x03\x04 not really a zip", "ke-hoach.docx"),
    ],
)
def test_content_that_is_not_what_its_extension_says_is_refused(media, data, filename):
    message = refusal(data, filename)
    assert "Nội dung tệp không phải là" in message
    assert not any(media.rglob("*.*"))


@pytest.mark.parametrize("filename", ["trang.html", "hinh.svg", "cai-dat.exe", "macro.docm", "khong-duoi"])
def test_an_extension_we_do_not_take_is_refused_naming_the_allowed_ones(filename):
    message = refusal(PDF_BYTES, filename)
    assert message.startswith("Không nhận loại tệp") and ".pdf, .jpg" in message


def test_a_file_over_the_limit_is_refused_without_reading_it_all(settings):
    settings.EVIDENCE_MAX_BYTES = 512 * 1024
    source = io.BytesIO(PDF_BYTES + b"0" * 1024 * 1024)
    with pytest.raises(ValidationError) as caught:
        evidence_store(source, filename="lon.pdf")
    assert caught.value.messages == ["Tệp quá lớn: tối đa 0,5 MB một tệp."]
    assert source.tell() == 512 * 1024 + 1


def test_an_empty_file_is_refused():
    assert refusal(b"", "rong.pdf") == "Tệp rỗng."


def test_a_pdf_with_javascript_is_refused():
    message = refusal(PDF_BYTES.replace(b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "a.pdf")
    assert "mã chạy tự động" in message


def test_an_office_file_with_macros_is_refused():
    assert "macro" in refusal(office_bytes("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "a.docx")


def test_a_zip_bomb_disguised_as_docx_is_refused(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("word/document.xml", "0" * (3 * 1024 * 1024))
    assert refusal(buffer.getvalue(), "bom.docx") == "Tệp bị nén bất thường (gấp hơn 200 lần): không nhận."


def test_the_download_name_keeps_no_folder_and_no_control_character():
    assert safe_download_name("../../etc/passwd\r\n.pdf", PDF) == "passwd.pdf"
    assert safe_download_name("C:\\Users\\a\\Báo cáo.PDF", PDF) == "Báo cáo.pdf"
    assert safe_download_name("  ...  .pdf", PDF) == "minh-chung.pdf"


def test_a_file_is_served_as_an_attachment_that_no_browser_runs():
    stored = evidence_store(io.BytesIO(PDF_BYTES), filename="Biên bản.pdf")
    response = evidence_response(name=stored.name, download_name=stored.original_name, kind=stored.kind)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Bi%C3%AAn%20b%E1%BA%A3n.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("name", ["evidence/../../settings.py", "reports/published/x.xlsx", "evidence/2026/11/missing.pdf"])
def test_serving_refuses_a_name_outside_the_evidence_folder_or_missing(name):
    with pytest.raises(Http404):
        evidence_response(name=name, download_name="x.pdf", kind="pdf")


@pytest.mark.django_db
def test_media_is_served_by_no_url(client):
    stored = evidence_store(io.BytesIO(PNG_BYTES), filename="a.png")
    assert client.get(f"/media/{stored.name}").status_code == 404


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>", "file:///etc/passwd", "ftp://x.vn/a", "không phải link"])
def test_a_link_that_is_not_http_is_refused(url):
    with pytest.raises(ValidationError) as caught:
        link_clean(url)
    assert "http://" in caught.value.messages[0]


def test_an_http_link_is_kept():
    assert link_clean(" https://www.facebook.com/syt/posts/1 ") == "https://www.facebook.com/syt/posts/1"


class EvidenceForm(forms.Form):
    file = EvidenceFileField(required=False)
    link = EvidenceLinkField(required=False)


def test_the_form_fields_show_each_refusal_beside_the_field():
    form = EvidenceForm(data={"link": "javascript:alert(1)"}, files={"file": SimpleUploadedFile("a.pdf", b"<script>")})
    assert not form.is_valid()
    assert "Nội dung tệp không phải là PDF" in form.errors["file"][0]
    assert form.errors["link"]
    good = EvidenceForm(data={"link": "https://x.vn/a"}, files={"file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert good.is_valid(), good.errors
    assert good.cleaned_data["file"].read() == PDF_BYTES
