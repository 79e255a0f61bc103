"""Real-browser test: the entry page sends paradata (seconds per section and question, answer changes, the time
zone and, when the enumerator allows it on a campaign that asks, the location) with the response."""

from __future__ import annotations

import time

import pytest

from campaigns.models import QualityRules
from surveys.models import Response
from surveys.tests.factories_collection import make_campaign
from surveys.tests.test_browser_collection import log_in, pick, wait_for
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_entry_page_sends_section_times_answer_changes_and_the_allowed_location(chromium, live_server, tree, make_user):
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], channels=("home_visit",), target=5)
    QualityRules.objects.create(campaign=setup.campaign, ask_location=True)
    make_user("dtv", Role.ENUMERATOR, tree["A1"])
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Asia/Ho_Chi_Minh",
        geolocation={"latitude": 12.2388, "longitude": 109.1967, "accuracy": 20}, permissions=["geolocation"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/thu-thap/nhap/{setup.quotas['A1'].pk}/")
    page.wait_for_selector("#entry-progress")
    pick(page, "used_before", 1)
    pick(page, "S1_Q1", 3)
    pick(page, "S1_Q1", 4)  # an answer changed once
    for q in (2, 3):
        pick(page, f"S1_Q{q}", 4)
    time.sleep(1.2)  # some time on the first section
    page.click("#entry-next")
    for q in (1, 2, 3):
        pick(page, f"S2_Q{q}", 5)
    page.click("#entry-next")
    assert page.is_visible("#entry-location-choice")
    page.check("#entry-location")
    page.click("#entry-submit")
    assert wait_for(lambda: Response.objects.count() == 1)
    paradata = Response.objects.get().paradata
    assert set(paradata["sections"]) == {"S1", "S2", "_profile"}
    assert paradata["sections"]["S1"] >= 1.2 and all(seconds >= 0 for seconds in paradata["sections"].values())
    assert set(paradata["questions"]) >= {"used_before", "S1_Q1", "S2_Q3"}
    assert paradata["changes"] == {"S1_Q1": 1}
    assert paradata["tz_offset_minutes"] == 420
    assert paradata["location"] == {"lat": 12.2388, "lon": 109.1967, "accuracy": 20}
    assert errors == []
    context.close()
