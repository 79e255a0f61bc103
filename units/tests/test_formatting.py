import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from units.formatting import date_vi, datetime_vi, number, number_vi, percent, percent_vi, signed, signed_vi


@pytest.mark.parametrize(
    ("value", "expected"),
    [(87.6923, "87,69%"), (Decimal("93.85"), "93,85%"), (100, "100,00%"), (0, "0,00%"), (None, "—"), (12.345, "12,35%")],
)
def test_percentages_are_shown_the_vietnamese_way(value, expected):
    assert percent_vi(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(24270, "24.270"), (5710, "5.710"), (999, "999"), (1234567, "1.234.567"), (-1500, "-1.500")])
def test_thousands_are_grouped_with_dots(value, expected):
    assert number_vi(value) == expected


def test_dates_are_day_month_year_in_ho_chi_minh_time():
    assert date_vi(dt.date(2026, 1, 5)) == "05/01/2026"
    late_utc = dt.datetime(2026, 11, 22, 20, 30, tzinfo=dt.UTC)  # 03:30 on the 23rd in Vietnam
    assert date_vi(late_utc) == "23/11/2026"
    assert datetime_vi(late_utc) == "23/11/2026 03:30"


def test_templates_use_the_same_formatting():
    html = Template("{% load vi_format %}{{ p|percent_vi }} {{ n|number_vi }}").render(Context({"p": 83.944, "n": 24270}))
    assert html == "83,94% 24.270"


def test_forms_accept_vietnamese_dates():
    from django import forms

    class PeriodForm(forms.Form):
        start = forms.DateField()

    form = PeriodForm({"start": "30/11/2025"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == dt.date(2025, 11, 30)


# ---- The active language (issue 17: in English "2.540" read as 2.54) ----


@pytest.fixture
def in_english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("value", "decimals", "vietnamese", "english"),
    [(2540, 0, "2.540", "2,540"), (1234567.891, 2, "1.234.567,89", "1,234,567.89"), (-1500, 0, "-1.500", "-1,500"), (999, 1, "999,0", "999.0"), (None, 0, "—", "—")],
)
def test_numbers_follow_the_active_language(value, decimals, vietnamese, english):
    assert number(value, decimals) == vietnamese  # Vietnamese by default
    with translation.override("en"):
        assert number(value, decimals) == english


def test_percentages_and_changes_follow_the_active_language(in_english):
    assert percent(84.5) == "84.50%"
    assert percent(Decimal("93.85")) == "93.85%"
    assert signed(0.4) == "+0.40" and signed(-0.04) == "-0.04" and signed(0) == "0.00"
    assert percent(None) == "—"


def test_the_vietnamese_forms_stay_vietnamese_in_english_mode(in_english):
    """For the files that are Vietnamese by nature: the workbook's sheets, official documents, the commands' output."""
    assert number_vi(2540) == "2.540" and percent_vi(84.5) == "84,50%" and signed_vi(0.4) == "+0,40"
    assert number(2540, lang="vi") == "2.540"


def test_dates_are_day_month_year_in_english_too(in_english):
    assert date_vi(dt.date(2026, 1, 5)) == "05/01/2026"


def test_the_template_filters_follow_the_active_language(in_english):
    html = Template("{% load vi_format %}{{ p|percent_vi }} {{ n|number_vi }} {{ c|signed_vi }}").render(Context({"p": 84.5, "n": 2540, "c": 0.4}))
    assert html == "84.50% 2,540 +0.40"

