"""The heading and signature of a report: the official's `ReportHeading`, or defaults from the organiser.

Defaults: the issuing body is the organiser, its parent the parent body ("UBND …" before a province,
district or commune), the symbol "BC-" and the last part of the organiser's code ("KH-SYT" → "BC-SYT"),
the place the province's name, the head of the body signs. A unit's own report (the hospital
director's) is issued by the unit under its parent, at the campaign's place.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign
from reports.documents.official import Heading, Signature
from reports.models import ReportHeading, Snapshot, SnapshotStatus
from units.access import Action, require
from units.models import Unit
from units.selectors import unit_ancestor_paths
from units.services import audit_record

PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "TP. ", "TP ")
ADMINISTRATIVE = ("province", "district", "commune")
HEADS = {
    "hospital": "GIÁM ĐỐC",
    "health_centre": "GIÁM ĐỐC",
    "department": "GIÁM ĐỐC",
    "public_service_centre": "GIÁM ĐỐC",
    "province": "CHỦ TỊCH",
    "district": "CHỦ TỊCH",
    "commune": "CHỦ TỊCH",
    "health_station": "TRƯỞNG TRẠM",
}
HEADING_FIELDS = (
    "parent_body",
    "issuing_body",
    "number",
    "symbol",
    "place",
    "issued_on",
    "signer_authority",
    "signer_title",
    "signer_name",
    "recipients",
    "archive",
)


def upper_vi(text: str) -> str:
    return text.upper()


ADMINISTRATIVE_WORDS = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


def body_name(unit: Unit) -> str:
    """How a unit is named as a body: "UBND tỉnh Khánh Hòa" for an administrative division (its kind
    added when the name lacks one), else its name."""
    type_code = unit.type.code if unit.type_id else ""
    if type_code not in ADMINISTRATIVE:
        return unit.name
    named = unit.name.split(" ", 1)[0].lower() in {"tỉnh", "thành", "huyện", "quận", "thị", "xã", "phường", "đặc", "tp.", "tp"}
    return f"UBND {unit.name}" if named else f"UBND {ADMINISTRATIVE_WORDS[type_code]} {unit.name}"


def short_body(unit: Unit, place: str) -> str:
    """An organiser's name without its province when the parent body says it: "Sở Y tế tỉnh Khánh Hòa"
    under "UBND tỉnh Khánh Hòa" → "Sở Y tế"."""
    for suffix in (f" tỉnh {place}", f" thành phố {place}", f" {place}"):
        if unit.parent_id and unit.name.lower().endswith(suffix.lower()) and len(unit.name) > len(suffix):
            return unit.name[: -len(suffix)]
    return unit.name


def symbol_of(unit: Unit) -> str:
    """The body's abbreviation: the last part of its code ("KH-SYT" → "SYT"), else its initials."""
    last = re.split(r"[-/_.]", unit.code)[-1]
    if last and len(last) <= 12 and not last.isdigit():
        return last.upper()
    folded = unicodedata.normalize("NFD", unit.name)
    initials = "".join(word[0] for word in folded.split() if word[:1].isalpha())
    return (initials or "DV").upper()


def place_of(unit: Unit) -> str:
    """The province (or the unit itself) without "Tỉnh" / "Thành phố"."""
    paths = unit_ancestor_paths(unit)
    province = Unit.objects.filter(path__in=[*paths, unit.path], type__code="province").order_by("depth").first() or unit
    name = province.name
    for prefix in PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def heading_default(campaign: Campaign) -> ReportHeading:
    """An unsaved heading with sensible defaults from the organiser (the admin's initial values too)."""
    organiser = campaign.organiser
    parent = organiser.parent
    parent_body = upper_vi(body_name(parent)) if parent else ""
    place = place_of(organiser)
    issuing = body_name(organiser) if organiser.type_id and organiser.type.code in ADMINISTRATIVE else short_body(organiser, place)
    return ReportHeading(
        campaign=campaign,
        parent_body=parent_body,
        issuing_body=upper_vi(issuing),
        symbol=f"BC-{symbol_of(organiser)}",
        place=place,
        signer_title=HEADS.get(organiser.type.code if organiser.type_id else "", "THỦ TRƯỞNG ĐƠN VỊ"),
        recipients="\n".join(
            filter(
                None,
                [f"{body_name(parent)} (để báo cáo)" if parent else "", "Các đơn vị được khảo sát", "Cổng thông tin điện tử (để đăng tải)"],
            )
        ),
        archive=f"Lưu: VT, {symbol_of(organiser)}",
    )


def heading_of(campaign: Campaign) -> ReportHeading:
    """The official's heading, or the defaults when none was filled."""
    return ReportHeading.objects.filter(campaign=campaign).first() or heading_default(campaign)


def unit_heading(unit: Unit, campaign_heading: ReportHeading) -> ReportHeading:
    """A unit's own report: issued by the unit under its parent, at the campaign's place."""
    return ReportHeading(
        campaign=campaign_heading.campaign,
        parent_body=upper_vi(body_name(unit.parent)) if unit.parent_id else "",
        issuing_body=upper_vi(unit.name),
        symbol=f"BC-{symbol_of(unit)}",
        place=campaign_heading.place,
        signer_title=HEADS.get(unit.type.code if unit.type_id else "", "THỦ TRƯỞNG ĐƠN VỊ"),
        recipients="\n".join(filter(None, [f"{unit.parent.name} (để báo cáo)" if unit.parent_id else "", "Các khoa, phòng trong đơn vị"])),
        archive="Lưu: VT",
    )


def issue_date(heading: ReportHeading, snapshot: Snapshot) -> dt.date | None:
    """The date printed: the official's, else the publication's; working figures leave it blank."""
    if heading.issued_on:
        return heading.issued_on
    if snapshot.status == SnapshotStatus.PUBLISHED and snapshot.published_at:
        return timezone.localtime(snapshot.published_at).date()
    return None


def document_heading(heading: ReportHeading, snapshot: Snapshot) -> tuple[Heading, Signature]:
    """The plain data the NĐ 30 builder takes."""
    return (
        Heading(
            parent_body=heading.parent_body,
            issuing_body=heading.issuing_body,
            number=heading.number,
            symbol=heading.symbol,
            place=heading.place,
            date=issue_date(heading, snapshot),
            year=heading.campaign.year if heading.campaign_id else None,
        ),
        Signature(authority=heading.signer_authority, title=heading.signer_title, name=heading.signer_name),
    )


@transaction.atomic
def report_heading_save(*, actor: User | AnonymousUser, heading: ReportHeading) -> ReportHeading:
    """Save the report's heading of a campaign; officials of its organiser (who publish) only; audited."""
    require(actor, Action.RESULTS_PUBLISH, heading.campaign.organiser)
    stored = ReportHeading.objects.filter(pk=heading.pk).values(*HEADING_FIELDS).first() if heading.pk else None
    heading.save()
    changes = {
        name: str(getattr(heading, name) or "") for name in HEADING_FIELDS if stored is None or stored[name] != getattr(heading, name)
    }
    audit_record(actor=actor, action="report_heading.save", obj=heading.campaign, changes=changes)
    return heading
