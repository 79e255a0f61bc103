"""Pages of the communication plan: the organiser's plan and progress, an activity's form, the organising
letter, and a responsible unit's task page where it reports with evidence. Phone first (390 px)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communication import selectors, services
from communication.forms import ActivityForm, LetterForm, ProgressFilterForm, ReportForm
from communication.letter import letter_docx, letter_filename
from communication.models import Activity, CommunicationPlan
from units.access import Action, allowed, require_anywhere
from units.uploads import evidence_response

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The plans the user manages and the tasks of the units they report for."""
    require_anywhere(request.user, Action.COMMS_REPORT)
    today = timezone.localdate()
    tasks = [(task, selectors.task_state(task, today)) for task in selectors.my_tasks(request.user)[:300]]
    plans = selectors.my_plans(request.user).exclude(status="archived")[:50]
    return render(request, "communication/home.html", {"tasks": tasks, "plans": plans, "states": selectors.STATES})


@login_required
def plan_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The plan's activities and its progress by activity and by unit, with filters."""
    campaign = selectors.plan_campaign(actor=request.user, code=code)
    plan = CommunicationPlan.objects.filter(campaign=campaign).first()
    filters = ProgressFilterForm(request.GET or None, organiser=campaign.organiser)
    context = {"campaign": campaign, "plan": plan, "filters": filters, "states": selectors.STATES}
    if plan is not None:
        context["activities"] = selectors.plan_activities(plan)
        context["progress"] = selectors.plan_progress(plan, **filters.filters())
    return render(request, "communication/plan.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, code: str, activity_id: int | None = None) -> HttpResponse:
    campaign = selectors.plan_campaign(actor=request.user, code=code)
    plan = CommunicationPlan.objects.filter(campaign=campaign).first()
    if activity_id is not None:
        if plan is None:
            raise Http404
        activity = selectors.plan_activity(plan=plan, activity_id=activity_id)
    else:
        activity = Activity(plan=plan)
    form = ActivityForm(request.POST or None, instance=activity, organiser=campaign.organiser)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the plan is made with its first activity, or not at all
                activity.plan = plan or services.plan_for(campaign=campaign, actor=request.user)
                services.activity_save(activity=form.instance, units=form.chosen_units(), actor=request.user)
        except ValidationError as error:
            if activity_id is None:
                activity.pk = None  # its row was rolled back
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã lưu hoạt động «%(title)s».") % {"title": activity.title})
            return redirect("communication:plan", code=campaign.code)
    return render(request, "communication/activity_form.html", {"campaign": campaign, "form": form, "activity": activity})


@login_required
@require_POST
def activity_delete(request: HttpRequest, code: str, activity_id: int) -> HttpResponse:
    campaign = selectors.plan_campaign(actor=request.user, code=code)
    plan = CommunicationPlan.objects.filter(campaign=campaign).first()
    if plan is None:
        raise Http404
    activity = selectors.plan_activity(plan=plan, activity_id=activity_id)
    try:
        services.activity_delete(activity=activity, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã xoá hoạt động «%(title)s».") % {"title": activity.title})
    return redirect("communication:plan", code=campaign.code)


@login_required
@require_http_methods(["GET", "POST"])
def letter(request: HttpRequest, code: str) -> HttpResponse:
    """What the organising letter needs besides the plan (number, recipients, signer), and its download."""
    campaign = selectors.plan_campaign(actor=request.user, code=code)
    plan = CommunicationPlan.objects.filter(campaign=campaign).first()
    if plan is None:
        messages.info(request, _("Hãy thêm ít nhất một hoạt động trước khi soạn công văn."))
        return redirect("communication:plan", code=campaign.code)
    form = LetterForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        services.plan_letter_save(plan=plan, actor=request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, _("Đã lưu thông tin công văn."))
        return redirect("communication:letter", code=campaign.code)
    return render(request, "communication/letter.html", {"campaign": campaign, "plan": plan, "form": form})


@login_required
def letter_download(request: HttpRequest, code: str) -> HttpResponse:
    """The organising letter ("V/v phối hợp tổ chức truyền thông…") as .docx, with the notice attached."""
    campaign = selectors.plan_campaign(actor=request.user, code=code)
    plan = CommunicationPlan.objects.filter(campaign=campaign).first()
    if plan is None:
        raise Http404
    response = HttpResponse(
        letter_docx(plan, notice_url=request.build_absolute_uri(f"/khao-sat/{campaign.public_key}/")), content_type=DOCX_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(plan)}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    """A unit's task: what to do by when, its evidence, and the report form (for the unit's reporters)."""
    task = selectors.task_for_actor(actor=request.user, task_id=task_id)
    may_report = allowed(request.user, Action.COMMS_REPORT, task.unit)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_report:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                services.task_report(
                    task=task, actor=request.user, note=form.cleaned_data["note"], files=form.cleaned_data["files"], links=form.link_list()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Đã ghi nhận báo cáo và minh chứng. Xin cảm ơn!"))
                return redirect("communication:task", task_id=task.pk)
    context = {
        "task": task,
        "state": selectors.task_state(task, timezone.localdate()),
        "states": selectors.STATES,
        "evidence": selectors.task_evidence(task),
        "form": form,
        "may_report": may_report,
        "reporter": (task.done_by.get_full_name() or task.done_by.username) if task.done_by else "—",
    }
    return render(request, "communication/task.html", context, status=400 if form.errors else 200)


@login_required
def evidence_download(request: HttpRequest, item_id: int) -> HttpResponse:
    """A stored evidence file, always as a download (units.uploads)."""
    evidence = selectors.evidence_for_actor(actor=request.user, evidence_id=item_id)
    if not evidence.stored_name:
        raise Http404
    return evidence_response(name=evidence.stored_name, download_name=evidence.original_name, kind=evidence.file_kind)
