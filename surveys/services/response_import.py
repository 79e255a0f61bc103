"""Import of paper and call-centre responses from Excel: validate every row, then save all or nothing.

Columns: `unit_code`, `channel`, optional `submitted_at` (dd/mm/yyyy or ISO; default now), then one
column per question code holding the level number or the choice name. An empty cell is an unanswered
item, even on a required question (real paper forms have them): stored as missing (no answer row, so
out of every numerator and denominator) and counted per question in the summary. Values that cannot be
right (an unknown level, unit or channel, a closed window, a malformed date) refuse the whole file.
Each row's UUID is derived from the campaign, the file's bytes and the row number, so importing the
same file twice is refused instead of counting it twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignForm, CampaignStatus, Channel, QualityRules
from campaigns.services import campaign_mark_dirty
from surveys.models import Response, ResponseSource, ResponseStatus
from surveys.payload import respondent_keys
from surveys.quality.flags import ResponseFacts, flags_store, response_flags
from surveys.quality.paradata import ParadataCheck
from surveys.selectors import CompiledForm, compiled_form, forms_for_unit, open_window, unit_in_campaign
from surveys.services.answers import ValidatedAnswers, answers_create, answers_validate
from surveys.services.responses import EARLIEST_TIME, LATEST_TIME_AHEAD
from units.access import Action, require
from units.models import ImportJob, Unit
from units.selectors import unit_by_code
from units.services import Actor, audit_record
from units.spreadsheets import (
    READ_SHARE,
    CellError,
    ErrorList,
    ImportFailed,
    cell_text,
    open_workbook,
    read_rows,
    require_columns,
    upload_bytes,
)

FIXED_COLUMNS = ("unit_code", "channel", "submitted_at", "phone", "name")  # phone, name: the respondent's, optional
IMPORT_NAMESPACE = uuid.UUID("5b0c3f5e-6d1a-4c55-9a53-2f5a1d0b7e11")


@dataclass(frozen=True)
class ResponseImport:
    """What an import saved: the number of responses, and per question code how many forms left it blank."""

    saved: int
    blanks: dict[str, int]

    def blanks_text(self) -> str:
        """The blanks per question as one Vietnamese sentence, for the command and the admin page."""
        if not self.blanks:
            return _("Không có ô trống nào.")
        listed = ", ".join(f"{code}: {count}" for code, count in self.blanks.items())
        return _("Ô trống (câu không trả lời, không tính vào tử số và mẫu số) theo câu hỏi: %(list)s.") % {"list": listed}


def _parse_submitted_at(value: Any) -> dt.datetime | None:
    """When a paper form was submitted: now when blank; None when unreadable or outside 2000 to tomorrow."""
    parsed = _parse_time_cell(value)
    if parsed is None or not EARLIEST_TIME.year <= parsed.year <= timezone.now().year + 1:
        return None
    parsed = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
    return parsed if EARLIEST_TIME <= parsed <= timezone.now() + LATEST_TIME_AHEAD else None


def _parse_time_cell(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return timezone.now()
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(12, 0))
    text = cell_text(value)
    for pattern in ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = dt.datetime.strptime(text, pattern)  # noqa: DTZ007 (made aware below)
        except ValueError:
            continue
        if pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            parsed = parsed.replace(hour=12)
        return parsed
    return None


class _Context:
    """Per-file caches so that a row costs no query for units, forms or questionnaires already seen."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.units: dict[str, Unit | None] = {}
        self.forms: dict[int, list[CampaignForm]] = {}
        self.compiled: dict[int, CompiledForm] = {}
        self.windows: dict[tuple[str, int, dt.date], bool] = {}

    def unit(self, code: str) -> Unit | None:
        if code not in self.units:
            unit = unit_by_code(code)
            self.units[code] = unit if unit is not None and unit_in_campaign(campaign=self.campaign, unit=unit) else None
        return self.units[code]

    def unit_forms(self, unit: Unit) -> list[CampaignForm]:
        if unit.pk not in self.forms:
            self.forms[unit.pk] = forms_for_unit(campaign=self.campaign, unit=unit)
        return self.forms[unit.pk]

    def form(self, campaign_form: CampaignForm) -> CompiledForm:
        if campaign_form.pk not in self.compiled:
            self.compiled[campaign_form.pk] = compiled_form(campaign_form.questionnaire)
        return self.compiled[campaign_form.pk]

    def window_open(self, channel: str, unit: Unit, on: dt.date) -> bool:
        key = (channel, unit.type_id, on)
        if key not in self.windows:
            self.windows[key] = open_window(campaign=self.campaign, channel=channel, unit=unit, on=on)
        return self.windows[key]


Checked = tuple[Unit, CampaignForm, str, dt.datetime, ValidatedAnswers, str, str]  # … the respondent's phone and name


def _row(sheet: str, number: int, record: dict[str, Any], header: list[str], ctx: _Context, errors: ErrorList) -> Checked | None:
    """Check one row; append its errors and return what to save (None when the row has errors)."""
    before = len(errors)
    code = cell_text(record.get("unit_code"))
    unit = ctx.unit(code) if code else None
    if unit is None:
        errors.append(CellError(sheet, number, "unit_code", _("Đơn vị «%(code)s» không thuộc đợt khảo sát.") % {"code": code} if code else _("Thiếu mã đơn vị.")))
    channel = cell_text(record.get("channel"))
    if channel not in Channel.values:
        errors.append(CellError(sheet, number, "channel", _("Kênh «%(channel)s» không hợp lệ; dùng một trong: %(list)s.") % {"channel": channel, "list": ", ".join(Channel.values)}))
    submitted_at = _parse_submitted_at(record.get("submitted_at"))
    if submitted_at is None:
        errors.append(CellError(sheet, number, "submitted_at", _("Ngày gửi không hợp lệ; dùng dd/mm/yyyy hoặc yyyy-mm-dd, từ năm 2000 đến nay.")))
    phone, name, key_errors = respondent_keys({"phone": cell_text(record.get("phone")), "name": cell_text(record.get("name"))})
    for key, messages in key_errors.items():
        errors.extend(CellError(sheet, number, key.removeprefix("profile."), message) for message in messages)
    if unit is None or len(errors) > before:
        return None
    assert submitted_at is not None
    if not ctx.window_open(channel, unit, timezone.localdate(submitted_at)):
        errors.append(CellError(sheet, number, "channel", _("Kênh «%(channel)s» không mở cho đơn vị này vào ngày %(date)s.") % {"channel": Channel(channel).label, "date": timezone.localdate(submitted_at).strftime("%d/%m/%Y")}))
        return None
    forms = ctx.unit_forms(unit)
    if len(forms) != 1:
        errors.append(CellError(sheet, number, "unit_code", _("Đơn vị này có %(n)d loại phiếu trong đợt; không xác định được phiếu.") % {"n": len(forms)}))
        return None
    form = ctx.form(forms[0])
    # Headers are read in lower case; question codes are matched without regard to case.
    codes = {code.lower(): code for code in form.questions}
    answers = {codes[column]: record.get(column) for column in header if column in codes}
    validated = answers_validate(form=form, answers=answers, blanks_allowed=True)
    for key, messages in validated.errors.items():
        for message in messages:
            errors.append(CellError(sheet, number, key.removeprefix("answers."), message))
    if validated.errors:
        return None
    return unit, forms[0], channel, submitted_at, validated, phone, name


def _unknown_columns(sheet: str, header: list[str], campaign: Campaign) -> list[CellError]:
    known = {
        code.lower()
        for form in CampaignForm.objects.filter(campaign=campaign).select_related("questionnaire")
        for code in compiled_form(form.questionnaire).questions
    }
    return [
        CellError(sheet, 1, column, _("Phiếu không có câu hỏi mã «%(code)s».") % {"code": column})
        for column in header
        if column and column not in FIXED_COLUMNS and column not in known
    ]


def _blanks_by_question(valid_rows: list[tuple[int, Any]], ctx: _Context) -> dict[str, int]:
    """How many forms left each question blank, in the order of the questionnaires' questions."""
    counts = Counter(code for _number, checked in valid_rows for code in checked[4].blanks)
    order = {code: n for n, code in enumerate(code for form in ctx.compiled.values() for code in form.questions)}
    return {code: counts[code] for code in sorted(counts, key=lambda code: order.get(code, len(order)))}


def responses_import(
    *, campaign: Campaign, source: str | IO[bytes], actor: Actor, progress: Callable[[int], None] | None = None
) -> ResponseImport:
    """Import responses for `campaign` from an Excel file. All rows valid or nothing saved.

    The actor must import responses at the organiser (units.access RESPONSES_IMPORT: 404/403 otherwise).

    Raises ImportFailed listing every error with its row and column; returns how many responses were
    saved and the blanks per question. `progress` (a job's) hears how far it got, 0–100.
    """
    require(actor, Action.RESPONSES_IMPORT, campaign.organiser)
    data = upload_bytes(source)
    workbook = open_workbook(io.BytesIO(data))
    sheet, header, records = read_rows(workbook, progress=progress)
    require_columns(sheet, header, ["unit_code", "channel"])
    if campaign.status != CampaignStatus.ACTIVE:
        raise ImportFailed([CellError(sheet, None, None, _("Đợt khảo sát «%(name)s» không còn nhận phiếu.") % {"name": campaign.name})])
    if not records:
        raise ImportFailed([CellError(sheet, 2, None, _("Tệp không có dòng dữ liệu nào."))])
    ctx = _Context(campaign)
    errors = ErrorList(_unknown_columns(sheet, header, campaign))
    valid_rows = []
    for index, (number, record) in enumerate(records, start=1):
        checked = _row(sheet, number, record, header, ctx, errors)
        if checked is not None:
            valid_rows.append((number, checked))
        if progress is not None and index % 2_000 == 0:
            progress(READ_SHARE + index * 30 // len(records))
    digest = hashlib.sha256(data).hexdigest()
    keys = {number: uuid.uuid5(IMPORT_NAMESPACE, f"{campaign.pk}:{digest}:{number}") for number, _record in records}
    already = set(Response.objects.filter(uuid__in=keys.values()).values_list("uuid", flat=True))
    for number, key in keys.items():
        if key in already:
            errors.append(CellError(sheet, number, None, _("Dòng này đã được nhập từ cùng tệp trước đây.")))
    if errors:
        raise ImportFailed(errors)
    rules = QualityRules.for_campaign(campaign)
    with transaction.atomic():
        for index, (number, (unit, form, channel, submitted_at, validated, phone, name)) in enumerate(valid_rows, start=1):
            if progress is not None and index % 2_000 == 0:
                progress(70 + index * 29 // len(valid_rows))
            facts = ResponseFacts(
                campaign=campaign, form=form, compiled=ctx.form(form), unit=unit, channel=channel, validated=validated,
                paradata=ParadataCheck(), started_at=None, submitted_at=submitted_at, respondent_phone=phone, respondent_name=name,
                check_window=False,  # the row's date was checked against the window above
            )
            flags = response_flags(facts=facts, rules=rules)
            response = Response(
                uuid=keys[number], campaign=campaign, form=form, unit=unit, channel=channel,
                status=ResponseStatus.ON_HOLD if flags.drafts and rules.hold_flagged else ResponseStatus.SUBMITTED,
                source=ResponseSource.IMPORT, submitted_at=submitted_at, content_hash=digest, respondent_phone=phone, respondent_name=name,
            )
            answers_create(response, validated)  # saves the response with its index counts
            flags_store(response, flags)
        blanks = _blanks_by_question(valid_rows, ctx)
        audit_record(actor=actor, action="response.import", obj=campaign, changes={"rows": len(valid_rows), "file_sha256": digest, "blanks": blanks})
        if ResponseStatus.SUBMITTED in campaign.counted_statuses:
            campaign_mark_dirty(campaign_id=campaign.pk)
    return ResponseImport(saved=len(valid_rows), blanks=blanks)


def responses_import_check(actor: Actor, params: dict[str, Any]) -> None:
    """Whether `actor` may import responses into the campaign in a job's `params` (before the file is stored)."""
    require(actor, Action.RESPONSES_IMPORT, Campaign.objects.select_related("organiser").get(pk=params["campaign"]).organiser)


def responses_import_job(job: ImportJob, source: IO[bytes], progress: Callable[[int], None]) -> str:
    """A job's run of `responses_import` (units.import_jobs), for the campaign in `job.params`: the summary."""
    campaign = Campaign.objects.get(pk=job.params["campaign"])
    result = responses_import(campaign=campaign, source=source, actor=job.requested_by, progress=progress)
    return f"{_('Đã nhập %(n)d phiếu.') % {'n': result.saved}} {result.blanks_text()}"
