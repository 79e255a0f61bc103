"""The builder's steps in order, what each has done and what stops it, and the check list before activation.

A step's `problems` block activation (they come from campaigns.services.campaign_activation_rules, the one
list of such rules); its `advice` does not (a phone campaign may be activated before its draw, say) but says
what is still to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, CampaignStatus
from campaigns.quota_services import frame_counts, frame_overruns
from campaigns.sampling import FRAME_CHANNELS, enumerators_covering
from campaigns.selectors import form_units, form_unmatched_reason, organiser_units, quota_cells
from campaigns.services import campaign_activation_rules
from units.formatting import date_vi, number_vi


@dataclass(frozen=True)
class Step:
    slug: str
    url_name: str
    title: Promise


STEPS: tuple[Step, ...] = (
    Step("thong-tin", "builder:info", gettext_lazy("Thông tin chung")),
    Step("phieu", "builder:forms", gettext_lazy("Phiếu khảo sát")),
    Step("kenh", "builder:windows", gettext_lazy("Kênh thu thập")),
    Step("co-mau", "builder:quotas", gettext_lazy("Cỡ mẫu")),
    Step("khung-mau", "builder:frame", gettext_lazy("Khung mẫu")),
    Step("dieu-tra-vien", "builder:enumerators", gettext_lazy("Điều tra viên")),
    Step("rut-mau", "builder:draw", gettext_lazy("Rút mẫu")),
    Step("kiem-tra", "builder:check", gettext_lazy("Kiểm tra và kích hoạt")),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}

DONE, TODO, SKIP = "done", "todo", "skip"


@dataclass
class StepState:
    step: Step
    number: int
    status: str = TODO
    summary: str = ""
    problems: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)


def uses_frame(campaign: Campaign) -> bool:
    """Whether the campaign reaches people from a frame (a phone or home-visit channel): then it needs a frame,
    enumerators and a draw."""
    return campaign.windows.filter(channel__in=list(FRAME_CHANNELS)).exists()


def quotas_over_frame(campaign: Campaign, counts: dict[int, int] | None = None) -> list[str]:
    """Frame-channel quotas larger than the unit's frame, in Vietnamese: the draw would fall short there."""
    return list(frame_overruns(campaign, counts=counts).values())


def step_states(campaign: Campaign) -> list[StepState]:
    """Every step of the builder with its state, in order."""
    rules = campaign_activation_rules(campaign)
    states = [StepState(step, number) for number, step in enumerate(STEPS, start=1)]
    info, forms_state, windows_state, quotas_state, frame_state, staff_state, draw_state, check_state = states

    info.status = DONE
    info.summary = _("%(organiser)s · %(start)s – %(end)s") % {
        "organiser": campaign.organiser.name, "start": date_vi(campaign.fieldwork_start), "end": date_vi(campaign.fieldwork_end)
    }

    subtree = list(organiser_units(campaign).order_by("path"))
    windows = list(campaign.windows.prefetch_related("unit_types").order_by("channel", "start", "pk"))
    forms = list(campaign.forms.select_related("questionnaire").prefetch_related("units", "unit_types").order_by("pk"))
    forms_state.problems = rules[1].problems + rules[2].problems
    forms_state.advice = [
        form_unmatched_reason(campaign, form, subtree, windows) for form in forms if not form_units(form, subtree, campaign.organiser_id)
    ]
    forms_state.summary = ", ".join(str(form.questionnaire) for form in forms)
    forms_state.status = DONE if forms and not forms_state.problems else TODO

    windows_state.problems = rules[3].problems + rules[4].problems
    windows_state.summary = "; ".join(str(window) for window in windows)
    windows_state.status = DONE if windows and not windows_state.problems else TODO

    cells = list(quota_cells(campaign)) if forms and windows else []
    quotas = dict(
        ((unit_id, channel, form_id), target)
        for unit_id, channel, form_id, target in campaign.quotas.values_list("unit_id", "channel", "form_id", "target")
    )
    missing = sum((unit.pk, channel, form.pk) not in quotas for unit, channel, form in cells)
    quotas_state.problems = rules[5].problems
    if missing:
        quotas_state.advice.append(
            _("%(missing)s trong %(all)s ô (đơn vị × kênh × phiếu) chưa có cỡ mẫu.") % {"missing": number_vi(missing), "all": number_vi(len(cells))}
        )
    quotas_state.summary = _("Tổng cỡ mẫu %(total)s phiếu, %(cells)s ô.") % {
        "total": number_vi(sum(quotas.values())), "cells": number_vi(sum(1 for target in quotas.values() if target))
    }
    quotas_state.status = DONE if quotas and not quotas_state.problems and not missing else TODO

    if not uses_frame(campaign):
        for state in (frame_state, staff_state, draw_state):
            state.status = SKIP
            state.summary = _("Không cần: đợt không có kênh điện thoại hoặc phỏng vấn tại nhà.")
    else:
        counts = frame_counts(campaign)
        frame_units = {unit_id for (unit_id, channel, _form), target in quotas.items() if channel in FRAME_CHANNELS and target}
        frame_state.summary = _("%(people)s người ở %(units)s đơn vị.") % {"people": number_vi(sum(counts.values())), "units": number_vi(len(counts))}
        if not counts:
            frame_state.advice.append(_("Chưa nhập khung mẫu (danh sách người dân đã giao dịch) cho kênh điện thoại hoặc phỏng vấn tại nhà."))
        else:
            without = [unit.name for unit in subtree if unit.pk in frame_units and not counts.get(unit.pk)]
            if without:
                frame_state.advice.append(_("Đơn vị chưa có ai trong khung mẫu: %(units)s.") % {"units": ", ".join(without)})
            frame_state.advice += quotas_over_frame(campaign, counts)
        frame_state.status = DONE if counts and not frame_state.advice else TODO

        covered = enumerators_covering([unit for unit in subtree if unit.pk in frame_units])
        bare = [unit.name for unit in subtree if unit.pk in frame_units and not covered.get(unit.pk)]
        staff_state.summary = _("%(n)s điều tra viên phụ trách các đơn vị có kênh điện thoại hoặc tại nhà.") % {
            "n": number_vi(len({user for users in covered.values() for user in users}))
        }
        if bare:
            staff_state.advice.append(_("Đơn vị chưa có điều tra viên: %(units)s.") % {"units": ", ".join(bare)})
        staff_state.status = DONE if frame_units and not bare else TODO

        drawn = campaign.assignments.filter(is_reserve=False).count()
        reserves = campaign.assignments.filter(is_reserve=True).count()
        draw_state.summary = _("Đã rút %(drawn)s người và %(reserves)s người dự phòng.") % {"drawn": number_vi(drawn), "reserves": number_vi(reserves)}
        if not drawn:
            draw_state.advice.append(_("Chưa rút mẫu: điều tra viên chưa có danh sách người cần liên hệ."))
        draw_state.status = DONE if drawn else TODO

    check_state.problems = [problem for rule in rules for problem in rule.problems]
    check_state.status = DONE if campaign.status != CampaignStatus.DRAFT else TODO
    check_state.summary = campaign.get_status_display()
    if campaign.status != CampaignStatus.DRAFT:  # activated: nothing blocks any more, what is left is advice
        for state in states:
            state.problems = []
    return states
