"""Change since last year across the 2025 mergers: a successor unit compares with its predecessors
pooled (their published tallies summed and passed through last year's scheme), on every page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.publication import campaign_results_publish
from reports.services import index_recompute
from reports.tests.factories_dashboard import dashboard_fixture, responses_add  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard", args=["ks-2026"])


@pytest.fixture
def merged(settings, tmp_path, make_unit, tree, alice, dashboard_data):
    """Xã A3 (10 responses, all satisfied: 100%) and Xã A4 (30 responses, half satisfied: 50%) answered
    last year's campaign, which was published; on 1 July 2025 both merged into Xã A5, which answered this
    year's (25 responses, 22 satisfied: 88%). Pooled, last year is 25 of 40 = 62.50%, not the plain mean
    75% of the two values, nor either of them."""
    settings.MEDIA_ROOT = tmp_path
    successor = make_unit("A5", "Xã A5 (mới)", "commune", tree["A"])
    successor.valid_from = dt.date(2025, 7, 1)
    successor.save()
    for code, name in (("A3", "Xã A3 (cũ)"), ("A4", "Xã A4 (cũ)")):
        old = make_unit(code, name, "commune", tree["A"])
        old.valid_to, old.is_active, old.successor = dt.date(2025, 6, 30), False, successor
        old.save()
        tree[code] = old
    tree["A5"] = successor
    previous, campaign = dashboard_data.previous, dashboard_data.campaign
    responses_add(previous, tree["A3"], [(10, 5)])
    responses_add(previous, tree["A4"], [(15, 4), (15, 2)])
    responses_add(campaign, successor, [(22, 5), (3, 2)])
    index_recompute(previous.pk, full=True)
    index_recompute(campaign.pk, full=True)
    campaign_results_publish(campaign_id=previous.pk, actor=alice)
    return dashboard_data


def rows_by_unit(rows) -> dict[str, tuple]:
    return {row.unit.code: (row.score.value, row.previous_value, row.change_points, row.change_rank) for row in rows}


def test_a_merged_commune_compares_with_its_predecessors_pooled(client, alice, merged):
    client.force_login(alice)
    response = client.get(DASHBOARD)
    rows = rows_by_unit(response.context["data"].ranking)
    # 2026: A1 90, A5 88, A2 85, A-SYT 50; 2025: A2 95, A1 80, A5 62.50 pooled, A-SYT 40.
    assert rows["A5"] == (Decimal("88.00"), Decimal("62.50"), Decimal("25.50"), 1)
    assert rows["A5"][1] not in (Decimal(75), Decimal(100), Decimal(50))
    assert rows["A1"] == (90, 80, 10, 1)
    assert "A3" not in rows and "A4" not in rows  # no answers this year: not ranked
    assert "+25,50 điểm" in response.content.decode()


def test_the_pooled_previous_value_is_what_was_published_not_the_live_tallies(client, alice, merged):
    responses_add(merged.previous, merged.previous.organiser.children.get(code="A4"), [(40, 1)])
    index_recompute(merged.previous.pk, full=True)  # last year's working tallies move after publication
    client.force_login(alice)
    rows = rows_by_unit(client.get(DASHBOARD).context["data"].ranking)
    assert rows["A5"][1:3] == (Decimal("62.50"), Decimal("25.50"))


def test_the_public_page_and_the_published_workbook_compare_a_merged_commune_alike(client, alice, merged):
    snapshot = campaign_results_publish(campaign_id=merged.campaign.pk, actor=alice)
    rows = rows_by_unit(client.get(reverse("reports:public_results", args=["ks-2026"])).context["data"].ranking)
    assert rows["A5"] == (Decimal("88.00"), Decimal("62.50"), Decimal("25.50"), 1)
    with snapshot.workbook.open("rb") as stored:
        sheet = load_workbook(io.BytesIO(stored.read()))["Xếp hạng"]
    by_code = {row[2]: row for row in sheet.iter_rows(min_row=5, values_only=True) if row[2]}
    assert (by_code["A5"][10], by_code["A5"][11], by_code["A5"][15]) == (0.625, 25.5, 1)  # last year, change, rank change
    assert by_code["A5"][14] == "chưa đánh giá được"  # merged predecessors pooled from tallies: no standard error


def test_the_unit_page_shows_the_change_since_last_year_as_the_dashboard_does(client, alice, merged):
    client.force_login(alice)
    dashboard = rows_by_unit(client.get(DASHBOARD).context["data"].ranking)
    for code in ("A1", "A5"):
        response = client.get(reverse("reports:unit", args=["ks-2026", code]))
        assert rows_by_unit(response.context["data"].peers) == dashboard, code
    html = client.get(reverse("reports:unit", args=["ks-2026", "A1"])).content.decode()
    row = html[html.index('data-unit="A1"') :]
    row = row[: row.index("</tr>")]
    assert "+10,00 điểm" in row and "▲ 1" in row


def test_a_unit_page_without_a_previous_campaign_shows_no_change(client, alice, dashboard_data):
    client.force_login(alice)
    peers = client.get(reverse("reports:unit", args=["ks-2025", "A1"])).context["data"].peers
    assert {row.unit.code: row.change_points for row in peers} == {"A1": None, "A2": None, "A-SYT": None}


def test_the_dashboard_with_merged_units_reads_a_fixed_number_of_queries(client, alice, merged, django_assert_num_queries):
    client.force_login(alice)
    client.get(DASHBOARD)
    # 28 without mergers (26, the fieldwork section and the population sizes), plus: predecessors of the
    # predecessors, their published tallies, last year's rules (3)
    with django_assert_num_queries(33):
        client.get(DASHBOARD)
