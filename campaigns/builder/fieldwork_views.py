"""Steps 5–7 of the builder, for campaigns that reach people from a frame: the frame upload (with a template
to download), the enumerators of each unit and the draw. Each write goes through its service, which asks the
access policy (frame_import: FRAME_IMPORT; membership_grant: MEMBERSHIPS_WRITE; sample_draw: FRAME_READ)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.builder import fieldwork
from campaigns.builder.views import campaign_for, step_page
from campaigns.frames import frame_upload
from campaigns.sampling import DEFAULT_RESERVE_RATIO, sample_draw
from campaigns.services import CampaignRuleError
from units.access import Action, allowed
from units.models import Membership, Role
from units.services import membership_grant, membership_revoke
from units.spreadsheets import ImportFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FrameUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp khung mẫu (.xlsx)"), error_messages={"required": gettext_lazy("Hãy chọn tệp Excel để tải lên.")})


@login_required
def frame(request: HttpRequest, code: str) -> HttpResponse:
    """Step 5: the frame by unit (people to draw, people on the frame) and the upload replacing it."""
    campaign = campaign_for(request, code)
    form = FrameUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    error_total = 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = frame_upload(campaign=campaign, upload=upload, actor=request.user)
            if not isinstance(outcome, int):  # a large file: a worker imports it, its page shows the progress
                return redirect("import_job", outcome.pk)
            count = outcome
        except ImportFailed as failure:
            errors, error_total = failure.messages(), failure.total
        except CampaignRuleError as problem:
            errors = list(problem.messages)
        else:
            messages.success(request, _("Đã nhập %(n)d người vào khung mẫu.") % {"n": count})
            return redirect("builder:frame", code=campaign.code)
    context = {
        "form": form, "errors": errors, "error_total": error_total or len(errors), "rows": fieldwork.frame_by_unit(campaign),
        "can_import": allowed(request.user, Action.FRAME_IMPORT, campaign.organiser),
        "headers": fieldwork.TEMPLATE_HEADERS,
    }
    return step_page(request, campaign, "khung-mau", "campaigns/builder/frame.html", context)


@login_required
def frame_template(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_for(request, code)
    response = HttpResponse(fieldwork.frame_template(campaign), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="khung-mau-{campaign.code}.xlsx"'
    return response


class EnumeratorForm(forms.Form):
    enumerator = forms.ModelChoiceField(
        label=gettext_lazy("Điều tra viên"), queryset=User.objects.none(), error_messages={"required": gettext_lazy("Hãy chọn một điều tra viên."),
                                                                         "invalid_choice": gettext_lazy("Hãy chọn một điều tra viên trong danh sách.")},
    )
    units = forms.MultipleChoiceField(
        label=gettext_lazy("Phụ trách đơn vị"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Hãy chọn ít nhất một đơn vị.")},
    )

    def __init__(self, *args: object, candidates: list, units: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enumerator"].queryset = User.objects.filter(pk__in=[user.pk for user in candidates]).order_by("username")
        self.fields["enumerator"].label_from_instance = lambda user: f"{user.get_full_name() or user.username} ({user.username})"
        self.fields["units"].choices = [(str(unit.pk), unit.name) for unit in units]


@login_required
def enumerators(request: HttpRequest, code: str) -> HttpResponse:
    """Step 6: who takes each unit's cases (a role at the unit or above), and giving an enumerator units."""
    campaign = campaign_for(request, code)
    units = fieldwork.frame_units(campaign)
    form = EnumeratorForm(request.POST or None, candidates=fieldwork.enumerator_candidates(campaign), units=units)
    if request.method == "POST" and "revoke" in request.POST:
        membership = Membership.objects.filter(
            pk=request.POST.get("revoke") if str(request.POST.get("revoke", "")).isdigit() else None,
            role=Role.ENUMERATOR, unit__in=units,
        ).select_related("unit", "user").first()
        if membership is None:
            raise Http404
        membership_revoke(membership=membership, actor=request.user)
        messages.success(request, _("«%(user)s» không còn phụ trách «%(unit)s».") % {"user": membership.user.username, "unit": membership.unit.name})
        return redirect("builder:enumerators", code=campaign.code)
    if request.method == "POST" and form.is_valid():
        chosen = {int(pk) for pk in form.cleaned_data["units"]}
        user = form.cleaned_data["enumerator"]
        for unit in units:
            if unit.pk in chosen:
                membership_grant(user=user, unit=unit, role=Role.ENUMERATOR, actor=request.user)
        messages.success(request, _("Đã giao %(n)d đơn vị cho «%(user)s».") % {"n": len(chosen), "user": user.get_full_name() or user.username})
        return redirect("builder:enumerators", code=campaign.code)
    context = {
        "form": form, "rows": fieldwork.staff_by_unit(campaign),
        "can_grant": allowed(request.user, Action.MEMBERSHIPS_WRITE, campaign.organiser),
        "can_create_people": allowed(request.user, Action.PEOPLE_MANAGE, campaign.organiser),
    }
    return step_page(request, campaign, "dieu-tra-vien", "campaigns/builder/enumerators.html", context)


class DrawForm(forms.Form):
    reserve_percent = forms.IntegerField(
        label=gettext_lazy("Tỷ lệ dự phòng (%)"), min_value=0, max_value=100, initial=int(DEFAULT_RESERVE_RATIO * 100),
        help_text=gettext_lazy("Số người dự phòng của mỗi ô, tính theo cỡ mẫu; người dự phòng được dùng khi một trường hợp kết thúc mà không phỏng vấn được."),
        error_messages={"min_value": gettext_lazy("Tỷ lệ dự phòng phải là số phần trăm từ 0 đến 100."), "max_value": gettext_lazy("Tỷ lệ dự phòng phải là số phần trăm từ 0 đến 100."),
                        "invalid": gettext_lazy("Hãy nhập một số nguyên."), "required": gettext_lazy("Hãy nhập tỷ lệ dự phòng.")},
    )


@login_required
def draw(request: HttpRequest, code: str) -> HttpResponse:
    """Step 7: the draw of every frame-channel cell (again, with the same seed, while nobody has been contacted)."""
    campaign = campaign_for(request, code)
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = sample_draw(
                campaign=campaign, reserve_ratio=form.cleaned_data["reserve_percent"] / 100, redraw="redraw" in request.POST, actor=request.user
            )
        except CampaignRuleError as problem:
            for message in problem.messages:
                form.add_error(None, message)
        else:
            (messages.warning if report.short_cells or report.unassigned else messages.success)(request, report.summary())
            return redirect("builder:draw", code=campaign.code)
    cells = fieldwork.draw_by_cell(campaign)
    context = {
        "form": form, "cells": cells, "drawn": any(cell.drawn or cell.reserves for cell in cells),
        "can_draw": allowed(request.user, Action.FRAME_READ, campaign.organiser),
    }
    return step_page(request, campaign, "rut-mau", "campaigns/builder/draw.html", context)
