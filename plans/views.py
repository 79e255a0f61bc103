"""Pages of improvement plans: the department's list and rules, a unit's plan (file, review, evidence), and
a unit's recurring self-surveys. Each view reads a form, asks the policy through a service or `require`,
calls one service, renders."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Campaign
from plans import selectors, services
from plans.forms import EvidenceForm, MeasureForm, PlanRulesForm, ReviewForm, SelfSurveyForm
from plans.models import Evidence, ImprovementPlan, Measure, PlanRules, SelfSurveySchedule
from plans.self_surveys import self_survey_next, self_survey_schedule_save
from units.access import Action, allowed, require
from units.uploads import accepted_extensions, evidence_response, max_bytes_text


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# ---------------------------------------------------------------- the department


@login_required
def department(request: HttpRequest, code: str) -> HttpResponse:
    """Every required unit's plan with its status and lateness (late first); the rules; the button that
    creates the plans the published figures require."""
    campaign = selectors.campaign_or_404(code)
    require(request.user, Action.PLANS_REVIEW, campaign.organiser)
    if request.method == "POST":
        created = services.plans_require(campaign=campaign, actor=request.user)
        messages.success(request, _("Đã lập danh sách: thêm %(n)d đơn vị phải lập kế hoạch.") % {"n": len(created)})
        return redirect("plans:department", code=campaign.code)
    context = {
        "campaign": campaign,
        "plans": selectors.plans_for_department(campaign),
        "rules": PlanRules.objects.filter(campaign=campaign).first(),
        "can_configure": allowed(request.user, Action.CAMPAIGN_CONFIGURE, campaign.organiser),
        "published": campaign.published_at is not None,
    }
    return render(request, "plans/department.html", context)


@login_required
def rules_edit(request: HttpRequest, code: str) -> HttpResponse:
    campaign = selectors.campaign_or_404(code)
    require(request.user, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    rules = PlanRules.objects.filter(campaign=campaign).first() or PlanRules(campaign=campaign, due_days=30)
    form = PlanRulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_rules_save(campaign=campaign, rules=form.save(commit=False), actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã lưu quy định kế hoạch cải tiến."))
            return redirect("plans:department", code=campaign.code)
    return render(request, "plans/rules.html", {"campaign": campaign, "form": form})


# ---------------------------------------------------------------- a unit's plan


def _plan(request: HttpRequest, code: str, unit_code: str) -> ImprovementPlan:
    """The plan of `unit_code` in `code`, for a reader of the unit's results (404 to outsiders, also when there is none)."""
    campaign = selectors.campaign_or_404(code)
    unit = selectors.unit_or_404(unit_code)
    require(request.user, Action.RESULTS_VIEW, unit)
    plan = selectors.plan_detail(campaign, unit)
    if plan is None:
        raise Http404
    return plan


@login_required
@require_GET
def plan_page(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    plan = _plan(request, code, unit_code)
    can_file = allowed(request.user, Action.PLANS_FILE, plan.unit)
    context = {
        "plan": plan,
        "campaign": plan.campaign,
        "overdue": selectors.is_overdue(plan),
        "can_file": can_file,
        "can_edit": can_file and plan.status in ("draft", "returned"),
        "can_review": allowed(request.user, Action.PLANS_REVIEW, plan.campaign.organiser) and plan.status == "submitted",
        "measure_form": MeasureForm(),
        "evidence_form": EvidenceForm(),
        "review_form": ReviewForm(),
        "accepted": accepted_extensions(),
        "max_size": max_bytes_text(),
    }
    return render(request, "plans/plan.html", context)


def _back(plan: ImprovementPlan) -> HttpResponse:
    return redirect(reverse("plans:plan", args=[plan.campaign.code, plan.unit.code]))


def _run(request: HttpRequest, plan: ImprovementPlan, success: str, call: Callable[[], object]) -> HttpResponse:
    """Call one service; its success or its Vietnamese refusal as a message; back to the plan."""
    try:
        call()
        messages.success(request, success)
    except ValidationError as error:
        _refusal(request, error)
    return _back(plan)


def _measure(plan: ImprovementPlan, measure_id: int) -> Measure:
    return get_object_or_404(Measure.objects.select_related("criterion"), pk=measure_id, criterion__plan=plan)


@login_required
@require_POST
def measure_add(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    plan = _plan(request, code, unit_code)
    form = MeasureForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}".lstrip(": "))
        return _back(plan)
    criterion = get_object_or_404(plan.criteria.all(), pk=form.cleaned_data["criterion"])
    data = form.cleaned_data
    return _run(
        request,
        plan,
        _("Đã thêm biện pháp."),
        lambda: services.measure_add(
            criterion=criterion, action=data["action"], owner=data["owner"], due_on=data["due_on"], actor=request.user
        ),
    )


@login_required
@require_POST
def measure_delete(request: HttpRequest, code: str, unit_code: str, measure_id: int) -> HttpResponse:
    plan = _plan(request, code, unit_code)
    measure = _measure(plan, measure_id)
    return _run(request, plan, _("Đã xoá biện pháp."), lambda: services.measure_delete(measure=measure, actor=request.user))


@login_required
@require_POST
def evidence_add(request: HttpRequest, code: str, unit_code: str, measure_id: int) -> HttpResponse:
    plan = _plan(request, code, unit_code)
    measure = _measure(plan, measure_id)
    require(request.user, Action.PLANS_FILE, plan.unit)  # before reading the file
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        _refusal(request, ValidationError([e for errors in form.errors.values() for e in errors]))
        return _back(plan)
    upload = form.cleaned_data.get("file")
    data = form.cleaned_data
    return _run(
        request,
        plan,
        _("Đã thêm minh chứng."),
        lambda: services.evidence_add(
            measure=measure,
            actor=request.user,
            upload=upload or None,
            filename=upload.name if upload else "",
            link=data.get("link") or "",
            note=data.get("note") or "",
        ),
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, code: str, unit_code: str, evidence_id: int) -> HttpResponse:
    """An evidence file, to readers of the unit's results only, as an attachment that no browser runs."""
    plan = _plan(request, code, unit_code)
    evidence = get_object_or_404(Evidence, pk=evidence_id, measure__criterion__plan=plan)
    return evidence_response(name=evidence.file, download_name=evidence.original_name, kind=evidence.kind)


@login_required
@require_POST
def plan_submit(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    plan = _plan(request, code, unit_code)
    try:
        plan = services.plan_submit(plan=plan, actor=request.user)
        messages.success(request, _("Đã nộp kế hoạch (nộp muộn).") if plan.late else _("Đã nộp kế hoạch."))
    except ValidationError as error:
        _refusal(request, error)
    return _back(plan)


@login_required
@require_POST
def plan_review(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    plan = _plan(request, code, unit_code)
    form = ReviewForm(request.POST)
    require(request.user, Action.PLANS_REVIEW, plan.campaign.organiser)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn duyệt hoặc trả lại."))
        return _back(plan)
    try:
        approve = form.cleaned_data["decision"] == "approve"
        services.plan_review(plan=plan, approve=approve, comment=form.cleaned_data["comment"], actor=request.user)
        messages.success(request, _("Đã duyệt kế hoạch.") if approve else _("Đã trả lại kế hoạch kèm ý kiến."))
    except ValidationError as error:
        _refusal(request, error)
    return _back(plan)


# ---------------------------------------------------------------- recurring self-surveys


@login_required
def self_surveys(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = selectors.unit_or_404(unit_code)
    require(request.user, Action.CAMPAIGN_CONFIGURE, unit)
    form = SelfSurveyForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            self_survey_schedule_save(unit=unit, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Đã lập lịch tự khảo sát định kỳ."))
            return redirect("plans:self_surveys", unit_code=unit.code)
        except ValidationError as error:
            form.add_error(None, error)
    schedules = SelfSurveySchedule.objects.filter(unit=unit).select_related("template", "last_campaign").order_by("pk")
    return render(request, "plans/self_surveys.html", {"unit": unit, "form": form, "schedules": schedules})


@login_required
@require_POST
def self_survey_make(request: HttpRequest, unit_code: str, schedule_id: int) -> HttpResponse:
    unit = selectors.unit_or_404(unit_code)
    require(request.user, Action.CAMPAIGN_CONFIGURE, unit)
    schedule = get_object_or_404(SelfSurveySchedule, pk=schedule_id, unit=unit)
    try:
        copy: Campaign = self_survey_next(schedule=schedule, actor=request.user)
        messages.success(request, _("Đã tạo đợt «%(name)s» (bản nháp): hãy kiểm tra rồi kích hoạt.") % {"name": copy.name})
    except ValidationError as error:
        _refusal(request, error)
    return redirect("plans:self_surveys", unit_code=unit.code)
