"""An official builds a campaign in the admin with its inlines, activates it, and the public notice shows the QR code."""

from __future__ import annotations

import re

import pytest

from campaigns.models import Campaign, CampaignStatus
from surveys.models import Questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_official_builds_and_activates_a_campaign_and_the_notice_shows_the_qr(chromium, live_server, tree, alice):
    questionnaire = Questionnaire.objects.create(code="mot-cua", version=1, title="Phiếu một cửa")
    context = chromium.new_context(locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    # Script and CSP errors show in the console; failed loads are checked by URL (the admin asks for /favicon.ico).
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("response", lambda response: errors.append(response.url) if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)

    page.goto(f"{live_server.url}/admin/campaigns/campaign/add/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "secret-pass-123")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/campaigns/campaign/add/$"))

    page.fill("#id_code", "mot-cua-2025")
    page.fill("#id_name", "Khảo sát một cửa 2025")
    page.select_option("#id_organiser", label=str(tree["A"]))
    page.fill("#id_year", "2025")
    page.fill("#id_fieldwork_start", "01/09/2025")
    page.fill("#id_fieldwork_end", "30/11/2025")
    page.fill("#id_target_index", "85")
    page.fill("#id_notice_text", "Kính mời Quý vị đánh giá sự phục vụ của bộ phận một cửa.")
    page.select_option("#id_forms-0-questionnaire", label=str(questionnaire))
    page.select_option("#id_windows-0-channel", "desk")
    page.fill("#id_windows-0-start", "01/09/2025")
    page.fill("#id_windows-0-end", "30/11/2025")
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r".*/admin/campaigns/campaign/\d+/change/$"))
    campaign = Campaign.objects.get(code="mot-cua-2025")
    assert campaign.forms.count() == 1 and campaign.windows.count() == 1

    # The quota row needs the campaign's form, so it is added once the campaign exists.
    page.fill("#id_quotas-0-unit", str(tree["A1"].pk))
    page.select_option("#id_quotas-0-channel", "desk")
    page.select_option("#id_quotas-0-form", index=1)
    page.fill("#id_quotas-0-target", "150")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    assert campaign.quotas.get().target == 150

    page.goto(f"{live_server.url}/admin/campaigns/campaign/")
    page.check(f"input[name=_selected_action][value='{campaign.pk}']")
    page.select_option("select[name=action]", "activate_selected")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert page.get_by_text("Đã kích hoạt 1 đợt khảo sát.").is_visible()
    campaign.refresh_from_db()
    questionnaire.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE and questionnaire.status == "frozen"

    # The public page needs no login.
    context.clear_cookies()
    page.goto(f"{live_server.url}/khao-sat/{campaign.public_key}/")
    assert page.get_by_role("heading", name="Khảo sát một cửa 2025").is_visible()
    assert page.get_by_text("01/09/2025 – 30/11/2025").first.is_visible()
    qr = page.locator("figure.qr-code svg")
    assert qr.is_visible() and qr.bounding_box()["width"] > 100
    assert page.locator("a.survey-link").get_attribute("href").endswith(f"/khao-sat/{campaign.public_key}/tra-loi/")
    assert errors == []
    context.close()
