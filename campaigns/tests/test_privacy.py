"""Personal data: frames erased a set number of days after publication (a daily job and a command, audited,
with a dry run), and the assignment list exported with masked phones unless an official of the organiser
asks for the call list."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.frames import frame_import
from campaigns.models import Assignment, Campaign, CampaignStatus, Channel, FrameEntry
from campaigns.privacy import personal_data_purge
from campaigns.services import campaign_activate, campaign_close, campaign_publish, channel_window_add, quota_set
from campaigns.tests.conftest import END, FRAME_HEADER, START, frame_rows, xlsx
from units.access import SYSTEM
from units.models import AuditEntry, Role

ASSIGNMENTS = "admin:campaigns_assignment_changelist"


@pytest.fixture
def drawn(drawn_campaign):
    """Province A's drawn campaign (a frame of 6 at A1), one drawn person named like a formula (imports
    refuse formulas; this one came in as text)."""
    FrameEntry.objects.filter(pk=Assignment.objects.filter(frame_entry__isnull=False).first().frame_entry_id).update(full_name='=HYPERLINK("http://x","bấm")')
    return drawn_campaign


def published(campaign: Campaign, days_ago: int) -> Campaign:
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.PUBLISHED, published_at=timezone.now() - dt.timedelta(days=days_ago))
    campaign.refresh_from_db()
    return campaign


def people(campaign: Campaign) -> list[tuple[str, str, str]]:
    return list(FrameEntry.objects.filter(campaign=campaign).order_by("pk").values_list("full_name", "phone", "address"))


def test_publishing_stamps_the_first_publication(drawn, alice):
    campaign_activate(campaign=drawn, actor=alice)
    campaign_close(campaign=drawn, actor=alice)
    before = timezone.now()
    campaign_publish(campaign=drawn, actor=alice)
    drawn.refresh_from_db()
    assert drawn.published_at >= before


def test_the_dry_run_says_what_would_go_and_erases_nothing(drawn, settings, capsys):
    settings.PERSONAL_DATA_RETENTION_DAYS = 90
    published(drawn, days_ago=91)
    kept = people(drawn)
    call_command("purge_personal_data", "--dry-run")
    out = capsys.readouterr().out
    assert "sipas-2025" in out and "sẽ xoá họ tên, điện thoại, địa chỉ của 6 người" in out
    assert people(drawn) == kept
    assert not AuditEntry.objects.filter(action="campaign.personal_data.purge").exists()


def test_the_purge_erases_names_phones_and_addresses_once_and_audits_it(drawn, tree, settings, capsys):
    settings.PERSONAL_DATA_RETENTION_DAYS = 90
    published(drawn, days_ago=91)
    assignments = Assignment.objects.filter(campaign=drawn).count()
    call_command("purge_personal_data")
    assert "đã xoá họ tên, điện thoại, địa chỉ của 6 người" in capsys.readouterr().out
    assert people(drawn) == [("", "", "")] * 6
    assert FrameEntry.objects.filter(campaign=drawn).exclude(procedure="").count() == 6  # the rows stay, without who they are
    assert Assignment.objects.filter(campaign=drawn).count() == assignments
    entry = AuditEntry.objects.get(action="campaign.personal_data.purge")
    assert entry.unit == tree["A"] and entry.changes["frame_entries"] == 6 and entry.changes["retention_days"] == 90
    drawn.refresh_from_db()
    assert drawn.personal_data_purged_at is not None
    call_command("purge_personal_data")
    assert "Không có đợt nào" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="campaign.personal_data.purge").count() == 1


def test_campaigns_within_the_retention_period_or_unpublished_keep_their_frame(drawn, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 90
    kept = people(drawn)
    assert personal_data_purge(actor=SYSTEM) == []  # a draft
    published(drawn, days_ago=30)
    assert personal_data_purge(actor=SYSTEM) == []
    assert people(drawn) == kept
    settings.PERSONAL_DATA_RETENTION_DAYS = 20  # the retention is a setting
    assert [result.people for result in personal_data_purge(actor=SYSTEM)] == [6]


def test_only_superusers_and_the_system_purge(drawn, alice):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        personal_data_purge(actor=alice)


def test_the_daily_job_is_scheduled_and_runs_the_purge(drawn, settings):
    from config.celery import app

    entry = app.conf.beat_schedule["purge-personal-data"]
    from campaigns.tasks import purge_personal_data

    assert entry["task"] == purge_personal_data.name
    settings.PERSONAL_DATA_RETENTION_DAYS = 1
    published(drawn, days_ago=2)
    assert purge_personal_data.delay().get() == 6
    assert people(drawn) == [("", "", "")] * 6


@pytest.mark.services
def test_a_real_worker_runs_the_purge_job(celery_worker_process, tree, make_user, settings):
    """The job crosses a process: a worker started as production starts it erases the frame."""
    from campaigns.services import campaign_create, campaign_form_add
    from campaigns.tasks import purge_personal_data
    from surveys.services.questionnaires import questionnaire_load_template

    official = make_user("canbo", Role.OFFICIAL, tree["A"])
    campaign = campaign_create(code="ks-2024", name="KS 2024", organiser=tree["A"], fieldwork_start=START, fieldwork_end=END, actor=official)
    form = campaign_form_add(campaign=campaign, questionnaire=questionnaire_load_template(name="one-stop", actor=SYSTEM)[0], actor=official)
    channel_window_add(campaign=campaign, channel=Channel.PHONE, start=START, end=END, actor=official)
    quota_set(campaign=campaign, unit=tree["A1"], channel=Channel.PHONE, form=form, target=2, actor=official)
    frame_import(campaign=campaign, source=xlsx([FRAME_HEADER, *frame_rows("A1", 3)]), actor=official)
    published(campaign, days_ago=400)  # beyond the default retention of the worker's settings
    purge_personal_data.delay()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and people(campaign) != [("", "", "")] * 3:
        time.sleep(0.5)
    assert people(campaign) == [("", "", "")] * 3
    assert AuditEntry.objects.filter(action="campaign.personal_data.purge", actor=None).count() == 1


def export(client, full: bool):
    pks = list(Assignment.objects.values_list("pk", flat=True))
    action = "export_call_list" if full else "export_masked"
    return client.post(reverse(ASSIGNMENTS), {"action": action, "_selected_action": pks}, follow=not full and False)


def sheet_rows(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_organisers_official_asks_for_the_call_list_in_full_and_it_is_audited(client, drawn, tree, alice):
    client.force_login(alice)
    response = export(client, full=True)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response)
    drawn_people = {entry.full_name: entry.phone for entry in FrameEntry.objects.filter(assignment__isnull=False)}
    assert {row[6]: row[7] for row in rows[1:]} == drawn_people
    entry = AuditEntry.objects.get(action="campaign.call_list.export")
    assert entry.actor == alice and entry.unit == tree["A"] and entry.changes == {"rows": len(rows) - 1, "full": True}


def test_the_assignment_export_masks_phones_and_names(client, drawn, alice):
    client.force_login(alice)
    rows = sheet_rows(export(client, full=False))
    phones = set(FrameEntry.objects.values_list("phone", flat=True))
    assert rows[0][6:9] == ("Họ tên", "Điện thoại", "Địa chỉ")
    assert all(row[7].startswith("0905") and "***" in row[7] and row[7] not in phones for row in rows[1:])
    assert all(row[8] in ("", None) for row in rows[1:])
    assert AuditEntry.objects.filter(action="campaign.assignments.export").exists()


def test_a_units_own_official_gets_the_masked_list_but_not_the_call_list(client, drawn, tree, make_user):
    commune_official = make_user("xa", Role.OFFICIAL, tree["A1"])
    client.force_login(commune_official)
    refused = client.post(reverse(ASSIGNMENTS), {"action": "export_call_list", "_selected_action": list(Assignment.objects.values_list("pk", flat=True))}, follow=True)
    assert "Chỉ cán bộ của đơn vị tổ chức" in refused.content.decode()
    assert not AuditEntry.objects.filter(action="campaign.call_list.export").exists()
    rows = sheet_rows(export(client, full=False))
    assert len(rows) > 1 and not any(row[7] in set(FrameEntry.objects.values_list("phone", flat=True)) for row in rows[1:])


def test_a_name_that_looks_like_a_formula_is_written_as_text(client, drawn, alice):
    from campaigns.privacy import call_list_workbook

    content = call_list_workbook(assignments=Assignment.objects.all(), actor=alice, full=True)
    book = load_workbook(io.BytesIO(content))
    names = [cell for row in book.active.iter_rows(min_row=2, min_col=7, max_col=7) for cell in row]
    formula_like = [cell for cell in names if str(cell.value).startswith("=")]
    assert all(cell.data_type == "s" for cell in names)
    assert len(formula_like) == 1 and formula_like[0].data_type == "s"
