"""Steps 5–7 of the builder, for campaigns that reach people from a frame: the frame upload, the enumerators
of each unit and the draw."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from campaigns.builder.views import campaign_for, step_page


@login_required
def frame(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_for(request, code)
    return step_page(request, campaign, "khung-mau", "campaigns/builder/quotas.html", {})


@login_required
def frame_template(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_for(request, code)
    return step_page(request, campaign, "khung-mau", "campaigns/builder/quotas.html", {})


@login_required
def enumerators(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_for(request, code)
    return step_page(request, campaign, "dieu-tra-vien", "campaigns/builder/quotas.html", {})


@login_required
def draw(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_for(request, code)
    return step_page(request, campaign, "rut-mau", "campaigns/builder/quotas.html", {})
