"""Long tables of the dashboards rendered in Python: a ranking of a hundred communes or two hundred
quota cells through the template engine costs more than all the queries of the page together.
Every value is escaped with html.escape; the fixed fragments are built once per table."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.dashboards.pages import ProgressRow
from reports.dashboards.ranking import RankRow
from units.formatting import number_vi, percent_vi, signed_vi

register = template.Library()


def _rank_change(row: RankRow) -> str:
    change = row.change_rank
    if change is None:
        return "—"
    return f"▲ {change}" if change > 0 else f"▼ {-change}" if change < 0 else "="


@register.simple_tag
def ranking_rows(rows: list[RankRow], campaign, link_units: bool = False) -> SafeString:
    """The <tr> rows of reports/_ranking.html."""
    # xgettext:no-python-format
    tie_title = escape(_("Khoảng tin cậy 95% giao với đơn vị liền kề: chênh lệch không có ý nghĩa thống kê"))
    tie = f' <span class="badge text-bg-secondary" title="{tie_title}">≈</span>'
    passed = f'<span class="badge text-bg-success">{escape(_("ĐẠT"))}</span>'
    failed = f'<span class="badge text-bg-danger">{escape(_("CHƯA ĐẠT"))}</span>'
    points, unit_link = escape(_("điểm")), escape(_("trang đơn vị"))
    dashboard = escape(reverse("reports:dashboard", args=[campaign.code]))
    before, after = (escape(part) for part in reverse("reports:unit", args=[campaign.code, "UNIT"]).rsplit("UNIT", 1))
    target = campaign.target_index
    html = []
    for row in rows:
        code, name, value = quote(row.unit.code), escape(row.unit.name), row.score.value
        if link_units:
            name = f'<a href="{dashboard}?unit={code}">{name}</a> · <a class="small" href="{before}{code}{after}">{unit_link}</a>'
        verdict = "—" if value is None else passed if value >= target else failed
        change = row.change_points
        change_text = "—" if change is None else f"{signed_vi(change, 2)} {points}"
        html.append(
            f'<tr data-unit="{escape(row.unit.code)}"><td>{row.rank or "—"}{tie if row.tied else ""}</td><td>{name}</td>'
            f'<td class="text-end fw-semibold">{percent_vi(value)}</td>'
            f'<td class="text-end small text-muted">{percent_vi(row.score.ci_low)} – {percent_vi(row.score.ci_high)}</td>'
            f'<td class="text-end">{number_vi(row.responses)}</td><td>{verdict}</td><td class="text-end">{change_text}</td>'
            f'<td class="text-end">{_rank_change(row)}</td></tr>'
        )
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def progress_rows(rows: list[ProgressRow]) -> SafeString:
    """The <tr> rows of the fieldwork progress table."""
    labels: dict[str, str] = {}
    html = []
    for r in rows:
        if r.channel not in labels:
            labels[r.channel] = escape(str(r.channel_label))
        done = " bg-success" if r.bar >= 100 else ""
        html.append(
            f'<tr><td>{escape(r.unit.name)}</td><td>{labels[r.channel]}</td><td class="text-end">{number_vi(r.done)}</td>'
            f'<td class="text-end">{number_vi(r.target)}</td><td><div class="progress" role="progressbar" aria-valuenow="{r.bar}" '
            f'aria-valuemin="0" aria-valuemax="100"><div class="progress-bar{done}" style="width: {r.bar}%">{percent_vi(r.percent)}</div></div></td></tr>'
        )
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)
