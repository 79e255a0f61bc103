"""In a real browser (Debian's Chromium): an imported XLSForm's cascade filters the next select, its language
menu switches to a third language, `${…}` follows the answers, defaults and read-only fields are set."""

from __future__ import annotations

import pytest

from surveys.models import Answer, Response
from surveys.tests.factories_collection import make_campaign
from surveys.tests.test_browser_collection import open_entry_form, pick, wait_for
from surveys.tests.test_xlsform_keep import FR, SW, cascade_form, imported
from units.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown(page, code: str) -> list[str]:
    """The choice labels of question `code` the enumerator sees."""
    return [label.inner_text().strip() for label in page.query_selector_all(f"[data-question='{code}'] label") if label.is_visible()]


def test_the_cascade_filters_the_next_select_and_the_menu_switches_to_a_third_language(chromium, live_server, tree, make_user):
    make_campaign(organiser=tree["A"], units=[tree["A1"]], questionnaire=imported(cascade_form()))
    make_user("dtv", Role.ENUMERATOR, tree["A1"])
    page = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_entry_form(page, live_server)

    # the form opens in its default language (French); every declared language is in the menu
    assert page.eval_on_selector_all("#entry-language option", "options => options.map(o => o.value)") == [
        "Tiếng Việt (vi)", "English (en)", FR, SW,
    ]
    assert page.input_value("#entry-language") == FR
    assert page.inner_text("#label-tinh [data-text='label']") == "Province (fr)"
    page.click("#entry-next")
    assert page.inner_text("[data-error-for='tinh']") == "Choisissez une province."

    page.select_option("#entry-language", SW)
    assert page.inner_text("#label-tinh [data-text='label']") == "Mkoa"
    assert shown(page, "tinh") == ["Hanoi (sw)", "HCM (sw)"]
    page.select_option("#entry-language", "Tiếng Việt (vi)")
    assert shown(page, "tinh") == ["Hà Nội", "TP Hồ Chí Minh"]

    # before a province is chosen no district passes the filter; then only the province's districts
    assert shown(page, "huyen") == []
    pick(page, "tinh", 1)
    assert shown(page, "huyen") == ["Ba Đình"]
    assert page.inner_text("#label-huyen [data-text='label']") == "Huyện của hn"
    pick(page, "huyen", 1)
    assert shown(page, "xa") == ["Phúc Xá"]
    pick(page, "tinh", 2)
    assert shown(page, "huyen") == ["Quận 1"] and not page.is_checked("#q-huyen-1")
    assert shown(page, "xa") == []
    pick(page, "huyen", 2)
    pick(page, "xa", 2)

    # the default is the answer until changed; a read-only field keeps its default
    assert page.input_value("#q-so_nguoi") == "2"
    assert page.input_value("#q-ma_ho") == "HO-01" and page.get_attribute("#q-ma_ho", "readonly") is not None

    page.click("#entry-next")
    page.click("#entry-submit")
    assert wait_for(lambda: Response.objects.count() == 1)
    stored = {a.question.code: a for a in Answer.objects.select_related("question")}
    assert stored["huyen"].question.choices[stored["huyen"].value - 1]["name"] == "quan_1"
    assert stored["ma_ho"].text == "HO-01" and stored["so_nguoi"].number == 2
    assert errors == []


FILTER_CASES = [
    ("tinh=${tinh}", {"tinh": "hn"}, "a", {"tinh": "hn"}),
    ("tinh=${tinh}", {"tinh": "hcm"}, "a", {"tinh": "hn"}),
    ("tinh=${tinh}", {}, "a", {"tinh": "hn"}),
    ("selected(${nhieu}, name)", {"nhieu": ["a", "c"]}, "a", {}),
    ("selected(${nhieu}, name)", {"nhieu": ["a", "c"]}, "b", {}),
    ("${so} >= muc and name != 'khac'", {"so": 3.0}, "x", {"muc": "2"}),
    ("${so} >= muc", {"so": 1.0}, "x", {"muc": "2"}),
    ("huyen=${huyen} and selected(${tinh}, tinh)", {"huyen": "q1", "tinh": "hcm"}, "bn", {"tinh": "hcm", "huyen": "q1"}),
    ("cf = ${state} or cf = ''", {"state": "texas"}, "k", {}),
]


def test_the_browser_keeps_the_same_choices_as_the_server(chromium):
    from pathlib import Path

    from surveys.cascades import choice_allowed, filter_tree

    root = Path(__file__).resolve().parents[2] / "static/js"
    page = chromium.new_page()
    page.add_script_tag(content=(root / "expressions.js").read_text())
    page.add_script_tag(content=(root / "cascades.js").read_text())
    for text, answers, name, columns in FILTER_CASES:
        tree = filter_tree(text)
        expected = choice_allowed(tree, answers, name, columns.items())
        got = page.evaluate("([t, a, c]) => HLCascades.allowed(t, a, c)", [tree, answers, {"name": name, "columns": columns}])
        assert got is expected, f"{text} {answers} {name}: JS {got} ≠ Python {expected}"
    page.close()
