"""The campaign dashboard and the unit page: figures, ranking, filters, drill-down, permissions, query counts."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignStatus
from reports.tests.factories_dashboard import campaign_build, dashboard_fixture  # noqa: F401 (fixture)
from units.models import Role

pytestmark = pytest.mark.django_db


def dashboard_url(code: str = "ks-2026") -> str:
    return reverse("reports:dashboard", args=[code])


def chart_data(response) -> dict:
    html = response.content.decode()
    start = html.index('id="dashboard-data"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_the_dashboard_shows_the_overall_index_against_the_target(client, alice, dashboard_data):
    client.force_login(alice)
    response = client.get(dashboard_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "75,00%" in html  # overall of province A (SIPAS: mean of elements)
    assert "80,00%" in html  # the target
    assert 'id="target-source">Căn cứ của chỉ tiêu: chưa ghi' in html  # a campaign made without the services names no text
    # 60 respondents give 75% an interval that holds the target: not enough evidence either way
    data = response.context["data"]
    assert data.own.overall.ci_low < 80 < data.own.overall.ci_high
    assert 'id="verdict" data-verdict="undecided"' in html and "CHƯA ĐỦ CĂN CỨ" in html
    assert 'id="responses">60<' in html
    assert 'id="design-note" data-rule="pooled" data-weighted="false"' in html  # no population sizes: said so
    assert "ước lượng không trọng số" in html


def test_the_ranking_marks_statistical_ties_and_the_change_since_last_year(client, alice, dashboard_data):
    client.force_login(alice)
    data = client.get(dashboard_url()).context["data"]
    rows = [(r.unit.code, r.rank, r.tier, r.tied_above, r.tied_below, r.change_points, r.change_rank) for r in data.ranking]
    # A1 90% and A2 85% (20 respondents each) cannot be told apart; A-SYT 50% differs from both (Holm over
    # the three pairs), so it opens the second tier.
    assert rows[0][:5] == ("A1", 1, 1, False, True)
    assert rows[1][:5] == ("A2", 2, 1, True, False)
    assert rows[2][:5] == ("A-SYT", 3, 2, False, False)
    # 2025: A2 95% (1st), A1 80% (2nd), A-SYT 40% (3rd); no change is significant with 20 respondents a year.
    assert rows[0][5:] == (10, 1)
    assert rows[1][5:] == (-10, -1)
    assert rows[2][5:] == (10, 0)
    assert {r.change.verdict.code for r in data.ranking} == {"no_difference"}
    assert all(r.change.low < 0 < r.change.high for r in data.ranking)
    html = client.get(dashboard_url()).content.decode()
    assert "+10,00 điểm" in html and "-10,00 điểm" in html and "≈" in html
    assert "không khác biệt có ý nghĩa thống kê" in html


def test_every_distribution_adds_up_to_exactly_one_hundred(client, alice, dashboard_data):
    client.force_login(alice)
    data = chart_data(client.get(dashboard_url()))
    assert [d["code"] for d in data["distributions"]] == ["TC1", "TC2", "TT1", "TT2"]
    for distribution in data["distributions"]:
        assert round(sum(level["percent"] for level in distribution["levels"]), 2) == 100.0
    first = {level["label"]: level["percent"] for level in data["distributions"][0]["levels"]}
    assert first == {"Rất không hài lòng": 16.67, "Không hài lòng": 3.33, "Bình thường": 5.0, "Hài lòng": 45.0, "Rất hài lòng": 30.0}


def test_the_charts_get_elements_and_trend_and_the_heat_map_is_a_table(client, alice, dashboard_data):
    client.force_login(alice)
    response = client.get(dashboard_url())
    data = chart_data(response)
    assert [e["value"] for e in data["elements"]] == [75.0, 75.0]
    assert [p["value"] for p in data["trend"]] == [71.67, 75.0]
    html = response.content.decode()
    assert "/static/vendor/plotly-basic.min.js" in html
    # The heat map is a table (a list on phones): every value printed, its colour band beside it.
    heat = [(unit.name, [score.value for score in scores]) for unit, scores in response.context["data"].heatmap_rows]
    assert heat == [("Xã A1", [90, 90]), ("Phường A2", [85, 85]), ("Sở Y tế A", [50, 50])]
    assert '<td class="text-center heat-5">90,00%</td>' in html and '<td class="text-center heat-1">50,00%</td>' in html
    assert 'id="heatmap-list"' in html
    assert "<script>" not in response.content.decode()  # no inline script (CSP)


def test_fieldwork_progress_counts_responses_against_quotas_per_unit_and_channel(client, alice, dashboard_data):
    client.force_login(alice)
    progress = client.get(dashboard_url()).context["data"].progress
    assert [(p.unit.code, p.channel, p.done, p.target) for p in progress] == [("A1", "desk", 20, 30), ("A2", "phone", 20, 20)]
    assert client.get(dashboard_url()).context["data"].progress_total == (40, 50)


def test_drilling_down_shows_the_subtree_of_the_chosen_unit(client, alice, dashboard_data):
    client.force_login(alice)
    response = client.get(dashboard_url(), {"unit": "A-SYT"})
    data = response.context["data"]
    assert data.unit.code == "A-SYT"
    assert [u.code for u in data.breadcrumb] == ["A", "A-SYT"]
    assert [r.unit.code for r in data.ranking] == ["A-BV"]
    assert "50,00%" in response.content.decode()


def test_a_channel_filter_recomputes_the_indices_from_tallies(client, alice, dashboard_data):
    client.force_login(alice)
    data = client.get(dashboard_url(), {"channel": "phone"}).context["data"]
    assert data.filtered
    assert data.own.overall.value == 85  # only A2 answered by phone
    assert data.own.responses == 20
    assert [r.unit.code for r in data.ranking] == ["A2"]
    form = client.get(dashboard_url(), {"form": dashboard_data.form.pk}).context["data"]
    assert form.own.overall.value == 75


@pytest.mark.parametrize("code", ["KHONG-CO", "B1"])
def test_an_unknown_or_foreign_unit_filter_gives_a_clear_message(client, alice, dashboard_data, code):
    client.force_login(alice)
    response = client.get(dashboard_url(), {"unit": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Không có đơn vị mã «{code}»" in html
    assert response.context["data"].unit.code == "A"


def test_a_campaign_without_data_shows_a_clear_page(client, alice, tree, dashboard_data):
    campaign_build(tree["A"], dashboard_data.questionnaire, code="ks-trong", year=2027, status=CampaignStatus.ACTIVE)
    client.force_login(alice)
    response = client.get(dashboard_url("ks-trong"))
    assert response.status_code == 200
    assert 'id="no-data"' in response.content.decode()
    assert client.get(reverse("reports:unit", args=["ks-trong", "A1"])).status_code == 200


def test_the_dashboard_reads_a_fixed_number_of_queries(client, alice, dashboard_data, django_assert_num_queries):
    client.force_login(alice)
    client.get(dashboard_url())
    # 26, one for the fieldwork section (campaigns.fieldwork.selectors.fieldwork_report) and the population sizes
    # that the campaign's settings (question rules) now include
    with django_assert_num_queries(28):
        client.get(dashboard_url())
    # a unit's first view after a recompute also estimates its breakdowns by channel, sex and age group
    # (the settings again, three, the cells' moments and the units' paths), kept until the next recompute
    with django_assert_num_queries(33):
        client.get(dashboard_url(), {"unit": "A-SYT"})
    with django_assert_num_queries(28):
        client.get(dashboard_url(), {"unit": "A-SYT"})


def test_the_unit_page_compares_with_parent_and_peers_and_lists_the_weakest_criteria(client, make_user, tree, dashboard_data):
    manager = make_user("giamdoc", Role.UNIT_MANAGER, tree["A1"])
    client.force_login(manager)
    response = client.get(reverse("reports:unit", args=["ks-2026", "A1"]))
    assert response.status_code == 200
    data = response.context["data"]
    assert data.own.overall.value == 90
    assert data.parent.code == "A" and data.parent_values.overall.value == 75
    assert [r.unit.code for r in data.peers] == ["A1", "A2", "A-SYT"]
    assert [code for code, _text, _score in data.weakest] == ["TC1", "TC2", "TT1"]
    assert all(score.ci_low is not None and score.n == 20 for _c, _t, score in data.weakest)
    assert [(c, d) for c, _t, _m, _p, d in data.elements] == [("TC", 15), ("TT", 15)]
    assert "+15,00" in response.content.decode()


def test_the_organisers_own_unit_page_shows_no_parent_as_no_data(client, alice, dashboard_data):
    client.force_login(alice)
    response = client.get(reverse("reports:unit", args=["ks-2026", "A"]))
    assert response.status_code == 200
    assert response.context["data"].parent is None
    html = response.content.decode()
    assert '<div class="display-6 fw-semibold" id="parent-overall">—</div>' in html


def test_a_unit_manager_sees_only_their_own_subtree(client, make_user, tree, dashboard_data):
    manager = make_user("giamdoc", Role.UNIT_MANAGER, tree["A1"])
    client.force_login(manager)
    assert client.get(reverse("reports:unit", args=["ks-2026", "A2"])).status_code == 404
    response = client.get(dashboard_url())
    assert response.context["data"].unit.code == "A1"
    assert "Không có đơn vị mã «A»" in client.get(dashboard_url(), {"unit": "A"}).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert reverse("reports:unit", args=["ks-2026", "A1"]) in home


def test_the_unit_page_reads_a_fixed_number_of_queries(client, alice, dashboard_data, django_assert_num_queries):
    client.force_login(alice)
    url = reverse("reports:unit", args=["ks-2026", "A1"])
    client.get(url)
    # 11, 4 for the change since last year (the previous campaign, its best snapshot, merged units, their
    # values), 3 for the distributions (the question rules, two; the subtree tallies) and 1 for the roles
    # at the organiser, for the "Tính lại ngay" button (units.access); 1 for the population sizes in the rules
    with django_assert_num_queries(20):
        client.get(url)


def test_the_landing_pages_link_to_the_dashboards(client, make_user, tree, dashboard_data):
    for role in (Role.LEADERSHIP, Role.VIEWER):
        user = make_user(f"u-{role}", role, tree["A"])
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert dashboard_url() in html, role
    assert Campaign.objects.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        dashboard_url(),
        dashboard_url() + "?unit=A1",
        reverse("reports:unit", args=["ks-2026", "A1"]),
        reverse("reports:unit", args=["ks-2026", "B1"]),
        reverse("reports:dashboard", args=["khong-ton-tai"]),
    ],
)
def test_an_outsider_gets_404_on_every_dashboard(client, charlie, bob, alice, dashboard_data, url):
    client.force_login(charlie)
    assert client.get(url).status_code == 404


def test_a_read_only_member_reads_the_dashboard_but_may_not_publish(client, bob, dashboard_data):
    client.force_login(bob)
    response = client.get(dashboard_url())
    assert response.status_code == 200
    assert 'id="publish-form"' not in response.content.decode()
    assert client.post(reverse("reports:publish", args=["ks-2026"])).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, dashboard_data):
    response = client.get(dashboard_url())
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_unit_names_are_escaped_in_the_python_rendered_tables(client, alice, tree, dashboard_data):
    tree["A1"].name = "Xã <b>A1</b>"
    tree["A1"].save()
    client.force_login(alice)
    html = client.get(dashboard_url()).content.decode()
    assert "Xã &lt;b&gt;A1&lt;/b&gt;" in html and "<b>A1</b>" not in html



def test_an_enumerator_collects_but_does_not_read_the_results(client, make_user, tree, dashboard_data):
    client.force_login(make_user("collector", Role.ENUMERATOR, tree["A"]))
    assert client.get(dashboard_url()).status_code == 404
    assert client.get(reverse("reports:unit", args=["ks-2026", "A1"])).status_code == 404
    assert "ks-2026" not in client.get(reverse("reports:campaign_list")).content.decode()


def test_in_english_the_dashboard_writes_numbers_the_english_way(client, alice, dashboard_data, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(alice)
    html = client.get(dashboard_url()).content.decode()
    assert '<html lang="en">' in html
    assert "75.00%" in html and "80.00%" in html  # the overall index and the target
    assert "75,00%" not in html and "80,00%" not in html
