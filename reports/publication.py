"""Publication: an immutable copy of fresh working figures, its checksums, its files, the public page.

Each publication is a new version (1, 2, ...) with a change note; earlier versions stay readable. A
published snapshot's values never change: `snapshot_checksum` recomputes what was stored. Nothing is
published from stale figures: publishing first recomputes a campaign whose figures miss a counted
change, and refuses when the figures moved since the official reviewed them or equal the last version.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import CampaignRuleError, campaign_publish
from reports.dashboards.estimates import design_note
from reports.dashboards.ranking import previous_campaign, previous_overall, unit_verdict
from reports.dashboards.values import Score, values_by_unit
from reports.estimation.verdicts import Verdict
from reports.freshness import run_error_text
from reports.models import IndexValue, PublishedTally, Snapshot, SnapshotStatus
from reports.published_tallies import published_tallies_freeze
from reports.selectors import campaign_summary, working_snapshot
from reports.services import campaign_setup, index_recompute
from reports.tallies import RESPONDENTS_LEVEL
from reports.workbook import report_workbook_write
from units.access import Action, require
from units.models import Unit
from units.services import audit_record


class PublicationError(Exception):
    """A campaign that cannot be published now; the message says why, in Vietnamese."""


class PublicationUnchanged(PublicationError):
    """The figures equal the latest published version: no new version is made."""


# ------------------------------------------------------------------------------------------------
# Checksums
# ------------------------------------------------------------------------------------------------


def snapshot_checksum(snapshot: Snapshot) -> str:
    """sha256 over a snapshot's values in a canonical order (unit code, scope, key)."""
    digest = hashlib.sha256()
    rows = (
        IndexValue.objects.filter(snapshot=snapshot)
        .order_by("unit__code", "scope", "key")
        .values_list("unit__code", "scope", "key", "value", "n", "ci_low", "ci_high")
    )
    for row in rows.iterator(chunk_size=5000):
        digest.update(("|".join("" if part is None else str(part) for part in row) + "\n").encode())
    return digest.hexdigest()



def snapshot_verify(snapshot: Snapshot) -> bool:
    """True when a published snapshot's values are still the ones its checksum was taken over."""
    return bool(snapshot.checksum) and snapshot_checksum(snapshot) == snapshot.checksum


def file_sha256(handle) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 16), b""):
        digest.update(block)
    return digest.hexdigest()


def workbook_filename(snapshot: Snapshot) -> str:
    return f"bao-cao-{snapshot.campaign.code}-v{snapshot.version}.xlsx"


def figures_filename(snapshot: Snapshot) -> str:
    return f"so-lieu-{snapshot.campaign.code}-v{snapshot.version}.json"


# ------------------------------------------------------------------------------------------------
# Freshness before publication
# ------------------------------------------------------------------------------------------------


def figures_stale(campaign: Campaign) -> bool:
    """Whether the working figures miss a counted change or were computed with other settings."""
    working = working_snapshot(campaign)
    if campaign.dirty_at is not None or working is None or working.computed_at is None:
        return True
    return working.basis != campaign_setup(campaign).basis


def _refresh(campaign: Campaign) -> Snapshot | None:
    """The working snapshot, recomputed in full first when stale and the campaign's fieldwork is over
    (a closed campaign's figures are final; an active one is refused anyway). A recompute that fails
    leaves the previous figures (its own transaction rolls back) and refuses the publication."""
    final = campaign.status in (CampaignStatus.CLOSED, CampaignStatus.PUBLISHED)
    if final and figures_stale(campaign):
        try:
            index_recompute(campaign.pk, full=True)
        except Exception as error:
            raise PublicationError(
                _("Không tính lại được số liệu nên chưa công bố: %(error)s") % {"error": run_error_text(error)}
            ) from error
        campaign.refresh_from_db(fields=["dirty_at"])
    return working_snapshot(campaign)


# ------------------------------------------------------------------------------------------------
# What would be published: the confirmation page
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitChange:
    unit: Unit
    before: Decimal | None
    after: Decimal | None


@dataclass
class PublicationPreview:
    campaign: Campaign
    working: Snapshot | None
    checksum: str
    responses: int
    overall: Decimal | None
    ci_low: Decimal | None
    ci_high: Decimal | None
    verdict: Verdict
    previous_campaign: Campaign | None
    previous_overall: Decimal | None
    latest: Snapshot | None
    latest_responses: int | None = None
    latest_overall: Decimal | None = None
    values_changed: int = 0
    values_added: int = 0
    values_removed: int = 0
    units_changed: list[UnitChange] = field(default_factory=list)
    problem: str = ""

    @property
    def change(self) -> Decimal | None:
        if self.overall is None or self.previous_overall is None:
            return None
        return self.overall - self.previous_overall

    @property
    def design(self):
        """The aggregation rule and weights of the figures to publish (named on the confirmation page)."""
        return design_note(self.working)

    @property
    def identical(self) -> bool:
        return self.latest is not None and self.latest.checksum == self.checksum

    @property
    def next_version(self) -> int:
        return (self.latest.version if self.latest else 0) + 1


def _value_map(snapshot: Snapshot) -> dict[tuple[int, str, str], tuple]:
    rows = IndexValue.objects.filter(snapshot=snapshot).values_list("unit_id", "scope", "key", "value", "n", "ci_low", "ci_high")
    return {(unit, scope, key): rest for unit, scope, key, *rest in rows}


def _latest_published(campaign: Campaign) -> Snapshot | None:
    return Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).order_by("-version").first()


def _publishable_problem(campaign: Campaign, working: Snapshot | None) -> str:
    if campaign.status not in (CampaignStatus.CLOSED, CampaignStatus.PUBLISHED):
        return _("Chỉ công bố được đợt đã kết thúc khảo sát (trạng thái hiện tại: %(status)s).") % {"status": campaign.get_status_display()}
    if working is None or not IndexValue.objects.filter(snapshot=working).exists():
        return _("Đợt khảo sát chưa có số liệu đã tính: hãy tính lại chỉ số trước khi công bố.")
    if campaign.dirty_at is not None:
        return _("Có thay đổi được tính mới trong lúc tính lại: hãy tải lại trang và xem lại trước khi công bố.")
    return ""


def publication_preview(*, actor: User | AnonymousUser, campaign: Campaign) -> PublicationPreview:
    """Exactly what publishing now would publish, against the target, last year and the last version.

    Recomputes stale figures first (the campaign is closed, so this is the figures' final state).
    """
    require(actor, Action.RESULTS_PUBLISH, campaign.organiser)
    try:
        working, refused = _refresh(campaign), ""
    except PublicationError as error:
        working, refused = working_snapshot(campaign), str(error)
    organiser = campaign.organiser
    own = values_by_unit(working, [organiser])[organiser.pk] if working else None
    overall = own.overall if own else None
    previous = previous_campaign(campaign)
    previous_values = previous_overall(previous, [organiser], published_only=True) if previous else {}
    latest = _latest_published(campaign)
    preview = PublicationPreview(
        campaign=campaign,
        working=working,
        checksum=snapshot_checksum(working) if working else "",
        responses=working.responses if working else 0,
        overall=overall.value if overall else None,
        ci_low=overall.ci_low if overall else None,
        ci_high=overall.ci_high if overall else None,
        verdict=unit_verdict(overall or Score(), campaign, responses=own.responses if own else 0),
        previous_campaign=previous,
        previous_overall=previous_values[organiser.pk].value if organiser.pk in previous_values else None,
        latest=latest,
        problem=refused or _publishable_problem(campaign, working),
    )
    if latest is not None and working is not None:
        _compare_with_latest(preview, working, latest)
    return preview


def _compare_with_latest(preview: PublicationPreview, working: Snapshot, latest: Snapshot) -> None:
    before, after = _value_map(latest), _value_map(working)
    organiser_id = preview.campaign.organiser_id
    preview.latest_responses = latest.responses
    preview.latest_overall = (before.get((organiser_id, "overall", "")) or (None,))[0]
    preview.values_added = len(after.keys() - before.keys())
    preview.values_removed = len(before.keys() - after.keys())
    preview.values_changed = sum(1 for key in after.keys() & before.keys() if after[key] != before[key])
    overall_keys = {key[0] for key in before.keys() | after.keys() if key[1] == "overall" and key[2] == ""}
    moved = []
    for unit_id in overall_keys:
        old = (before.get((unit_id, "overall", "")) or (None,))[0]
        new = (after.get((unit_id, "overall", "")) or (None,))[0]
        if old != new:
            moved.append((unit_id, old, new))
    moved.sort(key=lambda m: (-(abs((m[2] or 0) - (m[1] or 0))), m[0]))
    units = Unit.objects.in_bulk([m[0] for m in moved[:10]])
    preview.units_changed = [UnitChange(units[u], old, new) for u, old, new in moved[:10] if u in units]


# ------------------------------------------------------------------------------------------------
# Publishing
# ------------------------------------------------------------------------------------------------


def figures_document(campaign: Campaign, snapshot: Snapshot) -> bytes:
    """The machine-readable JSON of a published version: the campaign summary (the shape of
    `recompute --json`), every unit's values and its answer counts per question and level (the published
    distributions); canonical (sorted keys), so its SHA-256 is stable."""
    units: dict[str, dict] = {}
    rows = (
        IndexValue.objects.filter(snapshot=snapshot)
        .order_by("unit__code", "scope", "key")
        .values_list("unit__code", "unit__name", "scope", "key", "value", "n", "ci_low", "ci_high", "estimate", "se", "deff", "n_eff", "respondents")
    )
    for code, name, scope, key, value, n, low, high, estimate, se, deff, n_eff, respondents in rows.iterator(chunk_size=5000):
        unit = units.setdefault(code, {"name": name, "values": []})
        unit["values"].append({
            "scope": scope, "key": key, "value": _num(value), "n": n, "ci_low": _num(low), "ci_high": _num(high),
            "estimate": estimate, "se": se, "deff": deff, "n_eff": n_eff, "respondents": respondents,
        })
    counts = (
        PublishedTally.objects.filter(snapshot=snapshot)
        .order_by("unit__code", "question__code", "level")
        .values_list("unit__code", "question__code", "level", "n")
    )
    for code, question, level, n in counts.iterator(chunk_size=5000):
        unit = units.setdefault(code, {"name": "", "values": []})
        key = "respondents" if level == RESPONDENTS_LEVEL else str(level)  # a multi-choice question's base
        unit.setdefault("counts", {}).setdefault(question, {})[key] = n
    document = {
        "campaign": campaign.code,
        "name": campaign.name,
        "organiser": campaign.organiser.code,
        "year": campaign.year,
        "version": snapshot.version,
        "published_at": timezone.localtime(snapshot.published_at).isoformat() if snapshot.published_at else None,
        "computed_at": timezone.localtime(snapshot.computed_at).isoformat() if snapshot.computed_at else None,
        "target": _num(campaign.target_index),
        "target_source": campaign.target_source,
        "values_sha256": snapshot.checksum,
        "change_note": snapshot.change_note,
        "summary": campaign_summary(campaign, snapshot),
        "units": units,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode()


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


FIRST_NOTE = "Công bố lần đầu."


@transaction.atomic
def campaign_results_publish(
    *, actor: User | AnonymousUser, campaign_id: int, change_note: str = "", expected_checksum: str | None = None
) -> Snapshot:
    """Publish the campaign's current figures as version n+1 and return the new snapshot.

    The campaign must be closed (first publication) or published (a new version, which needs a change
    note). Stale figures are recomputed first; `expected_checksum` (from the confirmation page) refuses
    figures that moved since the official reviewed them; figures equal to the latest version make none.
    """
    campaign = Campaign.objects.select_for_update().select_related("organiser").get(pk=campaign_id)
    require(actor, Action.RESULTS_PUBLISH, campaign.organiser)
    working = _refresh(campaign)
    if working is not None:  # recomputes wait for the publication (they lock the working snapshot too)
        working = Snapshot.objects.select_for_update().get(pk=working.pk)
    if problem := _publishable_problem(campaign, working):
        raise PublicationError(problem)
    checksum = snapshot_checksum(working)
    if expected_checksum is not None and expected_checksum != checksum:
        raise PublicationError(_("Số liệu đã thay đổi từ lúc xem lại (có phiếu hoặc duyệt phiếu mới): hãy xem lại trước khi công bố."))
    latest = _latest_published(campaign)
    if latest is not None and latest.checksum == checksum:
        raise PublicationUnchanged(
            _("Số liệu không thay đổi so với phiên bản %(version)s đã công bố: không tạo phiên bản mới.") % {"version": latest.version}
        )
    note = change_note.strip()
    if latest is not None and not note:
        raise PublicationError(_("Hãy ghi chú điều gì thay đổi so với phiên bản %(version)s.") % {"version": latest.version})
    snapshot = Snapshot.objects.create(
        campaign=campaign,
        status=SnapshotStatus.PUBLISHED,
        version=(latest.version if latest else 0) + 1,
        computed_at=working.computed_at,
        published_at=timezone.now(),
        published_by=actor if isinstance(actor, User) else None,
        responses=working.responses,
        basis=working.basis,
        design=working.design,
        change_note=(note or FIRST_NOTE)[:2000],
    )
    copied = ("unit_id", "scope", "key", "value", "n", "ci_low", "ci_high", "estimate", "se", "deff", "n_eff", "respondents")
    IndexValue.objects.bulk_create(
        [IndexValue(snapshot=snapshot, **{name: getattr(v, name) for name in copied}) for v in IndexValue.objects.filter(snapshot=working).iterator(chunk_size=5000)],
        batch_size=2000,
    )
    if not published_tallies_freeze(snapshot=snapshot, working=working):
        raise PublicationError(_("Chỉ số vừa được tính lại trong lúc công bố: hãy công bố lại."))
    snapshot.checksum = snapshot_checksum(snapshot)
    _attach_files(campaign, snapshot)
    if campaign.status == CampaignStatus.CLOSED:
        try:
            campaign_publish(campaign=campaign, actor=actor)
        except CampaignRuleError as refused:
            raise PublicationError(str(refused)) from None
    audit_record(
        actor=actor,
        action="campaign.results_publish",
        obj=campaign,
        changes={
            "version": snapshot.version, "checksum": snapshot.checksum, "values": IndexValue.objects.filter(snapshot=snapshot).count(),
            "workbook_sha256": snapshot.workbook_sha256, "figures_sha256": snapshot.figures_sha256, "note": snapshot.change_note,
        },
    )
    return snapshot


def _attach_files(campaign: Campaign, snapshot: Snapshot) -> None:
    """Write the version's workbook and JSON figures, and the SHA-256 of each."""
    with tempfile.TemporaryFile() as buffer:
        report_workbook_write(campaign=campaign, snapshot=snapshot, out=buffer)
        buffer.seek(0)
        snapshot.workbook_sha256 = file_sha256(buffer)
        buffer.seek(0)
        snapshot.workbook.save(workbook_filename(snapshot), File(buffer), save=False)
    document = figures_document(campaign, snapshot)
    snapshot.figures_sha256 = hashlib.sha256(document).hexdigest()
    snapshot.figures.save(figures_filename(snapshot), ContentFile(document), save=False)
    from reports.documents.report import document_filename, report_document_build  # the report reads this module's names

    report = report_document_build(campaign=campaign, snapshot=snapshot)
    snapshot.document_sha256 = hashlib.sha256(report).hexdigest()
    snapshot.document.save(document_filename(snapshot), ContentFile(report), save=False)
    snapshot.save(update_fields=["checksum", "workbook", "workbook_sha256", "figures", "figures_sha256", "document", "document_sha256"])


def published_campaigns() -> QuerySet[Campaign]:
    """Campaigns with at least one published snapshot, newest first (the public list)."""
    return (
        Campaign.objects.filter(snapshots__status=SnapshotStatus.PUBLISHED)
        .select_related("organiser")
        .annotate(latest_version=Max("snapshots__version"))
        .order_by("-year", "code")
    )
