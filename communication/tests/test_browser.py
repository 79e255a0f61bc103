"""In Chromium at 390 px: a commune's head marks an activity done with a photo and the organiser's progress
changes; the notice's poster shows its QR and "Trả lời ngay" on a phone and prints on one A4 page."""

from __future__ import annotations

import re

import pytest

from communication.evidence_samples import png_square
from communication.models import UnitTask
from communication.tests.factories import make_plan_world
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def signed_in(chromium, live_server, username: str):
    context = chromium.new_context(locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "secret-pass-123")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
    return page


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def done_in_row(page, unit_code: str) -> str:
    return page.locator(f'#by-unit tr[data-unit="{unit_code}"] td[data-count="done"]').inner_text()


def test_a_commune_reports_with_a_photo_and_the_organiser_sees_the_progress(chromium, live_server, tree, alice, make_user):
    world = make_plan_world(tree)
    make_user("xa.a1", Role.UNIT_MANAGER, tree["A1"])
    official = signed_in(chromium, live_server, "alice")
    official.goto(f"{live_server.url}/truyen-thong/{world.campaign.code}/")
    assert done_in_row(official, "A1") == "0" and fits_the_phone(official)

    commune = signed_in(chromium, live_server, "xa.a1")
    commune.goto(f"{live_server.url}/truyen-thong/")
    commune.click("text=Niêm yết thông báo tại bộ phận một cửa")
    commune.wait_for_url(re.compile(r".*/truyen-thong/viec/\d+/$"))
    assert fits_the_phone(commune)
    commune.set_input_files("#id_files", files=[{"name": "niem-yet.png", "mimeType": "image/png", "buffer": png_square()}])
    commune.fill("#id_note", "Đã dán tại bộ phận một cửa")
    commune.click("#report-form button")
    commune.wait_for_selector("text=Đã ghi nhận báo cáo")
    assert commune.locator("#evidence-list a", has_text="niem-yet.png").is_visible()
    assert commune.locator("[data-task-state]").first.inner_text() == "Đã thực hiện, trễ hạn"  # the deadline was yesterday

    official.reload()
    assert done_in_row(official, "A1") == "1"
    assert official.locator('#progress-total [data-count="late"]').inner_text() == "1"
    assert UnitTask.objects.get(activity=world.posting, unit=tree["A1"]).evidence.count() == 1


def test_the_poster_fits_a_phone_and_prints_on_one_a4_page(chromium, live_server, tree):
    world = make_plan_world(tree)
    page = chromium.new_context(locale="vi-VN", viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/khao-sat/{world.campaign.public_key}/ap-phich/")
    qr = page.locator(".poster-qr svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 200 and fits_the_phone(page)
    assert page.locator(".answer-now").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible() and not page.locator(".answer-now").is_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
