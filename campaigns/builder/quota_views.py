"""Step 4 of the builder: quotas by rule, previewed per unit before saving, and a compact grid to edit them.

The rule's form is read from the address (GET: a preview saves nothing); its sizes fill the grid, each beside
the size saved now. «Lưu cỡ mẫu» posts the grid as it stands, so what is saved is what was shown (or typed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from campaigns.builder.forms import errors_to_form
from campaigns.builder.quota_forms import QuotaGridForm, QuotaRuleForm
from campaigns.builder.quota_grid import GridColumn, GridRow, QuotaGrid, quota_grid
from campaigns.builder.views import campaign_for, step_page
from campaigns.quota_services import CellKey, cell_field, quotas_save
from campaigns.selectors import quotas_unmade_reasons
from campaigns.services import CampaignRuleError
from units.formatting import number_vi


@dataclass
class ShownCell:
    column: GridColumn
    field: forms.BoundField | None
    saved: int | None
    proposed: int | None  # the rule's size in a preview

    @property
    def changes(self) -> bool:
        return self.proposed is not None and self.proposed != self.saved


@dataclass
class ShownRow:
    row: GridRow
    population: forms.BoundField
    cells: list[ShownCell]
    proposed_total: int
    saved_total: int


def _shown_rows(grid: QuotaGrid, rule_form: QuotaRuleForm, grid_form: QuotaGridForm, preview: dict[CellKey, int]) -> list[ShownRow]:
    rows = []
    for row in grid.rows:
        cells = [
            ShownCell(column, grid_form[cell_field(key)] if key else None, grid.saved.get(key) if key else None, preview.get(key) if key else None)
            for column, key in zip(grid.columns, row.keys, strict=True)
        ]
        rows.append(ShownRow(
            row, rule_form[f"population_{row.unit.pk}"], cells,
            sum(preview.get(key, 0) for key in row.cells), sum(grid.saved.get(key, 0) for key in row.cells),
        ))
    return rows


@login_required
def quotas(request: HttpRequest, code: str) -> HttpResponse:
    campaign = campaign_for(request, code)
    grid = quota_grid(campaign)
    rule_form = QuotaRuleForm(request.GET if "rule" in request.GET else None, grid=grid)
    preview = rule_form.sizes if rule_form.is_bound and rule_form.is_valid() else {}
    grid_form = QuotaGridForm(request.POST if request.method == "POST" else None, grid=grid, shown={**grid.saved, **preview})
    if request.method == "POST" and grid_form.is_valid():
        try:
            changed = quotas_save(campaign=campaign, sizes=grid_form.sizes(), actor=request.user)
        except CampaignRuleError as error:
            errors_to_form(grid_form, error)
        else:
            total = sum(campaign.quotas.values_list("target", flat=True))
            messages.success(request, _("Đã lưu cỡ mẫu: %(changed)s ô thay đổi; tổng cỡ mẫu của đợt %(total)s phiếu.") % {
                "changed": number_vi(changed), "total": number_vi(total),
            })
            return redirect("builder:quotas", code=campaign.code)
    context: dict[str, Any] = {
        "grid": grid, "rule_form": rule_form, "grid_form": grid_form, "preview": bool(preview), "rows": _shown_rows(grid, rule_form, grid_form, preview),
        "column_totals": [
            sum((preview if preview else grid.saved).get(key, 0) for key in (row.keys[i] for row in grid.rows) if key) for i in range(len(grid.columns))
        ],
        "proposed_total": sum(preview.values()), "saved_total": sum(grid.saved.get(key, 0) for key in grid.keys),
        "unmade_reasons": [] if grid.rows else quotas_unmade_reasons(campaign),
    }
    return step_page(request, campaign, "co-mau", "campaigns/builder/quotas.html", context)
