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
from units.formatting import number, percent, signed

register = template.Library()


def _rank_change(row: RankRow) -> str:
    change = row.change_rank
    if change is None:
        return "—"
    return f"▲ {change}" if change > 0 else f"▼ {-change}" if change < 0 else "="


VERDICT_CLASSES = {"reached": "text-bg-success", "not_reached": "text-bg-danger", "undecided": "text-bg-warning", "too_few": "text-bg-warning"}
CHANGE_CLASSES = {"up": "text-success", "down": "text-danger"}


def verdict_badge(verdict) -> str:
    if verdict is None or verdict.code not in VERDICT_CLASSES:
        return "—"
    return f'<span class="badge {VERDICT_CLASSES[verdict.code]}" data-verdict="{verdict.code}">{escape(str(verdict.label))}</span>'


def change_cell(row: RankRow, points: str) -> str:
    change = row.change
    if change is None:
        return "—"
    text = f"{signed(change.points, 2)} {points}"
    if change.low is not None:
        text += f' <span class="small text-muted">({signed(change.low, 2)} – {signed(change.high, 2)})</span>'
    css = CHANGE_CLASSES.get(change.verdict.code, "text-muted")
    return f'{text}<br><span class="small {css}" data-change="{change.verdict.code}">{escape(str(change.verdict.label))}</span>'


def _unit_names(campaign, link_units: bool):
    """A function giving a row's unit name, linked to its drill-down and its unit page when asked (the
    links' fixed parts built once per table)."""
    if not link_units:
        return lambda row: escape(row.unit.name)
    dashboard = escape(reverse("reports:dashboard", args=[campaign.code]))
    before, after = (escape(part) for part in reverse("reports:unit", args=[campaign.code, "UNIT"]).rsplit("UNIT", 1))
    unit_link = escape(_("trang đơn vị"))

    def name(row: RankRow) -> str:
        code = quote(row.unit.code)
        return f'<a href="{dashboard}?unit={code}">{escape(row.unit.name)}</a> · <a class="small" href="{before}{code}{after}">{unit_link}</a>'

    return name


@register.simple_tag
def ranking_rows(rows: list[RankRow], campaign, link_units: bool = False) -> SafeString:
    """The <tr> rows of reports/_ranking.html: ranked units only (those below the minimum size are `apart_rows`)."""
    # xgettext:no-python-format
    tie_title = escape(_("Cùng nhóm với đơn vị liền kề: kiểm định chênh lệch (đã hiệu chỉnh so sánh bội) không phân biệt được"))
    tie = f' <span class="badge text-bg-secondary" title="{tie_title}">≈</span>'
    points = escape(_("điểm"))
    unit_name = _unit_names(campaign, link_units)
    html = []
    for row in rows:
        if row.rank is None:
            continue
        score = row.score
        interval = f" [{row.rank_interval[0]}–{row.rank_interval[1]}]" if row.rank_interval else ""
        html.append(
            f'<tr data-unit="{escape(row.unit.code)}" data-tier="{row.tier or ""}"><td>{row.rank}{interval}{tie if row.tied else ""}</td>'
            f'<td class="text-center">{row.tier or "—"}</td><td>{unit_name(row)}</td>'
            f'<td class="text-end fw-semibold">{percent(score.value)}</td>'
            f'<td class="text-end small text-muted">{percent(score.ci_low)} – {percent(score.ci_high)}</td>'
            f'<td class="text-end small">{number(score.se, 2) if score.se is not None else "—"}</td>'
            f'<td class="text-end">{number(score.respondents or row.responses)}</td><td>{verdict_badge(row.verdict)}</td>'
            f'<td class="text-end">{change_cell(row, points)}</td><td class="text-end">{_rank_change(row)}</td></tr>'
        )
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def apart_rows(rows: list[RankRow], campaign, link_units: bool = False) -> SafeString:
    """The <tr> rows of the units below the minimum publishable size: their n, value and CV, no rank."""
    unit_name = _unit_names(campaign, link_units)
    html = []
    for row in rows:
        if row.rank is not None:
            continue
        score = row.score
        cv = score.cv
        html.append(
            f'<tr data-unit="{escape(row.unit.code)}"><td>{unit_name(row)}</td>'
            f'<td class="text-end">{number(score.respondents or row.responses)}</td><td class="text-end">{percent(score.value)}</td>'
            f'<td class="text-end small text-muted">{percent(score.ci_low)} – {percent(score.ci_high)}</td>'
            f'<td class="text-end small">{number(cv, 1) + " %" if cv is not None else "—"}</td></tr>'
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
            f'<tr><td>{escape(r.unit.name)}</td><td>{labels[r.channel]}</td><td class="text-end">{number(r.done)}</td>'
            f'<td class="text-end">{number(r.target)}</td><td><div class="progress" role="progressbar" aria-valuenow="{r.bar}" '
            f'aria-valuemin="0" aria-valuemax="100"><div class="progress-bar{done}" style="width: {r.bar}%">{percent(r.percent)}</div></div></td></tr>'
        )
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)


# The heat map's colour bands (index value, %): red below 60 to dark green from 90, as the old chart's scale.
HEAT_BANDS = ((90, "heat-5"), (80, "heat-4"), (70, "heat-3"), (60, "heat-2"))


def heat_class(value) -> str:
    if value is None:
        return "heat-none"
    return next((name for floor, name in HEAT_BANDS if value >= floor), "heat-1")


@register.simple_tag
def heatmap_table(rows, codes: list[str]) -> SafeString:
    """Units × elements as coloured cells (every value printed, so the colours only help), and on a phone
    the same as one line per unit: a plain table, legible at 390 px, where a chart of a hundred units was not."""
    if not rows or not codes:
        return mark_safe(f'<p class="text-muted small mb-0">{escape(_("Chưa có số liệu."))}</p>')  # noqa: S308 (escaped)
    head = "".join(f'<th class="text-center">{escape(code)}</th>' for code in codes)
    body, lines = [], []
    for unit, scores in rows:
        name = escape(unit.name)
        cells = "".join(f'<td class="text-center {heat_class(s.value)}">{percent(s.value)}</td>' for s in scores)
        body.append(f"<tr><th scope=\"row\" class=\"fw-normal\">{name}</th>{cells}</tr>")
        badges = " ".join(
            f'<span class="badge {heat_class(s.value)}">{escape(code)} {percent(s.value)}</span>' for code, s in zip(codes, scores, strict=True)
        )
        lines.append(f'<li class="mb-2"><div>{name}</div><div class="d-flex flex-wrap gap-1">{badges}</div></li>')
    table = (
        '<div class="d-none d-md-block table-responsive"><table class="table table-sm small heatmap mb-0" id="heatmap">'
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
    listing = f'<ul class="list-unstyled small d-md-none mb-0" id="heatmap-list">{"".join(lines)}</ul>'
    return mark_safe(table + listing)  # noqa: S308 (every value escaped above)
