"""The portal's own error pages: Vietnamese, with the way back, never Django's English or technical pages."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import clear_url_caches, path

import config.urls as urls
from config.errors import server_error

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_our_vietnamese_404_without_the_url_list(client):
    page = client.get("/khong-co-trang-nay/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "Không tìm thấy trang" in text and "Về trang chính" in text
    assert "URLconf" not in text and "bao-cao/" not in text


def test_a_page_of_another_province_is_the_same_404_as_a_missing_one(client, charlie, alice):
    client.force_login(charlie)
    page = client.get("/bao-cao/khong-co-dot/")
    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.content.decode()


def test_a_forbidden_page_is_our_vietnamese_403(client, bob):
    client.force_login(bob)  # a viewer of province A: the people page is for officials
    page = client.get("/nguoi-dung/")
    assert page.status_code == 403
    text = page.content.decode()
    assert "Bạn không có quyền thực hiện việc này" in text and "403 Forbidden" not in text


def test_an_expired_form_is_our_vietnamese_403_not_djangos_csrf_page(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.post("/nguoi-dung/", {})
    assert page.status_code == 403
    text = page.content.decode()
    assert "Phiên làm việc đã hết hạn" in text and "CSRF verification failed" not in text


def test_the_500_page_is_vietnamese_and_needs_nothing_from_the_request():
    page = server_error(RequestFactory().get("/"))
    assert page.status_code == 500
    assert "Hệ thống gặp lỗi" in page.content.decode()


@override_settings(DEBUG=False)
def test_a_server_error_renders_our_500(client, monkeypatch):
    def broken(request):
        raise RuntimeError("boom")

    client.raise_request_exception = False

    monkeypatch.setattr(urls, "urlpatterns", [path("hong/", broken), *urls.urlpatterns])
    clear_url_caches()
    try:
        page = client.get("/hong/")
    finally:
        clear_url_caches()
    assert page.status_code == 500
    assert "Hệ thống gặp lỗi" in page.content.decode() and "boom" not in page.content.decode()
