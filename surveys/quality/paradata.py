"""Paradata: what the entry page measured while the interview went on (seconds per section and per question,
answer changes per question, the device's time-zone offset, the location where asked), bounded and checked.

A submission's paradata is kept as sent (only its known keys, within MAX_BYTES) and never refused: what
cannot be true (a negative time, a section longer than the interview's window, a duration over 24 hours,
text where a number belongs) is listed in `ParadataCheck.problems`, which becomes a «dữ liệu quá trình bất
thường» flag (surveys.quality.flags). The same holds for the submission's `duration_seconds`: an absurd one
is kept in the paradata (`duration_seconds_sent`) and the response's duration stays empty.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from campaigns.models import Channel
from units.formatting import number_vi

MAX_BYTES = 32 * 1024  # a 200-question form's timings and changes take about 8 KB
MAX_SECONDS = 24 * 3600
CLOCK_SLACK = dt.timedelta(minutes=5)  # the device's clock against the server's
TIMED_KEYS = ("sections", "questions")
KNOWN_KEYS = (*TIMED_KEYS, "changes", "tz_offset_minutes", "location")
# Where the browser may record the location at submission (QualityRules.ask_location, the enumerator's choice).
LOCATION_CHANNELS = frozenset({Channel.HOME_VISIT})


@dataclass
class ParadataCheck:
    """A submission's paradata as stored, the duration to store (None when absent or absurd), and what
    cannot be true in them (Vietnamese, one line each)."""

    paradata: dict[str, Any] = field(default_factory=dict)
    duration: int | None = None
    problems: list[str] = field(default_factory=list)

    def section_seconds(self) -> dict[str, float]:
        """Seconds per section code, only the plausible numbers (what the too-fast rule may read)."""
        sections = self.paradata.get("sections")
        if not isinstance(sections, Mapping):
            return {}
        return {str(code): float(value) for code, value in sections.items() if _is_number(value) and 0 <= value <= MAX_SECONDS}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _seconds_text(value: float) -> str:
    return number_vi(value, 0 if float(value).is_integer() else 1)


def paradata_check(
    *, raw: Any, duration: Any, started_at: dt.datetime | None, submitted_at: dt.datetime, channel: str, ask_location: bool
) -> ParadataCheck:
    """The paradata and duration of one submission, bounded and checked against the time it could have taken
    (from `started_at` to `submitted_at`, when the device sent its start)."""
    check = ParadataCheck()
    window = (submitted_at - started_at + CLOCK_SLACK).total_seconds() if started_at is not None else None
    if raw not in (None, ""):
        if isinstance(raw, Mapping):
            check.paradata = _bounded({key: raw[key] for key in KNOWN_KEYS if key in raw}, check.problems)
        else:
            check.problems.append(_("Dữ liệu quá trình không phải một đối tượng JSON; không lưu."))
    if "location" in check.paradata and not (ask_location and channel in LOCATION_CHANNELS):
        del check.paradata["location"]  # personal data the campaign did not ask for: not kept
    for key in TIMED_KEYS:
        _check_times(check, key, window)
    _check_changes(check)
    _check_offset(check)
    _check_location(check)
    _check_duration(check, duration, window)
    return check


def _bounded(paradata: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """Within MAX_BYTES: the per-question parts go first, then everything."""
    for drop in ((), ("questions", "changes"), KNOWN_KEYS):
        kept = {key: value for key, value in paradata.items() if key not in drop}
        if len(json.dumps(kept, ensure_ascii=False, default=str)) <= MAX_BYTES:
            if drop:
                problems.append(_("Dữ liệu quá trình quá lớn (trên %(n)s KB); phần theo từng câu không được lưu.") % {"n": MAX_BYTES // 1024})
                kept["truncated"] = True
            return kept
    return {}  # unreachable: an empty dict is small


def _check_times(check: ParadataCheck, key: str, window: float | None) -> None:
    times = check.paradata.get(key)
    if times is None:
        return
    what = _("phần") if key == "sections" else _("câu")
    if not isinstance(times, Mapping):
        check.problems.append(_("Thời gian theo %(what)s không hợp lệ.") % {"what": what})
        return
    total = 0.0
    for code, value in times.items():
        if not _is_number(value):
            check.problems.append(_("Thời gian %(what)s %(code)s không phải là số: «%(value)s».") % {"what": what, "code": code, "value": str(value)[:40]})
        elif value < 0:
            check.problems.append(_("Thời gian %(what)s %(code)s âm (%(value)s giây).") % {"what": what, "code": code, "value": _seconds_text(value)})
        elif value > MAX_SECONDS:
            check.problems.append(_("Thời gian %(what)s %(code)s quá 24 giờ (%(value)s giây).") % {"what": what, "code": code, "value": _seconds_text(value)})
        else:
            total += value
    if key == "sections" and window is not None and total > window:
        check.problems.append(
            _("Tổng thời gian các phần %(total)s giây, dài hơn khoảng từ lúc bắt đầu đến lúc gửi (%(window)s giây).")
            % {"total": _seconds_text(total), "window": _seconds_text(round(max(window - CLOCK_SLACK.total_seconds(), 0)))}
        )


def _check_changes(check: ParadataCheck) -> None:
    changes = check.paradata.get("changes")
    if changes is None:
        return
    if not isinstance(changes, Mapping) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in changes.values()):
        check.problems.append(_("Số lần đổi câu trả lời không hợp lệ (cần số nguyên không âm cho mỗi câu)."))


def _check_offset(check: ParadataCheck) -> None:
    offset = check.paradata.get("tz_offset_minutes")
    if offset is not None and not (_is_number(offset) and -720 <= offset <= 840):
        check.problems.append(_("Múi giờ của thiết bị không hợp lệ: «%(value)s».") % {"value": str(offset)[:40]})


def _check_location(check: ParadataCheck) -> None:
    location = check.paradata.get("location")
    if location is None:
        return
    ok = isinstance(location, Mapping) and all(_is_number(location.get(key)) for key in ("lat", "lon"))
    if not ok or not (-90 <= location["lat"] <= 90 and -180 <= location["lon"] <= 180):
        check.problems.append(_("Vị trí không hợp lệ."))


def _check_duration(check: ParadataCheck, duration: Any, window: float | None) -> None:
    if duration in (None, ""):
        return
    if not _is_number(duration) or not float(duration).is_integer():
        problem = _("Thời lượng phỏng vấn không phải số giây nguyên: «%(value)s».") % {"value": str(duration)[:40]}
    elif duration < 0:
        problem = _("Thời lượng phỏng vấn âm (%(value)s giây).") % {"value": _seconds_text(duration)}
    elif duration > MAX_SECONDS:
        problem = _("Thời lượng phỏng vấn quá 24 giờ (%(value)s giây).") % {"value": _seconds_text(duration)}
    elif window is not None and duration > window:
        problem = _("Thời lượng phỏng vấn %(value)s giây, dài hơn khoảng từ lúc bắt đầu đến lúc gửi (%(window)s giây).") % {
            "value": _seconds_text(duration), "window": _seconds_text(round(max(window - CLOCK_SLACK.total_seconds(), 0))),
        }
    else:
        check.duration = int(duration)
        return
    check.paradata["duration_seconds_sent"] = duration
    check.problems.append(problem)
