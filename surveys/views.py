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
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
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
from surveys.quality.flags import rules_for
from surveys.quality.history import correction_fields, next_for_review, response_history, resubmission_prefill
from surveys.quality.paradata import LOCATION_CHANNELS
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
from surveys.services.corrections import CorrectionError, response_correct
from surveys.services.online import TokenInvalid, device_id_clean, online_already_answered, online_key, online_rate_limited
from surveys.services.responses import (
    SubmissionError,
    SubmissionForbidden,
    SubmissionNotFound,
    Submitter,
    case_ready_for_interview,
    payload_check,
)
from surveys.services.resubmission import resubmission_sender_check
from surveys.services.review import ReviewError, responses_review
from units.access import Action, allowed
from units.clients import client_address
from units.formatting import number_vi
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
    # what the form's metadata fields show in the browser (surveys.calculations; the server fills its own)
    schema["meta"] = {"username": request.user.get_username() if request.user.is_authenticated else ""}
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
        # the enumerator's visible choice to record the location (surveys.quality.paradata keeps it only then)
        "ask_location": mode == "enumerator" and channel in LOCATION_CHANNELS and rules_for(campaign).ask_location,
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


@login_required
@require_GET
def resubmit_form(request: HttpRequest, key: str) -> HttpResponse:
    """The entry page of a response sent back to its enumerator, filled with its answers and profile; it
    goes through the browser queue as a resubmission (`revises`). The enumerator's or a reviewer's only."""
    response = (
        Response.objects.select_related("campaign", "unit", "form__questionnaire", "assignment__frame_entry", "assignment__campaign__organiser")
        .filter(uuid=key)
        .first()
    )
    if response is None:
        raise Http404
    try:
        resubmission_sender_check(response, request.user)
    except SubmissionNotFound:
        raise Http404 from None
    except SubmissionForbidden:
        raise PermissionDenied from None
    context = _entry_context(
        request=request, campaign=response.campaign, unit=response.unit, channel=response.channel, form=response.form,
        submit_url=reverse("surveys:api_responses"), assignment=response.assignment,
    )
    context["schema"]["submit"]["revises"] = str(response.uuid)
    context["schema"]["prefill"] = resubmission_prefill(response)
    context["draft_key"] = f"revise:{response.uuid}"
    context["revising"] = response
    if response.assignment is not None:
        context["person"] = person_for(request.user, response.assignment)
    if response.status != ResponseStatus.RETURNED or response.campaign.status != CampaignStatus.ACTIVE:
        context["case_closed"] = _("Phiếu này không chờ sửa (trạng thái «%(status)s»).") % {"status": response.get_status_display()}
    return render(request, "surveys/resubmit.html", context)


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
        {
            "filters": filters, "page": page, "query": query.urlencode(), "action_form": ReviewActionForm(), "total": page.paginator.count,
            "mixed": not cleaned.get("campaign"),  # responses of several campaigns: the list names each one's
        },
    )


# How many responses «chọn tất cả phiếu khớp bộ lọc» changes at once.
BULK_MAX = 5000


def _filters_of(request: HttpRequest, query: str) -> dict | None:
    """The review list's filter (as its query string) cleaned for this user, or None when it is not valid."""
    filters = ReviewFilterForm(QueryDict(query), user=request.user)
    return filters.cleaned_data if filters.is_valid() else None


def _review_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkReviewForm(request.POST)
    back = reverse("surveys:review_list") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    if form.cleaned_data["all_matching"]:
        filters = _filters_of(request, form.cleaned_data["query"])
        matching = responses_for_review(user=request.user, filters=filters) if filters is not None else None
        total = matching.count() if matching is not None else 0
        if matching is None or total != form.cleaned_data["expected"] or total > BULK_MAX:
            messages.error(request, _bulk_refusal(filters is None, total, form.cleaned_data["expected"]))
            return redirect(back)
        responses = list(matching)
    else:
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


def _bulk_refusal(bad_filter: bool, total: int, expected: int) -> str:
    if bad_filter:
        return _("Bộ lọc không hợp lệ; hãy lọc lại rồi chọn.")
    if total > BULK_MAX:
        return _("Bộ lọc khớp %(n)s phiếu, quá %(max)s phiếu cho một lần; hãy lọc hẹp hơn.") % {"n": number_vi(total), "max": number_vi(BULK_MAX)}
    return _("Bộ lọc nay khớp %(n)s phiếu, không phải %(expected)s như đã xác nhận; hãy xem lại danh sách rồi chọn lại.") % {
        "n": number_vi(total), "expected": number_vi(expected),
    }


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
    """One response: its answers, its history, the review actions (approve and open the next one of the
    list's filter), and for those who may correct its answers the correction form."""
    response = _response_for_review(request, key)
    query = request.POST.get("query", "") if request.method == "POST" else request.GET.urlencode()
    if request.method == "POST" and request.POST.get("action") == "correct":
        return _correct(request, response, query)
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and data.get("action") == "approve_next":  # «Duyệt và mở phiếu tiếp theo»
        data["action"], data["next"] = "approve", "on"
    form = ReviewActionForm(data, initial={"query": query})
    if request.method == "POST" and form.is_valid():
        try:
            responses_review(responses=[response], action=form.cleaned_data["action"], actor=request.user, reason=form.cleaned_data["reason"])
        except ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Đã cập nhật phiếu."))
            if form.cleaned_data["next"]:
                return _open_next(request, response, query)
            return redirect(_detail_url(response, query))
    can_correct = response.status != ResponseStatus.DRAFT and allowed(request.user, Action.RESPONSES_CORRECT, response.unit)
    return render(
        request,
        "surveys/review_detail.html",
        {
            "response": response,
            "sections": answers_display(response),
            "form": form,
            "query": query,
            "profile": _profile_display(response.profile),
            "flags": response.flags.order_by("kind"),
            # which drawn person the interview belongs to: initials and a masked phone unless the reviewer may see more
            "person": person_for(request.user, response.assignment) if response.assignment else None,
            "history": response_history(response),
            "corrections": correction_fields(response) if can_correct else None,
        },
    )


def _detail_url(response: Response, query: str) -> str:
    return reverse("surveys:review_detail", kwargs={"key": response.uuid}) + (f"?{query}" if query else "")


def _open_next(request: HttpRequest, response: Response, query: str) -> HttpResponse:
    """After «Duyệt và mở phiếu tiếp theo»: the next response of the list's filter, or the list at its end."""
    filters = _filters_of(request, query)
    following = next_for_review(user=request.user, filters=filters, after=response) if filters is not None else None
    if following is None:
        messages.info(request, _("Đã hết phiếu trong danh sách đang lọc."))
        return redirect(reverse("surveys:review_list") + (f"?{query}" if query else ""))
    return redirect(_detail_url(following, query))


def _correct(request: HttpRequest, response: Response, query: str) -> HttpResponse:
    """The correction form: `c-<code>` fields that were filled in, and the reason (surveys.services.corrections)."""
    changes: dict[str, object] = {}
    for name, value in request.POST.items():
        if name.startswith("c-") and value.strip():
            code = name[2:]
            is_levels = request.POST.get(f"kind-{code}") == "levels"
            changes[code] = [part.strip() for part in value.split(",") if part.strip()] if is_levels else value.strip()
    try:
        if not changes:
            raise CorrectionError(_("Chưa nhập giá trị mới cho câu nào."))
        revisions = response_correct(actor=request.user, response=response, changes=changes, reason=request.POST.get("correction_reason", ""))
    except CorrectionError as error:
        details = [f"{key.removeprefix('answers.')}: {' '.join(texts)}" for key, texts in error.errors.items()]
        messages.error(request, " ".join([error.message, *details]))
    else:
        messages.success(request, _("Đã sửa %(n)d câu trả lời; chỉ số sẽ được tính lại.") % {"n": len(revisions)})
    return redirect(_detail_url(response, query))


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
    "js/queue.js", "js/offline.js", "js/expressions.js", "js/calculations.js", "js/cascades.js", "js/form_languages.js", "js/entry.js", "js/calllist.js",
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
