"""Pages of data collection: the entry form, review, and the public online survey.

Every lookup goes through the scoped selectors: outsiders get 404, members without the needed role 403.
"""

from __future__ import annotations

import json
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.fieldwork.selectors import person_for
from campaigns.models import Assignment, Campaign, CampaignStatus, Channel, SampleQuota
from campaigns.selectors import PUBLIC_STATUSES
from surveys.api import read_json, submission_response
from surveys.enumerator_home import quota_for_user
from surveys.forms import BulkReviewForm, ReviewActionForm, ReviewFilterForm
from surveys.models import Response, ResponseSource, ResponseStatus
from surveys.selectors import (
    AGE_GROUP_CHOICES,
    REVIEW_ROLES,
    SEX_CHOICES,
    answers_display,
    campaign_units,
    compiled_form,
    form_schema,
    forms_for_unit,
    responses_for_review,
    responses_visible_to,
    unit_roles,
    user_reviews_somewhere,
)
from surveys.services.online import TokenInvalid, device_id_clean, online_already_answered, online_key, online_rate_limited
from surveys.services.responses import SubmissionError, SubmissionForbidden, Submitter, case_ready_for_interview, payload_check
from surveys.services.review import ReviewError, responses_review
from units.clients import client_address
from units.models import Membership, Unit
from units.selectors import scope_queryset, unit_by_code

DEVICE_COOKIE = "hl_device"


def _entry_context(*, request: HttpRequest, campaign: Campaign, unit: Unit, channel: str, form, submit_url: str, done_url: str = "", assignment: Assignment | None = None, mode: str = "enumerator") -> dict:  # type: ignore[no-untyped-def]
    compiled = compiled_form(form.questionnaire)
    schema = form_schema(compiled)
    schema["submit"] = {
        "campaign": campaign.code,
        "unit": unit.code,
        "channel": channel,
        "form": form.pk,
        "assignment": assignment.pk if assignment else None,
    }
    draft_key = f"{mode}:{campaign.code}:{unit.code}:{channel}:{form.pk}:{assignment.pk if assignment else ''}"
    return {
        "campaign": campaign,
        "unit": unit,
        "channel_label": Channel(channel).label,
        "compiled": compiled,
        "schema": schema,
        "submit_url": submit_url,
        "done_url": done_url,
        "draft_key": draft_key,
        "assignment": assignment,
        "mode": mode,
        "served_at": int(time.time() * 1000),  # the page's age, for the offline copy (static/js/queue.js caseTaken)
        "profile_fields": [("sex", _("Giới tính"), SEX_CHOICES), ("age_group", _("Nhóm tuổi"), AGE_GROUP_CHOICES)],
    }


@login_required
def entry_form(request: HttpRequest, quota_id: int) -> HttpResponse:
    """The questionnaire of one quota cell, one section per page; submission goes through the browser queue."""
    quota = scope_queryset(SampleQuota.objects.all(), user=request.user, field="unit").filter(pk=quota_id).first()
    if quota is None:
        raise Http404
    quota = quota_for_user(user=request.user, quota_id=quota_id)
    if quota is None:
        raise PermissionDenied
    if quota.campaign.status != CampaignStatus.ACTIVE:
        raise PermissionDenied(_("Đợt khảo sát không còn nhận phiếu."))
    assignment = None
    if request.GET.get("phan-cong"):
        assignment = Assignment.objects.select_related("frame_entry", "campaign__organiser").filter(pk=_int(request.GET["phan-cong"]), quota=quota).first()
        reviewer = bool(unit_roles(user=request.user, unit=quota.unit) & set(REVIEW_ROLES))
        if assignment is None or (assignment.enumerator_id != request.user.pk and not reviewer):
            raise Http404
    context = _entry_context(
        request=request, campaign=quota.campaign, unit=quota.unit, channel=quota.channel, form=quota.form,
        submit_url=reverse("surveys:api_responses"), assignment=assignment,
    )
    if assignment is not None:
        context["person"] = person_for(request.user, assignment)
        context["case_url"] = reverse("fieldwork:case_detail", args=[assignment.pk])
        context["call_centre"] = request.GET.get("tong-dai") == "1"
        try:
            case_ready_for_interview(assignment)
        except SubmissionError as refusal:
            context["case_closed"] = refusal.message  # one interview per drawn person: no form
    return render(request, "surveys/entry.html", context)


def _int(raw: str) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


# --- review ----------------------------------------------------------------------------------


def _require_reviewer(request: HttpRequest) -> None:
    if user_reviews_somewhere(request.user):
        return
    if Membership.objects.filter(user=request.user).exists():
        raise PermissionDenied
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def review_list(request: HttpRequest) -> HttpResponse:
    """Supervisors' filtered list, with bulk approve / reject / hold."""
    _require_reviewer(request)
    if request.method == "POST":
        return _review_bulk(request)
    filters = ReviewFilterForm(request.GET or None, user=request.user)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    queryset = responses_for_review(user=request.user, filters=cleaned)
    page = Paginator(queryset, 50).get_page(request.GET.get("trang"))
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "surveys/review_list.html",
        {"filters": filters, "page": page, "query": query.urlencode(), "action_form": ReviewActionForm(), "total": page.paginator.count},
    )


def _review_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkReviewForm(request.POST)
    back = reverse("surveys:review_list") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    responses = list(
        responses_visible_to(request.user, REVIEW_ROLES).filter(pk__in=form.cleaned_data["ids"]).select_related("campaign", "unit")
    )
    try:
        changed = responses_review(responses=responses, action=form.cleaned_data["action"], actor=request.user, reason=form.cleaned_data["reason"])
    except ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Đã cập nhật %(n)d phiếu.") % {"n": changed})
    return redirect(back)


def _response_for_review(request: HttpRequest, key: str) -> Response:
    response = (
        responses_visible_to(request.user)
        .select_related("campaign", "unit", "enumerator", "form__questionnaire", "reviewed_by", "assignment__frame_entry", "assignment__campaign__organiser")
        .filter(uuid=key)
        .first()
    )
    if response is None:
        raise Http404
    if not unit_roles(user=request.user, unit=response.unit) & set(REVIEW_ROLES):
        raise PermissionDenied
    return response


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, key: str) -> HttpResponse:
    response = _response_for_review(request, key)
    form = ReviewActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            responses_review(responses=[response], action=form.cleaned_data["action"], actor=request.user, reason=form.cleaned_data["reason"])
        except ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Đã cập nhật phiếu."))
            return redirect("surveys:review_detail", key=key)
    return render(
        request,
        "surveys/review_detail.html",
        {
            "response": response,
            "sections": answers_display(response),
            "form": form,
            "profile": _profile_display(response.profile),
            # which drawn person the interview belongs to: initials and a masked phone unless the reviewer may see more
            "person": person_for(request.user, response.assignment) if response.assignment else None,
        },
    )


def _profile_display(profile: dict) -> list[tuple[str, str]]:
    labels = {"sex": (_("Giới tính"), dict(SEX_CHOICES)), "age_group": (_("Nhóm tuổi"), dict(AGE_GROUP_CHOICES))}
    return [(labels[key][0], labels[key][1].get(value, value)) for key, value in profile.items() if key in labels]


# --- online self-survey ----------------------------------------------------------------------


def _public_campaign(public_key: str) -> Campaign:
    """The campaign behind a public link; a draft or archived campaign does not exist for the public (404)."""
    campaign = Campaign.objects.select_related("organiser").filter(public_key=public_key, status__in=PUBLIC_STATUSES).first()
    if campaign is None:
        raise Http404
    return campaign


def _online_unit(campaign: Campaign, code: str) -> Unit | None:
    return unit_by_code(code, campaign_units(campaign=campaign).select_related("type"))


def _device(request: HttpRequest) -> str:
    return device_id_clean(request.COOKIES.get(DEVICE_COOKIE))


def _with_device(response: HttpResponse, device: str) -> HttpResponse:
    response.set_cookie(DEVICE_COOKIE, device, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=not _debug())
    return response


def _debug() -> bool:
    from django.conf import settings

    return settings.DEBUG


def online_survey(request: HttpRequest, public_key: str) -> HttpResponse:
    """The citizen's questionnaire, without login: pick the unit (or take it from the link), then answer."""
    campaign = _public_campaign(public_key)
    device = _device(request)
    if campaign.status != CampaignStatus.ACTIVE:
        return _with_device(render(request, "surveys/online_closed.html", {"campaign": campaign}, status=403), device)
    token = request.GET.get("ma", "")
    try:
        key = online_key(campaign=campaign, token=token, device=device)
    except TokenInvalid:
        return render(request, "surveys/online_closed.html", {"campaign": campaign, "reason": _("Đường dẫn khảo sát không hợp lệ.")}, status=403)
    if online_already_answered(key=key):
        return _with_device(render(request, "surveys/online_thanks.html", {"campaign": campaign, "already": True}), device)
    unit = _online_unit(campaign, request.GET.get("don-vi", ""))
    if unit is None:
        units = list(campaign_units(campaign=campaign))
        return _with_device(render(request, "surveys/online_pick_unit.html", {"campaign": campaign, "units": units, "token": token}), device)
    forms = forms_for_unit(campaign=campaign, unit=unit)
    if not forms:
        raise Http404
    submit_url = reverse("surveys:online_submit", kwargs={"public_key": campaign.public_key}) + (f"?ma={token}" if token else "")
    context = _entry_context(
        request=request, campaign=campaign, unit=unit, channel=Channel.ONLINE, form=forms[0], submit_url=submit_url,
        done_url=reverse("surveys:online_thanks", kwargs={"public_key": campaign.public_key}), mode="online",
    )
    return _with_device(render(request, "surveys/online_survey.html", context), device)


@require_POST
def online_submit(request: HttpRequest, public_key: str) -> HttpResponse:
    """JSON submission of the online survey; one per token or device, rate-limited per address."""
    campaign = _public_campaign(public_key)
    if online_rate_limited(campaign=campaign, client_address=client_address(request)):
        return JsonResponse({"detail": _("Ông/Bà gửi quá nhiều lần; vui lòng thử lại sau."), "errors": {}}, status=429)
    device = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        key = online_key(campaign=campaign, token=request.GET.get("ma", ""), device=device_id_clean(device))
    except TokenInvalid:
        return JsonResponse(SubmissionForbidden(_("Đường dẫn khảo sát không hợp lệ.")).as_json(), status=403)
    if not device and not request.GET.get("ma"):
        return JsonResponse(SubmissionForbidden(_("Trình duyệt cần bật cookie để trả lời khảo sát.")).as_json(), status=403)

    def payload() -> dict:
        body = read_json(request)
        if not isinstance(body, dict):
            raise SubmissionError(_("Nội dung gửi lên phải là một đối tượng JSON."))
        payload_check(body)  # as sent: the keys replaced below are refused too when hostile
        if body.get("campaign") != campaign.code or body.get("channel") != Channel.ONLINE or _online_unit(campaign, str(body.get("unit", ""))) is None:
            raise SubmissionForbidden(_("Phiếu không thuộc khảo sát trực tuyến này."))
        return {**body, "assignment": None, "status": ResponseStatus.SUBMITTED}

    submitter = Submitter(user=None, source=ResponseSource.WEB, online_key=key, allowed_statuses=(ResponseStatus.SUBMITTED,))
    return submission_response(payload, submitter)


def online_thanks(request: HttpRequest, public_key: str) -> HttpResponse:
    campaign = _public_campaign(public_key)
    return render(request, "surveys/online_thanks.html", {"campaign": campaign})



# --- working without signal ------------------------------------------------------------------

# What every kept page needs; the service worker stores them when it installs (static names resolved by the
# storage, hashed in production).
OFFLINE_ASSETS = (
    "bootstrap/css/bootstrap.min.css", "bootstrap/js/bootstrap.bundle.min.js", "css/hailong.css", "css/collection.css", "favicon.svg",
    "js/queue.js", "js/offline.js", "js/expressions.js", "js/entry.js", "js/calllist.js",
)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/sw.js served from the site's root, so that its scope is the whole site, with the assets to
    keep and the offline page's address put in front. Its text changes whenever an asset's name does, which
    makes browsers install the new worker."""
    precache = [static(name) for name in OFFLINE_ASSETS]
    script = finders.find("js/sw.js")
    with open(script, encoding="utf-8") as handle:
        text = handle.read()
    head = f"var PRECACHE = {json.dumps(precache)};\nvar OFFLINE_URL = {json.dumps(reverse('surveys:offline'))};\n"
    response = HttpResponse(head + text, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it has not kept, when there is no signal."""
    return render(request, "surveys/offline.html")
