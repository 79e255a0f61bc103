"""Respondent rows leave the portal only for the roles that may export them (units.access RAW_EXPORT:
officials of the organiser). Issue 11: viewers, leaders and supervisors downloaded row-level data through
"báo cáo + kèm dữ liệu thô" (the report export with include_raw)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports import exports
from reports.models import ExportJob, ExportStatus
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)
from units.access import SYSTEM
from units.models import AuditEntry, Membership, Role
from units.services import membership_revoke

pytestmark = pytest.mark.django_db

URL = reverse("reports:export_create", args=["ks-2026"])


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.LEADERSHIP, Role.SUPERVISOR, Role.UNIT_MANAGER])
def test_readers_of_the_whole_campaign_get_the_report_but_no_respondent_rows(client, make_user, tree, dashboard_data, role):
    client.force_login(make_user("reader", role, tree["A"]))
    for data in ({"kind": "report", "include_raw": "on"}, {"kind": "raw_xlsx"}, {"kind": "raw_csv"}, {"kind": "report", "include_raw": "on", "codes": "on"}):
        assert client.post(URL, data).status_code == 403, data
    assert not ExportJob.objects.exists()
    assert client.post(URL, {"kind": "report"}).status_code == 302
    assert ExportJob.objects.get().filters == {"codes": False, "include_raw": False}
    page = client.get(reverse("reports:dashboard", args=["ks-2026"])).content.decode()
    assert 'name="include_raw"' not in page and 'value="raw_xlsx"' not in page and 'value="raw_csv"' not in page


def test_the_organisers_official_exports_raw_rows_and_each_export_is_audited(client, alice, tree, dashboard_data, django_capture_on_commit_callbacks):
    client.force_login(alice)
    page = client.get(reverse("reports:dashboard", args=["ks-2026"])).content.decode()
    assert 'name="include_raw"' in page and 'value="raw_csv"' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, {"kind": "report", "include_raw": "on"}).status_code == 302
    job = ExportJob.objects.get()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE, job.error
    entry = AuditEntry.objects.get(action="export.report")
    assert entry.actor == alice and entry.unit == tree["A"] and entry.changes["filters"]["include_raw"] is True
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 200


def test_an_official_who_lost_the_role_gets_no_raw_file_built_or_downloaded(client, alice, dashboard_data, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"kind": "raw_csv"})
    done = ExportJob.objects.get()
    queued = ExportJob.objects.create(requested_by=alice, campaign=dashboard_data.campaign, kind="report", filters={"include_raw": True})
    membership_revoke(membership=Membership.objects.get(user=alice), actor=SYSTEM)
    Membership.objects.create(user=alice, unit=dashboard_data.campaign.organiser, role=Role.VIEWER)
    exports.export_run(job_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == ExportStatus.FAILED and "không còn quyền" in queued.error and not queued.file
    assert client.get(reverse("reports:export_download", args=[done.pk])).status_code == 403
    assert client.get(reverse("reports:export_status", args=[done.pk])).status_code == 403


def test_the_export_service_checks_its_actor_itself(bob, charlie, dashboard_data):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(PermissionDenied):
        exports.export_request(actor=bob, campaign=dashboard_data.campaign, kind="report", filters={"include_raw": True})
    with pytest.raises(Http404):
        exports.export_request(actor=charlie, campaign=dashboard_data.campaign, kind="report")
    assert not ExportJob.objects.exists()
