"""Vietnamese formatting of numbers, percentages and dates: the one place that decides how they look.

87.6923 → "87,69%"; 24270 → "24.270"; a date → "23/11/2026" (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

NO_DATA = "—"


def _group(integer_digits: str) -> str:
    groups = []
    while len(integer_digits) > 3:
        groups.insert(0, integer_digits[-3:])
        integer_digits = integer_digits[:-3]
    groups.insert(0, integer_digits)
    return ".".join(groups)


def number_vi(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """A number with '.' between thousands and ',' before decimals; None shows as a dash."""
    if value is None:
        return NO_DATA
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):f}"
    integer, _, fraction = text.partition(".")
    result = _group(integer)
    if decimals:
        result += "," + fraction.ljust(decimals, "0")
    return sign + result


def signed_vi(value: int | float | Decimal | None, decimals: int = 2) -> str:
    """A change with its sign: 0.4 → "+0,40", -0.04 → "-0,04", 0 → "0,00"; None → "—"."""
    if value is None:
        return NO_DATA
    text = number_vi(value, decimals)
    return "+" + text if Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) > 0 else text


def percent_vi(value: int | float | Decimal | None, decimals: int = 2) -> str:
    """87.6923 → "87,69%"; None → "—" (no data is never shown as 0%)."""
    if value is None:
        return NO_DATA
    return number_vi(value, decimals) + "%"


def date_vi(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return NO_DATA
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def datetime_vi(value: dt.datetime | None, *, seconds: bool = False) -> str:
    """30/11/2026 08:58 in Vietnam time (with seconds: 30/11/2026 08:58:12, where a minute is too coarse,
    e.g. when figures were computed)."""
    if value is None:
        return NO_DATA
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return local.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
