"""Long tables of the dashboards rendered in Python: a ranking of a hundred communes or two hundred
quota cells through the template engine costs more than all the queries of the page together."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.dashboards import ProgressRow, RankRow
from units.formatting import number_vi, percent_vi

register = template.Library()


def _verdict(row: RankRow, target) -> SafeString:
    if row.score.value is None:
        return SafeString("—")
    if row.score.value >= target:
        return format_html('<span class="badge text-bg-success">{}</span>', _("ĐẠT"))
    return format_html('<span class="badge text-bg-danger">{}</span>', _("CHƯA ĐẠT"))


def _change(row: RankRow) -> str:
    if row.change_points is None:
        return "—"
    return f"{'+' if row.change_points > 0 else ''}{number_vi(row.change_points, 2)} {_('điểm')}"


def _rank_change(row: RankRow) -> str:
    change = row.change_rank
    if change is None:
        return "—"
    return f"▲ {change}" if change > 0 else f"▼ {-change}" if change < 0 else "="


@register.simple_tag
def ranking_rows(rows: list[RankRow], campaign, link_units: bool = False) -> SafeString:
    """The <tr> rows of reports/_ranking.html."""
    tie_title = _("Khoảng tin cậy 95% giao với đơn vị liền kề: chênh lệch không có ý nghĩa thống kê")
    dashboard = reverse("reports:dashboard", args=[campaign.code])
    unit_page = reverse("reports:unit", args=[campaign.code, "UNIT"]).rsplit("UNIT", 1)
    cells = []
    for row in rows:
        tie = format_html(' <span class="badge text-bg-secondary" title="{}">≈</span>', tie_title) if row.tied else ""
        if link_units:
            name = format_html(
                '<a href="{}?unit={}">{}</a> · <a class="small" href="{}">{}</a>',
                dashboard, quote(row.unit.code), row.unit.name, quote(row.unit.code).join(unit_page), _("trang đơn vị"),
            )
        else:
            name = row.unit.name
        cells.append((
            row.unit.code, row.rank or "—", tie, name, percent_vi(row.score.value), percent_vi(row.score.ci_low), percent_vi(row.score.ci_high),
            number_vi(row.responses), _verdict(row, campaign.target_index), _change(row), _rank_change(row),
        ))
    return format_html_join(
        "\n",
        '<tr data-unit="{}"><td>{}{}</td><td>{}</td><td class="text-end fw-semibold">{}</td><td class="text-end small text-muted">{} – {}</td>'
        '<td class="text-end">{}</td><td>{}</td><td class="text-end">{}</td><td class="text-end">{}</td></tr>',
        cells,
    )


@register.simple_tag
def progress_rows(rows: list[ProgressRow]) -> SafeString:
    """The <tr> rows of the fieldwork progress table."""
    return format_html_join(
        "\n",
        '<tr><td>{}</td><td>{}</td><td class="text-end">{}</td><td class="text-end">{}</td><td><div class="progress" role="progressbar" '
        'aria-valuenow="{}" aria-valuemin="0" aria-valuemax="100"><div class="progress-bar{}" style="width: {}%">{}</div></div></td></tr>',
        (
            (r.unit.name, r.channel_label, number_vi(r.done), number_vi(r.target), r.bar, " bg-success" if r.bar >= 100 else "", r.bar, percent_vi(r.percent))
            for r in rows
        ),
    )
