"""Evidence uploads (photos, scans, documents, links), treated as untrusted from the first byte to the last.

An uploaded file is accepted only when its extension AND its content agree on one of the kinds below (a
script renamed .pdf is refused), when it is no larger than EVIDENCE_MAX_BYTES, and, for Office files, when
the zip holds the parts of that kind within the bounds every Office upload keeps (units.spreadsheets.zip_parts)
and no macros. A PDF that declares JavaScript, a launch action or embedded files is refused. The file is
stored under MEDIA_ROOT with a random name and the extension of its kind (never a part of the user's name:
that is kept only as the download's name), and it is served only through a view that asked the access
policy, as an attachment with `nosniff` and a sandboxing CSP (`evidence_response`); /media/ is served by
no one (ops/nginx.conf). Links are separate: http(s) only, shown as links, never fetched by the server.
Every refusal is a ValidationError with a Vietnamese message, so forms show it beside the field.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import IO

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.spreadsheets import ImportFailed, zip_parts

EVIDENCE_FOLDER = "evidence"
# Served with every evidence file: no sniffing a type other than ours, no script, no plug-in, no frame.
SANDBOX_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
PDF_ACTIVE = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
LINK_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of evidence we accept: its extensions, the type it is served as, and how its content is recognised."""

    code: str
    label: str
    extensions: tuple[str, ...]
    content_type: str


PDF = Kind("pdf", "PDF", (".pdf",), "application/pdf")
JPEG = Kind("jpeg", "JPEG", (".jpg", ".jpeg"), "image/jpeg")
PNG = Kind("png", "PNG", (".png",), "image/png")
WEBP = Kind("webp", "WebP", (".webp",), "image/webp")
DOCX = Kind("docx", "Word (.docx)", (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = Kind("xlsx", "Excel (.xlsx)", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
KINDS = (PDF, JPEG, PNG, WEBP, DOCX, XLSX)
KINDS_BY_CODE = {kind.code: kind for kind in KINDS}
# The parts an Office file of each kind must hold, and its macro parts (refused).
OFFICE_PARTS = {"docx": ("[Content_Types].xml", "word/document.xml"), "xlsx": ("[Content_Types].xml", "xl/workbook.xml")}
MACRO_PARTS = ("word/vbaProject.bin", "xl/vbaProject.bin")


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """What `evidence_store` kept: the storage name (random), the user's name for the download, the kind and size."""

    name: str
    original_name: str
    kind: str
    size: int

    @property
    def content_type(self) -> str:
        return KINDS_BY_CODE[self.kind].content_type


def accepted_extensions() -> str:
    """For the file input's `accept` and for messages: ".pdf, .jpg, …"."""
    return ", ".join(extension for kind in KINDS for extension in kind.extensions)


def _kind_by_extension(filename: str) -> Kind:
    extension = posixpath.splitext(filename.lower().strip())[1]
    for kind in KINDS:
        if extension in kind.extensions:
            return kind
    raise ValidationError(
        _("Không nhận loại tệp «%(ext)s». Chỉ nhận: %(allowed)s.")
        % {"ext": extension or _("không có đuôi"), "allowed": accepted_extensions()},
        code="evidence_type",
    )


def _content_is(kind: Kind, data: bytes) -> bool:
    """Whether the bytes are what the kind's format starts with (Office files are checked further)."""
    if kind is PDF:
        return data.startswith(b"%PDF-")
    if kind is JPEG:
        return data.startswith(b"\xff\xd8\xff")
    if kind is PNG:
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if kind is WEBP:
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return data[:4] == b"PK\x03\x04"


def _office_check(kind: Kind, data: bytes) -> None:
    not_this = _("Nội dung tệp không phải là %(kind)s dù tên tệp có đuôi của loại này.") % {"kind": kind.label}
    try:
        names = {part.filename for part in zip_parts(data, not_this=not_this)}
    except ImportFailed as failed:
        raise ValidationError(failed.errors[0].message, code="evidence_content") from None
    if not set(OFFICE_PARTS[kind.code]) <= names:
        raise ValidationError(not_this, code="evidence_content")
    if names.intersection(MACRO_PARTS):
        raise ValidationError(
            _("Tệp có macro không được nhận: hãy lưu lại dưới dạng %(kind)s không macro.") % {"kind": kind.label}, code="evidence_active"
        )


def _pdf_check(data: bytes) -> None:
    if any(marker in data for marker in PDF_ACTIVE):
        raise ValidationError(
            _("Tệp PDF có mã chạy tự động (JavaScript, lệnh mở chương trình hoặc tệp đính kèm): không nhận. Hãy in lại thành PDF thường."),
            code="evidence_active",
        )


def max_bytes_text() -> str:
    return _("%(mb)s MB") % {"mb": f"{settings.EVIDENCE_MAX_BYTES / (1024 * 1024):g}".replace(".", ",")}


def evidence_read(upload: IO[bytes], filename: str) -> tuple[Kind, bytes]:
    """Read an upload no further than EVIDENCE_MAX_BYTES + 1 and return its kind and bytes.

    Raises ValidationError (Vietnamese) for an empty or too large file, an extension we do not take, or
    content that is not what the extension says (or an Office file with macros, a PDF with active content).
    """
    kind = _kind_by_extension(filename)
    limit = settings.EVIDENCE_MAX_BYTES
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if not data:
        raise ValidationError(_("Tệp rỗng."), code="evidence_empty")
    if len(data) > limit:
        raise ValidationError(_("Tệp quá lớn: tối đa %(max)s một tệp.") % {"max": max_bytes_text()}, code="evidence_size")
    if not _content_is(kind, data):
        raise ValidationError(
            _("Nội dung tệp không phải là %(kind)s dù tên tệp có đuôi của loại này: không nhận.") % {"kind": kind.label},
            code="evidence_content",
        )
    if kind.code in OFFICE_PARTS:
        _office_check(kind, data)
    if kind is PDF:
        _pdf_check(data)
    return kind, data


def safe_download_name(filename: str, kind: Kind) -> str:
    """The user's file name, kept only to name the download: no folders, no control characters, at most 120
    characters, ending in the extension of its kind."""
    base = posixpath.basename(filename.replace("\\", "/"))
    stem = posixpath.splitext(base)[0]
    stem = "".join(ch for ch in unicodedata.normalize("NFC", stem) if unicodedata.category(ch)[0] != "C")
    stem = re.sub(r"[\"<>:|?*/]+", "_", stem).strip(" .") or _("minh-chung")
    return stem[:120] + kind.extensions[0]


def evidence_store(upload: IO[bytes], *, filename: str) -> StoredEvidence:
    """Check an uploaded file (`evidence_read`) and store it under MEDIA_ROOT/evidence/YYYY/MM/ with a random
    name; the caller keeps the returned StoredEvidence on its row and serves it with `evidence_response`."""
    kind, data = evidence_read(upload, filename)
    now = timezone.now()
    name = f"{EVIDENCE_FOLDER}/{now:%Y/%m}/{uuid.uuid4().hex}{kind.extensions[0]}"
    saved = default_storage.save(name, ContentFile(data))
    return StoredEvidence(name=saved, original_name=safe_download_name(filename, kind), kind=kind.code, size=len(data))


def evidence_delete(name: str) -> None:
    """Remove a stored evidence file (a row that held it was deleted or its file replaced)."""
    if name.startswith(f"{EVIDENCE_FOLDER}/") and default_storage.exists(name):
        default_storage.delete(name)


def link_clean(url: str) -> str:
    """A link given as evidence: http or https only (no javascript:, data:, file:), at most LINK_MAX_CHARS."""
    url = (url or "").strip()
    if len(url) > LINK_MAX_CHARS:
        raise ValidationError(_("Đường dẫn quá dài (tối đa %(n)d ký tự).") % {"n": LINK_MAX_CHARS}, code="link_length")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            _("Đường dẫn không hợp lệ: chỉ nhận địa chỉ bắt đầu bằng http:// hoặc https://."), code="link_invalid"
        ) from None
    return url


def evidence_response(*, name: str, download_name: str, kind: str) -> FileResponse:
    """Serve a stored evidence file as an attachment, never inline. The caller has asked the access policy.

    Headers: Content-Disposition attachment (the safe download name), the type of its checked kind,
    `X-Content-Type-Options: nosniff`, a sandboxing CSP, and no caching by shared caches.
    """
    if kind not in KINDS_BY_CODE or not name.startswith(f"{EVIDENCE_FOLDER}/") or ".." in name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(
        default_storage.open(name, "rb"), as_attachment=True, filename=download_name, content_type=KINDS_BY_CODE[kind].content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


class EvidenceFileField(forms.FileField):
    """A form's file input for evidence: the browser is told the extensions; `clean` runs `evidence_read`,
    so the form shows each refusal beside the field. The form's service stores it with `evidence_store`."""

    default_error_messages = {"required": gettext_lazy("Hãy chọn một tệp.")}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": accepted_extensions()}))
        kwargs.setdefault("max_length", 255)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "read"):
            evidence_read(upload, upload.name)
            upload.seek(0)
        return upload


class EvidenceLinkField(forms.URLField):
    """A form's link input for evidence: http(s) only (`link_clean`)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", LINK_MAX_CHARS)
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return link_clean(value) if value else value
