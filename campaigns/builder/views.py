"""The builder's pages: each reads its form, calls one service (which asks the access policy), saves at once
and shows the step again or the next one. Officials who configure the campaign's organiser only
(units.access CAMPAIGN_CONFIGURE: 404 outside their subtree, 403 without the role)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.builder.coverage import coverage_of
from campaigns.builder.forms import CampaignInfoForm, QuestionnairesForm, WindowForm, errors_to_form, info_initial
from campaigns.builder.steps import STEP_BY_SLUG, STEPS, step_states
from campaigns.models import Campaign, ChannelWindow
from campaigns.selectors import campaign_by_code, questionnaire_usable, questionnaires_visible_to
from campaigns.services import (
    CampaignRuleError,
    campaign_activate,
    campaign_activation_rules,
    campaign_create,
    campaign_form_add,
    campaign_part_delete,
    campaign_save,
    channel_window_add,
)
from campaigns.targets import target_with_source
from units.access import Action, require, require_anywhere, scope
from units.models import Unit


def campaign_for(request: HttpRequest, code: str) -> Campaign:
    """The campaign `code` for an official who configures its organiser: 404 for anyone outside its subtree."""
    campaign = campaign_by_code(code)
    if campaign is None:
        raise Http404
    require(request.user, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    return campaign


def organisers_for(request: HttpRequest) -> Any:
    return scope(request.user, Action.CAMPAIGN_CONFIGURE, Unit.objects.filter(is_active=True).select_related("type").order_by("path"))


def step_page(request: HttpRequest, campaign: Campaign, slug: str, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render one step with the list of steps, each with its state, and the way to the next one."""
    states = step_states(campaign)
    index = [step.slug for step in STEPS].index(slug)
    context.update(
        campaign=campaign, states=states, state=states[index], step=STEP_BY_SLUG[slug],
        next_step=STEPS[index + 1] if index + 1 < len(STEPS) else None, previous_step=STEPS[index - 1] if index else None,
        advice=[(item.step, line) for item in states for line in item.advice],
    )
    return render(request, template, context)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# ------------------------------------------------------------------------------- the list and step 1


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The campaigns the official configures, drafts first, with the way into the builder."""
    require_anywhere(request.user, Action.CAMPAIGN_CONFIGURE)
    campaigns = scope(request.user, Action.CAMPAIGN_CONFIGURE, Campaign.objects.select_related("organiser"), "organiser")
    ordered = sorted(campaigns, key=lambda campaign: (campaign.status != "draft", -campaign.year, campaign.code))
    return render(request, "campaigns/builder/list.html", {"campaigns": ordered})


def _coverage_for(form: CampaignInfoForm, fallback: Unit | None) -> Any:
    organiser = form.cleaned_data.get("organiser") if form.is_bound and form.is_valid() else None
    if organiser is None and form.is_bound:
        chosen = form.data.get("organiser")
        organiser = form.fields["organiser"].queryset.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
    organiser = organiser or fallback
    return coverage_of(organiser) if organiser is not None else None


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    """Step 1 of a new campaign: its code, name, organiser (with the units it covers), period and target."""
    require_anywhere(request.user, Action.CAMPAIGN_CONFIGURE)
    form = CampaignInfoForm(request.POST or None, organisers=organisers_for(request))
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                code=data["code"], name=data["name"], organiser=data["organiser"], fieldwork_start=data["fieldwork_start"],
                fieldwork_end=data["fieldwork_end"], index_scheme=data["index_scheme"], target_index=data["target_index"],
                target_source=data["target_source"], actor=request.user,
            )
        except CampaignRuleError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Đã lưu bản nháp đợt «%(name)s». Bước tiếp theo: chọn phiếu khảo sát.") % {"name": campaign.name})
            return redirect("builder:forms", code=campaign.code)
    context = {"form": form, "coverage": _coverage_for(form, None), "steps": STEPS}
    return render(request, "campaigns/builder/new.html", context)


@login_required
def info(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_for(request, code)
    form = CampaignInfoForm(request.POST or None, initial=info_initial(campaign), organisers=organisers_for(request), editing=True)
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        data = form.cleaned_data
        target, source = target_with_source(
            scheme=data["index_scheme"], year=data["fieldwork_start"].year, value=data["target_index"], source=data["target_source"]
        )
        changed = [name for name in form.changed_data if name != "code"]
        for name in ("name", "organiser", "fieldwork_start", "fieldwork_end", "index_scheme"):
            setattr(campaign, name, data[name])
        campaign.year = data["fieldwork_start"].year
        campaign.target_index, campaign.target_source = target, source
        try:
            campaign_save(campaign=campaign, actor=request.user, changed=changed)
        except CampaignRuleError as error:
            errors_to_form(form, error)
            campaign.refresh_from_db()
        else:
            messages.success(request, _("Đã lưu thông tin chung."))
            return redirect("builder:forms", code=campaign.code)
    return step_page(request, campaign, "thong-tin", "campaigns/builder/info.html", {"form": form, "coverage": _coverage_for(form, campaign.organiser)})


# ------------------------------------------------------------------------------- step 2: questionnaires


def _usable_questionnaires(request: HttpRequest, campaign: Campaign) -> Any:
    visible = questionnaires_visible_to(request.user).order_by("code", "-version")
    usable = [questionnaire.pk for questionnaire in visible if questionnaire_usable(questionnaire, campaign.organiser)]
    return visible.filter(pk__in=usable)


def _form_initial(campaign: Campaign, unit_types: list) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    forms = list(campaign.forms.prefetch_related("unit_types").order_by("pk"))
    for unit_type in unit_types:
        for form in forms:
            types = {t.pk for t in form.unit_types.all()}
            if not types or unit_type.pk in types:
                initial[f"type_{unit_type.code}"] = form.questionnaire_id
                break
    return initial


@login_required
def questionnaires(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: a questionnaire for each unit type the campaign covers."""
    campaign = campaign_for(request, code)
    coverage = coverage_of(campaign.organiser)
    unit_types = coverage.types()
    form = QuestionnairesForm(
        request.POST or None, initial=_form_initial(campaign, unit_types), unit_types=unit_types,
        questionnaires=_usable_questionnaires(request, campaign),
    )
    if request.method == "POST" and form.is_valid():
        try:
            _forms_replace(campaign, form.chosen(), all_types=len(unit_types), actor=request.user)
        except CampaignRuleError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Đã lưu phiếu khảo sát của đợt."))
            return redirect("builder:windows", code=campaign.code)
    return step_page(request, campaign, "phieu", "campaigns/builder/questionnaires.html", {"form": form, "coverage": coverage})


@transaction.atomic
def _forms_replace(campaign: Campaign, chosen: dict[Any, list], *, all_types: int, actor: Any) -> None:
    """Make the campaign's forms those chosen: a form per questionnaire, for its unit types (for every unit when it
    serves them all). Forms no longer chosen are removed (with their quotas)."""
    keep: set[int] = set()
    for questionnaire, unit_types in chosen.items():
        types = [] if len(unit_types) == all_types and len(chosen) == 1 else unit_types
        form = campaign.forms.filter(questionnaire=questionnaire).first()
        if form is None:
            form = campaign_form_add(campaign=campaign, questionnaire=questionnaire, unit_types=types, actor=actor)
        else:
            form.unit_types.set(types)
        keep.add(form.pk)
    for form in campaign.forms.exclude(pk__in=keep):
        campaign_part_delete(part=form, actor=actor)


# ------------------------------------------------------------------------------- step 3: channels


@login_required
def windows(request: HttpRequest, code: str) -> HttpResponse:
    """Step 3: the channels, each with its window inside the campaign's period (checked where it is typed)."""
    campaign = campaign_for(request, code)
    unit_types = coverage_of(campaign.organiser).types()
    form = WindowForm(request.POST or None, campaign=campaign, unit_types=unit_types)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel_window_add(
                campaign=campaign, channel=data["channel"], start=data["start"], end=data["end"], unit_types=data["unit_types"], actor=request.user
            )
        except CampaignRuleError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Đã thêm kênh thu thập."))
            return redirect("builder:windows", code=campaign.code)
    saved = list(campaign.windows.prefetch_related("unit_types").order_by("start", "pk"))
    rows = [(window, window.date_problems()) for window in saved]
    return step_page(request, campaign, "kenh", "campaigns/builder/windows.html", {"form": form, "rows": rows})


@login_required
@require_POST
def window_delete(request: HttpRequest, code: str, window_id: int) -> HttpResponse:
    campaign = campaign_for(request, code)
    window = ChannelWindow.objects.filter(campaign=campaign, pk=window_id).first()
    if window is None:
        raise Http404
    try:
        campaign_part_delete(part=window, actor=request.user)
    except CampaignRuleError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Đã xoá kênh «%(window)s».") % {"window": window})
    return redirect("builder:windows", code=campaign.code)


# ------------------------------------------------------------------------------- the check list and activation


@login_required
def check(request: HttpRequest, code: str) -> HttpResponse:
    """The last step: every rule that blocks activation with how the campaign stands against it, the advice of
    the earlier steps, and the activation button."""
    campaign = campaign_for(request, code)
    if request.method == "POST":
        try:
            campaign_activate(campaign=campaign, actor=request.user)
        except CampaignRuleError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Đã kích hoạt đợt «%(name)s»: các kênh bắt đầu nhận phiếu theo khung thời gian.") % {"name": campaign.name})
            return redirect("builder:check", code=campaign.code)
    rules = campaign_activation_rules(campaign)
    response = step_page(
        request, campaign, "kiem-tra", "campaigns/builder/check.html",
        {"rules": rules, "can_activate": all(rule.kept for rule in rules)},
    )
    return response


