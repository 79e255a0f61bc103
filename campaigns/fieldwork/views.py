"""Fieldwork pages: a case (call, record the outcome, interview, reassign), the call centre's "next case",
and the supervisors' list of cases with bulk reassignment. Every case is checked by `case_for_actor`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.fieldwork.dispositions import DISPOSITIONS, ContactOutcome
from campaigns.fieldwork.forms import AttemptForm, CaseFilterForm, ReassignForm
from campaigns.fieldwork.selectors import (
    call_list,
    case_attempts,
    case_for_actor,
    cases_for_review,
    person_for,
)
from campaigns.fieldwork.services import FieldworkError, attempt_record, case_state_text, cases_reassign
from campaigns.models import Assignment, Channel
from units.access import Action, allowed, require_anywhere

CALL_CENTRE = "tong-dai"

DEFAULT_SCRIPT = _(
    "Xin chào {nguoi}, tôi là {dieu_tra_vien}, gọi từ {to_chuc} về đợt «{dot}». Anh/chị đã làm thủ tục tại {don_vi}; "
    "xin phép anh/chị dành khoảng 10 phút cho biết mức độ hài lòng. Thông tin được giữ kín và chỉ dùng để cải thiện dịch vụ."
)


class _Blank(defaultdict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def call_script(case: Assignment, person_name: str, enumerator: str) -> str:
    """The campaign's script (or the default), with {nguoi}, {dieu_tra_vien}, {to_chuc}, {dot}, {don_vi} filled in."""
    text = case.campaign.call_script or str(DEFAULT_SCRIPT)
    values = _Blank(str, nguoi=person_name, dieu_tra_vien=enumerator, to_chuc=case.campaign.organiser.name, dot=case.campaign.name, don_vi=case.quota.unit.name)
    try:
        return text.format_map(values)
    except (ValueError, IndexError):  # a brace typed in the script: show it as written
        return text


def entry_url(case: Assignment, *, call_centre: bool = False) -> str:
    url = reverse("surveys:entry_form", args=[case.quota_id]) + f"?phan-cong={case.pk}"
    return url + (f"&{CALL_CENTRE}=1" if call_centre else "")


def _case_context(request: HttpRequest, case: Assignment, form: AttemptForm, *, call_centre: bool) -> dict[str, Any]:
    person = person_for(request.user, case)
    unit = case.quota.unit
    return {
        "case": case,
        "person": person,
        "attempts": case_attempts(case),
        "form": form,
        "state": case_state_text(case),
        "disposition": DISPOSITIONS.get(case.disposition),
        "call_centre": call_centre,
        "script": call_script(case, person.name if person else "", request.user.get_full_name() or request.user.username) if call_centre else "",
        "entry_url": entry_url(case, call_centre=call_centre),
        "is_phone": case.quota.channel == Channel.PHONE,
        "own": case.enumerator_id == request.user.pk,
        "reassign_form": ReassignForm(actor=request.user) if allowed(request.user, Action.CASES_REASSIGN, unit) else None,
        "may_contact": case.enumerator_id == request.user.pk or allowed(request.user, Action.CASES_CONTACT, unit),
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case: the person (a tap-to-call link for those allowed), its attempts, the outcome form."""
    case = case_for_actor(request.user, case_id)
    call_centre = request.GET.get(CALL_CENTRE) == "1" or request.POST.get(CALL_CENTRE) == "1"
    form = AttemptForm(request.POST if request.POST.get("action") == "attempt" else None)
    if request.method == "POST" and request.POST.get("action") == "reassign":
        return _reassign_one(request, case)
    if request.method == "POST" and form.is_valid():
        try:
            attempt_record(
                actor=request.user, case=case, outcome=form.cleaned_data["outcome"], appointment_at=form.appointment_at(), note=form.cleaned_data["note"]
            )
        except FieldworkError as problem:
            for message in problem.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Đã ghi kết quả: %(outcome)s.") % {"outcome": ContactOutcome(form.cleaned_data["outcome"]).label})
            if call_centre:
                return redirect("fieldwork:next_case")
            return redirect("home") if case.enumerator_id == request.user.pk else redirect("fieldwork:case_detail", case_id=case.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "fieldwork/case_detail.html", _case_context(request, case, form, call_centre=call_centre), status=status)


def _reassign_one(request: HttpRequest, case: Assignment) -> HttpResponse:
    form = ReassignForm(request.POST, actor=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("fieldwork:case_detail", case_id=case.pk)
    try:
        cases_reassign(actor=request.user, cases=[case], to_user=form.cleaned_data["to_user"], reason=form.cleaned_data["reason"])
    except FieldworkError as problem:
        for message in problem.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Đã chuyển trường hợp cho %(user)s.") % {"user": form.cleaned_data["to_user"].username})
    return redirect("fieldwork:case_detail", case_id=case.pk)


@login_required
def next_case(request: HttpRequest) -> HttpResponse:
    """The call centre's "next case": the first due case of the day, opened with its script."""
    following = call_list(user=request.user).next_case
    if following is None:
        messages.info(request, _("Không còn trường hợp nào cần gọi lúc này."))
        return redirect("home")
    return redirect(reverse("fieldwork:case_detail", args=[following.pk]) + f"?{CALL_CENTRE}=1")


@login_required
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """Supervisors' and officials' cases, filtered, with bulk reassignment (reason kept)."""
    require_anywhere(request.user, Action.CASES_READ)
    filters = CaseFilterForm(request.GET or None, actor=request.user)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    queryset = cases_for_review(actor=request.user, filters=cleaned)
    reassign = ReassignForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        return _reassign_bulk(request, queryset, reassign)
    page = Paginator(queryset, 50).get_page(request.GET.get("trang"))
    rows = [(case, person_for(request.user, case)) for case in page.object_list]
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "fieldwork/case_list.html",
        {"filters": filters, "page": page, "rows": rows, "reassign": reassign, "query": query.urlencode(), "total": page.paginator.count},
    )


def _reassign_bulk(request: HttpRequest, queryset, reassign: ReassignForm) -> HttpResponse:  # type: ignore[no-untyped-def]
    back = reverse("fieldwork:case_list") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    ids = [int(raw) for raw in request.POST.getlist("ids") if raw.isdigit()]
    if not reassign.is_valid():
        for errors in reassign.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    cases = list(queryset.filter(pk__in=ids))
    try:
        changed = cases_reassign(actor=request.user, cases=cases, to_user=reassign.cleaned_data["to_user"], reason=reassign.cleaned_data["reason"])
    except FieldworkError as problem:
        for message in problem.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Đã chuyển %(n)d trường hợp cho %(user)s.") % {"n": changed, "user": reassign.cleaned_data["to_user"].username})
    return redirect(back)
