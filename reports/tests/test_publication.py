"""Publication: an immutable versioned snapshot with a checksum, its workbook, the public page."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import CampaignStatus
from reports.models import IndexValue, Snapshot, SnapshotStatus
from reports.publication import PublicationError, campaign_results_publish, snapshot_checksum, snapshot_verify
from reports.services import index_recompute
from reports.tests.factories_dashboard import dashboard_fixture, responses_add  # noqa: F401 (fixture)
from units.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_publishing_copies_the_working_values_into_version_one_with_a_checksum(alice, dashboard_data):
    campaign = dashboard_data.campaign
    snapshot = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    assert (snapshot.status, snapshot.version, snapshot.published_by) == (SnapshotStatus.PUBLISHED, 1, alice)
    working = Snapshot.objects.get(campaign=campaign, status=SnapshotStatus.WORKING)
    assert IndexValue.objects.filter(snapshot=snapshot).count() == IndexValue.objects.filter(snapshot=working).count() > 0
    assert len(snapshot.checksum) == 64 and snapshot_verify(snapshot)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="campaign.results_publish", object_id=str(campaign.pk)).exists()
    book = load_workbook(io.BytesIO(snapshot.workbook.read()))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=4, values_only=True) if row[0]}
    assert summary["Mã kiểm tra (SHA-256)"] == snapshot.checksum


def test_a_changed_published_value_no_longer_matches_its_checksum(alice, dashboard_data):
    snapshot = campaign_results_publish(campaign_id=dashboard_data.campaign.pk, actor=alice)
    IndexValue.objects.filter(snapshot=snapshot, scope="overall").update(value=99)
    assert not snapshot_verify(snapshot)
    assert snapshot_checksum(snapshot) != snapshot.checksum


def test_republishing_makes_a_new_version_and_keeps_the_old_one_readable(client, alice, tree, dashboard_data):
    campaign = dashboard_data.campaign
    first = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    responses_add(campaign, tree["A2"], [(20, 5)])  # late corrections, recomputed
    index_recompute(campaign.pk, full=True)
    with pytest.raises(PublicationError, match="ghi chú"):  # a new version says what changed
        campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    second = campaign_results_publish(campaign_id=campaign.pk, actor=alice, change_note="Bổ sung 20 phiếu giấy của A2.")
    assert second.version == 2 and second.checksum != first.checksum
    assert (first.change_note, second.change_note) == ("Công bố lần đầu.", "Bổ sung 20 phiếu giấy của A2.")
    assert snapshot_verify(first) and snapshot_verify(second)
    latest = client.get(reverse("reports:public_results", args=[campaign.code])).content.decode()
    old = client.get(reverse("reports:public_version", args=[campaign.code, 1])).content.decode()
    assert "phiên bản 2" in latest and "75,00%" not in latest
    assert "phiên bản 1" in old and "75,00%" in old and "Đây là một phiên bản cũ" in old
    assert "Bổ sung 20 phiếu giấy của A2." in latest


def test_an_active_campaign_or_one_without_values_cannot_be_published(alice, dashboard_data):
    campaign = dashboard_data.campaign
    campaign.status = CampaignStatus.ACTIVE
    campaign.save()
    with pytest.raises(PublicationError, match="đã kết thúc"):
        campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    campaign.status = CampaignStatus.CLOSED
    campaign.save()
    IndexValue.objects.filter(snapshot__campaign=campaign).delete()
    with pytest.raises(PublicationError, match="chưa có số liệu"):
        campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    assert not Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).exists()


def test_an_official_publishes_from_the_confirmation_page(client, alice, dashboard_data):
    client.force_login(alice)
    page = client.get(reverse("reports:publish", args=["ks-2026"]))
    checksum = page.context["preview"].checksum
    response = client.post(reverse("reports:publish", args=["ks-2026"]), {"checksum": checksum, "change_note": ""})
    assert response.status_code == 302 and response["Location"] == reverse("reports:public_results", args=["ks-2026"])
    assert Snapshot.objects.filter(campaign=dashboard_data.campaign, status=SnapshotStatus.PUBLISHED, version=1).exists()


def test_a_refused_publication_says_why_on_the_dashboard(client, alice, dashboard_data):
    dashboard_data.campaign.status = CampaignStatus.ACTIVE
    dashboard_data.campaign.save()
    client.force_login(alice)
    response = client.get(reverse("reports:publish", args=["ks-2026"]))
    assert "Chỉ công bố được đợt đã kết thúc khảo sát" in response.content.decode()
    assert "publish-button" not in response.content.decode()
    response = client.post(reverse("reports:publish", args=["ks-2026"]), {"checksum": "0" * 64}, follow=True)
    assert "Chỉ công bố được đợt đã kết thúc khảo sát" in response.content.decode()


def test_publication_permissions(client, bob, charlie, dashboard_data):
    url = reverse("reports:publish", args=["ks-2026"])
    form = {"checksum": "0" * 64}
    client.force_login(bob)
    assert client.post(url, form).status_code == 403
    assert client.get(url).status_code == 403
    client.force_login(charlie)
    assert client.post(url, form).status_code == 404
    assert client.get(url).status_code == 404
    assert not Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).exists()


def test_a_campaign_with_a_change_waiting_is_recomputed_before_it_is_published(alice, tree, dashboard_data):
    from django.core.management import call_command

    from campaigns.services import campaign_mark_dirty
    from reports.selectors import campaign_summary

    campaign = dashboard_data.campaign
    responses_add(campaign, tree["A-BV"], [(5, 5)])  # a late counted change the working figures miss
    campaign_mark_dirty(campaign_id=campaign.pk)  # its on-commit recompute never ran (the test's transaction)
    stale = Snapshot.objects.get(campaign=campaign, status=SnapshotStatus.WORKING).responses
    snapshot = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    assert snapshot.responses == stale + 5
    published = campaign_summary(campaign, snapshot)
    out = io.StringIO()
    call_command("recompute", campaign.code, "--json", stdout=out)
    assert published == json.loads(out.getvalue())


def test_publishing_the_same_figures_again_makes_no_new_version(alice, dashboard_data):
    from reports.publication import PublicationUnchanged

    campaign = dashboard_data.campaign
    campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    with pytest.raises(PublicationUnchanged, match="không thay đổi so với phiên bản 1"):
        campaign_results_publish(campaign_id=campaign.pk, actor=alice, change_note="Lần nữa")
    assert Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).count() == 1


def test_figures_that_moved_since_the_official_reviewed_them_are_not_published(client, alice, tree, dashboard_data):
    campaign = dashboard_data.campaign
    client.force_login(alice)
    reviewed = client.get(reverse("reports:publish", args=[campaign.code])).context["preview"]
    assert (reviewed.responses, reviewed.latest, reviewed.problem) == (60, None, "")
    responses_add(campaign, tree["A1"], [(4, 1)])
    index_recompute(campaign.pk, full=True)
    response = client.post(reverse("reports:publish", args=[campaign.code]), {"checksum": reviewed.checksum}, follow=True)
    assert "Số liệu đã thay đổi từ lúc xem lại" in response.content.decode()
    assert not Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).exists()


def test_the_confirmation_shows_what_changed_since_the_previous_version(client, alice, tree, dashboard_data):
    campaign = dashboard_data.campaign
    campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    responses_add(campaign, tree["A-BV"], [(10, 5)])
    index_recompute(campaign.pk, full=True)
    client.force_login(alice)
    page = client.get(reverse("reports:publish", args=[campaign.code]))
    preview = page.context["preview"]
    assert (preview.latest_responses, preview.responses, preview.next_version) == (60, 70, 2)
    assert preview.values_changed > 0 and {row.unit.code for row in preview.units_changed} >= {"A", "A-BV"}
    html = page.content.decode()
    assert "60 → 70" in html and "Công bố phiên bản 2" in html


def test_the_public_page_gives_the_sha256_of_every_download(client, alice, dashboard_data):
    import hashlib

    from reports.selectors import campaign_summary

    campaign = dashboard_data.campaign
    snapshot = campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    page = client.get(reverse("reports:public_results", args=[campaign.code])).content.decode()
    workbook = b"".join(client.get(reverse("reports:public_download", args=[campaign.code, 1])).streaming_content)
    figures = b"".join(client.get(reverse("reports:public_figures", args=[campaign.code, 1])).streaming_content)
    assert hashlib.sha256(workbook).hexdigest() == snapshot.workbook_sha256 and snapshot.workbook_sha256 in page
    assert hashlib.sha256(figures).hexdigest() == snapshot.figures_sha256 and snapshot.figures_sha256 in page
    assert "sha256sum" in page
    document = json.loads(figures)
    assert document["summary"] == json.loads(json.dumps(campaign_summary(campaign, snapshot)))
    assert document["values_sha256"] == snapshot.checksum and document["version"] == 1
    assert sum(document["units"]["A"]["counts"]["TC1"].values()) == 60  # the published distributions travel too


@pytest.mark.django_db(transaction=True)
def test_two_officials_publishing_at_once_make_one_version(tree, alice, make_user):
    import threading

    from django.db import connection

    from reports.publication import PublicationUnchanged
    from reports.tests.factories_dashboard import dashboard_data_build
    from units.models import Role

    if connection.vendor != "postgresql":
        pytest.skip("cần PostgreSQL để chạy song song thật (SQLite khoá cả cơ sở dữ liệu)")
    data = dashboard_data_build(tree)
    other = make_user("alice2", Role.OFFICIAL, tree["A"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish(actor) -> None:
        barrier.wait()
        try:
            outcomes.append(f"v{campaign_results_publish(campaign_id=data.campaign.pk, actor=actor).version}")
        except PublicationUnchanged:
            outcomes.append("unchanged")
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(actor,)) for actor in (alice, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["unchanged", "v1"]
    published = Snapshot.objects.get(campaign=data.campaign, status=SnapshotStatus.PUBLISHED)
    assert snapshot_verify(published)


def test_a_recompute_that_fails_before_publication_refuses_it_and_keeps_the_figures(client, alice, tree, dashboard_data, monkeypatch):
    from campaigns.services import campaign_mark_dirty
    from reports import services

    campaign = dashboard_data.campaign
    working = Snapshot.objects.get(campaign=campaign, status=SnapshotStatus.WORKING)
    before = sorted(IndexValue.objects.filter(snapshot=working).values_list("unit_id", "scope", "key", "value"))
    responses_add(campaign, tree["A1"], [(2, 1)])
    campaign_mark_dirty(campaign_id=campaign.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("hết thời gian")

    monkeypatch.setattr(services, "_recompute_full", broken)
    with pytest.raises(PublicationError, match="Không tính lại được số liệu"):
        campaign_results_publish(campaign_id=campaign.pk, actor=alice)
    client.force_login(alice)
    page = client.get(reverse("reports:publish", args=[campaign.code]))
    assert page.status_code == 200 and "Không tính lại được số liệu" in page.content.decode() and "publish-button" not in page.content.decode()
    assert sorted(IndexValue.objects.filter(snapshot=working).values_list("unit_id", "scope", "key", "value")) == before
    assert not Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.PUBLISHED).exists()
