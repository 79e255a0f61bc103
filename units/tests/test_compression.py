"""Pages go out gzip-compressed to browsers that accept it (config/compression.py); streamed files do not."""

from __future__ import annotations

import gzip

from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from config.compression import PageGZipMiddleware


def test_a_page_is_compressed_for_a_browser_that_accepts_gzip_and_reads_the_same(client, db):
    plain = client.get("/dang-nhap/")
    packed = client.get("/dang-nhap/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "<form" in html and len(packed.content) < len(html.encode()) / 2
    # The same page but for the CSRF token, which changes with every rendering.
    assert html.split("csrfmiddlewaretoken")[0] == plain.content.decode().split("csrfmiddlewaretoken")[0]


def test_streamed_and_binary_responses_go_out_as_they_are():
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    body = b"ma_phieu;diem\n" * 1000
    streamed = StreamingHttpResponse(iter([body]), content_type="text/csv")
    binary = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    text = HttpResponse(body, content_type="text/csv")
    for response in (streamed, binary):
        kept = PageGZipMiddleware(lambda r, response=response: response)(request)
        assert "Content-Encoding" not in kept.headers
    packed = PageGZipMiddleware(lambda r: text)(request)
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.content) == body
