"""Fieldwork in a real browser on a phone (Debian's Chromium through Playwright): the call list first, a
case marked "hẹn gọi lại 14:00" back at 14:00, one interview per person, and work without signal (the
service worker keeps the pages; drafts and the queue survive a restart of the browser)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.fieldwork import clock
from campaigns.models import Assignment
from campaigns.tests.factories_fieldwork import make_drawn_campaign
from surveys.models import Response
from surveys.tests.test_browser_collection import log_in as collection_log_in
from surveys.tests.test_browser_collection import pick, wait_for
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def drawn(tree, make_user):
    make_user("dtv", Role.ENUMERATOR, tree["A1"], first_name="Lan", last_name="Trần")
    return make_drawn_campaign(organiser=tree["A"], units=[tree["A1"]], target=3)


def log_in(page, live_server) -> None:
    collection_log_in(page, live_server)
    page.wait_for_selector("#call-list")


def answer_everything(page) -> None:
    """A whole interview: every required question, page by page."""
    pick(page, "used_before", 1)
    for q in (1, 2, 3):
        pick(page, f"S1_Q{q}", 4)
    page.click("#entry-next")
    for q in (1, 2, 3):
        pick(page, f"S2_Q{q}", 5)
    page.click("#entry-next")
    page.click("label[for='p-sex-male']")


def local(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour, minute)))


def kept_offline(page) -> None:
    """Wait until the service worker controls the page and has kept the call list's pages."""
    # (polled from here: the page's CSP forbids the eval that wait_for_function needs)
    assert wait_for(lambda: page.evaluate("document.body.dataset.offlineReady === '1'"))
    page.reload()  # now under the service worker: the home itself is kept too
    assert wait_for(lambda: page.evaluate("navigator.serviceWorker.controller !== null"), timeout=10)


def test_on_a_phone_the_first_screen_is_the_call_list_and_a_case_is_interviewed_once(chromium, live_server, drawn, tree):
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server)
    first = drawn.primaries(tree["A1"])[0]
    # the first screen shows cases to call, each with a tap-to-call link, before any progress
    box = page.locator("#call-list .case-item").first.bounding_box()
    assert box["y"] + box["height"] < 844
    assert page.locator(f"#call-list [data-case='{first.pk}'] a[href='tel:{first.frame_entry.phone}']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click(f"#call-list [data-case='{first.pk}'] a.flex-grow-1")
    page.click("#case-interview")
    page.wait_for_selector("#entry-progress")
    answer_everything(page)
    page.click("#entry-submit")
    assert wait_for(lambda: Response.objects.filter(assignment=first).count() == 1)
    # the form does not reopen for the same person, on the page or when opened again
    assert page.is_visible("#entry-case-next") and not page.is_visible("#entry-form")
    page.goto(f"{live_server.url}/thu-thap/nhap/{first.quota_id}/?phan-cong={first.pk}")
    assert "Người này đã được phỏng vấn" in page.inner_text("#case-closed")
    assert Assignment.objects.get(pk=first.pk).disposition == "1.1"
    assert errors == []
    context.close()


def test_a_case_marked_for_14_00_reappears_on_the_call_list_at_14_00(chromium, live_server, drawn, tree, monkeypatch):
    # The working day's clock, on the server (the live server runs in this process) and in the browser.
    hour = {"now": local(13, 50)}
    monkeypatch.setattr(clock, "now", lambda: hour["now"])
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.clock.install(time=local(13, 50))
    log_in(page, live_server)
    first = drawn.primaries(tree["A1"])[0]
    page.click(f"#call-list [data-case='{first.pk}'] a.flex-grow-1")
    page.check("#outcome-appointment", force=True)
    page.fill("#id_appointment_time", "14:00")
    page.click("#attempt-save")
    page.wait_for_selector("#call-list")
    assert page.locator(f"#call-list [data-case='{first.pk}']").count() == 0
    assert "Hẹn gọi lại 14:00" in page.inner_text(f"#appointment-list [data-case='{first.pk}']")
    # at 14:00 the page moves it to the top of the cases to call by itself...
    page.clock.fast_forward("10:30")
    page.wait_for_selector(f"#call-list .case-item:first-child[data-case='{first.pk}']", timeout=5000)
    assert page.is_hidden("#appointments-section")
    # ...and the server puts it there too
    hour["now"] = local(14, 0)
    page.reload()
    assert page.locator("#call-list .case-item").first.get_attribute("data-case") == str(first.pk)
    context.close()


def test_the_entry_page_reloads_without_signal_and_a_response_entered_offline_is_stored_once(chromium, live_server, drawn, tree, monkeypatch):
    from django.http import JsonResponse

    from surveys import api

    # Playwright's offline emulation reaches a new document (the home opened offline below) a moment late, so its
    # queue may still reach the server (seen once in CI): while the phone has no signal the API answers as an
    # unreachable gateway would (the queue keeps what gets a 5xx, as it keeps what cannot leave).
    signal = {"on": False}
    real_submission = api.submission_response
    monkeypatch.setattr(api, "submission_response", lambda *a, **k: real_submission(*a, **k) if signal["on"] else JsonResponse({}, status=503))
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server)
    kept_offline(page)
    case = drawn.primaries(tree["A1"])[1]
    entry = f"{live_server.url}/thu-thap/nhap/{case.quota_id}/?phan-cong={case.pk}"

    context.set_offline(True)
    assert page.evaluate("fetch('/').then(() => 'online', () => 'offline')") == "offline"
    shown = page.goto(entry)  # never opened on this phone: kept by the service worker from the call list
    assert shown.headers.get("x-hailong-from-cache") == "1"
    assert "Nguyễn Văn" in page.inner_text("#entry-person")
    # an address the phone never kept falls back to the case's quota cell page, which takes the case from the address
    third = drawn.primaries(tree["A1"])[2]
    other = page.goto(f"{live_server.url}/thu-thap/nhap/{third.quota_id}/?phan-cong={third.pk}&lan=2")
    assert other.headers.get("x-hailong-from-cache") == "1" and third.frame_entry.full_name in page.inner_text("#entry-person")
    page.goto(entry)
    reloaded = page.reload()
    assert reloaded.headers.get("x-hailong-from-cache") == "1"
    answer_everything(page)
    page.click("#entry-submit")
    page.wait_for_selector("#queue-status:not(.d-none)")
    assert page.inner_text("#queue-status [data-queue-count]") == "1"
    # every page shows what waits, the call list too (without the case just interviewed)
    home = page.goto(f"{live_server.url}/")
    assert home.headers.get("x-hailong-from-cache") == "1"
    assert page.inner_text("nav [data-queue-badge]:visible") .startswith("1")
    assert page.locator(f"#call-list [data-case='{case.pk}']").count() == 0
    assert Response.objects.count() == 0

    context.set_offline(False)
    signal["on"] = True
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert wait_for(lambda: Response.objects.count() == 1)
    page.evaluate("HLQueue.flush()")
    page.wait_for_timeout(1000)
    response = Response.objects.get()
    assert Response.objects.count() == 1 and response.assignment_id == case.pk and response.source == "offline"
    assert Assignment.objects.get(pk=case.pk).disposition == "1.1"
    assert errors == []
    context.close()


def test_drafts_and_waiting_responses_survive_a_restart_of_the_browser(chromium, live_server, drawn, tree, tmp_path, monkeypatch):
    from django.http import JsonResponse

    from conftest import CHROMIUM, CHROMIUM_ARGS
    from surveys import api

    # A persistent Chromium profile applies Playwright's offline emulation to a new document a moment late,
    # so a page that loads "offline" may still reach the server: while the phone has no signal the API
    # answers as an unreachable gateway would (the queue keeps what gets a 5xx, as it keeps what cannot leave).
    signal = {"on": False}
    real_submission = api.submission_response
    monkeypatch.setattr(api, "submission_response", lambda *a, **k: real_submission(*a, **k) if signal["on"] else JsonResponse({}, status=503))

    def browser():  # type: ignore[no-untyped-def]
        return chromium.browser_type.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **PHONE)

    first, second, _third = drawn.primaries(tree["A1"])
    context = browser()
    page = context.pages[0] if context.pages else context.new_page()
    log_in(page, live_server)
    kept_offline(page)
    context.set_offline(True)
    page.goto(f"{live_server.url}/thu-thap/nhap/{first.quota_id}/?phan-cong={first.pk}")
    answer_everything(page)
    page.click("#entry-submit")
    page.wait_for_selector("#queue-status:not(.d-none)")
    page.goto(f"{live_server.url}/thu-thap/nhap/{second.quota_id}/?phan-cong={second.pk}")
    pick(page, "used_before", 1)
    pick(page, "S1_Q1", 2)
    assert wait_for(lambda: page.inner_text("#draft-status") != "")
    # The browser is closed, the phone still has no signal. (Closing a Playwright context lifts its offline
    # emulation while its pages still run, and their queue would send: close the page first.)
    page.close()
    context.close()

    context = browser()
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    home = page.goto(f"{live_server.url}/")
    assert home.headers.get("x-hailong-from-cache") == "1"
    assert page.inner_text("#queue-status [data-queue-count]") == "1"
    page.goto(f"{live_server.url}/thu-thap/nhap/{second.quota_id}/?phan-cong={second.pk}")
    assert page.is_checked("#q-S1_Q1-2")  # the draft is back
    assert Response.objects.count() == 0
    context.set_offline(False)
    signal["on"] = True
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert wait_for(lambda: Response.objects.count() == 1)
    assert Response.objects.get().assignment_id == first.pk
    context.close()
