"""Public pages of a campaign (no login)."""

from __future__ import annotations

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from campaigns.models import CampaignStatus
from campaigns.selectors import public_campaign


def survey_path(public_key: object) -> str:
    """The online self-survey of a campaign (served by the data-collection views)."""
    return f"/khao-sat/{public_key}/tra-loi/"


def notice(request: HttpRequest, public_key: str) -> HttpResponse:
    """The public notice: text, period, channels and a QR code to the online survey. Drafts are 404."""
    campaign = public_campaign(public_key)
    survey_url = request.build_absolute_uri(survey_path(campaign.public_key))
    is_open = campaign.status == CampaignStatus.ACTIVE
    # segno writes plain SVG markup (no script), so it may sit inline under the CSP.
    qr_svg = mark_safe(segno.make(survey_url, error="m").svg_inline(scale=5, title="Mã QR", omitsize=False)) if is_open else ""  # noqa: S308
    context = {
        "campaign": campaign,
        "windows": sorted(campaign.windows.all(), key=lambda window: (window.start, window.channel)),
        "survey_url": survey_url,
        "qr_svg": qr_svg,
        "is_open": is_open,
    }
    return render(request, "campaigns/notice.html", context)
