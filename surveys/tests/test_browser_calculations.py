"""Real browser: the entry page of a form with a date constraint and calculations (issue 18) checks dates as
dates, shows a question because of a calculation, and the response sent is stored with the server's values."""

from __future__ import annotations

import pytest

from surveys.models import Answer, Response
from surveys.tests.factories_collection import make_campaign
from surveys.tests.test_browser_collection import log_in, wait_for
from surveys.tests.test_calculated_submission import MESSAGE, form_bytes
from surveys.xlsform import xlsform_import
from units.access import SYSTEM
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_entry_page_compares_dates_and_runs_calculations(chromium, live_server, tree, make_user):
    questionnaire = xlsform_import(form_bytes(), actor=SYSTEM).questionnaire
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"]], questionnaire=questionnaire)
    make_user("dtv", Role.ENUMERATOR, tree["A1"])
    page = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/thu-thap/nhap/{setup.quotas['A1'].pk}/")
    page.wait_for_selector("#entry-progress")
    page.fill("#q-dob", "1990-06-15")
    page.fill("#q-visit", "1980-01-01")
    assert page.is_visible("[data-question='guardian']")  # age < 18 by the calculation
    page.click("#entry-next") if page.is_visible("#entry-next") else page.click("#entry-submit")
    assert page.inner_text("[data-error-for='visit']") == MESSAGE
    page.fill("#q-visit", "2024-05-01")
    assert not page.is_visible("[data-question='guardian']")
    page.click("#entry-next") if page.is_visible("#entry-next") else None
    assert page.inner_text("[data-error-for='visit']") == ""
    while page.is_visible("#entry-next"):
        page.click("#entry-next")
    page.click("#entry-submit")
    assert wait_for(lambda: Response.objects.filter(campaign=setup.campaign).exists())
    response = Response.objects.get(campaign=setup.campaign)
    stored = dict(Answer.objects.filter(response=response).values_list("question__code", "text"))
    assert stored["age"] == "33" and stored["nguoi_nhap"] == "dtv" and stored["minor"] == "no"
    assert not errors, errors
