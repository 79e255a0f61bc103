"""The public results page: no login, published snapshots only, download, query count."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.publication import campaign_results_publish
from reports.tests.factories_dashboard import dashboard_fixture  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(settings, tmp_path, alice, dashboard_data):
    settings.MEDIA_ROOT = tmp_path
    return campaign_results_publish(campaign_id=dashboard_data.campaign.pk, actor=alice)


def test_anyone_reads_the_published_results_without_logging_in(client, published):
    response = client.get(reverse("reports:public_results", args=["ks-2026"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "75,00%" in html and "CHƯA ĐỦ CĂN CỨ" in html and "60" in html
    assert 'data-rule="pooled"' in html  # the aggregation rule, named on the public page too
    data = response.context["data"]
    assert [(r.unit.code, r.rank, r.tied) for r in data.ranking] == [("A1", 1, True), ("A2", 2, True), ("A-SYT", 3, False)]
    assert [[s.value for s in scores] for _row, scores in data.element_table] == [[90, 90], [85, 85], [50, 50]]
    assert published.checksum in html
    assert reverse("reports:public_download", args=["ks-2026", 1]) in html
    assert "ks-2026" in client.get(reverse("reports:public_list")).content.decode()


def test_the_published_workbook_downloads_without_login(client, published):
    response = client.get(reverse("reports:public_download", args=["ks-2026", 1]))
    assert response.status_code == 200
    assert 'filename="bao-cao-ks-2026-v1.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:3] == ["Tổng hợp", "Tiêu chí", "Xếp hạng"]


def test_unpublished_or_unknown_results_give_a_clear_404(client, dashboard_data):
    for url in (
        reverse("reports:public_results", args=["ks-2026"]),
        reverse("reports:public_results", args=["khong-co"]),
        reverse("reports:public_version", args=["ks-2026", 7]),
        reverse("reports:public_download", args=["ks-2026", 1]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Chưa có kết quả công bố" in response.content.decode()


def test_the_public_page_reads_a_fixed_number_of_queries(client, published, alice, dashboard_data, django_assert_num_queries):
    campaign_results_publish(campaign_id=dashboard_data.previous.pk, actor=alice)  # the change since last year is read too
    url = reverse("reports:public_results", args=["ks-2026"])
    client.get(url)
    # 11, and 4 for the distributions (the question rules, three with the population sizes; the tallies frozen with the snapshot)
    with django_assert_num_queries(15):
        client.get(url)


def test_the_change_since_last_year_uses_only_published_results_of_last_year(client, published, alice, dashboard_data):
    url = reverse("reports:public_results", args=["ks-2026"])
    ranking = client.get(url).context["data"].ranking
    assert [row.previous_value for row in ranking] == [None, None, None]
    campaign_results_publish(campaign_id=dashboard_data.previous.pk, actor=alice)
    ranking = client.get(url).context["data"].ranking
    assert [(row.unit.code, row.previous_value) for row in ranking] == [("A1", 80), ("A2", 95), ("A-SYT", 40)]
