"""The enumerator's pages: home with assignments and quota progress, the entry form; three personas each."""

from __future__ import annotations

import json

import pytest

from campaigns.models import FrameEntry
from surveys.models import Response
from surveys.tests.factories_collection import make_assignment, make_campaign, payload
from units.models import Role


@pytest.fixture
def setup(tree):
    return make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], target=4)


@pytest.fixture
def dtv(make_user, tree):
    return make_user("dtv", Role.ENUMERATOR, tree["A1"])


def test_the_enumerator_home_shows_assignments_and_quota_progress(client, setup, tree, dtv, make_user):
    entry = FrameEntry.objects.create(campaign=setup.campaign, unit=tree["A1"], full_name="Nguyễn Văn An", phone="0901234567")
    mine = make_assignment(setup.quotas["A1"], dtv)
    mine.frame_entry = entry
    mine.save()
    other = make_user("dtv2", Role.ENUMERATOR, tree["A1"])
    theirs = make_assignment(setup.quotas["A1"], other, order=2)
    client.force_login(dtv)
    assert client.post("/api/v1/responses/", json.dumps(payload(setup, tree["A1"])), content_type="application/json").status_code == 201
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nguyễn Văn An" in html and f"/dieu-tra/truong-hop/{mine.pk}/" in html and f"/dieu-tra/truong-hop/{theirs.pk}/" not in html
    assert 'href="tel:0901234567"' in html  # their own case: a tap-to-call link
    assert "1 / 4" in html and "width: 25%" in html  # one counted response of four
    assert "Phường A2" not in html  # outside the enumerator's membership
    assert 'name="viewport"' in html and "entry-shell" in html


def test_the_entry_form_renders_sections_schema_and_profile(client, setup, tree, dtv):
    client.force_login(dtv)
    page = client.get(f"/thu-thap/nhap/{setup.quotas['A1'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="entry-page') == 3  # two sections and the respondent profile
    assert 'id="form-schema"' in html and "js/expressions.js" in html and "js/queue.js" in html
    schema = json.loads(html.split('id="form-schema" type="application/json">')[1].split("</script>")[0])
    why_not = next(q for q in schema["sections"][0]["questions"] if q["code"] == "why_not")
    assert why_not["relevant"] == ["op", "=", ["ref", "used_before"], ["lit", "no"]]
    assert schema["submit"] == {"campaign": "sipas-2026", "unit": "A1", "channel": "desk", "form": setup.form.pk, "assignment": None}
    assert "<script>" not in html  # CSP: no inline scripts
    assert "Rất hài lòng" in html and "Giới tính" in html


@pytest.mark.parametrize(("persona", "expected"), [("alice", 200), ("bob", 403), ("charlie", 404)])
def test_the_entry_form_by_persona(client, setup, persona, expected, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/thu-thap/nhap/{setup.quotas['A1'].pk}/").status_code == expected


def test_an_enumerator_cannot_open_another_enumerators_assignment_or_another_units_quota(client, setup, tree, dtv, make_user):
    theirs = make_assignment(setup.quotas["A1"], make_user("dtv2", Role.ENUMERATOR, tree["A1"]))
    mine = make_assignment(setup.quotas["A1"], dtv, order=2)
    client.force_login(dtv)
    assert client.get(f"/thu-thap/nhap/{setup.quotas['A1'].pk}/?phan-cong={theirs.pk}").status_code == 404
    assert client.get(f"/thu-thap/nhap/{setup.quotas['A1'].pk}/?phan-cong={mine.pk}").status_code == 200
    assert client.get(f"/thu-thap/nhap/{setup.quotas['A2'].pk}/").status_code == 404


def test_anonymous_users_are_sent_to_login(client, setup):
    response = client.get(f"/thu-thap/nhap/{setup.quotas['A1'].pk}/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    assert Response.objects.count() == 0
