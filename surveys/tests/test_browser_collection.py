"""Real-browser tests (Debian's Chromium through Playwright): offline entry and the phone-sized online survey."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from surveys.models import Answer, Response
from surveys.tests.factories_collection import make_campaign, payload
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float = 30.0) -> bool:
    """Poll `predicate` until it holds. The in-memory SQLite database is shared with the live server's
    thread: a read while the server writes may find a table locked, which only means "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OperationalError:
            pass
        time.sleep(0.25)
    return predicate()


def pick(page, code: str, number: int) -> None:
    """Tap the `number`-th option of question `code` (the large label, as a finger would)."""
    page.click(f"label[for='q-{code}-{number}']")


def log_in(page, live_server, username: str = "dtv") -> None:
    """Log in through the login page (every test user's password is the same, see conftest.make_user)."""
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret-pass-123")
    page.click("form button[type=submit], form input[type=submit]")


def open_entry_form(page, live_server) -> None:
    """Log in as the enumerator `dtv` and open the entry form of their quota cell."""
    log_in(page, live_server)
    page.click("text=Nhập phiếu")
    page.wait_for_selector("#entry-progress")


def test_an_enumerator_fills_a_form_offline_and_it_is_stored_once_when_back_online(chromium, live_server, tree, make_user):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], target=5)
    make_user("dtv", Role.ENUMERATOR, tree["A1"])
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_entry_form(page, live_server)
    assert page.is_visible("text=Phần 1 / 3")

    # required answers are checked before the next page, in Vietnamese, next to the question
    page.click("#entry-next")
    assert page.inner_text("[data-error-for='S1_Q1']") == "Câu này bắt buộc trả lời."

    # the skip rule: "why not" appears only when the respondent has never used the service
    assert not page.is_visible("[data-question='why_not']")
    pick(page, "used_before", 2)
    assert page.is_visible("[data-question='why_not']")
    page.fill("#q-why_not", "Lần đầu đến làm thủ tục")
    for q in (1, 2, 3):
        pick(page, f"S1_Q{q}", 4)

    # the draft survives a reload
    page.reload()
    page.wait_for_selector("#entry-progress")
    assert page.is_checked("#q-S1_Q2-4") and page.input_value("#q-why_not") == "Lần đầu đến làm thủ tục"
    page.click("#entry-next")
    assert page.is_visible("text=Phần 2 / 3")
    for q in (1, 2, 3):
        pick(page, f"S2_Q{q}", 5)
    page.fill("#q-wait_minutes", "900")
    page.click("#entry-next")
    assert "không được lớn hơn 600" in page.inner_text("[data-error-for='wait_minutes']")
    page.fill("#q-wait_minutes", "20")
    page.click("#entry-next")
    page.click("label[for='p-sex-female']")
    page.click("label[for='p-age_group-35_49']")

    # the connection drops; the response waits in the queue on the device
    context.set_offline(True)
    page.click("#entry-submit")
    page.wait_for_selector("#queue-status:not(.d-none)")
    assert page.inner_text("#queue-status [data-queue-count]") == "1"
    time.sleep(1)
    assert Response.objects.count() == 0

    # back online: the queue sends it, once
    context.set_offline(False)
    assert wait_for(lambda: Response.objects.count() == 1)
    page.wait_for_selector("#queue-status.d-none", state="attached", timeout=20000)
    page.evaluate("HLQueue.flush()")  # a further flush sends nothing again
    time.sleep(1)
    assert Response.objects.count() == 1
    response = Response.objects.get()
    assert response.source == "offline" and response.enumerator.username == "dtv" and response.duration_seconds is not None
    assert response.profile == {"sex": "female", "age_group": "35_49"}
    answers = dict(Answer.objects.filter(response=response).values_list("question__code", "value"))
    assert answers["used_before"] == 2 and answers["S1_Q1"] == 4 and answers["S2_Q3"] == 5
    assert Answer.objects.get(response=response, question__code="why_not").text == "Lần đầu đến làm thủ tục"
    assert Answer.objects.get(response=response, question__code="wait_minutes").number == 20
    assert errors == []
    context.close()
    assert setup.campaign.pk == response.campaign_id


def test_a_refused_csrf_token_keeps_the_response_in_the_queue_until_it_can_be_sent(chromium, live_server, tree, make_user):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], target=5)
    make_user("dtv", Role.ENUMERATOR, tree["A1"])
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    open_entry_form(page, live_server)
    good = page.evaluate("document.cookie.match(/csrftoken=([^;]+)/)[1]")
    page.evaluate("document.cookie = 'csrftoken=hong; path=/'")  # a token the server refuses
    page.evaluate("([body]) => { HLQueue.add({url: '/api/v1/responses/', body: body}); return HLQueue.flush(); }", [payload(setup, tree["A1"])])
    assert page.evaluate("JSON.parse(localStorage.getItem('hl-queue')).length") == 1
    assert page.evaluate("JSON.parse(localStorage.getItem('hl-rejected') || '[]').length") == 0
    assert Response.objects.count() == 0
    page.evaluate("(token) => { document.cookie = 'csrftoken=' + token + '; path=/'; return HLQueue.flush(); }", good)
    assert wait_for(lambda: Response.objects.count() == 1)
    assert page.evaluate("JSON.parse(localStorage.getItem('hl-queue')).length") == 0
    context.close()


def test_a_citizen_completes_the_online_survey_on_a_phone(chromium, live_server, tree):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], channels=("online",))
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/khao-sat/{setup.campaign.public_key}/tra-loi/")
    page.select_option("#don-vi", "A2")
    page.click("text=Bắt đầu trả lời")
    page.wait_for_selector("#entry-progress")
    pick(page, "used_before", 1)
    assert not page.is_visible("[data-question='why_not']")
    for q in (1, 2, 3):
        pick(page, f"S1_Q{q}", 3)
    page.click("#entry-next")
    for q in (1, 2, 3):
        pick(page, f"S2_Q{q}", 4)
    page.click("#entry-next")
    # nothing overflows the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("label[for='p-sex-male']")
    page.click("#entry-submit")
    page.wait_for_url("**/cam-on/")
    assert "Cảm ơn" in page.content()
    response = Response.objects.get()
    assert response.channel == "online" and response.unit.code == "A2" and response.enumerator is None
    assert response.profile == {"sex": "male"}
    # the same device cannot answer twice
    page.goto(f"{live_server.url}/khao-sat/{setup.campaign.public_key}/tra-loi/?don-vi=A2")
    assert "đã trả lời khảo sát này rồi" in page.content()
    assert errors == []
    context.close()


PARITY_CASES = [
    ("${a} = 'no'", {"a": "no"}, None),
    ("${a} = 'no'", {}, None),
    ("${a} <= 2", {"a": "1"}, None),
    ("${a} > 2 and ${b} != 'x'", {"a": "3", "b": "y"}, None),
    ("${a} > 2 or ${b} = ''", {"a": "x"}, None),
    (". <= 480", {}, 500.0),
    (". >= 0 and . <= 100", {}, 12.5),
    ("selected(${m}, 'b')", {"m": ["a", "b"]}, None),
    ("count-selected(${m}) >= 2", {"m": ["a"]}, None),
    ("string-length(.) < 5", {}, "Tiếng Việt"),
    ("not(${a} = 'yes')", {"a": "yes"}, None),
    ("if(${a} = '1', 10, 20) div 4", {"a": "1"}, None),
    ("${n} mod 3", {"n": -7.0}, None),
    ("int(${n}) = 3", {"n": 3.9}, None),
    ("coalesce(${x}, 'mặc định')", {}, None),
    ("regex(., '[0-9]{10}')", {}, "0901234567"),
    ("contains(${t}, 'chờ')", {"t": "phải chờ lâu"}, None),
    ("number(${t}) + 1", {"t": "abc"}, None),
    ("-${n} * 2", {"n": 2}, None),
    ("${n} div 0", {"n": 5}, None),
    ("boolean(${m})", {"m": []}, None),
    ("${a} = 1.0", {"a": "1"}, None),
]


def test_the_browser_evaluates_the_same_trees_as_the_server(chromium):
    import json
    import math
    from pathlib import Path

    from surveys.expressions import evaluate, parse

    page = chromium.new_page()
    page.add_script_tag(content=(Path(__file__).resolve().parents[2] / "static/js/expressions.js").read_text())
    for text, answers, current in PARITY_CASES:
        tree = parse(text)
        expected = evaluate(tree, answers, current)
        got = page.evaluate("([t, a, c]) => { const v = HLExpressions.evaluate(t, a, c); return Number.isNaN(v) ? 'NaN' : v; }", [tree, answers, current])
        if isinstance(expected, float) and math.isnan(expected):
            assert got == "NaN", text
        else:
            assert got == expected, f"{text}: JS {json.dumps(got)} ≠ Python {expected!r}"
    page.close()
