"""The campaign admin for the three personas: alice (official of A), bob (viewer of A), charlie (official of B)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from campaigns.frames import frame_import
from campaigns.models import Assignment, Campaign, CampaignStatus, Channel, FrameEntry, QualityRules
from campaigns.services import channel_window_add, quota_set
from campaigns.tests.conftest import END, FRAME_HEADER, START, frame_rows, xlsx
from units.access import SYSTEM
from units.import_jobs import import_in_background, import_run
from units.models import AuditEntry, ImportJob, ImportStatus, Membership, Role

CHANGELIST = "admin:campaigns_campaign_changelist"


def change_url(campaign: Campaign) -> str:
    return reverse("admin:campaigns_campaign_change", args=[campaign.pk])


def frame_url(campaign: Campaign) -> str:
    return reverse("admin:campaigns_campaign_frame", args=[campaign.pk])


@pytest.mark.parametrize("name", [CHANGELIST, "admin:campaigns_frameentry_changelist", "admin:campaigns_assignment_changelist"])
def test_anonymous_visitors_are_sent_to_the_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_owner_sees_the_campaign_the_outsider_sees_no_rows_and_the_viewer_no_admin(client, campaign, alice, bob, charlie):
    client.force_login(alice)
    assert campaign.code in client.get(reverse(CHANGELIST)).content.decode()
    assert client.get(change_url(campaign)).status_code == 200
    client.force_login(charlie)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200 and campaign.code not in response.content.decode()
    assert client.get(change_url(campaign)).status_code == 404
    assert client.get(frame_url(campaign)).status_code == 404
    client.force_login(bob)
    assert client.get(reverse(CHANGELIST)).status_code == 302


def test_an_official_of_a_commune_cannot_open_the_province_campaign(client, campaign, make_user, tree):
    commune_official = make_user("xa", Role.OFFICIAL, tree["A1"], is_staff=True)
    client.force_login(commune_official)
    assert client.get(change_url(campaign)).status_code == 404


def _action(client, action: str, campaign: Campaign):
    return client.post(reverse(CHANGELIST), {"action": action, "_selected_action": [campaign.pk]}, follow=True)


def test_the_owner_activates_through_the_action_and_the_outsider_cannot(client, ready_campaign, alice, charlie, questionnaire):
    client.force_login(charlie)
    _action(client, "activate_selected", ready_campaign)
    ready_campaign.refresh_from_db()
    assert ready_campaign.status == CampaignStatus.DRAFT
    client.force_login(alice)
    response = _action(client, "activate_selected", ready_campaign)
    assert "Đã kích hoạt 1 đợt khảo sát." in response.content.decode()
    ready_campaign.refresh_from_db()
    questionnaire.refresh_from_db()
    assert ready_campaign.status == CampaignStatus.ACTIVE and questionnaire.status == "frozen"
    response = _action(client, "close_selected", ready_campaign)
    ready_campaign.refresh_from_db()
    assert ready_campaign.status == CampaignStatus.CLOSED


def test_activating_an_incomplete_campaign_in_the_admin_says_which_rule(client, campaign, alice):
    client.force_login(alice)
    page = _action(client, "activate_selected", campaign).content.decode()
    assert "Đợt chưa có phiếu khảo sát nào" in page and "Đợt chưa có cỡ mẫu" in page
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_copy_and_quota_actions_call_the_services(client, ready_campaign, alice, charlie):
    client.force_login(charlie)
    _action(client, "copy_to_next_year", ready_campaign)
    assert not Campaign.objects.filter(code="sipas-2026").exists()
    client.force_login(alice)
    _action(client, "copy_to_next_year", ready_campaign)
    copy = Campaign.objects.get(code="sipas-2026")
    page = _action(client, "generate_quotas", copy).content.decode()
    assert "đã tạo 1 cỡ mẫu." in page  # A1 keeps its copied 10; A2 (a ward) gets 200; other types have no default
    assert dict(copy.quotas.values_list("unit__code", "target")) == {"A1": 10, "A2": 200}


def test_the_draw_action_reports_the_sample(client, ready_campaign, tree, alice, charlie):
    form = ready_campaign.forms.get()
    channel_window_add(campaign=ready_campaign, channel=Channel.PHONE, start=START, end=END, actor=alice)
    quota_set(campaign=ready_campaign, unit=tree["A1"], channel=Channel.PHONE, form=form, target=3, actor=alice)
    frame_import(campaign=ready_campaign, source=xlsx([FRAME_HEADER, *frame_rows("A1", 6)]), actor=SYSTEM)
    client.force_login(charlie)
    _action(client, "draw_sample", ready_campaign)
    assert not Assignment.objects.exists()
    client.force_login(alice)
    page = _action(client, "draw_sample", ready_campaign).content.decode()
    assert "Đã rút 3 người và 1 người dự phòng" in page
    assert Assignment.objects.count() == 4


def test_the_owner_uploads_a_frame_and_a_bad_file_saves_nothing(client, campaign, alice):
    client.force_login(alice)
    assert client.get(frame_url(campaign)).status_code == 200
    bad = xlsx([FRAME_HEADER, *frame_rows("A1", 2), ["An", "", "", "", "32/01/2025", "ZZ"]])
    bad.name = "khung.xlsx"
    page = client.post(frame_url(campaign), {"file": bad}).content.decode()
    assert "không có gì được lưu" in page and "dòng 4" in page and "Không tìm thấy đơn vị có mã «ZZ»" in page
    assert not FrameEntry.objects.exists()
    junk = xlsx([])
    junk.name = "x.xlsx"
    assert client.post(frame_url(campaign), {"file": junk}).status_code == 200
    good = xlsx([FRAME_HEADER, *frame_rows("A1", 4)])
    good.name = "khung.xlsx"
    response = client.post(frame_url(campaign), {"file": good})
    assert response.status_code == 302 and FrameEntry.objects.filter(campaign=campaign).count() == 4


def test_personal_data_is_for_the_organisers_officials_and_phones_are_masked_elsewhere(client, drawn_campaign, alice, charlie, make_user, tree):
    frame_list = reverse("admin:campaigns_frameentry_changelist")
    assignments = reverse("admin:campaigns_assignment_changelist")
    client.force_login(alice)
    assert "Người dân A1-0" in client.get(frame_list).content.decode()
    phones = list(drawn_campaign.frame.filter(assignment__isnull=False).values_list("phone", flat=True))
    page = client.get(assignments).content.decode()
    assert len(phones) == 4 and all(phone in page for phone in phones)
    client.force_login(charlie)
    assert "Người dân" not in client.get(frame_list).content.decode()
    assert "Người dân" not in client.get(assignments).content.decode()
    entry = FrameEntry.objects.first()
    assert client.get(reverse("admin:campaigns_frameentry_change", args=[entry.pk])).status_code == 404
    commune_official = make_user("xa", Role.OFFICIAL, tree["A1"], is_staff=True)
    client.force_login(commune_official)
    assert "Người dân" not in client.get(frame_list).content.decode()
    page = client.get(assignments).content.decode()
    assert "0905***" in page and not any(phone in page for phone in phones)
    assert "Người dân" not in page and "N. d. A." in page  # names as initials only


def _inline_management(prefix: str, total: int) -> dict[str, str]:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def _campaign_post(tree, **extra: str) -> dict[str, str]:
    return {
        "code": "mot-cua-2025",
        "name": "Khảo sát một cửa 2025",
        "organiser": str(tree["A"].pk),
        "year": "2025",
        "fieldwork_start": "01/09/2025",
        "fieldwork_end": "30/11/2025",
        "target_index": "85",
        "index_scheme": "sipas",
        "notice_text": "",
        **_inline_management("forms", 0),
        **_inline_management("windows", 0),
        **_inline_management("quotas", 0),
        **_inline_management("quality_rules", 0),
        **extra,
    }


def test_an_official_adds_a_campaign_with_a_window_and_the_period_is_checked(client, tree, alice):
    client.force_login(alice)
    add = reverse("admin:campaigns_campaign_add")
    assert client.get(add).status_code == 200
    page = client.post(add, _campaign_post(tree, fieldwork_end="01/08/2025")).content.decode()
    assert "phải sau ngày bắt đầu" in page and not Campaign.objects.exists()
    data = _campaign_post(
        tree, **{**_inline_management("windows", 1), "windows-0-channel": "desk", "windows-0-start": "01/09/2025", "windows-0-end": "30/11/2025"}
    )
    response = client.post(add, data)
    assert response.status_code == 302
    campaign = Campaign.objects.get(code="mot-cua-2025")
    assert campaign.windows.get().channel == "desk" and campaign.status == CampaignStatus.DRAFT


def test_the_outsider_cannot_organise_a_campaign_in_another_province(client, tree, charlie):
    client.force_login(charlie)
    page = client.post(reverse("admin:campaigns_campaign_add"), _campaign_post(tree)).content.decode()
    assert not Campaign.objects.exists() and "errorlist" in page


def test_a_quota_row_outside_the_organisers_subtree_is_refused_in_the_form(client, ready_campaign, tree, make_user):
    superuser = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    form = ready_campaign.forms.get()
    quota = ready_campaign.quotas.get()
    window = ready_campaign.windows.get()
    data = {
        "code": ready_campaign.code,
        "name": ready_campaign.name,
        "organiser": str(tree["A"].pk),
        "year": "2025",
        "fieldwork_start": "01/09/2025",
        "fieldwork_end": "30/11/2025",
        "target_index": "80",
        "index_scheme": "sipas",
        "forms-TOTAL_FORMS": "1", "forms-INITIAL_FORMS": "1", "forms-MIN_NUM_FORMS": "0", "forms-MAX_NUM_FORMS": "1000",
        "forms-0-id": str(form.pk), "forms-0-campaign": str(ready_campaign.pk), "forms-0-questionnaire": str(form.questionnaire_id),
        "windows-TOTAL_FORMS": "1", "windows-INITIAL_FORMS": "1", "windows-MIN_NUM_FORMS": "0", "windows-MAX_NUM_FORMS": "1000",
        "windows-0-id": str(window.pk), "windows-0-campaign": str(ready_campaign.pk), "windows-0-channel": "desk",
        "windows-0-start": "01/09/2025", "windows-0-end": "30/11/2025",
        "quotas-TOTAL_FORMS": "2", "quotas-INITIAL_FORMS": "1", "quotas-MIN_NUM_FORMS": "0", "quotas-MAX_NUM_FORMS": "1000",
        "quotas-0-id": str(quota.pk), "quotas-0-campaign": str(ready_campaign.pk), "quotas-0-unit": str(tree["A1"].pk),
        "quotas-0-channel": "desk", "quotas-0-form": str(form.pk), "quotas-0-target": "10",
        "quotas-1-campaign": str(ready_campaign.pk), "quotas-1-unit": str(tree["B1"].pk), "quotas-1-channel": "desk",
        "quotas-1-form": str(form.pk), "quotas-1-target": "50",
        **_inline_management("quality_rules", 0),
    }
    page = client.post(change_url(ready_campaign), data).content.decode()
    assert "không thuộc phạm vi" in page
    assert ready_campaign.quotas.count() == 1


def test_a_published_campaign_is_read_only_in_the_admin(client, ready_campaign, alice):
    Campaign.objects.filter(pk=ready_campaign.pk).update(status=CampaignStatus.PUBLISHED)
    client.force_login(alice)
    response = client.get(change_url(ready_campaign))
    assert response.status_code == 200 and 'name="_save"' not in response.content.decode()
    data = {"code": "doi-ten", "name": "Đổi tên", "organiser": ready_campaign.organiser_id}
    assert client.post(change_url(ready_campaign), data).status_code == 403
    ready_campaign.refresh_from_db()
    assert ready_campaign.code == "sipas-2025"


@pytest.mark.parametrize("name", ["admin:campaigns_assignment_changelist", "admin:campaigns_frameentry_changelist", CHANGELIST])
def test_list_pages_do_not_query_per_row(client, drawn_campaign, alice, name, django_assert_max_num_queries):
    client.force_login(alice)
    client.get(reverse(name))  # warm the session and content types
    with django_assert_max_num_queries(14):
        assert client.get(reverse(name)).status_code == 200


def test_an_outsider_cannot_name_another_provinces_campaign_as_the_previous_one(client, campaign, tree, charlie):
    client.force_login(charlie)
    data = _campaign_post(tree, organiser=str(tree["B"].pk), code="b-2025", previous=str(campaign.pk))
    page = client.post(reverse("admin:campaigns_campaign_add"), data).content.decode()
    assert not Campaign.objects.filter(code="b-2025").exists() and "errorlist" in page
    data["previous"] = ""
    assert client.post(reverse("admin:campaigns_campaign_add"), data).status_code == 302


def test_the_official_sets_the_number_of_attempts_and_the_call_script(client, campaign, alice):
    client.force_login(alice)
    html = client.get(change_url(campaign)).content.decode()
    assert 'name="max_attempts"' in html and 'name="call_script"' in html


def test_a_large_frame_is_imported_by_a_job(client, campaign, alice, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS, settings.MEDIA_ROOT = 3, tmp_path / "media"
    client.force_login(alice)
    good = xlsx([FRAME_HEADER, *frame_rows("A1", 4)])
    good.name = "khung.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(frame_url(campaign), {"file": good})
    job = ImportJob.objects.get()
    assert answer.url == reverse("import_job", args=[job.pk]) and job.status == ImportStatus.DONE, job.message
    assert job.params == {"campaign": campaign.pk} and FrameEntry.objects.filter(campaign=campaign).count() == 4
    assert client.get(reverse("import_job_status", args=[job.pk])).json()["back_url"] == reverse("builder:frame", args=[campaign.code])


def test_no_frame_job_is_stored_for_someone_who_may_not_import_the_frame(campaign, bob, charlie, settings, tmp_path):
    """The kind's access check runs before the file (personal data) is stored."""
    settings.IMPORT_BACKGROUND_ROWS, settings.MEDIA_ROOT = 3, tmp_path / "media"
    for persona, refusal in ((bob, PermissionDenied), (charlie, Http404)):
        with pytest.raises(refusal):
            import_in_background(actor=persona, kind="frame", upload=xlsx([FRAME_HEADER, *frame_rows("A1", 4)]), params={"campaign": campaign.pk})
    assert not ImportJob.objects.exists() and not (tmp_path / "media").exists()


def test_a_frame_job_whose_uploader_lost_the_right_saves_nothing_and_says_why(client, campaign, alice, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS, settings.MEDIA_ROOT = 3, tmp_path / "media"
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not taken it yet
        client.post(frame_url(campaign), {"file": xlsx([FRAME_HEADER, *frame_rows("A1", 4)])})
    Membership.objects.filter(user=alice).update(role=Role.VIEWER)
    job = import_run(job_id=ImportJob.objects.get().pk)
    assert job.status == ImportStatus.FAILED and "không còn quyền" in job.message and not job.file
    assert not FrameEntry.objects.filter(campaign=campaign).exists()


QUALITY = {
    "quality_rules-0-hold_flagged": "on", "quality_rules-0-too_fast_percent": "40", "quality_rules-0-min_seconds_per_question": "3",
    "quality_rules-0-straight_line_items": "12", "quality_rules-0-check_duplicates": "on", "quality_rules-0-odd_hours_start": "22",
    "quality_rules-0-odd_hours_end": "5", "quality_rules-0-outlier_z": "2,5", "quality_rules-0-backcheck_percent": "10",
}


def test_an_official_sets_the_quality_rules_in_the_campaign_admin_and_a_bad_share_is_refused(client, tree, alice):
    client.force_login(alice)
    add = reverse("admin:campaigns_campaign_add")
    page = client.get(add).content.decode()
    assert "tạm giữ phiếu bị gắn cờ" in page.lower() and "quá nhanh: dưới … % trung vị" in page.lower()
    data = _campaign_post(tree, **_inline_management("quality_rules", 1), **{**QUALITY, "quality_rules-0-too_fast_percent": "150"})
    assert "Tỷ lệ «quá nhanh» phải từ 0 đến 100%." in client.post(add, data).content.decode()
    assert not Campaign.objects.exists()
    saved = client.post(add, _campaign_post(tree, **_inline_management("quality_rules", 1), **QUALITY))
    assert saved.status_code == 302
    rules = QualityRules.objects.get(campaign__code="mot-cua-2025")
    assert (rules.hold_flagged, rules.too_fast_percent, rules.odd_hours_start, rules.odd_hours_end, float(rules.outlier_z)) == (True, 40, 22, 5, 2.5)
    assert AuditEntry.objects.filter(action="campaign.quality_rules.add").exists()
