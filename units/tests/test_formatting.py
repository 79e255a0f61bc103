import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template

from units.formatting import date_vi, datetime_vi, number_vi, percent_vi


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
