"""Every closed question reported: choice labels, counts and shares on the dashboard, the unit page, the
public page (as published) and the department workbook; multi-choice shares over respondents."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import Campaign, CampaignForm, CampaignStatus
from reports.publication import campaign_results_publish
from reports.selectors import index_tables
from reports.services import index_recompute
from reports.tests.factories import make_response
from surveys.models import Answer, Question, Questionnaire, Response, Section

pytestmark = pytest.mark.django_db

D = Decimal
RETURN_TIME = [(1, "Sớm hơn ngày hẹn"), (2, "Đúng ngày hẹn"), (3, "Trễ hẹn")]
HEARD_FROM = [(1, "Niêm yết tại trụ sở"), (2, "Cổng dịch vụ công"), (3, "Người quen"), (9, "Không nhớ")]


def choices(pairs) -> list[dict]:
    return [{"value": value, "name": str(value), "label": label} for value, label in pairs]


def one_stop_questionnaire() -> Questionnaire:
    """Two satisfaction items (the index) and the one-stop desk's categorical items."""
    questionnaire = Questionnaire.objects.create(code="mot-cua-thu", title="Phiếu một cửa")
    service = Section.objects.create(questionnaire=questionnaire, code="PV", title="Chất lượng phục vụ", order=1)
    files = Section.objects.create(questionnaire=questionnaire, code="HS", title="Tiếp nhận và trả kết quả", order=0)
    for order, code in enumerate(("PV1", "PV2"), start=10):
        Question.objects.create(
            questionnaire=questionnaire, section=service, code=code, text=f"Câu {code}", type="likert5",
            satisfied_levels=[4, 5], missing_codes=[9], counts_in_index=True, order=order,
        )
    Question.objects.create(questionnaire=questionnaire, section=files, code="HEN", text="So với ngày hẹn, ông/bà nhận được kết quả:", type="single", choices=choices(RETURN_TIME), order=1)
    Question.objects.create(questionnaire=questionnaire, section=files, code="XIN_LOI", text="Có nhận văn bản xin lỗi?", type="yes_no", choices=choices([(1, "Có"), (2, "Không")]), order=2)
    Question.objects.create(
        questionnaire=questionnaire, section=files, code="KENH", text="Ông/bà biết thủ tục qua đâu? (chọn nhiều)", type="multi",
        choices=choices(HEARD_FROM), missing_codes=[9], order=3,
    )
    Question.objects.create(questionnaire=questionnaire, section=files, code="SO_LAN", text="Số lần đi lại", type="number", min_value=1, max_value=20, order=4)
    return questionnaire


def respond(campaign: Campaign, unit, answers: dict, ticks: tuple[int, ...] = ()) -> None:
    response = make_response(campaign, unit, {"PV1": 5, "PV2": 4, **answers}, channel="desk")
    if ticks:
        question = Question.objects.get(questionnaire=campaign.forms.get().questionnaire, code="KENH")
        Answer.objects.bulk_create(
            [Answer(response=response, question=question, campaign=campaign, unit=unit, channel="desk", value=v) for v in ticks]
        )


@pytest.fixture
def one_stop(settings, tmp_path, tree):
    """Xã A1, 12 responses: returned early 7, on time 2, late 3 (of whom 1 got an apology, 2 did not);
    heard of the procedure from (multi): 6 ticked notice board and portal, 2 the notice board, 1 an
    acquaintance, 1 only "không nhớ", 2 skipped it; trips 1 (6), 2 (4), 3 (2).
    Phường A2, 3 responses, all late."""
    settings.MEDIA_ROOT = tmp_path
    campaign = Campaign.objects.create(
        code="mot-cua-2026", name="Khảo sát một cửa 2026", organiser=tree["A"], year=2026, fieldwork_start=dt.date(2026, 9, 1),
        fieldwork_end=dt.date(2026, 10, 31), index_scheme="sipas", target_index=D("80.00"), status=CampaignStatus.CLOSED,
    )
    CampaignForm.objects.create(campaign=campaign, questionnaire=one_stop_questionnaire())
    returned = [1] * 7 + [2] * 2 + [3] * 3
    apology = {9: 1, 10: 2, 11: 2}
    heard = [(1, 2)] * 6 + [(1,)] * 2 + [(3,), (9,), (), ()]
    trips = [1] * 6 + [2] * 4 + [3] * 2
    for i in range(12):
        respond(campaign, tree["A1"], {"HEN": returned[i], "XIN_LOI": apology.get(i)}, heard[i])
    number = Question.objects.get(questionnaire=campaign.forms.get().questionnaire, code="SO_LAN")
    for response, count in zip(Response.objects.filter(campaign=campaign).order_by("pk"), trips, strict=True):
        Answer.objects.create(response=response, question=number, campaign=campaign, unit=tree["A1"], channel="desk", number=count)
    for _ in range(3):
        respond(campaign, tree["A2"], {"HEN": 3})
    index_recompute(campaign.pk, full=True)
    return campaign


def table(distribution) -> list[tuple]:
    return [(label, count, share) for _level, label, count, share in distribution.levels]


def by_code(items) -> dict:
    return {d.question.code: d for d in items}


def test_the_dashboard_shows_a_categorical_question_with_its_choice_labels_counts_and_shares(client, alice, one_stop):
    client.force_login(alice)
    response = client.get(reverse("reports:dashboard", args=["mot-cua-2026"]), {"unit": "A1"})
    data = response.context["data"]
    assert [d.question.code for d in data.criteria_distributions] == ["PV1", "PV2"]
    others = by_code(data.other_distributions)
    assert list(others) == ["HEN", "XIN_LOI", "KENH", "SO_LAN"]
    assert table(others["HEN"]) == [("Sớm hơn ngày hẹn", 7, D("58.33")), ("Đúng ngày hẹn", 2, D("16.67")), ("Trễ hẹn", 3, D("25.00"))]
    assert others["HEN"].n == 12 and others["HEN"].total_share == 100
    assert table(others["XIN_LOI"]) == [("Có", 1, D("33.33")), ("Không", 2, D("66.67"))]
    assert table(others["SO_LAN"]) == [("1", 6, D("50.00")), ("2", 4, D("33.33")), ("3", 2, D("16.67"))]
    assert others["SO_LAN"].mean == D("1.67")
    html = response.content.decode()
    block = html[html.index('id="dist-HEN"') :]
    block = block[: block.index("</table>")]
    assert "Sớm hơn ngày hẹn" in block and ">7<" in block and "58,33%" in block and "16,67%" in block and "100,00%" in block


def test_a_multi_choice_question_takes_the_respondents_who_answered_as_its_base(client, alice, one_stop):
    client.force_login(alice)
    response = client.get(reverse("reports:dashboard", args=["mot-cua-2026"]), {"unit": "A1"})
    heard = by_code(response.context["data"].other_distributions)["KENH"]
    # 9 respondents ticked a valid option; "không nhớ" (a missing code) and skipping do not count
    assert heard.multi and heard.n == 9
    assert table(heard) == [("Niêm yết tại trụ sở", 8, D("88.89")), ("Cổng dịch vụ công", 6, D("66.67")), ("Người quen", 1, D("11.11"))]
    html = response.content.decode()
    block = html[html.index('id="dist-KENH"') :]
    block = block[: block.index("</div>", block.index("</table>"))]
    assert "chọn nhiều" in block.lower() and "9 người trả lời" in block and "không cộng thành 100%" in block


def test_the_multi_choice_base_is_the_same_after_an_incremental_recompute(tree, one_stop):
    full = index_tables(one_stop)
    respond(one_stop, tree["A2"], {"HEN": 1}, (2, 3))
    index_recompute(one_stop.pk, unit_paths=[tree["A2"].path])
    incremental = index_tables(one_stop)
    index_recompute(one_stop.pk, full=True)
    assert index_tables(one_stop) == incremental != full


def test_the_unit_page_shows_every_closed_question_of_its_subtree(client, alice, one_stop):
    client.force_login(alice)
    response = client.get(reverse("reports:unit", args=["mot-cua-2026", "A2"]))
    returned = by_code(response.context["data"].distributions)["HEN"]
    assert table(returned) == [("Sớm hơn ngày hẹn", 0, D("0.00")), ("Đúng ngày hẹn", 0, D("0.00")), ("Trễ hẹn", 3, D("100.00"))]
    html = response.content.decode()
    assert 'id="dist-HEN"' in html and 'id="dist-PV1"' in html


def test_the_public_page_shows_the_distribution_as_published_not_the_live_tallies(client, alice, tree, one_stop):
    campaign_results_publish(campaign_id=one_stop.pk, actor=alice)
    for _ in range(5):
        respond(one_stop, tree["A1"], {"HEN": 2})
    index_recompute(one_stop.pk, full=True)  # the working tallies move after publication
    response = client.get(reverse("reports:public_results", args=["mot-cua-2026"]))
    returned = by_code(response.context["data"].distributions)["HEN"]
    # the whole province as published: 7 early, 2 on time, 6 late of 15
    assert table(returned) == [("Sớm hơn ngày hẹn", 7, D("46.67")), ("Đúng ngày hẹn", 2, D("13.33")), ("Trễ hẹn", 6, D("40.00"))]
    html = response.content.decode()
    assert 'id="dist-HEN"' in html and "46,67%" in html and "Trễ hẹn" in html


def test_the_published_workbook_shows_each_categorical_question_as_published(alice, one_stop):
    snapshot = campaign_results_publish(campaign_id=one_stop.pk, actor=alice)
    with snapshot.workbook.open("rb") as stored:
        book = load_workbook(io.BytesIO(stored.read()))
    assert book.sheetnames[:4] == ["Tổng hợp", "Tiêu chí", "Phân bố", "Xếp hạng"]
    assert [row[1] for row in book["Tiêu chí"].iter_rows(min_row=6, values_only=True) if row[1]] == ["PV1", "PV2"]
    rows = [row[:4] for row in book["Phân bố"].iter_rows(min_row=4, values_only=True)]
    start = rows.index(("HEN", "So với ngày hẹn, ông/bà nhận được kết quả:", None, None))
    assert rows[start + 1] == (None, "Phương án trả lời", "Số lượng", "Tỷ lệ")
    assert rows[start + 2 : start + 6] == [
        (None, "Sớm hơn ngày hẹn", 7, 0.4667),
        (None, "Đúng ngày hẹn", 2, 0.1333),
        (None, "Trễ hẹn", 6, 0.4),
        (None, "Tổng (n = số câu trả lời hợp lệ)", 15, 1.0),
    ]
    heard = rows.index(("KENH", "Ông/bà biết thủ tục qua đâu? (chọn nhiều)", None, None))
    assert rows[heard + 2] == (None, "Niêm yết tại trụ sở", 8, 0.8889)
    assert rows[heard + 5][1:3] == ("Số người trả lời câu hỏi (n, gốc của tỷ lệ)", 9)
    assert "không cộng thành 100%" in rows[heard + 6][1]
