"""Public pages of a campaign (no login)."""

from __future__ import annotations

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignStatus
from campaigns.selectors import public_campaign


def survey_path(public_key: object) -> str:
    """The online self-survey of a campaign (served by the data-collection views)."""
    return f"/khao-sat/{public_key}/tra-loi/"


def qr_svg(url: str, *, scale: int, title: str = "Mã QR") -> SafeString:
    """A QR code of `url` as inline SVG. segno writes plain SVG markup (no script), so it may sit inline under the CSP."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=scale, title=title, omitsize=False))  # noqa: S308


def results_path(campaign: Campaign) -> str:
    """Where a campaign's published results are read (the reports' public page, named, not imported); the list of
    published campaigns before the first publication."""
    if campaign.published_at is not None:
        return reverse("reports:public_results", args=[campaign.code])
    return reverse("reports:public_list")


def notice_body(campaign: Campaign) -> str:
    """The notice's text: the campaign's own, or the standard invitation (also attached to the organising letter)."""
    if campaign.notice_text.strip():
        return campaign.notice_text
    return _(
        "%(organiser)s tổ chức khảo sát ý kiến người dân, tổ chức về mức độ hài lòng đối với sự phục vụ của cơ quan hành chính nhà nước. "
        "Ý kiến của Ông/Bà giúp cải thiện chất lượng phục vụ."
    ) % {"organiser": campaign.organiser.name}


def notice_context(request: HttpRequest, campaign: Campaign) -> dict[str, object]:
    """What the notice and its printable poster show: the survey's address and QR while it is open, the results after."""
    survey_url = request.build_absolute_uri(survey_path(campaign.public_key))
    is_open = campaign.status == CampaignStatus.ACTIVE
    return {
        "campaign": campaign,
        "notice_body": notice_body(campaign),
        "windows": sorted(campaign.windows.all(), key=lambda window: (window.start, window.channel)),
        "survey_url": survey_url,
        "is_open": is_open,
        "is_published": campaign.published_at is not None,
        "results_url": request.build_absolute_uri(results_path(campaign)),
    }


def notice(request: HttpRequest, public_key: str) -> HttpResponse:
    """The public notice: text, period, channels and a QR code to the online survey. Drafts are 404."""
    campaign = public_campaign(public_key)
    context = notice_context(request, campaign)
    context["qr_svg"] = qr_svg(context["survey_url"], scale=5) if context["is_open"] else ""
    return render(request, "campaigns/notice.html", context)


def poster(request: HttpRequest, public_key: str) -> HttpResponse:
    """The notice as an A4 poster to print and post at one-stop desks and health facilities (static/css/poster.css):
    a large QR code to the online survey while it is open, to the published results afterwards."""
    campaign = public_campaign(public_key)
    context = notice_context(request, campaign)
    target = context["survey_url"] if context["is_open"] else context["results_url"]
    context["qr_svg"] = qr_svg(target, scale=10)
    context["qr_target"] = target
    return render(request, "campaigns/poster.html", context)
