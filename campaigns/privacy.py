"""Personal data (DESIGN §8): the frame's names, phones and addresses of people who completed a procedure.

- Only officials of the organising unit see them in full (units.access FRAME_READ); elsewhere names are
  initials and phones are masked, also in the assignment list's export. The full call list is an
  official's explicit request, and audited.
- They are erased PERSONAL_DATA_RETENTION_DAYS after the campaign's first publication by a daily job
  (config/celery.py) or the `purge_personal_data` command; each purge is audited. The frame's rows stay
  (unit, procedure, completion date) so the draw's counts and the fieldwork records keep adding up.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from campaigns.models import Assignment, Campaign, FrameEntry
from campaigns.selectors import mask_name, mask_phone
from units.access import Action, require, scope
from units.formatting import date_vi, number
from units.services import Actor, audit_record

# What a purge leaves in a frame entry's personal fields.
ERASED = {"full_name": "", "phone": "", "address": ""}


def retention() -> dt.timedelta:
    return dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


@dataclass(frozen=True)
class PurgeResult:
    campaign: Campaign
    people: int  # frame entries whose name, phone or address was (or, in a dry run, would be) erased

    def line(self, *, dry_run: bool) -> str:
        values = {"code": self.campaign.code, "n": number(self.people), "date": date_vi(timezone.localdate(self.campaign.published_at))}
        if dry_run:
            return _("%(code)s (công bố %(date)s): sẽ xoá họ tên, điện thoại, địa chỉ của %(n)s người trong khung mẫu.") % values
        return _("%(code)s (công bố %(date)s): đã xoá họ tên, điện thoại, địa chỉ của %(n)s người trong khung mẫu.") % values


def campaigns_due_for_purge(*, now: dt.datetime | None = None) -> QuerySet[Campaign]:
    """Campaigns first published at least the retention period before `now` whose personal data is still kept."""
    cutoff = (now or timezone.now()) - retention()
    return Campaign.objects.filter(published_at__lte=cutoff, personal_data_purged_at__isnull=True).order_by("published_at", "pk")


def _still_personal(campaign: Campaign) -> QuerySet[FrameEntry]:
    return FrameEntry.objects.filter(campaign=campaign).filter(~Q(full_name="") | ~Q(phone="") | ~Q(address=""))


def personal_data_purge(*, actor: Actor, dry_run: bool = False, now: dt.datetime | None = None) -> list[PurgeResult]:
    """Erase the frames of every campaign due (see campaigns_due_for_purge); with `dry_run` only say what
    would be erased. Superusers only (the job and the command act as units.access.SYSTEM).

    Each campaign is purged in its own transaction and claimed with a conditional update, so two runs at
    once purge (and audit) it once; a purged campaign is not looked at again.
    """
    require(actor, Action.PERSONAL_DATA_PURGE, None)
    now = now or timezone.now()
    results: list[PurgeResult] = []
    for campaign in campaigns_due_for_purge(now=now):
        if dry_run:
            results.append(PurgeResult(campaign, _still_personal(campaign).count()))
            continue
        with transaction.atomic():
            if not Campaign.objects.filter(pk=campaign.pk, personal_data_purged_at__isnull=True).update(personal_data_purged_at=now):
                continue
            people = _still_personal(campaign).update(**ERASED)
            audit_record(
                actor=actor,
                action="campaign.personal_data.purge",
                obj=campaign,
                changes={"frame_entries": people, "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS, "published_at": campaign.published_at},
            )
        results.append(PurgeResult(campaign, people))
    return results


# ------------------------------------------------------------------------------------------------
# The assignment list: masked, or in full as the call list
# ------------------------------------------------------------------------------------------------

CALL_LIST_HEADERS = [
    "Đợt khảo sát", "Mã đơn vị", "Đơn vị", "Kênh", "Thứ tự rút", "Dự phòng", "Họ tên", "Điện thoại", "Địa chỉ", "Thủ tục", "Điều tra viên", "Trạng thái",
]


def _person(assignment: Assignment, *, full: bool) -> list[str]:
    entry = assignment.frame_entry
    if entry is None:
        return ["", "", "", ""]
    if full:
        return [entry.full_name, entry.phone, entry.address, entry.procedure]
    return [mask_name(entry.full_name) if entry.full_name else "", mask_phone(entry.phone) if entry.phone else "", "", entry.procedure]


def _text_row(sheet: Any, values: Iterable[Any]) -> None:
    """Every cell as text: a name or address that starts with "=" is shown, never run as a formula."""
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)


def call_list_workbook(*, assignments: QuerySet[Assignment], actor: Actor, full: bool = False) -> bytes:
    """The chosen assignments as an .xlsx: names as initials and phones masked, or in `full` (the call list).

    The actor configures campaigns at every assignment's unit (CAMPAIGN_CONFIGURE, as the assignment admin
    lists them); the full list needs FRAME_READ at every campaign's organiser. Audited on each campaign.
    """
    chosen = assignments.select_related("campaign__organiser", "quota__unit", "frame_entry", "enumerator").order_by("campaign_id", "quota__unit__path", "is_reserve", "draw_order", "pk")
    if scope(actor, Action.CAMPAIGN_CONFIGURE, assignments, "quota__unit").count() != assignments.count():
        raise PermissionDenied
    rows = list(chosen)
    campaigns = {assignment.campaign_id: assignment.campaign for assignment in rows}
    if full:
        for campaign in campaigns.values():
            require(actor, Action.FRAME_READ, campaign.organiser)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Danh sách gọi") if full else _("Danh sách phân công"))
    _text_row(sheet, CALL_LIST_HEADERS)
    for assignment in rows:
        _text_row(
            sheet,
            [
                assignment.campaign.code, assignment.quota.unit.code, assignment.quota.unit.name, assignment.quota.get_channel_display(),
                assignment.draw_order, _("có") if assignment.is_reserve else "", *_person(assignment, full=full),
                assignment.enumerator.username if assignment.enumerator else "", assignment.get_status_display(),
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    for campaign in campaigns.values():
        count = sum(1 for assignment in rows if assignment.campaign_id == campaign.pk)
        audit_record(actor=actor, action="campaign.call_list.export" if full else "campaign.assignments.export", obj=campaign, changes={"rows": count, "full": full})
    return buffer.getvalue()
