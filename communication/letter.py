"""The organising letter ("V/v phối hợp tổ chức truyền thông …") written from the plan, in the administrative
format of NĐ 30/2020/NĐ-CP (reports.documents.official), with the campaign's notice attached after a page break."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from campaigns.models import Campaign
from campaigns.views import notice_body
from communication.models import Activity, CommunicationPlan
from reports.documents.headings import place_of
from reports.documents.official import Heading, OfficialDocument, PageBreak, Paragraph, Section, Signature, Table, official_document_bytes
from units.formatting import date_vi
from units.models import Unit

# Above this many units an activity names its units by type ("12 xã, phường") rather than one by one.
UNITS_NAMED_MAX = 8


def letter_filename(plan: CommunicationPlan) -> str:
    return f"cong-van-truyen-thong-{plan.campaign.code}.docx"


def issuing_body(organiser: Unit) -> str:
    """The body that signs: a province or a commune signs as its People's Committee ("Ủy ban nhân dân tỉnh
    Khánh Hòa"); a department, hospital or centre as named."""
    name = organiser.name.strip()
    if organiser.type.code not in ("province", "commune") or name.lower().startswith(("ủy ban", "ubnd")):
        return name
    level = name.split(" ")[0].lower() if name.split(" ")[0].lower() in ("tỉnh", "thành", "xã", "phường", "đặc") else ""
    if level == "thành":
        level = "thành phố"
    elif level == "đặc":
        level = "đặc khu"
    place = name[len(level) :].strip() if level else name
    level = level or ("tỉnh" if organiser.type.code == "province" else "xã")
    return f"Ủy ban nhân dân {level} {place}"


def in_sentence(name: str) -> str:
    """A name inside a sentence: "Khảo sát SIPAS 2026" → "khảo sát SIPAS 2026" (a proper noun keeps its capital)."""
    if len(name) > 1 and name[0].isupper() and name[1].islower() and name.split(" ")[0].lower() in ("khảo", "đợt", "điều"):
        return name[0].lower() + name[1:]
    return name


def _number_and_symbol(letter_number: str) -> tuple[str, str]:
    number, _slash, symbol = letter_number.strip().partition("/")
    return (number.strip(), symbol.strip()) if symbol else ("", number.strip())


def _signature(plan: CommunicationPlan) -> Signature:
    """ "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH": the last part is the title, those before it the
    authority lines; one part is the title alone."""
    parts = [part.strip() for part in plan.signer_title.split("/") if part.strip()]
    title = parts[-1] if parts else _("THỦ TRƯỞNG CƠ QUAN")
    return Signature(authority="\n".join(parts[:-1]), title=title, name=plan.signer_name.strip())


def units_text(units: list[Unit]) -> str:
    """A list of units as a letter writes it: by name when few, else counted by type."""
    if len(units) <= UNITS_NAMED_MAX:
        return ", ".join(unit.name for unit in units)
    by_type: dict[str, int] = defaultdict(int)
    for unit in units:
        by_type[unit.type.name.lower()] += 1
    return _("%(n)d đơn vị (%(types)s)") % {
        "n": len(units),
        "types": ", ".join(f"{count} {name}" for name, count in sorted(by_type.items())),
    }


def _activity_blocks(number: int, activity: Activity, units: list[Unit]) -> list:
    blocks = [Section(f"{number}. {activity.title}", level=2)]
    if activity.description.strip():
        blocks.append(Paragraph(activity.description.strip()))
    blocks.append(
        Paragraph(
            _("từ ngày %(start)s đến ngày %(end)s.") % {"start": date_vi(activity.start), "end": date_vi(activity.deadline)},
            bold_lead=_("Thời gian: "),
        )
    )
    blocks.append(Paragraph(units_text(units) + ".", bold_lead=_("Đơn vị thực hiện: ")))
    return blocks


def _notice_blocks(campaign: Campaign, notice_url: str) -> list:
    """The attached notice: the same text, period and channels as the public notice page."""
    blocks: list = [PageBreak(), Section(_("THÔNG BÁO"), level=1), Paragraph(campaign.name.upper(), indent=False)]
    blocks.append(
        Paragraph(
            _("Thời gian khảo sát: từ ngày %(start)s đến ngày %(end)s.")
            % {"start": date_vi(campaign.fieldwork_start), "end": date_vi(campaign.fieldwork_end)}
        )
    )
    blocks += [Paragraph(line.strip()) for line in notice_body(campaign).splitlines() if line.strip()]
    windows = sorted(campaign.windows.all(), key=lambda window: (window.start, window.channel))
    if windows:
        blocks.append(Paragraph(_("Hình thức khảo sát:"), bold_lead=""))
        blocks += [Paragraph(f"- {w.get_channel_display()}: {date_vi(w.start)} – {date_vi(w.end)}.") for w in windows]
    blocks.append(Paragraph(_("Trả lời trực tuyến hoặc xem thông báo tại: %(url)s") % {"url": notice_url}))
    return blocks


def letter_spec(plan: CommunicationPlan, *, notice_url: str) -> OfficialDocument:
    """The letter as plain data: heading, addressees (the responsible units), one section per activity, a
    summary table, how to report with evidence, the signature, and the notice after a page break."""
    campaign = plan.campaign
    organiser = campaign.organiser
    activities = list(plan.activities.prefetch_related("tasks__unit__type").order_by("deadline", "pk"))
    units_of = {activity.pk: [task.unit for task in sorted(activity.tasks.all(), key=lambda t: t.unit.path)] for activity in activities}
    every_unit = sorted({unit.pk: unit for units in units_of.values() for unit in units}.values(), key=lambda unit: unit.path)
    number, symbol = _number_and_symbol(plan.letter_number)
    body = issuing_body(organiser)
    period = {"start": date_vi(campaign.fieldwork_start), "end": date_vi(campaign.fieldwork_end)}
    blocks: list = [
        Paragraph(
            _(
                "%(organiser)s tổ chức %(campaign)s từ ngày %(start)s đến ngày %(end)s. Để người dân, tổ chức biết và tham gia đầy đủ, %(organiser)s đề nghị các đơn vị phối hợp thực hiện các nội dung truyền thông sau:"
            )
            % {"organiser": body, "campaign": in_sentence(campaign.name), **period}
        )
    ]
    for index, activity in enumerate(activities, start=1):
        blocks += _activity_blocks(index, activity, units_of[activity.pk])
    rows = tuple(
        (str(index), activity.title, f"{date_vi(activity.start)} – {date_vi(activity.deadline)}", units_text(units_of[activity.pk]))
        for index, activity in enumerate(activities, start=1)
    )
    blocks.append(
        Table(
            (_("TT"), _("Nội dung"), _("Thời gian"), _("Đơn vị thực hiện")),
            rows,
            widths_mm=(12, 70, 45, 38),
            caption=_("Bảng tổng hợp các hoạt động truyền thông"),
            align=("c", "l", "c", "l"),
        )
    )
    blocks.append(
        Paragraph(
            _(
                "Các đơn vị báo cáo kết quả thực hiện kèm minh chứng (hình ảnh, tệp hoặc đường dẫn bài đăng) trên hệ thống Hài Lòng, mục «Truyền thông», trước hạn hoàn thành của từng hoạt động. Thông báo khảo sát gửi kèm theo Công văn này."
            )
        )
    )
    blocks.append(Paragraph(_("Đề nghị các đơn vị quan tâm phối hợp thực hiện./.")))
    blocks += _notice_blocks(campaign, notice_url)
    recipients = [line.strip() for line in plan.letter_recipients.splitlines() if line.strip()] or [_("Như trên")]
    addressees = (
        [unit.name for unit in every_unit]
        if len(every_unit) <= UNITS_NAMED_MAX
        else [_("Các đơn vị thực hiện (danh sách tại Bảng tổng hợp)")]
    )
    return OfficialDocument(
        heading=Heading(
            parent_body=issuing_body(organiser.parent) if organiser.parent_id else "",
            issuing_body=body,
            symbol=symbol,
            number=number,
            place=place_of(organiser),
            date=None,
            year=campaign.year,
        ),
        signature=_signature(plan),
        subject=_("phối hợp tổ chức truyền thông %(campaign)s") % {"campaign": in_sentence(campaign.name)},
        addressees=addressees,
        blocks=blocks,
        recipients=recipients,
        author=body,
    )


def letter_docx(plan: CommunicationPlan, *, notice_url: str) -> bytes:
    return official_document_bytes(letter_spec(plan, notice_url=notice_url))
