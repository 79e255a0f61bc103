"""The admin of units, campaigns, surveys and reports speaks Vietnamese (issue 17, item 2).

What English could leak is derived from the models and their admins: a field's default label (its name
with spaces), a column, filter or action named after its attribute, a constraint's default message
(«Constraint “…” is violated.»). Every admin page of these apps is opened as a superuser and as an
official, and none of those texts may head a column, a filter, a form label or an action.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import User
from django.db.models import CheckConstraint, UniqueConstraint
from django.urls import reverse
from django.utils.text import capfirst

from campaigns.frames import frame_import
from campaigns.models import Campaign, Channel, ChannelWindow
from campaigns.sampling import sample_draw
from campaigns.services import CampaignRuleError, campaign_create, channel_window_add
from reports.estimation.population import population_save
from reports.tests.factories import make_response
from surveys.tests.factories_collection import make_campaign, make_questionnaire
from units.access import SYSTEM
from units.constraints import ConstraintErrorsOnFields
from units.services import api_token_create
from units.tests.xlsx import xlsx_bytes

APPS = ("units", "campaigns", "surveys", "reports", "communication")
START, END = dt.date(2025, 9, 1), dt.date(2025, 11, 30)


def our_models() -> list:
    return [model for app in APPS for model in apps.get_app_config(app).get_models()]


def default_label(name: str) -> str:
    """What Django shows for an attribute without a label of its own."""
    return capfirst(name.replace("_", " "))


# ------------------------------------------------------------------------------------------ the models


def test_every_field_has_a_vietnamese_label():
    unlabelled = [
        f"{model._meta.label}.{field.name}"
        for model in our_models()
        for field in model._meta.concrete_fields
        if not field.auto_created and str(field.verbose_name) == field.name.replace("_", " ")
    ]
    assert unlabelled == []


def test_every_constraint_has_a_message_of_its_own():
    """Without one, a form says «Constraint “window_period_order” is violated.»."""
    missing = [
        f"{model._meta.label}.{constraint.name}"
        for model in our_models()
        for constraint in model._meta.constraints
        if constraint.violation_error_message == constraint.default_violation_error_message
    ]
    assert missing == []


def _constraint_fields(constraint) -> set[str]:
    if isinstance(constraint, CheckConstraint):
        return {name.split("__")[0] for name in constraint.condition.referenced_base_fields}
    assert isinstance(constraint, UniqueConstraint)
    return set(constraint.fields) | set(re.findall(r"F\((\w+)\)", repr(constraint.expressions)))


def test_a_constraint_is_shown_on_one_of_its_own_fields():
    """A field outside the constraint would not be on every form that checks it (Django skips a constraint
    when one of its fields is not on the form), so each named field must be one of the constraint's."""
    for model in our_models():
        if not issubclass(model, ConstraintErrorsOnFields):
            continue
        constraints = {constraint.name: constraint for constraint in model._meta.constraints}
        for name, field in model.constraint_fields.items():
            assert field in _constraint_fields(constraints[name]), f"{model._meta.label}.{name} → {field}"


# ------------------------------------------------------------------------------------------ the pages


class Heads(HTMLParser):
    """The texts of column heads, filter titles, form labels and action choices of an admin page."""

    TAGS = {"th", "label", "summary", "h2", "h3", "option"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[list[str]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag in self.TAGS:
            self.open.append([])

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in self.TAGS and self.open:
            self.texts.append(" ".join("".join(self.open.pop()).split()).rstrip(":").strip())

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.open:
            self.open[-1].append(data)


def page_heads(html: str) -> set[str]:
    parser = Heads()
    parser.feed(html)
    return {text for text in parser.texts if text}


def english_defaults(model_admin: admin.ModelAdmin, request_user: User) -> set[str]:
    """Every label Django would make up from an attribute name on this admin's pages."""
    names = {field.name for field in model_admin.model._meta.get_fields()}
    names |= {name for name in model_admin.list_display if isinstance(name, str)}
    names |= {item if isinstance(item, str) else item[0] for item in model_admin.list_filter}
    names |= {action if isinstance(action, str) else action.__name__ for action in (model_admin.actions or [])}
    names |= set(flatten_fieldsets(model_admin.fieldsets)) if model_admin.fieldsets else set()
    for inline in model_admin.inlines:
        names |= {field.name for field in inline.model._meta.get_fields()}
    labels = {default_label(name) for name in names if name != "id"}
    return labels | {f"By {label.lower()}" for label in labels} | {f"Theo {label.lower()}" for label in labels}


def frame_file() -> io.BytesIO:
    rows = [["họ tên", "phone", "address", "procedure", "completed_on", "unit_code"]]
    rows += [[f"Người dân {i}", f"0905000{i:03d}", "Số 1 Trần Phú", "Cấp giấy khai sinh", "15/08/2025", "A1"] for i in range(4)]
    return io.BytesIO(xlsx_bytes(rows))


@pytest.fixture
def rows(tree, alice) -> dict[str, object]:
    """One row of A for every admin of these apps: a drawn campaign with a response, a population size, a key."""
    questionnaire = make_questionnaire("phieu-a", frozen=False)
    questionnaire.owner = tree["A"]
    questionnaire.save(update_fields=["owner"])
    setup = make_campaign(
        organiser=tree["A"], units=[tree["A1"]], code="dot-a", channels=("phone",), questionnaire=questionnaire, status="draft"
    )
    frame_import(campaign=setup.campaign, source=frame_file(), actor=SYSTEM)
    sample_draw(campaign=setup.campaign, actor=SYSTEM)
    response = make_response(
        setup.campaign, tree["A1"], {q.code: 4 for q in questionnaire.questions.filter(type="likert5")}, channel=Channel.PHONE
    )
    population = population_save(actor=SYSTEM, campaign=setup.campaign, unit=tree["A1"], channel=Channel.PHONE, population=800)
    token = api_token_create(user=alice, name="Tổng đài", actor=alice)[0]
    return {
        "campaigns.campaign": setup.campaign,
        "campaigns.stratumpopulation": population,
        "surveys.questionnaire": questionnaire,
        "surveys.response": response,
        "units.apitoken": token,
        "units.unit": tree["A1"],
    }


def _first_row(model, rows: dict[str, object]):  # type: ignore[no-untyped-def]
    return rows.get(model._meta.label_lower) or model._default_manager.first()


@pytest.mark.parametrize("persona", ["superuser", "official"])
def test_no_admin_page_of_these_apps_shows_an_english_default_label(client, rows, alice, persona):
    user = User.objects.create_superuser("quan-tri", password="secret-pass-123") if persona == "superuser" else alice
    client.force_login(user)
    opened = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        opts = model._meta
        urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), reverse(f"admin:{opts.app_label}_{opts.model_name}_add")]
        row = _first_row(model, rows)
        if row is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))
        english = english_defaults(model_admin, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code != 500, url
            if response.status_code != 200:
                continue
            opened += 1
            html = response.content.decode()
            leaks = page_heads(html) & english
            assert not leaks, f"{url}: {sorted(leaks)}"
            assert "is violated" not in html
    assert opened >= (30 if persona == "superuser" else 20)


# ------------------------------------------------------------------------------------------ bad input


def _management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _campaign_post(campaign: Campaign, **extra: str) -> dict[str, str]:
    return {
        "code": campaign.code,
        "name": campaign.name,
        "organiser": str(campaign.organiser_id),
        "year": str(campaign.year),
        "fieldwork_start": campaign.fieldwork_start.strftime("%d/%m/%Y"),
        "fieldwork_end": campaign.fieldwork_end.strftime("%d/%m/%Y"),
        "target_index": str(campaign.target_index),
        "index_scheme": campaign.index_scheme,
        "notice_text": "",
        "max_attempts": "3",
        **_management("forms"),
        **_management("windows"),
        **_management("quotas"),
        **_management("quality_rules"),
        **extra,
    }


def _desk_window(start: str, end: str) -> dict[str, str]:
    """The inline rows of one new desk window."""
    return {**_management("windows", total=1), "windows-0-channel": "desk", "windows-0-start": start, "windows-0-end": end}


def _inline_form(response, prefix: str):  # type: ignore[no-untyped-def]
    return next(inline.formset for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == prefix).forms[0]


@pytest.fixture
def draft(tree, alice) -> Campaign:
    return campaign_create(
        code="mot-cua-2025", name="Khảo sát một cửa 2025", organiser=tree["A"], fieldwork_start=START, fieldwork_end=END, actor=alice
    )


def test_a_channel_window_outside_the_campaign_period_is_refused_in_vietnamese_and_nothing_is_saved(client, draft, alice):
    client.force_login(alice)
    window = _desk_window("15/08/2025", "31/12/2025")
    response = client.post(reverse("admin:campaigns_campaign_change", args=[draft.pk]), _campaign_post(draft, name="Tên mới", **window))
    assert response.status_code == 200
    errors = _inline_form(response, "windows").errors
    assert errors["start"] == ["Kênh không được bắt đầu (15/08/2025) trước ngày bắt đầu khảo sát của đợt (01/09/2025)."]
    assert errors["end"] == ["Kênh không được kết thúc (31/12/2025) sau ngày kết thúc khảo sát của đợt (30/11/2025)."]
    draft.refresh_from_db()
    assert not ChannelWindow.objects.exists() and draft.name == "Khảo sát một cửa 2025"


def test_the_window_is_checked_against_the_period_submitted_with_it(client, draft, alice):
    client.force_login(alice)
    window = _desk_window("15/08/2025", "30/11/2025")
    response = client.post(
        reverse("admin:campaigns_campaign_change", args=[draft.pk]), _campaign_post(draft, fieldwork_start="01/08/2025", **window)
    )
    assert response.status_code == 302
    assert ChannelWindow.objects.get(campaign=draft).start == dt.date(2025, 8, 15)


def test_the_service_refuses_a_window_outside_the_period_too(draft, alice):
    with pytest.raises(CampaignRuleError, match="sau ngày kết thúc khảo sát của đợt"):
        channel_window_add(campaign=draft, channel=Channel.DESK, start=START, end=END + dt.timedelta(days=1), actor=alice)
    assert not ChannelWindow.objects.exists()


def test_a_broken_constraint_is_explained_on_its_field_in_the_admin(client, draft, alice):
    client.force_login(alice)
    response = client.post(reverse("admin:campaigns_campaign_change", args=[draft.pk]), _campaign_post(draft, max_attempts="25"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"max_attempts": ["Số lần liên hệ tối đa phải từ 1 đến 20."]}
    assert "is violated" not in response.content.decode()
    draft.refresh_from_db()
    assert draft.max_attempts == 3


def test_a_period_ending_before_it_starts_is_said_once_next_to_the_end(client, draft, alice):
    client.force_login(alice)
    response = client.post(reverse("admin:campaigns_campaign_change", args=[draft.pk]), _campaign_post(draft, fieldwork_end="01/08/2025"))
    form = response.context["adminform"].form
    assert form.errors == {"fieldwork_end": ["Ngày kết thúc (01/08/2025) phải sau ngày bắt đầu (01/09/2025)."]}


def test_a_unit_valid_to_before_valid_from_is_explained_on_valid_to(client, tree, alice):
    client.force_login(alice)
    unit = tree["A-SYT"]
    data = {
        "code": unit.code,
        "name": unit.name,
        "type": str(unit.type_id),
        "parent": str(unit.parent_id),
        "is_active": "on",
        "valid_from": "2025-09-01",
        "valid_to": "2025-01-01",
        "successor": "",
    }
    response = client.post(reverse("admin:units_unit_change", args=[unit.pk]), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"valid_to": ["Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực."]}


def test_a_population_size_of_zero_is_explained_once_on_its_field(client, rows, alice, tree):
    client.force_login(alice)
    campaign = rows["campaigns.campaign"]
    data = {"campaign": str(campaign.pk), "unit": str(tree["A1"].pk), "channel": "desk", "form": "", "population": "0"}
    response = client.post(reverse("admin:campaigns_stratumpopulation_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "population": ["Cỡ tổng thể phải lớn hơn 0 và không nhỏ hơn số phiếu được tính của tầng (0)."]
    }


def test_permissions_on_the_user_and_group_pages_are_named_in_vietnamese(client, make_user):
    from django.contrib.auth.models import Group

    admin_user = make_user("quantri", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    group = Group.objects.create(name="Cán bộ")
    for url in (reverse("admin:auth_group_change", args=[group.pk]), reverse("admin:auth_user_change", args=[admin_user.pk])):
        text = client.get(url).content.decode()
        assert "Can add" not in text and "log entry" not in text and "content type" not in text
        assert "Có thể thêm" in text and "Có thể xem" in text
