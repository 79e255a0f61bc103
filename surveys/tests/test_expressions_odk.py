"""The server's expressions give ODK's results (JavaRosa's XPathFuncExpr, XPathEqExpr, XPathCmpExpr, XPathArithExpr
and DateUtils; the ODK XForms specification's function list). The clock is fixed at 2024-05-01 10:20:30.400 in
Hà Nội (UTC+7), the project's time zone."""

import datetime as dt
import math

import pytest

from surveys.calculations import answer_value
from surveys.expression_values import to_string
from surveys.expressions import ExpressionError, evaluate, is_true, parse

NOW = dt.datetime(2024, 5, 1, 3, 20, 30, 400_000, tzinfo=dt.UTC)
DOB = {"dob": answer_value("date", "1990-06-15")}


def run(text, answers=None, current=None):
    return evaluate(parse(text), answers or {}, current, now=NOW)


@pytest.mark.parametrize(
    ("text", "answers", "current", "expected"),
    [
        # dates compare as days since 1970-01-01 (the constraint: it refused every answer before)
        (". >= ${dob}", DOB, answer_value("date", "2000-01-01"), True),
        (". >= ${dob}", DOB, answer_value("date", "1980-01-01"), False),
        (". <= today()", {}, answer_value("date", "2024-05-01"), True),
        (". <= today()", {}, answer_value("date", "2024-05-02"), False),
        ("${dob} < date('1990-06-16') and ${dob} > date('1990-06-14')", DOB, None, True),
        ("${dob} = '1990-06-15'", DOB, None, True),  # = compares a date with a text as text
        ("${dob} = date(7470)", DOB, None, True),  # 1990-06-15 is day 7470
        # …and a date written as text is no number: ODK Collect compares it as NaN (always false)
        (". >= '2020-01-01'", {}, answer_value("date", "2024-05-01"), False),
        # an unanswered date is empty: every comparison is false, != is true
        (". >= ${dob}", {}, answer_value("date", "2000-01-01"), False),
        ("${dob} != date('2000-01-01')", {}, None, True),
        ("now() > date('2024-04-30')", {}, None, True),
        ("${a} = 'yes' or ${b} > 3", {"a": "no", "b": "4"}, None, True),
        ("true() = 'false'", {}, None, True),  # a boolean compares as a boolean: 'false' is a non-empty text
        ("1 = '1.0'", {}, None, True),
        ("0.1 + 0.2 = 0.3", {}, None, True),  # numbers equal within 1e-12
        ("'abc' < 'abd'", {}, None, False),  # < compares numbers only
        ("regex(., '[0-9]{3}')", {}, "1234", False),  # the whole text must match
        ("selected(${m}, 'b')", {"m": ["a", "b"]}, None, True),
        ("selected(${m}, 'b')", {"m": "a b c"}, None, True),
        ("1 < 2 < 3", {}, None, True),  # left to right: (1 < 2) < 3 → 1 < 3
    ],
)
def test_conditions_hold_as_in_odk(text, answers, current, expected):
    assert is_true(parse(text), answers, current, now=NOW) is expected


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("today()", {}, "2024-05-01"),
        ("now()", {}, "2024-05-01T10:20:30.400+07:00"),
        ("today() - ${dob}", DOB, "12374"),
        ("int((today() - ${dob}) div 365.25)", DOB, "33"),
        ("date(today() + 30)", {}, "2024-05-31"),
        ("date('2024-05-01T23:30:00+07:00')", {}, "2024-05-01"),
        ("date('2024-02-30')", {}, ""),
        ("decimal-date-time('1970-01-02T06:00:00Z')", {}, "1.25"),
        ("decimal-date-time(now())", {}, str(NOW.timestamp() * 1000 / 86_400_000)),
        ("decimal-time('2024-05-01T18:00:00+07:00')", {}, "0.75"),
        ("format-date(${dob}, '%d/%m/%Y')", DOB, "15/06/1990"),
        ("format-date(${dob}, '%e %b %y, %a')", DOB, "15 Jun 90, Fri"),
        ("format-date-time(now(), '%H:%M:%S.%3 %h')", {}, "10:20:30.400 10"),
        ("format-date('', '%Y')", {}, ""),
        ("coalesce(${x}, 'mặc định')", {}, "mặc định"),
        ("coalesce(${x} + 1, 5)", {}, "5"),  # NaN is empty for coalesce
        ("if(${n} > 2, 'lớn', 'nhỏ')", {"n": 3}, "lớn"),
        ("concat('a', 1, true(), ${m})", {"m": ["x", "y"]}, "a1truex y"),
        ("substr('Hài Lòng', 4)", {}, "Lòng"),
        ("substr('abcdef', 1, 3)", {}, "bc"),
        ("substr('abcdef', -2)", {}, "ef"),
        ("string-length('Việt')", {}, "4"),
        ("selected-at('a b c', 1)", {}, "b"),
        ("selected-at('a b c', 5)", {}, ""),
        ("count-selected(${m})", {"m": ["a", "b", "c"]}, "3"),
        ("count-selected(${m})", {}, "0"),
        ("round(2.5)", {}, "3"),
        ("round(-2.5)", {}, "-2"),  # XPath's round half up
        ("round(1.005, 2)", {}, "1.01"),  # on the number as written, not its binary value
        ("round(33.33, -1)", {}, "30"),
        ("round(62.456, 1)", {}, "62.5"),
        ("int(-3.9)", {}, "-3"),
        ("int('7.9')", {}, "7"),
        ("number('1,5')", {}, "1.5"),  # ODK reads a decimal comma
        ("number('2024-05-01')", {}, "NaN"),
        ("number('')", {}, "NaN"),
        ("number(true())", {}, "1"),
        ("1 div 0", {}, "Infinity"),
        ("-1 div 0", {}, "-Infinity"),
        ("0 div 0", {}, "NaN"),
        ("7 mod -3", {}, "1"),
        ("-7 mod 3", {}, "-1"),
        ("2 div 3", {}, "0.6666666666666666"),
        ("pow(2, 10)", {}, "1024"),
        ("max(3, '', 7, 'x')", {}, "7"),
        ("min('a')", {}, "NaN"),
        ("join(', ', 'a', 'b')", {}, "a, b"),
        ("normalize-space('  a   b ')", {}, "a b"),
        ("translate('abc', 'ab', 'A')", {}, "Ac"),
        ("substring-before('a-b', '-')", {}, "a"),
        ("boolean-from-string('TRUE')", {}, "true"),
        ("string(1 div 3 * 0.00001)", {}, "0.0000033333333333333333"),
        ("string(123456789.5)", {}, "123456789.5"),
    ],
)
def test_values_as_in_odk(text, answers, expected):
    assert to_string(run(text, answers)) == expected


def test_today_and_now_read_the_clock_when_no_time_is_given():
    before = dt.datetime.now(dt.UTC)
    moment = evaluate(parse("now()"), {})
    assert before - dt.timedelta(seconds=1) <= moment <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    assert isinstance(evaluate(parse("today()"), {}), dt.date)


def test_a_nan_result_is_a_number():
    assert math.isnan(run("number('x')"))


@pytest.mark.parametrize(
    "text",
    ["random()", "uuid()", "once(1)", "jr:choice-name(${a}, '${a}')", "pulldata('x', 'y', 'z', 'w')", "round()", "concat(", "today(1)", "if(1, 2)"],
)
def test_what_we_cannot_evaluate_is_refused_with_a_vietnamese_message(text):
    with pytest.raises(ExpressionError) as error:
        parse(text)
    assert "Hàm" in str(error.value) or "Thiếu" in str(error.value) or "kết thúc" in str(error.value)
