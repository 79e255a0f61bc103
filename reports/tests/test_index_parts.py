"""Indices with parts (issue «The methods in force», item 1): each part by its own rule, the overall index
their weighted sum, each named on the dashboard with its weight and the weight's source."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports.services import index_recompute
from reports.tests.factories import make_campaign, make_questionnaire, make_response
from reports.tests.test_engine import value

D = Decimal
SECTIONS = {"P": ["P1", "P2"], "S1": ["S1a"], "S2": ["S2a"]}
PARTS = [
    {"code": "CS", "title": "Chính sách", "weight": 60, "rule": "mean", "source": "QĐ 1001/QĐ-BNV, phụ lục", "confirmed": False},
    {"code": "DV", "title": "Cung ứng dịch vụ", "weight": 40, "rule": "mean", "source": "QĐ 1001/QĐ-BNV, phụ lục", "confirmed": False},
]


@pytest.fixture
def parted(tree):
    questionnaire = make_questionnaire(SECTIONS)
    questionnaire.parts = PARTS
    questionnaire.save()
    questionnaire.sections.filter(code="P").update(part="CS")
    questionnaire.sections.filter(code__in=["S1", "S2"]).update(part="DV")
    campaign = make_campaign(tree["A"], questionnaire, scheme="sipas")
    for answers in ({"P1": 5, "P2": 4, "S1a": 5, "S2a": 2}, {"P1": 3, "P2": 4, "S1a": 4, "S2a": 5}, {"P1": 5, "P2": 2, "S1a": 1, "S2a": 1}):
        make_response(campaign, tree["A1"], answers)
    make_response(campaign, tree["A2"], {"P1": 5, "P2": 5})  # the policy part only
    return campaign


def test_each_part_has_its_value_and_the_overall_index_is_their_weighted_sum(parted, tree):
    index_recompute(parted.pk)
    assert value(parted, tree["A1"], "part", "CS").value == D("66.67")  # P1 and P2 satisfied 2 of 3 each
    assert value(parted, tree["A1"], "part", "DV").value == D("50.00")  # S1 2/3 and S2 1/3
    # 0.6 × 2/3 + 0.4 × 1/2 = 0.6, where the mean of the three elements would say 5/9 = 55.56%.
    assert value(parted, tree["A1"], "overall").value == D("60.00")


def test_a_unit_with_one_part_only_has_no_combined_index(parted, tree):
    index_recompute(parted.pk)
    assert value(parted, tree["A2"], "part", "CS").value == D("100.00")
    assert value(parted, tree["A2"], "part", "DV").value is None
    assert value(parted, tree["A2"], "overall").value is None


def test_a_pooled_part_pools_its_answers(parted, tree):
    questionnaire = parted.forms.get().questionnaire
    questionnaire.parts = [PARTS[0], {**PARTS[1], "rule": "pooled"}]
    questionnaire.save()
    make_response(parted, tree["A1"], {"S2a": 5})  # S2 now 2 of 4, DV pooled 4 of 7
    index_recompute(parted.pk)
    assert value(parted, tree["A1"], "part", "DV").value == D("57.14")
    cs = (D(2) / 3)  # P: (5, 3, 5) and (4, 4, 2): 2 of 3 each
    assert value(parted, tree["A1"], "overall").value == (D("0.6") * cs * 100 + D("0.4") * D(4) / 7 * 100).quantize(D("0.01"))


def test_the_dashboard_names_each_part_with_its_weight_and_source(client, alice, parted, tree):
    index_recompute(parted.pk)
    client.force_login(alice)
    html = client.get(f"/bao-cao/{parted.code}/?unit={tree['A1'].code}").content.decode()
    assert 'id="index-parts"' in html
    assert "Chính sách" in html and "Cung ứng dịch vụ" in html and "66,67%" in html and "50,00%" in html
    assert "60%" in html and "40%" in html and "QĐ 1001/QĐ-BNV, phụ lục" in html
    assert "cần xác nhận theo phụ lục" in html  # the weights are not confirmed against the annex


def test_the_workbook_lists_each_part_with_its_weight_and_the_source_to_confirm(parted):
    import io

    from openpyxl import load_workbook

    from reports.selectors import working_snapshot
    from reports.workbook import report_workbook_write

    index_recompute(parted.pk)
    buffer = io.BytesIO()
    report_workbook_write(campaign=parted, snapshot=working_snapshot(parted), out=buffer)
    buffer.seek(0)
    summary = {row[0].value: row[1].value for row in load_workbook(buffer)["Tổng hợp"].iter_rows(min_row=4, max_row=30) if row[0].value}
    assert summary["Phần «Chính sách» (trọng số 60%)"] == pytest.approx(0.75)  # province A: A1 and A2 (P1 3 of 4, P2 3 of 4)
    assert summary["Phần «Cung ứng dịch vụ» (trọng số 40%)"] == pytest.approx(0.5)
    assert summary["Căn cứ trọng số các phần"] == "QĐ 1001/QĐ-BNV, phụ lục (cần xác nhận theo phụ lục)"


def test_the_ministry_of_health_mean_score_out_of_five_stands_beside_the_rate(client, alice, tree):
    from reports.tests.factories import make_campaign, make_questionnaire, make_response

    campaign = make_campaign(tree["A"], make_questionnaire({"A": ["A1", "A2"]}), scheme="moh_pooled")
    make_response(campaign, tree["A1"], {"A1": 5, "A2": 4})
    make_response(campaign, tree["A1"], {"A1": 3, "A2": 4})
    index_recompute(campaign.pk)
    client.force_login(alice)
    html = client.get(f"/bao-cao/{campaign.code}/").content.decode()
    assert 'id="mean-level">Điểm trung bình: <strong>4,00/5</strong>' in html  # (5 + 4 + 3 + 4) / 4


def test_a_weight_reads_in_the_pages_language_and_stays_vietnamese_in_the_workbook():
    from fractions import Fraction

    from django.utils import translation

    from reports.schemes import IndexPart

    part = IndexPart(code="P", weight=Fraction(5, 8))
    assert part.weight_label == "62,5" and IndexPart(code="Q", weight=Fraction(3, 5)).weight_label == "60"
    with translation.override("en"):
        assert part.weight_label == "62.5"  # the dashboard in English
        assert part.weight_text(lang="vi") == "62,5"  # the workbook's Vietnamese sheet
