"""The sampling frame import (all or nothing) and the reproducible stratified draw."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.frames import frame_import, parse_completed_on
from campaigns.models import Assignment, Campaign, Channel, FrameEntry
from campaigns.sampling import sample_draw
from campaigns.services import CampaignRuleError, campaign_form_add, channel_window_add, quota_set
from campaigns.tests.conftest import END, FRAME_HEADER, START, frame_rows, xlsx
from units.access import SYSTEM
from units.models import Role
from units.phones import normalise_phone
from units.spreadsheets import ImportFailed


def test_a_good_frame_is_imported_with_dates_and_phones_cleaned(campaign):
    rows = [FRAME_HEADER, ["Nguyễn Văn An", 905123456, "Thôn 1", "Đăng ký hộ tịch", dt.datetime(2025, 8, 15), "A1"], *frame_rows("A2", 2)]
    assert frame_import(campaign=campaign, source=xlsx(rows), actor=SYSTEM) == 3
    first = FrameEntry.objects.get(full_name="Nguyễn Văn An")
    assert (first.phone, first.completed_on, first.unit.code, first.source_row) == ("0905123456", dt.date(2025, 8, 15), "A1", 2)
    assert FrameEntry.objects.get(full_name="Người dân A2-0").completed_on == dt.date(2025, 8, 15)


def test_a_frame_with_unknown_units_or_bad_dates_saves_nothing_and_names_each_cell(campaign):
    rows = [
        FRAME_HEADER,
        *frame_rows("A1", 2),
        ["Trần Thị Bình", "0905000001", "", "", "31/02/2025", "A1"],
        ["Lê Văn Cường", "0905000002", "", "", "15/08/2025", "KHONG-CO"],
        ["Phạm Thị Dung", "0905000003", "", "", "15/08/2025", "B1"],
        ["", "gọi sau", "", "", "hôm qua", "A1"],
    ]
    with pytest.raises(ImportFailed) as failure:
        frame_import(campaign=campaign, source=xlsx(rows), actor=SYSTEM)
    errors = {(error.row, error.column): error.message for error in failure.value.errors}
    assert errors[(4, "completed_on")].startswith("Ngày «31/02/2025» không hợp lệ")
    assert errors[(5, "unit_code")] == "Không tìm thấy đơn vị có mã «KHONG-CO»."
    assert "không thuộc phạm vi" in errors[(6, "unit_code")]
    assert {(7, "họ tên"), (7, "phone"), (7, "completed_on")} <= set(errors)
    assert "Trang tính «Danh sách», dòng 5, cột «unit_code»" in str(failure.value)
    assert not FrameEntry.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [(b"", "Tệp rỗng"), (b"not a zip at all", "không phải là tệp Excel"), (b"PK\x03\x04broken", "không phải là tệp Excel")],
)
def test_a_file_that_is_not_a_workbook_is_refused_in_vietnamese(campaign, content, message):
    import io

    with pytest.raises(ImportFailed, match=message):
        frame_import(campaign=campaign, source=io.BytesIO(content), actor=SYSTEM)


def test_a_frame_without_the_required_columns_is_refused(campaign):
    with pytest.raises(ImportFailed) as failure:
        frame_import(campaign=campaign, source=xlsx([["tên", "sđt"], ["An", "0905"]]), actor=SYSTEM)
    assert {error.column for error in failure.value.errors} == {"full_name", "unit_code"}


def test_reimporting_replaces_the_frame(campaign):
    frame_import(campaign=campaign, source=xlsx([FRAME_HEADER, *frame_rows("A1", 5)]), actor=SYSTEM)
    frame_import(campaign=campaign, source=xlsx([FRAME_HEADER, *frame_rows("A2", 3)]), actor=SYSTEM)
    assert list(campaign.frame.values_list("unit__code", flat=True).distinct()) == ["A2"]


@pytest.mark.parametrize("value, expected", [("05/09/2025", dt.date(2025, 9, 5)), ("5-9-2025", dt.date(2025, 9, 5)), (45905, dt.date(2025, 9, 5)), (None, None)])
def test_completion_dates_are_read_the_vietnamese_way(value, expected):
    assert parse_completed_on(value) == expected


@pytest.mark.parametrize("value", ["2025-13-01", "31/02/2025", "abc", -3])
def test_impossible_dates_are_errors(value):
    with pytest.raises(ValueError):
        parse_completed_on(value)


def test_phone_numbers_keep_their_leading_zero_and_plus():
    assert normalise_phone("0905 123 456") == "0905123456"
    assert normalise_phone(905123456) == "0905123456"
    assert normalise_phone("+84 905 123 456") == "+84905123456"
    with pytest.raises(ValueError):
        normalise_phone("12")


# --- the draw -----------------------------------------------------------------------------------


@pytest.fixture
def phone_campaign(campaign, questionnaire, tree, alice) -> Campaign:
    """Phone quotas of 10 for A1 and 4 for A2, home visits of 5 for A1; a frame of 40 in A1 and 3 in A2."""
    form = campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.PHONE, start=START, end=END, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.HOME_VISIT, start=START, end=END, actor=alice)
    quota_set(campaign=campaign, unit=tree["A1"], channel=Channel.PHONE, form=form, target=10, actor=alice)
    quota_set(campaign=campaign, unit=tree["A1"], channel=Channel.HOME_VISIT, form=form, target=5, actor=alice)
    quota_set(campaign=campaign, unit=tree["A2"], channel=Channel.PHONE, form=form, target=4, actor=alice)
    frame_import(campaign=campaign, source=xlsx([FRAME_HEADER, *frame_rows("A1", 40), *frame_rows("A2", 3)]), actor=SYSTEM)
    return campaign


def _drawn(campaign: Campaign) -> list[tuple[str, str, bool, int]]:
    return list(
        Assignment.objects.filter(campaign=campaign)
        .order_by("quota__unit__code", "quota__channel", "is_reserve", "draw_order")
        .values_list("frame_entry__full_name", "quota__channel", "is_reserve", "draw_order")
    )


def test_per_cell_counts_equal_the_quotas_with_a_fifth_in_reserve(phone_campaign):
    report = sample_draw(campaign=phone_campaign, actor=SYSTEM)
    counts = {(q.unit.code, q.channel): (q.assignments.filter(is_reserve=False).count(), q.assignments.filter(is_reserve=True).count()) for q in phone_campaign.quotas.select_related("unit")}
    assert counts == {("A1", "phone"): (10, 2), ("A1", "home_visit"): (5, 1), ("A2", "phone"): (3, 0)}
    assert [(cell.unit, cell.shortfall) for cell in report.short_cells] == [("Phường A2", 1)]
    assert "thiếu" in report.summary()


def test_nobody_is_drawn_twice_across_the_cells_of_a_unit(phone_campaign):
    sample_draw(campaign=phone_campaign, actor=SYSTEM)
    entries = list(Assignment.objects.filter(campaign=phone_campaign).values_list("frame_entry_id", flat=True))
    assert len(entries) == len(set(entries)) == 21


def test_the_same_seed_draws_the_same_people(phone_campaign, tree, alice, questionnaire):
    sample_draw(campaign=phone_campaign, actor=SYSTEM)
    phone_campaign.refresh_from_db()
    assert phone_campaign.draw_seed is not None
    first = _drawn(phone_campaign)
    sample_draw(campaign=phone_campaign, redraw=True, actor=SYSTEM)
    assert _drawn(phone_campaign) == first
    Campaign.objects.filter(pk=phone_campaign.pk).update(draw_seed=phone_campaign.draw_seed + 1)
    sample_draw(campaign=phone_campaign, redraw=True, actor=SYSTEM)
    assert _drawn(phone_campaign) != first


def test_a_second_draw_is_refused_unless_asked_and_nothing_was_worked_on(phone_campaign):
    sample_draw(campaign=phone_campaign, actor=SYSTEM)
    with pytest.raises(CampaignRuleError, match="đã được rút mẫu"):
        sample_draw(campaign=phone_campaign, actor=SYSTEM)
    Assignment.objects.filter(campaign=phone_campaign).update(status="done", disposition="1.1", closed_at=timezone.now())
    with pytest.raises(CampaignRuleError, match="Không thể rút lại"):
        sample_draw(campaign=phone_campaign, redraw=True, actor=SYSTEM)
    with pytest.raises(CampaignRuleError, match="đã rút mẫu"):
        frame_import(campaign=phone_campaign, source=xlsx([FRAME_HEADER, *frame_rows("A1", 2)]), actor=SYSTEM)


def test_a_draw_without_a_frame_says_so(campaign, questionnaire, tree, alice):
    form = campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    quota_set(campaign=campaign, unit=tree["A1"], channel=Channel.PHONE, form=form, target=3, actor=alice)
    with pytest.raises(CampaignRuleError, match="chưa có khung mẫu"):
        sample_draw(campaign=campaign, actor=SYSTEM)


def test_drawn_people_go_round_robin_to_the_enumerators_covering_their_unit(phone_campaign, make_user, tree):
    province = make_user("dtv_tinh", Role.ENUMERATOR, tree["A"])
    commune = make_user("dtv_xa", Role.ENUMERATOR, tree["A1"])
    make_user("dtv_b", Role.ENUMERATOR, tree["B"])
    report = sample_draw(campaign=phone_campaign, actor=SYSTEM)
    a1 = Assignment.objects.filter(quota__unit=tree["A1"])
    assert set(a1.values_list("enumerator__username", flat=True)) == {"dtv_tinh", "dtv_xa"}
    assert abs(a1.filter(enumerator=province).count() - a1.filter(enumerator=commune).count()) <= 1
    assert set(Assignment.objects.filter(quota__unit=tree["A2"]).values_list("enumerator__username", flat=True)) == {"dtv_tinh"}
    assert report.unassigned == 0



def test_dates_outside_the_years_1900_to_2100_and_over_long_texts_are_refused_not_cut(campaign):
    rows = [
        FRAME_HEADER,
        ["Trần Thị Bình", "0905000001", "", "", "01/01/0001", "A1"],
        ["Lê Văn Cường", "0905000002", "", "", "31/12/9999", "A1"],
        ["Phạm Thị Dung", "0905000003", "Đ" * 301, "Cấp giấy khai sinh", "15/08/2025", "A1"],
    ]
    with pytest.raises(ImportFailed) as failure:
        frame_import(campaign=campaign, source=xlsx(rows), actor=SYSTEM)
    errors = {(error.row, error.column): error.message for error in failure.value.errors}
    assert errors[(2, "completed_on")].startswith("Ngày «01/01/0001» không hợp lệ")
    assert errors[(3, "completed_on")].startswith("Ngày «31/12/9999» không hợp lệ")
    assert errors[(4, "address")] == "Dài quá 300 ký tự."
    assert not FrameEntry.objects.exists()
