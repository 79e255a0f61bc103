"""The campaign's report, and a unit's, as a Word document in the administrative format of NĐ 30/2020/NĐ-CP.

Written from one snapshot (reports/documents/figures.py) in the sentences a department publishes,
with charts (charts.py) and the official's heading (headings.py); the Excel workbook is its annex.
A report from working figures says "TẠM TÍNH" on every page. `report_document` decides who may have
which report (units/access.py); `report_document_build` makes the bytes (the same for the same figures
and heading).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from reports.dashboards.distributions import Distribution, LevelTable, level_tables
from reports.dashboards.values import Score
from reports.documents import phrasing as say
from reports.documents.charts import bars_chart, distribution_chart
from reports.documents.figures import ReportFigures, report_figures
from reports.documents.headings import document_heading, heading_of, unit_heading
from reports.documents.official import Block, Image, OfficialDocument, Paragraph, Section, Table, official_document_bytes
from reports.models import IndexScope, IndexValue, Snapshot, SnapshotStatus
from reports.publication import workbook_filename
from reports.selectors import working_snapshot
from units.access import Action, allowed, require
from units.formatting import date_vi, datetime_vi, number_vi, percent_vi, signed_vi
from units.models import Unit

ROMAN = ("I", "II", "III", "IV", "V")


class ReportUnavailable(Exception):
    """No figures this actor may have a report of; the message says why, in Vietnamese."""


# ------------------------------------------------------------------------------------------------
# Which figures a report is made from
# ------------------------------------------------------------------------------------------------


def latest_published(campaign: Campaign) -> Snapshot | None:
    return Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).order_by("-version").first()


def report_snapshot(*, actor: User | AnonymousUser, campaign: Campaign, unit: Unit, working: bool = False) -> Snapshot:
    """The snapshot a report of `unit` is made from: the latest published version; the working figures
    (marked TẠM TÍNH) only for an official who asks for them or when nothing is published yet."""
    require(actor, Action.RESULTS_VIEW, unit)
    published = None if working else latest_published(campaign)
    if published is not None:
        return published
    if not allowed(actor, Action.REPORT_WORKING, unit):
        raise ReportUnavailable(
            _(
                "Đợt «%(code)s» chưa công bố kết quả: báo cáo chỉ lập được từ số liệu đã công bố (cán bộ quản lý khảo sát có thể lập bản tạm tính)."
            )
            % {"code": campaign.code}
        )
    snapshot = working_snapshot(campaign)
    if snapshot is None or not IndexValue.objects.filter(snapshot=snapshot).exists():
        raise ReportUnavailable(_("Đợt «%(code)s» chưa có số liệu đã tính: chưa lập được báo cáo.") % {"code": campaign.code})
    return snapshot


def report_document(
    *, actor: User | AnonymousUser, campaign: Campaign, unit: Unit | None = None, working: bool = False
) -> tuple[bytes, str]:
    """The .docx of the campaign's report (or of `unit`'s) and its file name, for `actor`."""
    unit = unit or campaign.organiser
    snapshot = report_snapshot(actor=actor, campaign=campaign, unit=unit, working=working)
    if unit.pk == campaign.organiser_id and snapshot.document and snapshot.document_sha256:
        with snapshot.document.open("rb") as handle:
            return handle.read(), document_filename(snapshot)
    return report_document_build(campaign=campaign, snapshot=snapshot, unit=unit), document_filename(snapshot, unit)


def document_filename(snapshot: Snapshot, unit: Unit | None = None) -> str:
    version = f"v{snapshot.version}" if snapshot.status == SnapshotStatus.PUBLISHED else "tam-tinh"
    owner = f"-{unit.code}" if unit is not None and unit.pk != snapshot.campaign.organiser_id else ""
    return f"bao-cao-{snapshot.campaign.code}{owner}-{version}.docx"


# ------------------------------------------------------------------------------------------------
# The document
# ------------------------------------------------------------------------------------------------


def report_document_build(*, campaign: Campaign, snapshot: Snapshot, unit: Unit | None = None) -> bytes:
    """The .docx bytes of the report of `unit` (default: the organiser) from `snapshot`."""
    figures = report_figures(campaign=campaign, snapshot=snapshot, unit=unit)
    heading = heading_of(campaign)
    if not figures.is_campaign:
        heading = unit_heading(figures.unit, heading)
    top, signature = document_heading(heading, snapshot)
    spec = OfficialDocument(
        heading=top,
        signature=signature,
        kind=_("BÁO CÁO"),
        title=_("Kết quả %(name)s") % {"name": say.lower_first(campaign.name)} + ("" if figures.is_campaign else f"\n{figures.unit.name}"),
        blocks=report_blocks(figures),
        recipients=heading.recipient_list,
        archive=heading.archive,
        provisional=not figures.published,
        author=heading.issuing_body,
    )
    return official_document_bytes(spec)


@dataclass
class Numbering:
    """Section numbers as a department writes them: I., II. … and 1., 2. … inside each."""

    major: int = 0
    minor: int = 0
    tables: int = 0
    charts: int = 0

    def section(self, text: str) -> Section:
        self.major, self.minor = self.major + 1, 0
        return Section(f"{ROMAN[self.major - 1]}. {text.upper()}")

    def sub(self, text: str) -> Section:
        self.minor += 1
        return Section(f"{self.minor}. {text}", level=2)

    def table(self, text: str) -> str:
        self.tables += 1
        return _("Bảng %(n)s. %(text)s") % {"n": self.tables, "text": text}

    def chart(self, text: str) -> str:
        self.charts += 1
        return _("Biểu đồ %(n)s. %(text)s") % {"n": self.charts, "text": text}


def report_blocks(figures: ReportFigures) -> list[Block]:
    numbering = Numbering()
    blocks: list[Block] = [*_opening(figures)]
    blocks += _participation(figures, numbering)
    blocks.append(numbering.section(_("Kết quả khảo sát")))
    blocks += _overall(figures, numbering)
    blocks += _elements(figures, numbering)
    blocks += _criteria(figures, numbering)
    blocks += _other_rates(figures, numbering)
    blocks += _ranking(figures, numbering)
    blocks += _distributions(figures, numbering)
    blocks += _annex(figures, numbering)
    return blocks


def _opening(figures: ReportFigures) -> list[Block]:
    campaign, snapshot = figures.campaign, figures.snapshot
    lines = [
        Paragraph(
            _("Kết quả %(name)s (thời gian khảo sát từ ngày %(start)s đến ngày %(end)s) tại %(unit)s như sau:")
            % {
                "unit": figures.unit.name,
                "name": say.lower_first(campaign.name),
                "start": date_vi(campaign.fieldwork_start),
                "end": date_vi(campaign.fieldwork_end),
            }
        )
    ]
    if figures.published:
        source = _("Số liệu theo phiên bản công bố số %(version)s ngày %(date)s (mã kiểm tra SHA-256 của số liệu: %(checksum)s).") % {
            "version": snapshot.version,
            "date": date_vi(snapshot.published_at),
            "checksum": snapshot.checksum or "—",
        }
    else:
        source = _("Số liệu TẠM TÍNH lúc %(at)s, chưa công bố: chỉ dùng để theo dõi, không dùng để công khai.") % {
            "at": datetime_vi(snapshot.computed_at)
        }
    lines.append(Paragraph(source, italic=True, justify=False))
    return lines


def _participation(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    blocks: list[Block] = [numbering.section(_("Kết quả thu thập phiếu"))]
    collected, planned = figures.collected, figures.planned
    if planned:
        text = _(
            "Tổng số phiếu dự kiến theo cỡ mẫu là %(planned)s phiếu; số phiếu thu về được tính vào kết quả là %(collected)s phiếu, bằng %(share)s kế hoạch."
        ) % {
            "planned": number_vi(planned),
            "collected": number_vi(collected),
            "share": percent_vi(collected * 100 / planned),
        }
    else:
        text = _("Đợt khảo sát không đặt cỡ mẫu cho %(unit)s; số phiếu được tính vào kết quả là %(collected)s phiếu.") % {
            "unit": figures.unit.name,
            "collected": number_vi(collected),
        }
    blocks.append(Paragraph(text))
    if any(c.collected is None for c in figures.channels):
        blocks.append(
            Paragraph(
                _(
                    "Số phiếu theo từng kênh không còn khớp với số liệu của phiên bản này (đã có phiếu được duyệt sau đó) nên chỉ nêu số phiếu dự kiến theo kênh."
                )
            )
        )
    if figures.channels:
        rows = []
        for channel in figures.channels:
            done = "—" if channel.collected is None else number_vi(channel.collected)
            share = percent_vi(channel.collected * 100 / channel.planned) if channel.collected is not None and channel.planned else "—"
            rows.append((channel.label, number_vi(channel.planned), done, share))
        blocks.append(
            Table(
                (_("Kênh khảo sát"), _("Phiếu dự kiến"), _("Phiếu thu về"), _("So với dự kiến")),
                tuple(rows),
                widths_mm=(65, 33, 33, 34),
                caption=numbering.table(_("Số phiếu theo kênh khảo sát")),
                align=("l", "r", "r", "r"),
            )
        )
    if figures.design is not None:
        blocks.append(
            Paragraph(" ".join([_("Cách tổng hợp: %(rule)s.") % {"rule": figures.design.label}, *figures.design.notes]), italic=True)
        )
    return blocks


def _overall(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    own, campaign = figures.own, figures.campaign
    blocks: list[Block] = [numbering.sub(_("Chỉ số hài lòng chung"))]
    if own.overall.value is None:
        return [*blocks, Paragraph(_("Chưa có số liệu chỉ số hài lòng chung."))]
    text = _("Chỉ số hài lòng chung của %(unit)s đạt %(value)s, tính trên %(n)s phiếu.") % {
        "unit": figures.unit.name,
        "value": say.with_interval(own.overall),
        "n": number_vi(own.responses),
    }
    text += " " + say.verdict_sentence(figures.verdict, campaign.target_index, campaign.target_source)
    if figures.previous is not None:
        change = say.change_sentence(figures.change, _("năm %(year)s") % {"year": figures.previous.year}, figures.previous_score)
        text += " " + (change or _("Năm %(year)s chưa có số liệu công bố để so sánh.") % {"year": figures.previous.year})
    blocks.append(Paragraph(text))
    if figures.parts:
        parts = "; ".join(
            _("phần «%(title)s» (trọng số %(weight)s%%) đạt %(value)s")
            % {"title": part.title, "weight": part.weight_label, "value": percent_vi(score.value)}
            for part, score in figures.parts
        )
        blocks.append(Paragraph(_("Chỉ số gồm các phần: %(parts)s.") % {"parts": parts}))
    return blocks


def _elements(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    if not figures.elements:
        return []
    blocks: list[Block] = [numbering.sub(_("Kết quả theo từng yếu tố"))]
    listed = "; ".join(f"«{code}. {title}» {percent_vi(score.value)}" for code, title, score in figures.elements)
    blocks.append(Paragraph(_("Chỉ số theo từng yếu tố: %(list)s.") % {"list": listed}))
    above = figures.parent_values
    rows = []
    for code, title, score in figures.elements:
        row = [f"{code}. {title}", percent_vi(score.value), _interval_cell(score), number_vi(score.n)]
        if above is not None:
            parent = above.get(IndexScope.ELEMENT, code)
            row.append(signed_vi(score.value - parent.value) if score.value is not None and parent.value is not None else "—")
        rows.append(tuple(row))
    header = [_("Yếu tố"), _("Chỉ số"), _("Khoảng tin cậy 95%"), _("Số câu trả lời")]
    widths = [70, 25, 42, 28]
    if above is not None:
        header.append(_("So với %(parent)s (điểm)") % {"parent": figures.parent.name})
        widths = [55, 22, 38, 24, 26]
    blocks.append(
        Table(
            tuple(header),
            tuple(rows),
            widths_mm=tuple(widths),
            caption=numbering.table(_("Chỉ số theo yếu tố")),
            align=("l", "r", "c", "r", "r")[: len(header)],
        )
    )
    picture = bars_chart(
        [(f"{code}. {title}", score.value) for code, title, score in figures.elements], target=figures.campaign.target_index
    )
    blocks.append(Image(picture, caption=numbering.chart(_("Chỉ số hài lòng theo yếu tố so với chỉ tiêu"))))
    return blocks


def _interval_cell(score: Score) -> str:
    if score.ci_low is None or score.ci_high is None:
        return "—"
    return f"{percent_vi(score.ci_low)} – {percent_vi(score.ci_high)}"


def _criteria(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    highest, lowest = say.criteria_extremes(figures.criteria)
    if not highest:
        return []
    blocks: list[Block] = [numbering.sub(_("Tiêu chí được đánh giá cao nhất và thấp nhất"))]
    blocks.append(Paragraph(_("Các tiêu chí có tỷ lệ hài lòng cao nhất: %(list)s.") % {"list": say.criteria_list(highest)}))
    if lowest:
        blocks.append(
            Paragraph(_("Các tiêu chí có tỷ lệ hài lòng thấp nhất, cần ưu tiên cải tiến: %(list)s.") % {"list": say.criteria_list(lowest)})
        )
    return blocks


def _other_rates(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    own = figures.own
    rates = [
        (_("Tỷ lệ hài lòng toàn diện (người trả lời hài lòng với mọi tiêu chí)"), own.full),
        (_("Mức đáp ứng so với mong đợi"), own.expectation),
        (_("Tỷ lệ sẽ quay lại hoặc giới thiệu cho người khác"), own.returning),
    ]
    present = [(label, score) for label, score in rates if score.value is not None]
    if not present:
        return []
    text = "; ".join(f"{label}: {say.with_interval(score)}" for label, score in present)
    return [numbering.sub(_("Hài lòng toàn diện, đáp ứng mong đợi và quay lại")), Paragraph(text + ".")]


def _ranking(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    blocks: list[Block] = []
    if figures.peers:
        blocks += _peer_position(figures, numbering)
    if not figures.ranking:
        return blocks
    blocks.append(numbering.sub(_("Xếp hạng các đơn vị trực thuộc")))
    ranked, apart = figures.ranked, figures.apart
    if ranked:
        blocks.append(
            Paragraph(
                _("Xếp hạng %(n)s đơn vị đủ cỡ mẫu theo chỉ số hài lòng chung; đơn vị cùng chỉ số xếp đồng hạng.")
                % {"n": number_vi(len(ranked))}
            )
        )
        rows = tuple(
            (
                str(row.rank) + ("*" if row.tied else ""),
                row.unit.name,
                percent_vi(row.score.value),
                number_vi(row.responses),
                row.verdict.label if row.verdict else "—",
                signed_vi(row.change_points) if row.change_points is not None else "—",
            )
            for row in ranked
        )
        blocks.append(
            Table(
                (_("Hạng"), _("Đơn vị"), _("Chỉ số"), _("Số phiếu"), _("So với chỉ tiêu"), _("Thay đổi (điểm)")),
                rows,
                widths_mm=(15, 52, 22, 19, 36, 21),
                caption=numbering.table(_("Xếp hạng theo chỉ số hài lòng chung")),
                align=("c", "l", "r", "r", "c", "r"),
            )
        )
        if tiers := say.tiers_sentence(ranked):
            blocks.append(Paragraph(tiers + " " + _("(Dấu * trong bảng: đồng hạng về mặt thống kê với đơn vị liền kề.)")))
        picture = bars_chart([(row.unit.name, row.score.value) for row in ranked], target=figures.campaign.target_index)
        blocks.append(Image(picture, caption=numbering.chart(_("Chỉ số hài lòng chung của các đơn vị"))))
    design = figures.design
    if apart and design is not None:
        blocks.append(Paragraph(say.apart_sentence(apart, design.min_respondents, design.max_cv)))
    return blocks


def _peer_position(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    row = next((r for r in figures.peers if r.unit.pk == figures.unit.pk), None)
    ranked = [r for r in figures.peers if r.rank is not None]
    blocks: list[Block] = [numbering.sub(_("Vị trí so với các đơn vị cùng cấp"))]
    if row is None or row.rank is None:
        blocks.append(
            Paragraph(
                _("%(unit)s chưa đủ cỡ mẫu tối thiểu để xếp hạng cùng các đơn vị thuộc %(parent)s.")
                % {"unit": figures.unit.name, "parent": figures.parent.name}
            )
        )
        return blocks
    text = _("Trong %(n)s đơn vị thuộc %(parent)s đủ cỡ mẫu, %(unit)s xếp hạng %(rank)s.") % {
        "n": number_vi(len(ranked)),
        "parent": figures.parent.name,
        "unit": figures.unit.name,
        "rank": row.rank,
    }
    if row.tied:
        text += " " + _("Chỉ số của đơn vị không khác biệt có ý nghĩa thống kê so với đơn vị liền kề nên thứ hạng chỉ mang tính tham khảo.")
    blocks.append(Paragraph(text))
    return blocks


CHART_ROWS = 12  # questions per distribution chart, so that a chart fits under its heading on one page


def _distributions(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    """Every closed question with answers, grouped by element (a chart of its criteria, then a sentence
    each), then the questions outside the index."""
    items = [d for d in figures.distributions if d.n]
    if not items:
        return []
    blocks: list[Block] = [numbering.section(_("Kết quả từng câu hỏi"))]
    groups: dict[str, list[Distribution]] = {}
    for item in items:
        section = item.question.section
        title = f"{section.code}. {section.title}" if item.criterion and section else _("Các câu hỏi khác")
        groups.setdefault(title, []).append(item)
    for title, group in groups.items():
        blocks.append(numbering.sub(title))
        for table in level_tables([d for d in group if d.criterion and not d.multi]):
            for start in range(0, len(table.rows), CHART_ROWS):
                part = LevelTable(table.labels, table.rows[start : start + CHART_ROWS])
                caption = numbering.chart(_("Tỷ lệ người được hỏi theo từng mức đánh giá: %(title)s") % {"title": title})
                blocks.append(Image(distribution_chart(part), caption=caption))
        for distribution in group:
            question = distribution.question
            lead = f"{question.code}. {question.text} ({say.base_text(distribution)}): "
            blocks.append(Paragraph(say.distribution_sentence(distribution), bold_lead=lead))
    return blocks


def _annex(figures: ReportFigures, numbering: Numbering) -> list[Block]:
    snapshot = figures.snapshot
    if figures.published:
        name = workbook_filename(snapshot)
        text = _(
            "Số liệu chi tiết của từng tiêu chí và từng đơn vị (tỷ lệ, khoảng tin cậy, sai số chuẩn, số câu trả lời) tại Phụ lục kèm theo: tệp Excel «%(name)s»"
        ) % {"name": name}
        text += (_(", mã SHA-256 %(sha)s.") % {"sha": snapshot.workbook_sha256}) if snapshot.workbook_sha256 else "."
    else:
        text = _("Số liệu chi tiết tại Phụ lục: tệp Excel báo cáo xuất từ trang tổng hợp (số liệu tạm tính).")
    return [numbering.section(_("Phụ lục")), Paragraph(text, justify=False)]
