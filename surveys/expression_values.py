"""The values of XLSForm expressions and their conversions, by ODK's rules (JavaRosa's `XPathFuncExpr`).

An expression sees five kinds of value: a number (int or float), a string, a boolean, a date
(`datetime.date`, a calendar day) and a date-time (an aware `datetime.datetime`); a multi-choice answer is a list
of choice names, read as XPath reads it: the names separated by spaces.

- number: a boolean is 1 or 0; a string is a number only when it holds digits, "-" and "." (a "," is read as
  "."), else NaN (so "2024-05-01" is NaN, as in ODK Collect); a date is its days since 1970-01-01; a date-time
  the days of its local calendar day.
- string: NaN is "NaN", whole numbers have no decimals, other numbers are written as JavaScript writes them
  (so that the browser shows the same text); a date is "yyyy-mm-dd", a date-time its local ISO 8601 form
  with milliseconds and offset.
- boolean: a number other than 0 and NaN, a non-empty string, any date.

static/js/expressions.js applies the same rules; surveys/tests/test_expressions_parity.py checks both.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone

DAY_MS = 86_400_000
EPOCH = dt.date(1970, 1, 1)
MIN_DAYS, MAX_DAYS = -719_162, 2_932_896  # 0001-01-01 and 9999-12-31
_NUMBER_CHARS = re.compile(r"^[-.0-9]+$")
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def local_zone() -> dt.tzinfo:
    """The time zone dates and times are read in: the project's (Asia/Ho_Chi_Minh), the browser's on the device."""
    return timezone.get_current_timezone()


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_datetime(value: Any) -> bool:
    return isinstance(value, dt.datetime)


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(local_zone()) if value.tzinfo else value.replace(tzinfo=local_zone())


def to_number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if is_number(value):
        return float(value)
    if is_datetime(value):
        return float((local(value).date() - EPOCH).days)
    if is_date(value):
        return float((value - EPOCH).days)
    text = to_string(value).replace(",", ".").strip()
    if not _NUMBER_CHARS.match(text):
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def number_text(number: float) -> str:
    """A number as ODK writes it (whole numbers without decimals), other numbers as JavaScript's String(x)."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if abs(number) < 1e-12:
        return "0"
    whole = math.trunc(number)
    if abs(number - whole) < 1e-12 and abs(number) < 2**31:
        return str(whole)
    sign, digits, exponent = Decimal(repr(float(number))).normalize().as_tuple()
    text = "".join(str(d) for d in digits)
    point = len(text) + int(exponent)  # the decimal point sits after `point` digits
    if len(text) <= point <= 21:
        body = text + "0" * (point - len(text))
    elif 0 < point <= 21:
        body = text[:point] + "." + text[point:]
    elif -6 < point <= 0:
        body = "0." + "0" * -point + text
    else:
        power = point - 1
        body = text[0] + ("." + text[1:] if len(text) > 1 else "") + "e" + ("+" if power > 0 else "-") + str(abs(power))
    return ("-" if sign else "") + body


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_text(float(value))
    if is_datetime(value):
        moment = local(value)
        offset = moment.utcoffset() or dt.timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if is_date(value):
        return value.isoformat()
    if isinstance(value, list):
        return " ".join(to_string(item) for item in value)
    return str(value)


def to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if is_number(value):
        return abs(value) > 1e-12 and not math.isnan(value)
    if isinstance(value, dt.date):
        return True
    return to_string(value) != ""


def words(value: Any) -> list[str]:
    """The choice names of a multi-choice answer (a list, or names separated by spaces)."""
    if isinstance(value, list):
        return [to_string(item) for item in value if to_string(item) != ""]
    return to_string(value).split()


# --- dates ---------------------------------------------------------------------------------------


def parse_date_text(text: str) -> dt.date | dt.datetime | None:
    """A date ("2024-05-01") or a date-time ("2024-05-01T10:20:30.400+07:00"; without offset: local time)."""
    match = _ISO.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        if hour is None:
            return dt.date(int(year), int(month), int(day))
        millis = int((fraction or "0")[:3].ljust(3, "0"))
        zone: dt.tzinfo = local_zone()
        if offset == "Z":
            zone = dt.UTC
        elif offset:
            digits = offset[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
            zone = dt.timezone(dt.timedelta(minutes=minutes if offset[0] == "+" else -minutes))
        return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), millis * 1000, tzinfo=zone)
    except ValueError:
        return None


def _from_days(days: float) -> dt.date | float:
    whole = math.trunc(days)
    try:
        return EPOCH + dt.timedelta(days=whole)
    except OverflowError:
        return math.nan


def to_date(value: Any, keep_time: bool = False) -> dt.date | dt.datetime | float | str:
    """`date()` / `date-time()`: a date (or date-time) from a date, a number of days since 1970-01-01 or an
    ISO text; "" for an empty text and NaN for NaN (ODK's empty values), "" for a text that is no date."""
    if is_datetime(value):
        return value if keep_time else local(value).date()
    if is_date(value):
        return dt.datetime(value.year, value.month, value.day, tzinfo=local_zone()) if keep_time else value
    if is_number(value) or isinstance(value, bool):
        days = to_number(value)
        if math.isnan(days) or not MIN_DAYS <= days <= MAX_DAYS:
            return math.nan
        if not keep_time:
            return _from_days(days)
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=math.trunc(days * DAY_MS))
    parsed = parse_date_text(to_string(value))
    if parsed is None:
        return ""
    if keep_time:
        return to_date(parsed, True)
    return local(parsed).date() if is_datetime(parsed) else parsed


def epoch_ms(value: dt.date | dt.datetime) -> int:
    moment = value if is_datetime(value) else dt.datetime(value.year, value.month, value.day, tzinfo=local_zone())
    return round(moment.timestamp() * 1000)


def decimal_date_time(value: Any, keep_date: bool = True) -> float | str:
    """`decimal-date-time()` (days since 1970-01-01T00:00Z, with the time as a fraction) and `decimal-time()`
    (the fraction of the local day)."""
    if is_number(value):
        number = float(value)
        return number if keep_date or math.isnan(number) else number - math.floor(number)
    moment = to_date(value, True)
    if not isinstance(moment, dt.date):
        return moment  # "" or NaN
    if keep_date:
        return epoch_ms(moment) / DAY_MS
    moment = local(moment)  # type: ignore[arg-type]
    return (moment.hour * 3_600_000 + moment.minute * 60_000 + moment.second * 1000 + moment.microsecond // 1000) / DAY_MS


def format_date(value: Any, pattern: str) -> str:
    """`format-date()` / `format-date-time()` with ODK's codes: %Y %y %m %n %b %d %e %H %h %M %S %3 %a."""
    moment = to_date(value, True)
    if not isinstance(moment, dt.datetime):
        return ""
    moment = local(moment)
    codes = {
        "Y": f"{moment.year:04d}", "y": f"{moment.year % 100:02d}", "m": f"{moment.month:02d}", "n": str(moment.month),
        "b": MONTHS[moment.month - 1], "d": f"{moment.day:02d}", "e": str(moment.day), "H": f"{moment.hour:02d}",
        "h": str(moment.hour), "M": f"{moment.minute:02d}", "S": f"{moment.second:02d}", "3": f"{moment.microsecond // 1000:03d}",
        "a": WEEKDAYS[(moment.weekday() + 1) % 7],
    }
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%" and index + 1 < len(pattern):
            code = pattern[index + 1]
            out.append(codes.get(code, "%" if code == "%" else "%" + code))
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def now_value(now: dt.datetime | None = None) -> dt.datetime:
    moment = now or timezone.now()
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
