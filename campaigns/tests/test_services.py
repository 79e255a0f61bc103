"""The campaign lifecycle, quotas and copying, through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.copying import campaign_copy
from campaigns.models import Campaign, CampaignStatus, Channel, SampleQuota
from campaigns.quotas import default_quota_for, yamane_size
from campaigns.selectors import campaign_accepts_responses
from campaigns.services import (
    CampaignRuleError,
    campaign_activate,
    campaign_close,
    campaign_create,
    campaign_form_add,
    campaign_publish,
    channel_window_add,
    quota_set,
    quotas_generate,
)
from campaigns.tests.conftest import END, START
from surveys.models import Questionnaire
from units.access import SYSTEM
from units.models import AuditEntry


def test_yamane_gives_the_textbook_sizes():
    assert yamane_size(10_000, 0.05) == 385
    assert yamane_size(1_000, 0.05) == 286
    assert yamane_size(0, 0.05) == 0


@pytest.mark.parametrize("population, margin", [(-1, 0.05), (100, 0), (100, 1.5)])
def test_yamane_refuses_impossible_inputs(population, margin):
    with pytest.raises(ValueError):
        yamane_size(population, margin)


def test_defaults_give_communes_150_and_wards_200(tree):
    assert default_quota_for(tree["A1"]) == 150  # "Xã A1"
    assert default_quota_for(tree["A2"]) == 200  # "Phường A2"
    assert default_quota_for(tree["A-BV"]) is None
    assert default_quota_for(tree["A-BV"], {"hospital": 90}) == 90


def test_a_campaign_is_created_as_a_draft_and_audited(campaign, alice):
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.year == 2025
    assert AuditEntry.objects.filter(action="campaign.create", object_id=str(campaign.pk), actor=alice).exists()


def test_a_period_that_ends_before_it_starts_is_refused(tree):
    with pytest.raises(CampaignRuleError, match="phải sau ngày bắt đầu"):
        campaign_create(code="x", name="X", organiser=tree["A"], fieldwork_start=END, fieldwork_end=START, actor=SYSTEM)
    assert not Campaign.objects.exists()


def test_a_duplicate_code_or_a_bad_slug_is_refused_in_vietnamese(campaign, tree):
    with pytest.raises(CampaignRuleError, match="đã tồn tại"):
        campaign_create(code="sipas-2025", name="X", organiser=tree["A"], fieldwork_start=START, fieldwork_end=END, actor=SYSTEM)
    with pytest.raises(CampaignRuleError, match="mã"):
        campaign_create(code="có dấu cách", name="X", organiser=tree["A"], fieldwork_start=START, fieldwork_end=END, actor=SYSTEM)


def test_activating_an_empty_campaign_names_every_broken_rule(campaign):
    with pytest.raises(CampaignRuleError) as failure:
        campaign_activate(campaign=campaign, actor=SYSTEM)
    text = " ".join(failure.value.messages)
    assert "phiếu khảo sát" in text and "kênh thu thập" in text and "cỡ mẫu" in text
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_activating_without_quotas_says_only_that_rule(campaign, questionnaire, alice):
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.DESK, start=START, end=END, actor=alice)
    with pytest.raises(CampaignRuleError) as failure:
        campaign_activate(campaign=campaign, actor=SYSTEM)
    assert failure.value.messages == ["Đợt chưa có cỡ mẫu (chỉ tiêu số phiếu) nào."]


def test_activation_opens_entry_and_freezes_the_questionnaires(ready_campaign, questionnaire, alice):
    campaign_activate(campaign=ready_campaign, actor=alice)
    ready_campaign.refresh_from_db()
    questionnaire.refresh_from_db()
    assert ready_campaign.status == CampaignStatus.ACTIVE
    assert questionnaire.status == "frozen"
    assert campaign_accepts_responses(ready_campaign, channel=Channel.DESK, on=dt.date(2025, 10, 1))
    assert not campaign_accepts_responses(ready_campaign, channel=Channel.PHONE, on=dt.date(2025, 10, 1))
    with pytest.raises(CampaignRuleError, match="trạng thái nháp"):
        campaign_activate(campaign=ready_campaign, actor=SYSTEM)


def test_closing_stops_entry_and_publishing_locks_the_campaign(ready_campaign, questionnaire, tree, alice):
    with pytest.raises(CampaignRuleError, match="đang khảo sát"):
        campaign_close(campaign=ready_campaign, actor=SYSTEM)
    campaign_activate(campaign=ready_campaign, actor=alice)
    with pytest.raises(CampaignRuleError, match="đã kết thúc"):
        campaign_publish(campaign=ready_campaign, actor=SYSTEM)
    campaign_close(campaign=ready_campaign, actor=alice)
    assert not campaign_accepts_responses(ready_campaign)
    campaign_publish(campaign=ready_campaign, actor=alice)
    assert ready_campaign.status == CampaignStatus.PUBLISHED
    form = ready_campaign.forms.get()
    with pytest.raises(CampaignRuleError, match="đã công bố"):
        quota_set(campaign=ready_campaign, unit=tree["A2"], channel=Channel.DESK, form=form, target=5, actor=SYSTEM)
    with pytest.raises(CampaignRuleError, match="đã công bố"):
        channel_window_add(campaign=ready_campaign, channel=Channel.PHONE, start=START, end=END, actor=SYSTEM)
    assert list(AuditEntry.objects.filter(object_id=str(ready_campaign.pk), action__in=["campaign.close", "campaign.publish"]).values_list("action", flat=True)) == [
        "campaign.publish",
        "campaign.close",
    ]


def test_a_quota_outside_the_organisers_subtree_is_refused(ready_campaign, tree):
    form = ready_campaign.forms.get()
    with pytest.raises(CampaignRuleError, match="không thuộc phạm vi"):
        quota_set(campaign=ready_campaign, unit=tree["B1"], channel=Channel.DESK, form=form, target=5, actor=SYSTEM)
    assert not SampleQuota.objects.filter(unit=tree["B1"]).exists()


def test_quotas_are_generated_from_the_per_type_defaults_for_the_subtree(campaign, questionnaire, tree, alice, unit_types):
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, unit_types=[unit_types["commune"]], actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.DESK, start=START, end=END, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.PHONE, start=START, end=END, actor=alice)
    assert quotas_generate(campaign=campaign, actor=alice) == 4
    targets = {(q.unit.code, q.channel): q.target for q in campaign.quotas.select_related("unit")}
    assert targets == {("A1", "desk"): 150, ("A1", "phone"): 150, ("A2", "desk"): 200, ("A2", "phone"): 200}
    assert quotas_generate(campaign=campaign, actor=alice) == 0  # a rerun keeps what is there


def test_one_size_for_every_unit_covers_the_subtree_below_the_organiser(campaign, questionnaire, alice):
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.DESK, start=START, end=END, actor=alice)
    assert quotas_generate(campaign=campaign, size=30, actor=alice) == 4  # A1, A2, A-SYT, A-BV
    assert set(campaign.quotas.values_list("target", flat=True)) == {30}
    assert not campaign.quotas.filter(unit__code__in=["A", "B1"]).exists()


def test_a_window_for_some_unit_types_only_makes_cells_for_them(campaign, questionnaire, alice, unit_types):
    campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.PHONE, start=START, end=END, unit_types=[unit_types["hospital"]], actor=alice)
    assert quotas_generate(campaign=campaign, size=20, actor=alice) == 1
    assert campaign.quotas.get().unit.code == "A-BV"


def test_copying_last_years_campaign_moves_dates_on_and_keeps_forms_and_quotas(ready_campaign, alice, unit_types):
    window = ready_campaign.windows.get()
    window.unit_types.set([unit_types["commune"]])
    ready_campaign.notice_text = "Khảo sát mức độ hài lòng năm 2025."
    ready_campaign.save(update_fields=["notice_text"])
    copy = campaign_copy(campaign=ready_campaign, actor=alice)
    assert copy.notice_text == "Khảo sát mức độ hài lòng năm 2026."
    assert copy.code == "sipas-2026" and copy.name == "Khảo sát SIPAS 2026" and copy.year == 2026
    assert (copy.fieldwork_start, copy.fieldwork_end) == (dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert copy.status == CampaignStatus.DRAFT and copy.previous == ready_campaign
    assert copy.public_key != ready_campaign.public_key and copy.draw_seed is None
    assert list(copy.forms.values_list("questionnaire_id", flat=True)) == list(ready_campaign.forms.values_list("questionnaire_id", flat=True))
    new_window = copy.windows.get()
    assert (new_window.start, new_window.end, list(new_window.unit_types.all())) == (dt.date(2026, 9, 1), dt.date(2026, 11, 30), [unit_types["commune"]])
    quota = copy.quotas.get()
    assert (quota.unit.code, quota.target, quota.form.campaign_id) == ("A1", 10, copy.pk)
    with pytest.raises(CampaignRuleError, match="đã tồn tại"):
        campaign_copy(campaign=ready_campaign, actor=SYSTEM)


def test_a_form_added_to_an_active_campaign_is_frozen_at_once(ready_campaign, alice):
    campaign_activate(campaign=ready_campaign, actor=alice)
    other = Questionnaire.objects.create(code="mot-cua", version=1, title="Phiếu một cửa")
    campaign_form_add(campaign=ready_campaign, questionnaire=other, actor=alice)
    other.refresh_from_db()
    assert other.status == "frozen"


def test_with_a_worker_only_the_change_from_clean_to_dirty_asks_for_a_recompute(campaign, django_capture_on_commit_callbacks):
    from celery import current_app

    from campaigns.services import campaign_mark_dirty

    current_app.conf.task_always_eager = False
    try:
        with django_capture_on_commit_callbacks() as first:
            campaign_mark_dirty(campaign_id=campaign.pk)
        with django_capture_on_commit_callbacks() as second:
            campaign_mark_dirty(campaign_id=campaign.pk)
    finally:
        current_app.conf.task_always_eager = True
    assert len(first) == 1
    assert second == []
    campaign.refresh_from_db()
    assert campaign.dirty_at is not None


def test_in_the_embedded_mode_every_counted_change_asks_so_a_failed_run_is_retried(campaign, django_capture_on_commit_callbacks):
    from campaigns.services import campaign_mark_dirty

    with django_capture_on_commit_callbacks() as first:
        campaign_mark_dirty(campaign_id=campaign.pk)
    with django_capture_on_commit_callbacks() as second:
        campaign_mark_dirty(campaign_id=campaign.pk)
    assert (len(first), len(second)) == (1, 1)
