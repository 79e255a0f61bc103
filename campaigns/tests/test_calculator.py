"""The sample-size calculator: Yamane's formula, the contacts for a response rate, and bad input in Vietnamese."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("campaigns:sample_size")


def test_yamane_for_a_thousand_people_at_five_percent_is_286_and_409_contacts_at_70_percent(client):
    page = client.get(URL, {"population": "1000", "margin": "5", "response_rate": "70"})
    result = page.context["result"]
    assert (result.size, result.contacts) == (286, 409)  # 1000 / 3.5 = 285.7 → 286; 286 / 0.7 = 408.6 → 409
    assert result.by_margin == [(3, 527), (5, 286), (7, 170), (10, 91)]
    html = page.content.decode()
    assert 'id="sample-size">286<' in html and "<strong>409</strong>" in html


def test_a_large_frame_approaches_400_at_five_percent(client):
    assert client.get(URL, {"population": "100000", "margin": "5"}).context["result"].size == 399  # 100000 / 251 = 398.4
    assert client.get(URL, {"population": "1000000000", "margin": "5"}).context["result"].size == 400


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"population": "0", "margin": "5"}, "population", "Số người phải từ 1 đến 1.000.000.000."),
        ({"population": "abc", "margin": "5"}, "population", "Cần nhập một số nguyên."),
        ({"population": "1000", "margin": "0"}, "margin", "Sai số cho phép phải từ 0,5% đến 20%."),
        ({"population": "1000", "margin": ""}, "margin", "Cần nhập sai số cho phép."),
        ({"population": "1000", "margin": "5", "response_rate": "120"}, "response_rate", "Tỷ lệ trả lời phải từ 1% đến 100%."),
    ],
)
def test_bad_input_is_refused_in_vietnamese_without_a_result(client, query, field, message):
    page = client.get(URL, query)
    assert page.status_code == 200 and page.context["result"] is None
    assert any(message in error for error in page.context["form"].errors[field])
