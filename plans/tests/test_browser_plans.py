"""In a real browser, on a phone-sized screen: a hospital director under target files a plan, the department
returns it with a comment, the director resubmits, and the department sees it on time; a plan filed after its
due date is accepted and shown late."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plans.models import ImprovementPlan, PlanStatus, RequiredUnits
from plans.services import plans_require
from plans.tests.factories import plan_world_build
from units.access import SYSTEM
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(context, live_server, username: str):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret-pass-123")
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state()
    return page


def add_measures(page) -> None:  # type: ignore[no-untyped-def]
    for code in ("TC1", "TC2"):
        form = page.locator(f'[data-criterion="{code}"] form.measure-form')
        form.locator("textarea[name=action]").fill(f"Niêm yết quy trình, tập huấn giao tiếp ({code})")
        form.locator("input[name=owner]").fill("Điều dưỡng trưởng")
        form.locator("input[name=due_on]").fill("2026-12-31")
        form.locator("button").click()
        page.wait_for_selector(f'[data-criterion="{code}"] [data-measure]')


def test_a_director_files_the_department_returns_it_the_director_resubmits_and_lateness_shows(chromium, live_server, tree, make_user):
    world = plan_world_build(tree, required=RequiredUnits.ALL)
    plans_require(campaign=world.published, actor=SYSTEM)
    ImprovementPlan.objects.filter(unit__code="A1").update(due_on=timezone.localdate() - dt.timedelta(days=3))  # A1 missed its date
    make_user("giamdoc", Role.UNIT_MANAGER, tree["A-BV"], first_name="Giám đốc BV A")
    make_user("truongxa", Role.UNIT_MANAGER, tree["A1"])
    make_user("canbo", Role.OFFICIAL, tree["A"], first_name="Cán bộ Sở")
    code = world.published.code
    errors: list[str] = []

    director = chromium.new_context(viewport={"width": 390, "height": 844})
    page = log_in(director, live_server, "giamdoc")
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/bao-cao/{code}/don-vi/A-BV/")
    assert page.locator("#verdict").inner_text() == "CHƯA ĐẠT"
    page.click("text=Lập / sửa kế hoạch")
    add_measures(page)
    page.click("#plan-submit")
    page.wait_for_selector("text=Đã nộp kế hoạch.")
    assert page.locator("#plan-state [data-plan-status]").inner_text() == "Đã nộp"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone

    department = chromium.new_context(viewport={"width": 390, "height": 844})
    official = log_in(department, live_server, "canbo")
    official.goto(f"{live_server.url}/ke-hoach/{code}/")
    official.click('[data-unit="A-BV"] a')
    official.fill("#plan-review textarea[name=comment]", "Bổ sung kinh phí và mốc kiểm tra cho từng biện pháp.")
    official.click("#plan-review button[value=return]")
    official.wait_for_selector("text=Đã trả lại kế hoạch kèm ý kiến.")

    page.reload()
    assert page.locator("#plan-state [data-plan-status]").inner_text() == "Trả lại"
    assert "Bổ sung kinh phí và mốc kiểm tra" in page.locator("#plan-history").inner_text()
    page.click("#plan-submit")  # "Nộp lại kế hoạch"
    page.wait_for_selector("text=Đã nộp kế hoạch.")

    late = log_in(chromium.new_context(viewport={"width": 390, "height": 844}), live_server, "truongxa")
    late.goto(f"{live_server.url}/ke-hoach/{code}/don-vi/A1/")
    assert late.is_visible("text=Đã quá hạn nộp")
    add_measures(late)
    late.click("#plan-submit")
    late.wait_for_selector("text=Đã nộp kế hoạch (nộp muộn).")

    official.goto(f"{live_server.url}/ke-hoach/{code}/")
    rows = official.locator("#plans tbody tr")
    assert rows.nth(0).get_attribute("data-unit") == "A1"  # late ones first
    assert "Nộp muộn" in rows.nth(0).inner_text()
    hospital = official.locator('[data-unit="A-BV"]').inner_text()
    assert "Đã nộp" in hospital and "Đúng hạn" in hospital
    assert ImprovementPlan.objects.get(unit__code="A-BV").status == PlanStatus.SUBMITTED
    assert errors == []
