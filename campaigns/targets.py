"""A campaign's target and the text that sets it (issue «The methods in force», item 4).

The goals in force differ by scheme and year (80% was the 2011–2020 goal of administrative reform; 90%
by 2025 and 95% by 2030 since Nghị quyết 76/NQ-CP; health: over 80% by 2025, over 90% by 2030 in Nghị
quyết 20-NQ/TW). `TargetNorm` rows hold them with their source; a new campaign left without a target
takes its scheme's and year's, and every page that shows the target shows its source.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from campaigns.models import TargetNorm

# Without a text for the scheme and year, the target is the organiser's own choice, and says so.
FALLBACK_TARGET = Decimal("80")


def target_norm(scheme: str, year: int | None) -> TargetNorm | None:
    """The text in force for `scheme` in `year` (the latest-starting one when spans overlap)."""
    if not year:
        return None
    return TargetNorm.objects.filter(scheme=scheme, year_from__lte=year, year_to__gte=year).order_by("-year_from", "-pk").first()


def own_target_source() -> str:
    return _("Chỉ tiêu do đơn vị tổ chức đặt (không theo văn bản nào trong bảng chỉ tiêu)")


def target_with_source(*, scheme: str, year: int | None, value: Decimal | int | float | None, source: str = "") -> tuple[Decimal, str]:
    """The target and its source for a new or edited campaign: none given, the norm's (or the fallback,
    marked as the organiser's own); a value equal to the norm's takes its source; another value
    without a source is the organiser's own."""
    norm = target_norm(scheme, year)
    if value is None:
        if norm is None:
            return FALLBACK_TARGET, source or own_target_source()
        return norm.value, source or norm.source
    value = Decimal(str(value))
    if source:
        return value, source
    if norm is not None and norm.value == value:
        return value, norm.source
    return value, own_target_source()
