"""Every write to campaigns that has rules."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from celery import current_app
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignForm, CampaignStatus, Channel, ChannelWindow, IndexSchemeCode, SampleQuota
from campaigns.quotas import quota_defaults
from campaigns.selectors import LOCKED_STATUSES, questionnaire_usable, quota_plan
from campaigns.targets import target_with_source
from units import db
from units.access import Action, require
from units.formatting import date_vi
from units.models import Unit, UnitType
from units.services import Actor, audit_record

logger = logging.getLogger(__name__)

# The recompute job lives in reports (above campaigns), so it is named, never imported.
RECOMPUTE_TASK = "reports.tasks.recompute_campaign"


def campaign_dirty_sql(quote: Callable[[str], str]) -> str:
    """The dirty mark as SQL with parameters (now, campaign id): sets `dirty_at` only on a clean campaign,
    so the number of rows it touches says whether the campaign just became dirty. Also run inside the
    submission's single statement on PostgreSQL (surveys.services.answers.answers_create)."""
    return f"UPDATE {quote(Campaign._meta.db_table)} SET {quote('dirty_at')} = %s WHERE {quote('id')} = %s AND {quote('dirty_at')} IS NULL"  # noqa: S608


def campaign_dirty_params(campaign_id: int | None) -> list[Any]:
    return [connection.ops.adapt_datetimefield_value(timezone.now()), campaign_id]


def campaign_mark_dirty(*, campaign_id: int) -> None:
    """Mark a campaign's indices stale and ask for a recompute once the caller's transaction commits.

    Call inside the transaction that changed counted responses. The mark is a plain column update,
    so it commits or rolls back with the change; if the broker is down the enqueue is logged and the
    periodic sweep (config/celery.py) picks the campaign up later.
    """
    became_dirty = db.execute(db.statement("campaign-mark-dirty", campaign_dirty_sql), campaign_dirty_params(campaign_id))
    campaign_became_dirty(campaign_id=campaign_id, became_dirty=bool(became_dirty))


def campaign_became_dirty(*, campaign_id: int, became_dirty: bool = True) -> None:
    """Ask for a recompute of a campaign whose dirty mark is set, once the transaction commits.

    With a worker only the change from clean to dirty asks: a campaign already dirty has one queued (or
    the sweep's), and one job per submission would flood the workers during fieldwork. In the embedded
    mode (eager, no beat to sweep) every counted change asks, so a recompute that failed once is retried
    by the next change instead of leaving the figures stale for good.
    """
    if became_dirty or current_app.conf.task_always_eager:
        transaction.on_commit(lambda: recompute_request(campaign_id=campaign_id))


def recompute_request(*, campaign_id: int, full: bool = False) -> bool:
    """Send the recompute job for a campaign now; True when it was sent (or ran, in the eager mode).

    Never raises: a request that cannot be found or sent is logged as an error and the campaign's dirty
    mark stays, so the periodic sweep sends it again. A submission must never fail on this.
    """
    task = current_app.tasks.get(RECOMPUTE_TASK)
    if task is None:
        logger.error("Không tìm thấy tác vụ %s: đợt %s giữ dấu cần tính lại cho lượt quét định kỳ.", RECOMPUTE_TASK, campaign_id)
        return False
    try:
        task.apply_async(args=[campaign_id], kwargs={"full": full} if full else {}, retry=False)
    except Exception:  # the broker being down (or an eager run failing) must never fail the caller
        logger.error("Không gửi được yêu cầu tính lại cho đợt %s; lượt quét định kỳ sẽ xử lý.", campaign_id, exc_info=True)
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Campaign lifecycle: draft → active → closed → published. Every write is audited.
# ---------------------------------------------------------------------------------------------

# Written as a plain value: campaigns never import surveys (the FK is a lazy "surveys.Questionnaire").
QUESTIONNAIRE_FROZEN = "frozen"

CampaignPart = CampaignForm | ChannelWindow | SampleQuota


# The fields that decide how answers become figures: a change makes the computed figures stale.
METHOD_FIELDS = ("index_scheme", "scheme_options", "counted_statuses", "organiser_id")


class CampaignRuleError(ValidationError):
    """A campaign rule was broken; `messages` says which, in Vietnamese. Nothing has been saved."""


def _audit_campaign(campaign: Campaign, action: str, actor: Actor, **changes: Any) -> None:
    audit_record(actor=actor, action=f"campaign.{action}", obj=campaign, changes=changes)


def campaign_ensure_editable(campaign: Campaign) -> None:
    """Raise when the campaign, as stored, may no longer change (published or archived)."""
    status = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True).first() or campaign.status
    if status in LOCKED_STATUSES:
        raise CampaignRuleError(_("Đợt khảo sát đã công bố hoặc đã lưu trữ: không thể thay đổi."))


def _field_label(field: str) -> str:
    return str(Campaign._meta.get_field(field).verbose_name) if field != NON_FIELD_ERRORS else _("Đợt khảo sát")


def _period_problem(start: dt.date | None, end: dt.date | None) -> str | None:
    if start and end and end < start:
        return _("Ngày kết thúc (%(end)s) phải sau ngày bắt đầu (%(start)s).") % {"start": date_vi(start), "end": date_vi(end)}
    return None


def campaign_validate(campaign: Campaign) -> None:
    """Raise CampaignRuleError (Vietnamese) when a campaign's own fields break a rule; the admin form shows the same
    messages, each next to its field: every error's code is the name of the field it concerns."""
    problems: list[ValidationError] = []
    if period := _period_problem(campaign.fieldwork_start, campaign.fieldwork_end):
        problems.append(ValidationError(period, code="fieldwork_end"))
    if campaign.index_scheme and campaign.index_scheme not in IndexSchemeCode.values:
        problems.append(ValidationError(_("Phương pháp tính «%(scheme)s» không tồn tại.") % {"scheme": campaign.index_scheme}, code="index_scheme"))
    if campaign.target_index is not None and not Decimal(0) <= Decimal(str(campaign.target_index)) <= Decimal(100):
        problems.append(ValidationError(_("Chỉ tiêu phải nằm trong khoảng 0–100%."), code="target_index"))
    if Campaign.objects.filter(code__iexact=campaign.code).exclude(pk=campaign.pk).exists():  # codes are typed in any case
        problems.append(ValidationError(_("Mã đợt «%(code)s» đã tồn tại.") % {"code": campaign.code}, code="code"))
    if problems:
        raise CampaignRuleError(problems)


@transaction.atomic
def campaign_save(*, campaign: Campaign, actor: Actor, changed: list[str] | None = None) -> Campaign:
    """Create or update a campaign's own fields; the status moves only through the lifecycle services.

    The actor configures campaigns at the organiser, as stored and as given (units.access: 404/403).
    """
    creating = campaign.pk is None
    method_changed = False
    if not creating:
        require(actor, Action.CAMPAIGN_CONFIGURE, Campaign.objects.select_related("organiser").get(pk=campaign.pk).organiser)
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    if campaign.previous_id:
        require(actor, Action.RESULTS_VIEW, Campaign.objects.select_related("organiser").get(pk=campaign.previous_id).organiser)
    if not creating:
        campaign_ensure_editable(campaign)
        stored = Campaign.objects.values(*METHOD_FIELDS, "status").get(pk=campaign.pk)
        campaign.status = stored["status"]
        method_changed = any(stored[field] != getattr(campaign, field) for field in METHOD_FIELDS)
    if not campaign.year and campaign.fieldwork_start:
        campaign.year = campaign.fieldwork_start.year
    campaign_validate(campaign)
    try:
        campaign.full_clean(exclude=["public_key", "organiser", "previous"])
    except ValidationError as invalid:
        raise CampaignRuleError(
            [f"{_field_label(field)}: {message}" for field, messages in invalid.message_dict.items() for message in messages]
        ) from None
    campaign.save()
    if creating:
        _audit_campaign(
            campaign, "create", actor, code=campaign.code, organiser=campaign.organiser.code, start=campaign.fieldwork_start, end=campaign.fieldwork_end
        )
    else:
        _audit_campaign(campaign, "update", actor, fields=changed or [])
    if method_changed and campaign.status != CampaignStatus.DRAFT:  # the figures were computed another way: they are stale until recomputed
        campaign_mark_dirty(campaign_id=campaign.pk)
    return campaign


def campaign_create(
    *,
    code: str,
    name: str,
    organiser: Unit,
    fieldwork_start: dt.date,
    fieldwork_end: dt.date,
    index_scheme: str = IndexSchemeCode.SIPAS,
    target_index: Decimal | int | float | None = None,
    target_source: str = "",
    year: int | None = None,
    notice_text: str = "",
    series: str = "",
    previous: Campaign | None = None,
    actor: Actor,
) -> Campaign:
    """Create a draft campaign (see campaign_save). Without a target, the one of the text in force for the
    scheme and year (campaigns.targets), with its source."""
    target, source = target_with_source(scheme=index_scheme, year=year or fieldwork_start.year, value=target_index, source=target_source)
    campaign = Campaign(
        code=code,
        name=name,
        organiser=organiser,
        year=year or fieldwork_start.year,
        fieldwork_start=fieldwork_start,
        fieldwork_end=fieldwork_end,
        index_scheme=index_scheme,
        target_index=target,
        target_source=source,
        notice_text=notice_text,
        series=series,
        previous=previous,
    )
    return campaign_save(campaign=campaign, actor=actor)


@transaction.atomic
def campaign_delete(*, campaign: Campaign, actor: Actor) -> None:
    """Delete a draft campaign (one that was ever opened keeps its history)."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    if Campaign.objects.filter(pk=campaign.pk).exclude(status=CampaignStatus.DRAFT).exists():
        raise CampaignRuleError(_("Chỉ xoá được đợt đang ở trạng thái nháp."))
    _audit_campaign(campaign, "delete", actor, code=campaign.code)
    campaign.delete()


def _freeze_questionnaires(forms: list[CampaignForm]) -> list[str]:
    """Freeze each form's questionnaire through the FK instance; return the ones newly frozen."""
    frozen = []
    for form in forms:
        questionnaire = form.questionnaire
        if questionnaire.status != QUESTIONNAIRE_FROZEN:
            questionnaire.status = QUESTIONNAIRE_FROZEN
            questionnaire.save(update_fields=["status"])
            frozen.append(str(questionnaire))
    return frozen


# Checks of the layers above (a questionnaire's roles and parts: surveys) registered at start-up; each
# returns the Vietnamese problems of a campaign (campaigns may not import surveys).
ACTIVATION_CHECKS: list[Callable[[Campaign], list[str]]] = []


def activation_check_register(check: Callable[[Campaign], list[str]]) -> None:
    if check not in ACTIVATION_CHECKS:
        ACTIVATION_CHECKS.append(check)


# What the layers above prepare when a campaign opens, in the activation's transaction (surveys: the
# campaign's partition of the answer table on PostgreSQL, surveys.partitions).
ACTIVATION_HOOKS: list[Callable[[Campaign], None]] = []


def activation_hook_register(hook: Callable[[Campaign], None]) -> None:
    if hook not in ACTIVATION_HOOKS:
        ACTIVATION_HOOKS.append(hook)


@dataclass(frozen=True)
class ActivationRule:
    """A rule a campaign must keep to be activated: what it says, and how the campaign breaks it (nothing: kept)."""

    label: str
    problems: list[str]

    @property
    def kept(self) -> bool:
        return not self.problems


def campaign_activation_rules(campaign: Campaign) -> list[ActivationRule]:
    """Every rule that blocks activation, in Vietnamese, each with the campaign's problems against it (the
    builder's check list shows them all; `campaign_activation_problems` only the broken ones)."""
    windows = list(campaign.windows.order_by("start", "pk"))
    outside = [
        _("Kênh «%(window)s»: %(problem)s") % {"window": window, "problem": problem}
        for window in windows for problem in window.date_problems().values()
    ]
    registered: list[str] = []
    for check in ACTIVATION_CHECKS:
        registered += check(campaign)
    draft = [] if campaign.status == CampaignStatus.DRAFT else [
        _("Chỉ kích hoạt được đợt đang ở trạng thái nháp (hiện tại: %(status)s).") % {"status": campaign.get_status_display()}
    ]
    return [
        ActivationRule(_("Đợt đang ở trạng thái nháp"), draft),
        ActivationRule(
            _("Có ít nhất một phiếu khảo sát"),
            [] if campaign.forms.exists() else [_("Đợt chưa có phiếu khảo sát nào: cần ít nhất một phiếu.")],
        ),
        ActivationRule(_("Các phiếu dùng được (vai trò câu hỏi đã xác nhận, các phần của chỉ số hợp lệ)"), registered),
        ActivationRule(
            _("Có ít nhất một kênh thu thập"), [] if windows else [_("Đợt chưa có kênh thu thập (khung thời gian) nào.")]
        ),
        ActivationRule(_("Mọi kênh thu thập nằm trong thời gian khảo sát của đợt"), outside),
        ActivationRule(
            _("Có cỡ mẫu (chỉ tiêu số phiếu) cho ít nhất một đơn vị"),
            [] if campaign.quotas.filter(target__gt=0).exists() else [_("Đợt chưa có cỡ mẫu (chỉ tiêu số phiếu) nào.")],
        ),
    ]


def campaign_activation_problems(campaign: Campaign) -> list[str]:
    """The activation rules the campaign breaks, in Vietnamese (empty when it may be activated)."""
    return [problem for rule in campaign_activation_rules(campaign) for problem in rule.problems]


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("organiser").get(pk=campaign.pk)


@transaction.atomic
def campaign_activate(*, campaign: Campaign, actor: Actor) -> Campaign:
    """Open a draft campaign for entry and freeze its questionnaires. Raises CampaignRuleError naming each broken rule."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    current = _locked(campaign)
    problems = campaign_activation_problems(current)
    if problems:
        raise CampaignRuleError(problems)
    frozen = _freeze_questionnaires(list(current.forms.select_related("questionnaire").order_by("pk")))
    current.status = CampaignStatus.ACTIVE
    current.save(update_fields=["status", "updated_at"])
    for hook in ACTIVATION_HOOKS:
        hook(current)
    _audit_campaign(current, "activate", actor, frozen_questionnaires=frozen)
    campaign.status = current.status
    return current


def _transition(campaign: Campaign, *, source: str, target: str, action: str, actor: Actor, refusal: str) -> Campaign:
    # A conditional update: two officials pressing the button at once move the campaign once.
    moved = Campaign.objects.filter(pk=campaign.pk, status=source).update(status=target, updated_at=timezone.now())
    if not moved:
        raise CampaignRuleError(refusal)
    campaign.refresh_from_db()
    _audit_campaign(campaign, action, actor, status={"from": source, "to": target})
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, actor: Actor) -> Campaign:
    """End fieldwork: an active campaign stops accepting entries (see selectors.campaign_accepts_responses)."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    return _transition(
        campaign, source=CampaignStatus.ACTIVE, target=CampaignStatus.CLOSED, action="close", actor=actor,
        refusal=_("Chỉ kết thúc được đợt đang khảo sát."),
    )


@transaction.atomic
def campaign_publish(*, campaign: Campaign, actor: Actor) -> Campaign:
    """Mark a closed campaign published; from then on nothing about it may change.

    The snapshot and the report workbook are made by reports, which calls this.
    """
    require(actor, Action.RESULTS_PUBLISH, campaign.organiser)
    Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.CLOSED, published_at__isnull=True).update(published_at=timezone.now())
    return _transition(
        campaign, source=CampaignStatus.CLOSED, target=CampaignStatus.PUBLISHED, action="publish", actor=actor,
        refusal=_("Chỉ công bố được đợt đã kết thúc khảo sát."),
    )


# ---------------------------------------------------------------------------------------------
# The parts of a campaign: forms, channel windows, quotas.
# ---------------------------------------------------------------------------------------------


def quota_check(*, campaign: Campaign, unit: Unit, form: CampaignForm | None = None) -> None:
    """Refuse a quota for a unit outside the organiser's subtree, or for another campaign's form."""
    organiser = campaign.organiser
    if not unit.path.startswith(organiser.path):
        raise CampaignRuleError(
            _("Đơn vị «%(unit)s» không thuộc phạm vi của đơn vị tổ chức «%(organiser)s».") % {"unit": unit.name, "organiser": organiser.name}
        )
    if form is not None and form.campaign_id != campaign.pk:
        raise CampaignRuleError(_("Phiếu «%(form)s» không thuộc đợt khảo sát này.") % {"form": form})


def _part_changes(part: CampaignPart) -> dict[str, Any]:
    if isinstance(part, SampleQuota):
        return {"unit": part.unit.code, "channel": part.channel, "form": part.form_id, "target": part.target}
    if isinstance(part, ChannelWindow):
        return {"channel": part.channel, "start": part.start, "end": part.end}
    return {"questionnaire": part.questionnaire_id}


@transaction.atomic
def campaign_part_save(*, part: CampaignPart, actor: Actor) -> CampaignPart:
    """Save a form, channel window or quota of a campaign, checking its rules; audited on the campaign.

    A form added to an active campaign has its questionnaire frozen at once; its questionnaire must be
    one the organiser may use (selectors.questionnaire_usable). Save many-to-many fields (unit types,
    units) after this call.
    """
    campaign = part.campaign
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    campaign_ensure_editable(campaign)
    if isinstance(part, SampleQuota):
        quota_check(campaign=campaign, unit=part.unit, form=part.form)
    if isinstance(part, CampaignForm) and not questionnaire_usable(part.questionnaire, campaign.organiser):
        raise CampaignRuleError(_("Phiếu «%(q)s» thuộc đơn vị khác: hãy sao chép phiếu về đơn vị của mình rồi dùng bản sao.") % {"q": part.questionnaire})
    if isinstance(part, ChannelWindow) and (problems := part.date_problems()):
        raise CampaignRuleError(list(problems.values()))
    creating = part.pk is None
    part.save()
    if isinstance(part, CampaignForm):
        if campaign.status == CampaignStatus.ACTIVE:
            _freeze_questionnaires([part])
        if campaign.status != CampaignStatus.DRAFT:  # another questionnaire counts: the figures are stale
            campaign_mark_dirty(campaign_id=campaign.pk)
    kind = part._meta.model_name
    _audit_campaign(campaign, f"{kind}.{'add' if creating else 'change'}", actor, **_part_changes(part))
    return part


@transaction.atomic
def campaign_part_delete(*, part: CampaignPart, actor: Actor) -> None:
    require(actor, Action.CAMPAIGN_CONFIGURE, part.campaign.organiser)
    campaign_ensure_editable(part.campaign)
    _audit_campaign(part.campaign, f"{part._meta.model_name}.delete", actor, **_part_changes(part))
    if isinstance(part, CampaignForm) and part.campaign.status != CampaignStatus.DRAFT:
        campaign_mark_dirty(campaign_id=part.campaign_id)
    part.delete()


@transaction.atomic
def campaign_form_add(
    *, campaign: Campaign, questionnaire: Any, unit_types: Iterable[UnitType] = (), units: Iterable[Unit] = (), actor: Actor
) -> CampaignForm:
    """Attach a questionnaire (a surveys.Questionnaire row) to the campaign, for some unit types or units (all when none)."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    if campaign.forms.filter(questionnaire=questionnaire).exists():
        raise CampaignRuleError(_("Phiếu «%(q)s» đã có trong đợt.") % {"q": questionnaire})
    form = campaign_part_save(part=CampaignForm(campaign=campaign, questionnaire=questionnaire), actor=actor)
    form.unit_types.set(list(unit_types))
    form.units.set(list(units))
    return form


@transaction.atomic
def channel_window_add(
    *, campaign: Campaign, channel: str, start: dt.date, end: dt.date, unit_types: Iterable[UnitType] = (), actor: Actor
) -> ChannelWindow:
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    if channel not in Channel.values:
        raise CampaignRuleError(_("Kênh «%(channel)s» không tồn tại.") % {"channel": channel})
    window = campaign_part_save(part=ChannelWindow(campaign=campaign, channel=channel, start=start, end=end), actor=actor)
    window.unit_types.set(list(unit_types))
    return window


@transaction.atomic
def quota_set(*, campaign: Campaign, unit: Unit, channel: str, form: CampaignForm, target: int, actor: Actor) -> SampleQuota:
    """Set the sample size of one cell (unit × channel × form), creating the cell when needed."""
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    if target < 0:
        raise CampaignRuleError(_("Cỡ mẫu không được âm."))
    quota = SampleQuota.objects.filter(campaign=campaign, unit=unit, channel=channel, form=form).first()
    quota = quota or SampleQuota(campaign=campaign, unit=unit, channel=channel, form=form)
    quota.target = target
    return campaign_part_save(part=quota, actor=actor)


@transaction.atomic
def quotas_generate(
    *, campaign: Campaign, defaults: Mapping[str, int] | None = None, size: int | None = None, actor: Actor
) -> int:
    """Create the missing quotas of every cell the forms and windows call for; return how many were created.

    The size is `size` for every unit when given, else the per-type default (units whose type has
    no default get none); an organiser with no unit below it surveys itself (selectors.quota_plan).
    Quotas that exist keep the size an official gave them. When none is created,
    selectors.quotas_unmade_reasons says why.
    """
    require(actor, Action.CAMPAIGN_CONFIGURE, campaign.organiser)
    campaign_ensure_editable(campaign)
    if size is not None and size <= 0:
        raise CampaignRuleError(_("Cỡ mẫu phải là số nguyên dương."))
    table = quota_defaults() if defaults is None else dict(defaults)
    existing = set(campaign.quotas.values_list("unit_id", "channel", "form_id"))
    new = [
        SampleQuota(campaign=campaign, unit=cell.unit, channel=cell.channel, form=cell.form, target=cell.size)
        for cell in quota_plan(campaign, size=size, defaults=table)
        if cell.size and (cell.unit.pk, cell.channel, cell.form.pk) not in existing
    ]
    SampleQuota.objects.bulk_create(new, batch_size=1000)
    if new:
        _audit_campaign(campaign, "quotas.generate", actor, created=len(new), size=size, defaults=None if size else table)
    return len(new)
