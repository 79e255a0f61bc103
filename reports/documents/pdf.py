"""PDF copies of documents through LibreOffice (`soffice --headless --convert-to pdf`), where it is installed.

Each conversion runs in its own temporary folder with its own LibreOffice profile, so that two at once
do not share (and lock) one profile, and it is bounded in time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

CONVERT_SECONDS = 120


class PdfUnavailable(Exception):
    """No PDF: LibreOffice is missing or the conversion failed; the message says which, in Vietnamese."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice_path() is not None


def docx_to_pdf(data: bytes, *, name: str = "bao-cao.docx") -> bytes:
    """The PDF of a .docx, converted by LibreOffice in a separate process."""
    soffice = soffice_path()
    if soffice is None:
        raise PdfUnavailable(_("Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF; hãy tải bản Word (.docx)."))
    with tempfile.TemporaryDirectory(prefix="hl-pdf-") as folder:
        source = Path(folder) / name
        source.write_bytes(data)
        profile = Path(folder, "profile").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=CONVERT_SECONDS)
        except (subprocess.SubprocessError, OSError) as error:
            raise PdfUnavailable(
                _("LibreOffice không chuyển được báo cáo sang PDF: %(error)s") % {"error": type(error).__name__}
            ) from error
        target = source.with_suffix(".pdf")
        if not target.exists():
            raise PdfUnavailable(_("LibreOffice không tạo ra tệp PDF."))
        return target.read_bytes()
