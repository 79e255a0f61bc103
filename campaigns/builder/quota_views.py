"""Step 4 of the builder: quotas by rule, previewed per unit before saving, and a compact grid to edit them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from campaigns.builder.views import campaign_for, step_page


@login_required
def quotas(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_for(request, code)
    return step_page(request, campaign, "co-mau", "campaigns/builder/quotas.html", {})
