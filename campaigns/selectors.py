"""Reads about campaigns that the admin, the public pages, the services and other apps share."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignForm, CampaignStatus, ChannelWindow
from campaigns.quotas import ORGANISER_KEY, WARD_KEY, default_quota_for, quota_defaults
from units.access import Action, allowed_anywhere
from units.codes import code_from_text
from units.models import Role, Unit, UnitType
from units.selectors import code_match, membership_paths, scope_queryset, subtree_q, unit_ancestor_paths, unit_subtree, user_has_role

# Statuses in which nothing about a campaign may change any more.
LOCKED_STATUSES = frozenset({CampaignStatus.PUBLISHED, CampaignStatus.ARCHIVED})
# Statuses whose public notice page is shown (a draft is not public yet).
PUBLIC_STATUSES = frozenset({CampaignStatus.ACTIVE, CampaignStatus.CLOSED, CampaignStatus.PUBLISHED})


def campaigns_visible_to(user: User | AnonymousUser) -> QuerySet[Campaign]:
    """Campaigns whose organiser lies in one of the user's subtrees (any role)."""
    return scope_queryset(Campaign.objects.select_related("organiser"), user=user, field="organiser")


def campaign_by_code(code: str, queryset: QuerySet[Campaign] | None = None) -> Campaign | None:
    """The campaign `code`, typed in any letter case, among `queryset` (default: every campaign, with its organiser)."""
    if not code.strip():
        return None
    return code_match(Campaign.objects.select_related("organiser") if queryset is None else queryset, code).first()


def questionnaire_latest(code: str, *, version: int | None = None) -> Any | None:
    """The newest version (or version `version`) of the questionnaire `code`, typed in any letter case: a
    surveys.Questionnaire, looked up by name (no import of surveys). Versions are numbered regardless of
    case, so "SIPAS_Mot_Cua_2024" v1 and "sipas_mot_cua_2024" v2 are two versions of one questionnaire."""
    if not code.strip():
        return None
    found = apps.get_model("surveys", "Questionnaire").objects.all()
    if version is not None:
        found = found.filter(version=version)
    # as typed, else as an XLSForm's form_id becomes a code ("spec test" finds "Spec-test")
    return code_match(found, code, "-version").first() or code_match(found, code_from_text(code), "-version").first()


def questionnaire_usable(questionnaire: Any, organiser: Unit) -> bool:
    """Whether a campaign organised at `organiser` may use `questionnaire` (a surveys.Questionnaire): a shared
    template (no owner), or one owned by the organiser, a unit above it or a unit below it. Others copy it."""
    owner = questionnaire.owner
    return owner is None or organiser.path.startswith(owner.path) or owner.path.startswith(organiser.path)


def questionnaires_visible_to(user: User | AnonymousUser, roles: Iterable[str] | None = None) -> QuerySet:
    """Questionnaires (surveys.Questionnaire, by name) the user may read and use: shared templates, and those
    owned by a unit on the line of one of the user's units (`roles`; any role when None): in its subtree or above it."""
    questionnaires = apps.get_model("surveys", "Questionnaire").objects.select_related("owner")
    if not user.is_authenticated:
        return questionnaires.none()
    if user.is_superuser:
        return questionnaires
    paths = membership_paths(user, roles)
    above = sorted({ancestor for path in paths for ancestor in unit_ancestor_paths(Unit(path=path))})
    return questionnaires.filter(Q(owner__isnull=True) | subtree_q(paths, "owner") | Q(owner__path__in=above))


def user_is_official(user: User | AnonymousUser) -> bool:
    """Whether the user may use the campaign pages of the admin at all: an active staff official, or a superuser."""
    # Asked once per admin page for every model and row: units.access remembers it on the request's user object.
    return user.is_staff and allowed_anywhere(user, Action.CAMPAIGN_CONFIGURE)


def campaign_is_locked(campaign: Campaign) -> bool:
    return campaign.status in LOCKED_STATUSES


def campaign_accepts_responses(campaign: Campaign, *, channel: str | None = None, on: dt.date | None = None) -> bool:
    """Whether entry is open: the campaign is active and, when `channel` is given, one of its windows is open on `on`."""
    if campaign.status != CampaignStatus.ACTIVE:
        return False
    if channel is None:
        return True
    day = on or timezone.localdate()
    return campaign.windows.filter(channel=channel, start__lte=day, end__gte=day).exists()


def personal_data_visible(*, user: User | AnonymousUser, campaign: Campaign) -> bool:
    """Frame entries and contacts are shown only to officials of the organising unit (or above) and superusers."""
    return user_has_role(user=user, unit=campaign.organiser, roles=[Role.OFFICIAL])


def frame_entries_visible_to(user: User | AnonymousUser, queryset: QuerySet) -> QuerySet:
    """Restrict rows that carry personal data (reached through `campaign`) to the organiser's officials."""
    return scope_queryset(queryset, user=user, field="campaign__organiser", roles=[Role.OFFICIAL])


def mask_name(full_name: str) -> str:
    """"Nguyễn Văn An" → "N. V. A.": initials only, for those who may not see the frame."""
    return " ".join(f"{part[0]}." for part in full_name.split()) or "—"


def mask_phone(phone: str) -> str:
    """"0905123456" → "0905***456": enough to recognise a number, not to call it."""
    digits = phone.strip()
    if len(digits) <= 6:
        return "*" * len(digits)
    return f"{digits[:4]}{'*' * (len(digits) - 7)}{digits[-3:]}"


def public_campaign(public_key: str) -> Campaign:
    """The campaign behind a public notice link; drafts and archived campaigns do not exist for the public."""
    campaign = (
        Campaign.objects.select_related("organiser")
        .prefetch_related("windows")
        .filter(public_key=public_key, status__in=PUBLIC_STATUSES)
        .first()
    )
    if campaign is None:
        raise Http404
    return campaign


def organiser_units(campaign: Campaign) -> QuerySet[Unit]:
    """Active units of the organiser's subtree, the organiser included."""
    return unit_subtree(campaign.organiser).filter(is_active=True).select_related("type")


def form_units(form: CampaignForm, subtree: list[Unit], organiser_id: int) -> list[Unit]:
    """The units a campaign form applies to, among the organiser's `subtree`.

    Named units win; else units of the named types; else every unit below the organiser
    (the organiser itself when it has nothing below it, e.g. a hospital surveying itself).
    """
    named = {unit.pk for unit in form.units.all()}
    if named:
        return [unit for unit in subtree if unit.pk in named]
    types = {unit_type.pk for unit_type in form.unit_types.all()}
    if types:
        return [unit for unit in subtree if unit.type_id in types]
    below = [unit for unit in subtree if unit.pk != organiser_id]
    return below or [unit for unit in subtree if unit.pk == organiser_id]


def window_serves(window: ChannelWindow, unit: Unit) -> bool:
    types = {unit_type.pk for unit_type in window.unit_types.all()}
    return not types or unit.type_id in types


def organiser_surveys_itself(campaign: Campaign) -> bool:
    """Whether the organiser has no active unit below it, so that the campaign surveys the organiser itself."""
    return not organiser_units(campaign).exclude(pk=campaign.organiser_id).exists()


@dataclass(frozen=True)
class QuotaCell:
    """A cell the campaign's forms and windows call for, with the size default quotas give it (None: none)."""

    unit: Unit
    channel: str
    form: CampaignForm
    size: int | None


def quota_plan(campaign: Campaign, *, size: int | None = None, defaults: Mapping[str, int] | None = None) -> list[QuotaCell]:
    """Every cell of `quota_cells` with its default size: `size` for every unit when given, else the per-type
    default, and for an organiser with nothing below it (it surveys itself) the organiser default."""
    table = quota_defaults() if defaults is None else defaults
    alone = organiser_surveys_itself(campaign)
    return [
        QuotaCell(unit, channel, form, size if size is not None else default_quota_for(unit, table, surveys_itself=alone and unit.pk == campaign.organiser_id))
        for unit, channel, form in quota_cells(campaign)
    ]


def quotas_unmade_reasons(campaign: Campaign, *, size: int | None = None, defaults: Mapping[str, int] | None = None) -> list[str]:
    """Why default quotas (see `quota_plan`) make no new row, in Vietnamese sentences: which units the
    campaign covers, then what stops each form, channel or unit type."""
    subtree = list(organiser_units(campaign).order_by("path"))
    reasons = [_coverage(campaign, subtree)]
    forms = list(campaign.forms.select_related("questionnaire").prefetch_related("units", "unit_types").order_by("pk"))
    windows = list(campaign.windows.prefetch_related("unit_types").order_by("channel", "start", "pk"))
    if not forms:
        reasons.append(_("Đợt chưa có phiếu khảo sát nào."))
    if not windows:
        reasons.append(_("Đợt chưa có kênh thu thập nào."))
    if not forms or not windows:
        return reasons
    plan = quota_plan(campaign, size=size, defaults=defaults)
    if not plan:
        for form in forms:
            reasons.append(form_unmatched_reason(campaign, form, subtree, windows))
        return reasons
    existing = set(campaign.quotas.values_list("unit_id", "channel", "form_id"))
    done = sum((cell.unit.pk, cell.channel, cell.form.pk) in existing for cell in plan)
    if done:
        reasons.append(_("%(done)d trong %(all)d ô (đơn vị × kênh × phiếu) đã có cỡ mẫu.") % {"done": done, "all": len(plan)})
    no_default = sorted({cell.unit.type.name for cell in plan if not cell.size and (cell.unit.pk, cell.channel, cell.form.pk) not in existing})
    if no_default:
        table = quota_defaults() if defaults is None else defaults
        reasons.append(
            _("Loại đơn vị %(types)s không có cỡ mẫu mặc định (có mặc định: %(defaults)s); hãy đặt một cỡ mẫu chung "
              "(lệnh create_campaign: --quota N) hoặc đặt cỡ mẫu cho từng đơn vị trong trang quản trị.")
            % {"types": _quoted(no_default), "defaults": _defaults_text(table)}
        )
    return reasons


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"«{name}»" for name in names)


def _coverage(campaign: Campaign, subtree: list[Unit]) -> str:
    organiser = campaign.organiser
    below = [unit for unit in subtree if unit.pk != organiser.pk]
    if not below:
        return _("Đợt bao phủ «%(organiser)s» (%(type)s), đơn vị này không có đơn vị trực thuộc.") % {
            "organiser": organiser.name, "type": organiser.type.name
        }
    counts = Counter(unit.type.name for unit in below)
    return _("Đợt bao phủ «%(organiser)s» và %(n)d đơn vị trực thuộc (%(types)s).") % {
        "organiser": organiser.name, "n": len(below), "types": "; ".join(f"{name}: {n}" for name, n in counts.most_common())
    }


def form_unmatched_reason(campaign: Campaign, form: CampaignForm, subtree: list[Unit], windows: list[ChannelWindow]) -> str:
    """Why one form gives no cell: no unit of its own in the organiser's subtree, or no window serving them."""
    organiser = campaign.organiser
    named = list(form.units.all())
    types = list(form.unit_types.all())
    units = form_units(form, subtree, organiser.pk)
    if not units and named:
        return _("Phiếu «%(form)s» chỉ áp dụng cho các đơn vị %(units)s, không đơn vị nào đang hoạt động trong phạm vi của «%(organiser)s».") % {
            "form": form.questionnaire, "units": _quoted(unit.name for unit in named), "organiser": organiser.name
        }
    if not units:
        message = _("Phiếu «%(form)s» chỉ áp dụng cho loại đơn vị %(types)s, nhưng trong phạm vi của «%(organiser)s» không có đơn vị nào thuộc loại đó") % {
            "form": form.questionnaire, "types": _quoted(t.name for t in types), "organiser": organiser.name
        }
        holder = _nearest_ancestor_with(organiser, types)
        if holder is not None:
            message += _(": các đơn vị loại này nằm dưới «%(unit)s», hãy chọn đơn vị đó làm đơn vị tổ chức") % {"unit": holder.name}
        return message + "."
    served = [
        _("«%(channel)s» chỉ phục vụ %(types)s") % {"channel": window.get_channel_display(), "types": _quoted(t.name for t in window.unit_types.all())}
        for window in windows
    ]
    return _("Không kênh thu thập nào phục vụ các đơn vị của phiếu «%(form)s» (%(types)s): %(windows)s.") % {
        "form": form.questionnaire, "types": _quoted(sorted({unit.type.name for unit in units})), "windows": "; ".join(served)
    }


def _nearest_ancestor_with(unit: Unit, types: list[UnitType]) -> Unit | None:
    """The closest unit above `unit` with an active unit of one of `types` in its subtree."""
    for path in reversed(unit_ancestor_paths(unit)[:-1]):
        if Unit.objects.filter(path__startswith=path, type__in=types, is_active=True).exists():
            return Unit.objects.filter(path=path).first()
    return None


def _defaults_text(table: Mapping[str, int]) -> str:
    names = dict(UnitType.objects.filter(code__in=list(table)).values_list("code", "name"))
    names.update({WARD_KEY: _("phường"), ORGANISER_KEY: _("đơn vị tổ chức tự khảo sát")})
    return ", ".join(f"{names.get(key, key)} {size}" for key, size in table.items()) or _("không có")


def quota_cells(campaign: Campaign) -> Iterator[tuple[Unit, str, CampaignForm]]:
    """Every (unit, channel, form) cell the campaign's forms and windows call for, each once."""
    subtree = list(organiser_units(campaign).order_by("path"))
    forms = list(campaign.forms.prefetch_related("units", "unit_types").order_by("pk"))
    windows = list(campaign.windows.prefetch_related("unit_types").order_by("channel", "start", "pk"))
    seen: set[tuple[int, str, int]] = set()
    for form in forms:
        for unit in form_units(form, subtree, campaign.organiser_id):
            for window in windows:
                key = (unit.pk, window.channel, form.pk)
                if key not in seen and window_serves(window, unit):
                    seen.add(key)
                    yield unit, window.channel, form
