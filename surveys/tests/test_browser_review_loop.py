"""The review loop in a real browser (Debian's Chromium through Playwright), on a phone-sized screen: a
supervisor sends a response back, the enumerator finds it on their home, corrects it on the entry page filled
with its answers and resubmits it through the offline queue; the supervisor sees version 2."""

from __future__ import annotations

import time

import pytest

from surveys.models import AnswerRevision, Response
from surveys.services.responses import Submitter, response_submit
from surveys.tests.factories_collection import make_campaign, payload
from surveys.tests.test_browser_collection import log_in, pick, wait_for
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_response_sent_back_is_corrected_on_the_phone_and_the_supervisor_sees_version_2(chromium, live_server, tree, make_user):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], target=5)
    enumerator = make_user("dtv", Role.ENUMERATOR, tree["A1"])
    make_user("gs", Role.SUPERVISOR, tree["A"])
    stored = response_submit(payload=payload(setup, tree["A1"]), submitter=Submitter(user=enumerator)).response
    errors: list[str] = []

    # the supervisor sends it back with the reason
    supervisor = chromium.new_context(viewport={"width": 390, "height": 844})
    review = supervisor.new_page()
    review.on("pageerror", lambda error: errors.append(str(error)))
    log_in(review, live_server, "gs")
    review.goto(f"{live_server.url}/giam-sat/phieu/{stored.uuid}/")
    review.fill("#id_reason", "Câu 1.1 ghi nhầm mức, hỏi lại người dân")
    review.click("#return-to-enumerator")
    review.wait_for_selector("text=Đã cập nhật phiếu.")
    assert Response.objects.get().status == "returned"

    # the enumerator sees it on their home, with the reason, and opens it filled with its answers
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, "dtv")
    assert "Câu 1.1 ghi nhầm mức" in page.inner_text("#sent-back")
    page.click("[data-resubmit]")
    page.wait_for_selector("#entry-progress")
    assert "Câu 1.1 ghi nhầm mức" in page.inner_text("#revise-reason")
    assert page.is_checked("#q-S1_Q1-4") and page.is_checked("#q-used_before-1")
    pick(page, "S1_Q1", 2)
    page.click("#entry-next")
    assert page.is_checked("#q-S2_Q3-4")
    page.click("#entry-next")
    assert page.is_checked("#p-sex-female")  # the profile too

    # no signal when it is sent: it waits in the queue, then goes once
    phone.set_offline(True)
    page.click("#entry-submit")
    page.wait_for_selector("#queue-status:not(.d-none)")
    time.sleep(1)
    assert Response.objects.get().version == 1
    phone.set_offline(False)
    assert wait_for(lambda: Response.objects.get().version == 2)
    page.evaluate("HLQueue.flush()")
    time.sleep(1)
    response = Response.objects.get()
    assert (response.status, response.version) == ("submitted", 2)
    assert list(AnswerRevision.objects.values_list("question__code", "kind")) == [("S1_Q1", "resubmission")]

    # the supervisor sees version 2 and what changed
    review.goto(f"{live_server.url}/giam-sat/phieu/{stored.uuid}/")
    history = review.inner_text("#response-history")
    assert "Phiên bản 1" in history and "Phiên bản 2" in history and "4 — Hài lòng" in history and "2 — Không hài lòng" in history
    assert errors == []
    phone.close()
    supervisor.close()
