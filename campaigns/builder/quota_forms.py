"""The forms of the builder's step 4: the rule and its parameters (read from the address: a preview saves
nothing), and the grid of quotas (posted: saved through campaigns.quota_services.quotas_save). Both keep what
was typed when something is wrong, with the message beside the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.builder.quota_grid import QuotaGrid
from campaigns.builder.quota_rules import DEFAULTS, EQUAL, NEEDS_POPULATION, PROPORTIONAL, YAMANE, QuotaRuleError, sizes_by_rule
from campaigns.quota_services import QUOTA_MAX, CellKey, cell_field

FROM_FRAME, FROM_POPULATION = "frame", "population"
POPULATION_MAX = 100_000_000

NUMBER_MESSAGES = {
    "invalid": _("Nhập một số nguyên (không có dấu chấm, phẩy hay chữ)."),
    "min_value": _("Không được nhỏ hơn %(limit_value)s."),
    "max_value": _("Không được lớn hơn %(limit_value)s."),
}


def _number(label: Any = "", *, minimum: int, maximum: int, **extra: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=minimum, max_value=maximum, error_messages=NUMBER_MESSAGES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control form-control-sm"}), **extra,
    )


class QuotaRuleForm(forms.Form):
    """A rule and its parameters. Valid, it holds `sizes`: the rule's size of every cell of the grid."""

    rule = forms.ChoiceField(
        label=_("Quy tắc"), widget=forms.RadioSelect, initial=DEFAULTS,
        choices=[
            (DEFAULTS, _("Mặc định theo loại đơn vị")),
            (YAMANE, _("Công thức Yamane theo cỡ tổng thể và sai số")),
            (EQUAL, _("Chia đều một tổng cỡ mẫu cho các đơn vị")),
            (PROPORTIONAL, _("Chia một tổng cỡ mẫu theo tỷ lệ cỡ tổng thể")),
        ],
        error_messages={"required": _("Hãy chọn một quy tắc."), "invalid_choice": _("Hãy chọn một quy tắc trong danh sách.")},
    )
    margin = forms.CharField(
        label=_("Sai số (%)"), required=False, initial="5", max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control form-control-sm", "size": 5}),
        help_text=_("Cho quy tắc Yamane: 5 nghĩa là ±5%; lớn hơn 0 và không quá 50."),
    )
    total = _number(_("Tổng cỡ mẫu (n)"), minimum=1, maximum=QUOTA_MAX, help_text=_("Cho quy tắc chia đều và chia theo tỷ lệ: tổng số phiếu của mọi ô."))
    source = forms.ChoiceField(
        label=_("Cỡ tổng thể (N) lấy từ"), widget=forms.RadioSelect, initial=FROM_FRAME, required=False,
        choices=[(FROM_FRAME, _("Số người trong khung mẫu của đơn vị")), (FROM_POPULATION, _("Cỡ tổng thể nhập tay (cột N)"))],
    )

    def __init__(self, *args: Any, grid: QuotaGrid, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.sizes: dict[CellKey, int] = {}
        if not grid.has_frame:
            self.fields["source"].initial = FROM_POPULATION
        for key, label in grid.default_keys():
            self.fields[f"default_{key}"] = _number(label, minimum=0, maximum=QUOTA_MAX, initial=grid.defaults.get(key))
        for row in grid.rows:
            self.fields[f"population_{row.unit.pk}"] = _number(row.unit.name, minimum=1, maximum=POPULATION_MAX, initial=row.population)

    def default_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("default_")]

    def clean_margin(self) -> Decimal | None:
        text = self.cleaned_data.get("margin", "").strip().rstrip("%").strip().replace(",", ".")
        if not text:
            return None
        try:
            margin = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(_("Nhập sai số là một số, ví dụ 5 hoặc 2,5.")) from None
        if not margin.is_finite():
            raise forms.ValidationError(_("Nhập sai số là một số, ví dụ 5 hoặc 2,5."))
        return margin

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rule = data.get("rule")
        if self.errors or not rule:
            return data
        from_frame = rule in NEEDS_POPULATION and data.get("source", FROM_FRAME) != FROM_POPULATION
        populations = {row.unit.pk: row.frame if from_frame else data.get(f"population_{row.unit.pk}") for row in self.grid.rows}
        defaults = {key: data[f"default_{key}"] for key, _label in self.grid.default_keys() if data.get(f"default_{key}") is not None}
        units = self.grid.rule_units(defaults=defaults, populations=populations)
        try:
            sizes = sizes_by_rule(rule, units, margin=data.get("margin"), total=data.get("total"))
        except QuotaRuleError as error:
            for name, messages in error.errors.items():
                if name.startswith("population_") and from_frame:
                    messages = [_("Đơn vị chưa có ai trong khung mẫu: nhập khung mẫu (bước «Khung mẫu») hoặc chọn cỡ tổng thể nhập tay.")]
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
            return data
        self.sizes = {key: size for row, row_sizes in zip(self.grid.rows, sizes, strict=True) for key, size in zip(row.cells, row_sizes, strict=True)}
        return data


class QuotaGridForm(forms.Form):
    """A number for every cell (`q_<unit>_<channel>_<form>`). Blank leaves a cell without quota; a cell that
    has one must keep a number (0 to survey nobody there)."""

    def __init__(self, *args: Any, grid: QuotaGrid, shown: dict[CellKey, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid = grid
        for key in grid.keys:
            self.fields[cell_field(key)] = _number(minimum=0, maximum=QUOTA_MAX, initial=shown.get(key))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for key in self.grid.keys:
            name = cell_field(key)
            if name in data and data[name] is None and key in self.grid.saved:
                self.add_error(name, _("Nhập cỡ mẫu (0 nếu không khảo sát ô này)."))
        return data

    def sizes(self) -> dict[CellKey, int]:
        return {key: self.cleaned_data[cell_field(key)] for key in self.grid.keys if self.cleaned_data.get(cell_field(key)) is not None}
