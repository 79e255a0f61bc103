"""Vietnamese sentences of a report, the way departments write them, from figures already computed.

Nothing here computes a figure: shares come from the distributions (largest remainder, 100% in all),
verdicts from reports.estimation.verdicts through the pages' readers; this module only words them and
formats every number with units/formatting.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from reports.dashboards.distributions import Distribution
from reports.dashboards.ranking import RankRow
from reports.dashboards.values import Score
from reports.estimation.verdicts import DOWN, NO_DATA, NO_DIFFERENCE, NOT_REACHED, REACHED, TOO_FEW, UNDECIDED, UP, Change, Verdict
from surveys.models import SCALED_TYPES
from units.formatting import number_vi, percent_vi

SCALES = SCALED_TYPES


def lower_first(text: str) -> str:
    """ "Rất hài lòng" → "rất hài lòng"; each part of a label with variants ("Rất hài lòng / Rất tốt");
    an abbreviation ("BHYT") stays."""
    parts = text.split(" / ")
    return " / ".join(part[:1].lower() + part[1:] if part and not part[:2].isupper() else part for part in parts)


def interval_text(score: Score) -> str:
    if score.ci_low is None or score.ci_high is None:
        return ""
    return _("khoảng tin cậy 95%%: %(low)s – %(high)s") % {"low": percent_vi(score.ci_low), "high": percent_vi(score.ci_high)}


def with_interval(score: Score) -> str:
    """ "87,69% (khoảng tin cậy 95%: 85,10% – 90,28%)", or the value alone."""
    interval = interval_text(score)
    return f"{percent_vi(score.value)} ({interval})" if interval else percent_vi(score.value)


def verdict_sentence(verdict: Verdict, target: Decimal, source: str) -> str:
    """What the one verdict function decided, never more."""
    basis = _("chỉ tiêu %(target)s") % {"target": percent_vi(target)}
    if source:
        basis += _(" (căn cứ: %(source)s)") % {"source": source.rstrip(".")}
    return {
        REACHED: _("So với %(basis)s: ĐẠT (cả khoảng tin cậy 95%% nằm từ chỉ tiêu trở lên)."),
        NOT_REACHED: _("So với %(basis)s: CHƯA ĐẠT (cả khoảng tin cậy 95%% nằm dưới chỉ tiêu)."),
        UNDECIDED: _("So với %(basis)s: CHƯA ĐỦ CĂN CỨ để kết luận đạt hay chưa đạt (khoảng tin cậy 95%% chứa chỉ tiêu)."),
        TOO_FEW: _("So với %(basis)s: CHƯA ĐỦ CĂN CỨ (số người trả lời dưới cỡ mẫu tối thiểu để công bố)."),
        NO_DATA: _("Chưa có số liệu để so với %(basis)s."),
    }.get(verdict.code, _("So với %(basis)s: %(label)s.")) % {"basis": basis, "label": verdict.label}


def change_sentence(change: Change | None, previous_label: str, previous: Score | None) -> str:
    if change is None or previous is None:
        return ""
    points = number_vi(abs(change.points), 2)
    before = _("%(label)s (%(value)s)") % {"label": previous_label, "value": percent_vi(previous.value)}
    if change.verdict.code == UP:
        return _("So với %(before)s, chỉ số tăng %(points)s điểm phần trăm, có ý nghĩa thống kê.") % {"before": before, "points": points}
    if change.verdict.code == DOWN:
        return _("So với %(before)s, chỉ số giảm %(points)s điểm phần trăm, có ý nghĩa thống kê.") % {"before": before, "points": points}
    direction = _("cao hơn") if change.points > 0 else _("thấp hơn") if change.points < 0 else _("bằng")
    amount = "" if change.points == 0 else _(" %(points)s điểm phần trăm") % {"points": points}
    if change.verdict.code == NO_DIFFERENCE:
        return _("So với %(before)s, chỉ số %(direction)s%(amount)s, nhưng không khác biệt có ý nghĩa thống kê.") % {
            "before": before,
            "direction": direction,
            "amount": amount,
        }
    return _("So với %(before)s, chỉ số %(direction)s%(amount)s (chưa đánh giá được ý nghĩa thống kê).") % {
        "before": before,
        "direction": direction,
        "amount": amount,
    }


def _level_phrase(distribution: Distribution, label: str) -> str:
    kind = distribution.question.type
    if distribution.multi:
        return _("chọn «%(label)s»") % {"label": label}
    if kind in SCALES:
        return _("đánh giá %(label)s") % {"label": lower_first(label)}
    return _("trả lời «%(label)s»") % {"label": label}


def distribution_sentence(distribution: Distribution) -> str:
    """ "93,85% người được hỏi đánh giá rất hài lòng; 6,15% hài lòng." — the levels that anyone chose, in
    the order of the scale from the top; the shares are the distribution's own (100,00% in all)."""
    chosen = [(label, share) for _level, label, count, share in distribution.levels if count and share is not None]
    if not distribution.multi and distribution.question.type in SCALES:
        chosen.reverse()  # the best level first, as the reports read
    if not chosen:
        return _("Chưa có câu trả lời hợp lệ.")
    parts = []
    for index, (label, share) in enumerate(chosen):
        phrase = _level_phrase(distribution, label)
        if index == 0:
            parts.append(_("%(share)s người được hỏi %(phrase)s") % {"share": percent_vi(share), "phrase": phrase})
        elif distribution.multi or distribution.question.type not in SCALES:
            parts.append(f"{percent_vi(share)} {phrase}")
        else:
            parts.append(f"{percent_vi(share)} {lower_first(label)}")
    sentence = "; ".join(parts) + "."
    if distribution.multi:
        sentence += " " + _("(Mỗi người được chọn nhiều phương án nên tổng các tỷ lệ có thể vượt 100%.)")
    return sentence


def base_text(distribution: Distribution) -> str:
    if distribution.multi:
        return _("%(n)s người trả lời") % {"n": number_vi(distribution.n)}
    return _("%(n)s câu trả lời hợp lệ") % {"n": number_vi(distribution.n)}


def criteria_extremes(criteria: list[tuple[str, str, Score]], count: int = 3) -> tuple[list, list]:
    """The `count` highest and lowest criteria (ties broken by code), without overlap."""
    valued = [c for c in criteria if c[2].value is not None]
    highest = sorted(valued, key=lambda c: (-c[2].value, c[0]))[:count]
    lowest = [c for c in sorted(valued, key=lambda c: (c[2].value, c[0])) if c not in highest][:count]
    return highest, lowest


def criteria_list(items: list[tuple[str, str, Score]]) -> str:
    return "; ".join(f"{code}. «{text}» ({percent_vi(score.value)})" for code, text, score in items)


def tiers_sentence(ranked: list[RankRow]) -> str:
    """Which units share a tier: their differences are not statistically significant."""
    groups: dict[int, list[str]] = {}
    for row in ranked:
        if row.tier is not None:
            groups.setdefault(row.tier, []).append(row.unit.name)
    tied = [names for names in groups.values() if len(names) > 1]
    if not tied:
        return ""
    listed = "; ".join(", ".join(names) for names in tied)
    return _(
        "Các đơn vị cùng nhóm sau không khác biệt có ý nghĩa thống kê (so sánh từng cặp theo sai số chuẩn của thiết kế mẫu, "
        "điều chỉnh Holm), nên thứ hạng giữa họ chỉ mang tính tham khảo: %(groups)s."
    ) % {"groups": listed}


def apart_sentence(apart: list[RankRow], min_respondents: int, max_cv: float) -> str:
    if not apart:
        return ""
    listed = ", ".join(
        _("%(name)s (%(n)s phiếu)") % {"name": row.unit.name, "n": number_vi(row.responses)}
        if row.score.value is not None
        else _("%(name)s (chưa có số liệu)") % {"name": row.unit.name}
        for row in apart
    )
    return _(
        "Không xếp hạng các đơn vị chưa đủ cỡ mẫu tối thiểu để công bố (ít nhất %(min)s người trả lời và hệ số biến thiên "
        "không quá %(cv)s%%): %(units)s."
    ) % {"min": number_vi(min_respondents), "cv": number_vi(max_cv, 0), "units": listed}
