from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from plans.models import ImprovementPlan, PlanStatus
from reports.models import IndexValue, ReportHeading, Snapshot, SnapshotStatus
from surveys.models import AnswerRevision, BackCheck, Response, ResponseFlag
from units.models import AuditEntry


def test_load_demo_builds_a_province_with_campaigns_results_and_logins_and_a_rerun_adds_nothing(db, capsys, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", responses=60)
    out = capsys.readouterr().out
    for username in ("canbo", "lanhdao", "giamsat", "dieutravien", "giamdoc", "xem"):
        assert f"{username} / hailong2026" in out

    statuses = dict(Campaign.objects.values_list("code", "status"))
    assert statuses == {
        "sipas-2025-khanh-hoa": CampaignStatus.PUBLISHED,
        "noi-tru-2025-khanh-hoa": CampaignStatus.PUBLISHED,
        "sipas-2026-khanh-hoa": CampaignStatus.ACTIVE,
        "noi-tru-2026-khanh-hoa": CampaignStatus.ACTIVE,
    }
    current = Campaign.objects.get(code="sipas-2026-khanh-hoa")
    assert current.previous.code == "sipas-2025-khanh-hoa"
    assert current.windows.filter(start__lte=timezone.localdate(), end__gte=timezone.localdate()).exists()
    assert Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).count() == 2
    # The published campaigns' signed-format reports: the heading filled (a deputy signs for the head), the .docx stored.
    for snapshot in Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).select_related("campaign"):
        heading = ReportHeading.objects.get(campaign=snapshot.campaign)
        assert heading.signer_authority == f"KT. {heading.signer_title.removeprefix('PHÓ ')}" and heading.signer_name
        assert snapshot.document and len(snapshot.document_sha256) == 64
    overall = IndexValue.objects.get(snapshot__campaign=current, snapshot__status=SnapshotStatus.WORKING, unit=current.organiser, scope="overall")
    assert 0 < overall.value <= 100
    # Every SIPAS 2023 criterion (policy 5 × 3, service delivery 3 + 4 + 3 + 3 + 3) has data at the province, and
    # both parts of the combined index: the demo answers are valid levels.
    criteria = IndexValue.objects.filter(snapshot=overall.snapshot, unit=current.organiser, scope="criterion", value__isnull=False)
    assert criteria.count() == 31
    parts = IndexValue.objects.filter(snapshot=overall.snapshot, unit=current.organiser, scope="part", value__isnull=False)
    assert sorted(parts.values_list("key", flat=True)) == ["CS", "DV"]

    # Issue 16 (plans' demo, called through PlansConfig.load_demo): two hospitals' plans, one filed late.
    plans = {plan.unit.code: plan for plan in ImprovementPlan.objects.select_related("unit").filter(campaign__code="noi-tru-2025-khanh-hoa")}
    assert (plans["KH-BVDK"].status, plans["KH-BVDK"].late) == (PlanStatus.SUBMITTED, False)
    assert (plans["KH-BVNHIDONG"].status, plans["KH-BVNHIDONG"].late) == (PlanStatus.APPROVED, True)
    assert plans["KH-BVDK"].events.filter(kind="returned").exists()
    plan_count = ImprovementPlan.objects.count()

    responses = Response.objects.count()
    assert responses == 4 * 60 + 2 * 2  # and in each active campaign the review loop's two (issue 15)
    returned = Response.objects.filter(campaign=current, status="returned", enumerator__username="dieutravien").get()
    assert returned.review_reason and returned.reviewed_by.username == "giamsat"
    correction = AnswerRevision.objects.filter(response__campaign=current, kind="correction").get()
    assert correction.changed_by.username == "giamsat" and correction.old_value != correction.new_value and correction.reason
    assert AuditEntry.objects.filter(action="response.correct", object_id=str(correction.response_id)).exists()
    # Back-checks (issue 15): drawn with their seed on the current SIPAS campaign, some recorded, one discrepancy.
    checks = BackCheck.objects.filter(campaign=current)
    assert checks.count() >= 3 and set(checks.values_list("seed", flat=True)) == {2026}
    assert checks.filter(discrepancy=True).count() == 1 and checks.filter(status="unreached").count() == 1
    assert ResponseFlag.objects.filter(kind="backcheck").count() == 1
    call_command("load_demo", responses=60)
    assert Response.objects.count() == responses
    assert BackCheck.objects.filter(campaign=current).count() == checks.count()
    assert Campaign.objects.count() == 4
    assert Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).count() == 2
    assert ImprovementPlan.objects.count() == plan_count
