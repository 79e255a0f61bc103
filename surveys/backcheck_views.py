"""Back-check (phúc tra) pages for supervisors and officials: the campaigns, a campaign's back-checks by
enumerator with their discrepancy rates and the draw (officials), and one back-check's questions.
Every lookup goes through surveys.quality.backcheck_reads: outsiders get 404, members without the role 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.models import Campaign
from surveys.backcheck_forms import BackCheckForm, DrawForm
from surveys.models import BackCheckStatus, FlagKind
from surveys.quality.backcheck_reads import (
    backcheck_contact,
    backcheck_for_actor,
    backcheck_rates,
    backcheck_result,
    backchecks_of,
    campaign_for_backchecks,
    campaigns_for_backchecks,
)
from surveys.quality.backchecks import BackCheckError, backcheck_record, backchecks_draw, campaign_seed, interview_date
from units.access import Action, allowed, require_anywhere


@login_required
def backcheck_campaigns(request: HttpRequest) -> HttpResponse:
    """The campaigns where the user draws or records back-checks."""
    require_anywhere(request.user, Action.BACKCHECKS_RECORD)
    return render(request, "surveys/backcheck_campaigns.html", {"campaigns": campaigns_for_backchecks(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def backcheck_list(request: HttpRequest, code: str) -> HttpResponse:
    """A campaign's back-checks by enumerator with the discrepancy rates; officials draw ("Chọn phiếu phúc tra")."""
    campaign = campaign_for_backchecks(request.user, code)
    may_draw = allowed(request.user, Action.BACKCHECKS_DRAW, campaign.organiser)
    draw_form = DrawForm(request.POST or None)
    if request.method == "POST":
        return _draw(request, campaign, draw_form)
    rates, total = backcheck_rates(actor=request.user, campaign=campaign)
    enumerator = _int(request.GET.get("dtv"))
    status = request.GET.get("trang-thai", "")
    page = Paginator(backchecks_of(actor=request.user, campaign=campaign, enumerator_id=enumerator, status=status), 30).get_page(
        request.GET.get("trang")
    )
    rows = [(check, backcheck_result(check.status, check.discrepancy), interview_date(check.response)) for check in page.object_list]
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "surveys/backcheck_list.html",
        {
            "campaign": campaign,
            "rates": rates,
            "total": total,
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "enumerator": enumerator,
            "status": status,
            "statuses": BackCheckStatus.choices,
            "seed": campaign_seed(campaign),
            "may_draw": may_draw,
            "draw_form": draw_form,
        },
    )


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _draw(request: HttpRequest, campaign: Campaign, form: DrawForm) -> HttpResponse:
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("surveys:backcheck_list", code=campaign.code)
    try:
        result = backchecks_draw(actor=request.user, campaign=campaign, seed=form.cleaned_data["seed"])
    except BackCheckError as problem:
        for message in problem.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Đã chọn thêm %(n)d phiếu phúc tra (hạt giống %(seed)d).") % {"n": result.drawn_now, "seed": result.seed}
        )
    return redirect("surveys:backcheck_list", code=campaign.code)


@login_required
@require_http_methods(["GET", "POST"])
def backcheck_detail(request: HttpRequest, backcheck_id: int) -> HttpResponse:
    """One back-check: the respondent's contact (for those allowed), the verification questions, the result."""
    backcheck = backcheck_for_actor(request.user, backcheck_id)
    form = BackCheckForm(request.POST or None, backcheck=backcheck)
    if request.method == "POST" and form.is_valid():
        try:
            backcheck_record(actor=request.user, backcheck=backcheck, answers=form.answers())
        except BackCheckError as problem:
            for message in problem.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Đã ghi kết quả phúc tra: %(result)s.") % {"result": backcheck_result(backcheck.status, backcheck.discrepancy)}
            )
            return redirect("surveys:backcheck_detail", backcheck_id=backcheck.pk)
    flag = backcheck.response.flags.filter(kind=FlagKind.BACKCHECK).first()
    return render(
        request,
        "surveys/backcheck_detail.html",
        {
            "backcheck": backcheck,
            "response": backcheck.response,
            "person": backcheck_contact(request.user, backcheck),
            "form": form,
            "result": backcheck_result(backcheck.status, backcheck.discrepancy),
            "flag": flag,
            "interview_date": interview_date(backcheck.response),
        },
        status=422 if request.method == "POST" else 200,
    )
