"""Numbers, percentages and dates: the one place that decides how they look.

Pages follow the active language (`number`, `percent`, `signed` and the template filters of vi_format):
Vietnamese 24270 → "24.270", 87.6923 → "87,69%"; English "24,270", "87.69%" (separators from
config/formats). Files that are Vietnamese by nature (the report workbook, official documents, the
commands' Vietnamese output) call the `*_vi` forms, Vietnamese whatever the language. Dates are
dd/mm/yyyy (Asia/Ho_Chi_Minh) in both languages: config/formats/en keeps them so.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import formats, timezone, translation

NO_DATA = "—"


def _separators(lang: str | None) -> tuple[str, str]:
    """(thousands, decimal) of `lang`, or of the active language when None."""
    code = (lang or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return formats.get_format("THOUSAND_SEPARATOR", code), formats.get_format("DECIMAL_SEPARATOR", code)


def _rounded(value: int | float | Decimal, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _group(integer_digits: str, separator: str) -> str:
    groups = []
    while len(integer_digits) > 3:
        groups.insert(0, integer_digits[-3:])
        integer_digits = integer_digits[:-3]
    groups.insert(0, integer_digits)
    return separator.join(groups)


def number(value: int | float | Decimal | None, decimals: int = 0, *, lang: str | None = None) -> str:
    """A number with the thousands and decimal separators of `lang` (default: the active language):
    vi 1234.5 → "1.234,5", en → "1,234.5"; None shows as a dash."""
    if value is None:
        return NO_DATA
    thousands, point = _separators(lang)
    rounded = _rounded(value, decimals)
    sign = "-" if rounded < 0 else ""
    integer, _, fraction = f"{abs(rounded):f}".partition(".")
    result = _group(integer, thousands)
    if decimals:
        result += point + fraction.ljust(decimals, "0")
    return sign + result


def signed(value: int | float | Decimal | None, decimals: int = 2, *, lang: str | None = None) -> str:
    """A change with its sign: 0.4 → "+0,40" (en "+0.40"), -0.04 → "-0,04", 0 → "0,00"; None → "—"."""
    if value is None:
        return NO_DATA
    text = number(value, decimals, lang=lang)
    return "+" + text if _rounded(value, decimals) > 0 else text


def percent(value: int | float | Decimal | None, decimals: int = 2, *, lang: str | None = None) -> str:
    """87.6923 → "87,69%" (en "87.69%"); None → "—" (no data is never shown as 0%)."""
    if value is None:
        return NO_DATA
    return number(value, decimals, lang=lang) + "%"


def number_vi(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """`number` in Vietnamese whatever the active language: for Vietnamese files and texts."""
    return number(value, decimals, lang="vi")


def signed_vi(value: int | float | Decimal | None, decimals: int = 2) -> str:
    return signed(value, decimals, lang="vi")


def percent_vi(value: int | float | Decimal | None, decimals: int = 2) -> str:
    return percent(value, decimals, lang="vi")


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
