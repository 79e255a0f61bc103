"""The sample-size calculator (issue 17): Yamane's n = ⌈N / (1 + N·e²)⌉ for a frame of N people and a margin of
error e, and how many people to contact for an expected response rate. A small public tool; the quota rules
use the same function (campaigns.quotas.yamane_size)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from campaigns.quotas import yamane_size

COMMON_MARGINS = (3, 5, 7, 10)  # percent


class SampleSizeForm(forms.Form):
    population = forms.IntegerField(
        label=_("Số người trong tổng thể (N)"), min_value=1, max_value=1_000_000_000,
        help_text=_("Ví dụ: số hồ sơ đã giải quyết trong kỳ, số lượt người bệnh ra viện."),
        error_messages={
            "required": _("Cần nhập số người trong tổng thể."), "invalid": _("Cần nhập một số nguyên."),
            "min_value": _("Số người phải từ 1 đến 1.000.000.000."), "max_value": _("Số người phải từ 1 đến 1.000.000.000."),
        },
    )
    margin = forms.DecimalField(
        label=_("Sai số cho phép (%)"), min_value=Decimal("0.5"), max_value=Decimal("20"), decimal_places=2, initial=5,
        error_messages={
            "required": _("Cần nhập sai số cho phép."), "invalid": _("Cần nhập một số."),
            "min_value": _("Sai số cho phép phải từ 0,5%% đến 20%%."), "max_value": _("Sai số cho phép phải từ 0,5%% đến 20%%."),
            "max_decimal_places": _("Nhập tối đa 2 chữ số thập phân."),
        },
    )
    response_rate = forms.DecimalField(
        label=_("Tỷ lệ trả lời dự kiến (%)"), min_value=Decimal("1"), max_value=Decimal("100"), decimal_places=2, required=False,
        help_text=_("Để trống nếu không tính số người cần liên hệ."),
        error_messages={
            "invalid": _("Cần nhập một số."), "min_value": _("Tỷ lệ trả lời phải từ 1%% đến 100%%."),
            "max_value": _("Tỷ lệ trả lời phải từ 1%% đến 100%%."), "max_decimal_places": _("Nhập tối đa 2 chữ số thập phân."),
        },
    )


@dataclass(frozen=True)
class SampleSize:
    population: int
    margin: Decimal  # percent
    size: int
    response_rate: Decimal | None
    contacts: int | None
    by_margin: list[tuple[int, int]]  # (margin %, n) for the common margins


def sample_size(population: int, margin: Decimal, response_rate: Decimal | None = None) -> SampleSize:
    size = yamane_size(population, float(margin) / 100)
    contacts = math.ceil(size * 100 / float(response_rate)) if response_rate else None
    return SampleSize(
        population, margin, size, response_rate, contacts, [(m, yamane_size(population, m / 100)) for m in COMMON_MARGINS]
    )


def calculator(request: HttpRequest) -> HttpResponse:
    form = SampleSizeForm(request.GET or None)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        result = sample_size(data["population"], data["margin"], data.get("response_rate"))
    return render(request, "campaigns/calculator.html", {"form": form, "result": result})
