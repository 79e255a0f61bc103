"""Quotas by rule, for the builder's step 4 (Cỡ mẫu): plain arithmetic on plain data, no database.

Four rules give each unit its size, in the order of the units' paths:
- `DEFAULTS`: the per-type default (campaigns.quotas.default_quota_for, with the table the official edited);
- `YAMANE`: Yamane's n (campaigns.quotas.yamane_size) of the unit's population at a margin of error;
- `EQUAL`: a total n shared equally between the units;
- `PROPORTIONAL`: a total n shared in proportion to the units' populations (frame sizes or typed).

A unit has one or more cells (channel × form). A size rule (defaults, Yamane) gives the size of a stratum, so
every cell of the unit gets it, as campaigns.selectors.quota_plan does. An allocation rule (equal, proportional)
shares a total, so the unit's part is shared again equally between its cells, and all the cells add up to the
total exactly. Every sharing rounds by the largest remainder: the floors first, then one more form to the parts
with the largest remainders, ties to the earlier part (the unit first by path; a unit's cells in column order).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from campaigns.quotas import yamane_size
from units.formatting import number_vi

DEFAULTS, YAMANE, EQUAL, PROPORTIONAL = "defaults", "yamane", "equal", "proportional"
RULES = (DEFAULTS, YAMANE, EQUAL, PROPORTIONAL)
SHARES_A_TOTAL = frozenset({EQUAL, PROPORTIONAL})
NEEDS_POPULATION = frozenset({YAMANE, PROPORTIONAL})

# Yamane's margin of error in percent: above 0, at most 50 (beyond it n is 1 or less for any population).
MARGIN_MAX = Decimal(50)


@dataclass(frozen=True)
class RuleUnit:
    """What a rule needs of one unit. `key` names its fields (`population_<key>`); `order` is its path."""

    key: str
    name: str
    order: str
    cells: int
    default: int | None = None
    default_key: str = ""
    population: int | None = None


class QuotaRuleError(ValueError):
    """The rule cannot be applied; `errors` maps a field name ("margin", "total", "population_<key>",
    "default_<type key>", "__all__") to its Vietnamese messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = errors


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """`total` shared in proportion to `weights` (not all 0) in whole parts adding up to `total` exactly:
    each part's floor, then one more to the parts with the largest remainders, ties to the earlier part."""
    whole = sum(weights)
    if total == 0 or not weights:
        return [0] * len(weights)
    if whole <= 0 or min(weights) < 0:
        raise ValueError("weights must be non-negative and not all zero")
    exact = [Fraction(total * weight, whole) for weight in weights]
    parts = [math.floor(share) for share in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def sizes_by_rule(rule: str, units: Sequence[RuleUnit], *, margin: Decimal | None = None, total: int | None = None) -> list[list[int]]:
    """The size of every cell of every unit under `rule`: one list per unit (same order), one size per cell.

    Ties of the sharing go to the unit first by path (`order`), whatever the order of `units`; `margin` is Yamane's margin of error in
    percent (5 = ±5%), `total` the n an allocation rule shares. Raises QuotaRuleError, naming the fields.
    """
    if rule not in RULES:
        raise QuotaRuleError({"rule": [_("Hãy chọn một quy tắc tính cỡ mẫu.")]})
    if rule == DEFAULTS:
        return _by_default(units)
    errors: dict[str, list[str]] = {}
    if rule == YAMANE and (margin is None or not Decimal(0) < margin <= MARGIN_MAX):
        errors["margin"] = [_("Sai số phải lớn hơn 0% và không quá 50% (ví dụ 5 cho ±5%).")]
    if rule in SHARES_A_TOTAL:
        errors.update(_total_problems(rule, units, total))
    if rule in NEEDS_POPULATION:
        errors.update(_population_problems(units))
    if errors:
        raise QuotaRuleError(errors)
    if rule == YAMANE:
        assert margin is not None
        return [[yamane_size(unit.population or 0, float(margin) / 100)] * unit.cells for unit in units]
    assert total is not None
    by_path = sorted(range(len(units)), key=lambda i: units[i].order)
    weights = [1 if rule == EQUAL else units[i].population or 0 for i in by_path]
    parts = dict(zip(by_path, largest_remainder(total, weights), strict=True))
    return [largest_remainder(parts[i], [1] * unit.cells) for i, unit in enumerate(units)]


def _by_default(units: Sequence[RuleUnit]) -> list[list[int]]:
    missing = sorted({unit.default_key for unit in units if unit.default is None})
    if missing:
        raise QuotaRuleError({f"default_{key}": [_("Nhập cỡ mẫu mặc định cho loại đơn vị này.")] for key in missing})
    return [[unit.default or 0] * unit.cells for unit in units]


def _total_problems(rule: str, units: Sequence[RuleUnit], total: int | None) -> dict[str, list[str]]:
    if total is None or total <= 0:
        return {"total": [_("Nhập tổng cỡ mẫu, một số nguyên dương.")]}
    cells = sum(unit.cells for unit in units)
    if rule != EQUAL or total >= cells:
        return {}
    if cells == len(units):
        message = _("Tổng cỡ mẫu %(total)s nhỏ hơn số đơn vị (%(units)s): chia đều thì có đơn vị không có phiếu nào. Hãy nhập ít nhất %(units)s.")
    else:
        message = _("Tổng cỡ mẫu %(total)s nhỏ hơn số ô (%(cells)s ô của %(units)s đơn vị): chia đều thì có ô không có phiếu nào. Hãy nhập ít nhất %(cells)s.")
    return {"total": [message % {"total": number_vi(total), "units": number_vi(len(units)), "cells": number_vi(cells)}]}


def _population_problems(units: Sequence[RuleUnit]) -> dict[str, list[str]]:
    missing = [unit for unit in units if not unit.population]
    if not missing:
        return {}
    errors = {f"population_{unit.key}": [_("Chưa có cỡ tổng thể (N) của đơn vị này.")] for unit in missing}
    errors["__all__"] = [
        _("Quy tắc này cần cỡ tổng thể (N) của mọi đơn vị; còn thiếu: %(units)s.") % {"units": ", ".join(f"«{unit.name}»" for unit in missing)}
    ]
    return errors
