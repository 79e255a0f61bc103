"""The admin of population sizes: officials of the organiser upload, edit and see their campaigns' rows only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import StratumPopulation
from reports.tests.factories import make_campaign, make_questionnaire, make_response
from reports.tests.test_estimation_engine import population_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tree):
    campaign = make_campaign(tree["A"], make_questionnaire({"A": ["A1"]}))
    for _ in range(5):
        make_response(campaign, tree["A1"], {"A1": 5}, channel="desk")
    return campaign


def test_an_official_uploads_population_sizes_in_the_admin(client, alice, campaign, tmp_path):
    client.force_login(alice)
    url = reverse("admin:campaigns_stratumpopulation_import")
    assert client.get(url).status_code == 200
    with open(population_file(tmp_path / "n.xlsx", [("A1", "desk", 500), ("A2", "Trực tuyến", 1200)]), "rb") as handle:
        response = client.post(url, {"campaign": campaign.pk, "file": handle})
    assert response.status_code == 302
    rows = set(StratumPopulation.objects.filter(campaign=campaign).values_list("unit__code", "channel", "population", "source"))
    assert rows == {("A1", "desk", 500, "import"), ("A2", "online", 1200, "import")}
    changelist = client.get(reverse("admin:campaigns_stratumpopulation_changelist")).content.decode()
    assert "500" in changelist and "1200" in changelist


def test_a_bad_upload_lists_every_error_and_saves_nothing(client, alice, campaign, tmp_path):
    client.force_login(alice)
    with open(population_file(tmp_path / "n.xlsx", [("A1", "desk", 3), ("A1", "desk", 9)]), "rb") as handle:
        response = client.post(reverse("admin:campaigns_stratumpopulation_import"), {"campaign": campaign.pk, "file": handle})
    html = response.content.decode()
    assert response.status_code == 200 and "dòng 2" in html and "nhỏ hơn số phiếu" in html and "dòng 3" in html
    assert not StratumPopulation.objects.filter(campaign=campaign).exists()


def test_a_file_of_many_bad_rows_shows_the_first_errors_and_counts_them_all(client, alice, campaign, tmp_path, settings):
    settings.IMPORT_ERRORS_SHOWN = 5
    client.force_login(alice)
    with open(population_file(tmp_path / "n.xlsx", [(f"X{n}", "desk", 100) for n in range(12)]), "rb") as handle:
        response = client.post(reverse("admin:campaigns_stratumpopulation_import"), {"campaign": campaign.pk, "file": handle})
    html = response.content.decode()
    assert response.status_code == 200 and "Tệp có 12 lỗi" in html and "«X4»" in html and "«X5»" not in html and "7 lỗi khác" in html
    assert not StratumPopulation.objects.filter(campaign=campaign).exists()


def test_an_edit_below_the_respondents_is_refused_in_the_form(client, alice, campaign, tree):
    client.force_login(alice)
    response = client.post(
        reverse("admin:campaigns_stratumpopulation_add"),
        {"campaign": campaign.pk, "unit": tree["A1"].pk, "channel": "desk", "population": 4},
    )
    assert response.status_code == 200 and "không nhỏ hơn số phiếu được tính của tầng (5)" in response.content.decode()
    assert not StratumPopulation.objects.exists()


def test_officials_elsewhere_and_viewers_do_not_reach_the_rows(client, make_user, alice, bob, charlie, campaign, tree):
    row = StratumPopulation.objects.create(campaign=campaign, unit=tree["A1"], channel="desk", population=900)
    client.force_login(charlie)  # an official of province B
    assert client.get(reverse("admin:campaigns_stratumpopulation_change", args=[row.pk])).status_code == 404
    assert "900" not in client.get(reverse("admin:campaigns_stratumpopulation_changelist")).content.decode()
    client.force_login(bob)  # a viewer of province A: not an official
    assert client.get(reverse("admin:campaigns_stratumpopulation_import")).status_code in (302, 403, 404)


def test_an_official_sets_the_aggregation_rule_and_the_minimum_size(client, alice, campaign):
    client.force_login(alice)
    url = reverse("admin:campaigns_stratumpopulation_design")
    assert client.get(url, {"campaign": campaign.pk}).status_code == 200
    response = client.post(url, {"campaign": campaign.pk, "rule": "unit_mean", "min_respondents": 50, "max_cv": 10, "rake_sex": "male=48, female=52", "trim": "0.3, 3"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.scheme_options == {
        "rule": "unit_mean", "min_respondents": 50, "max_cv": 10.0, "rake": {"sex": {"male": 48.0, "female": 52.0}}, "trim": [0.3, 3.0]
    }
    bad = client.post(url, {"campaign": campaign.pk, "rule": "", "min_respondents": 30, "max_cv": 15, "rake_sex": "male=40, female=40"})
    assert bad.status_code == 200 and "rake.sex" in bad.content.decode()  # shares must add up to 100
    campaign.refresh_from_db()
    assert campaign.scheme_options["rule"] == "unit_mean"  # nothing changed
