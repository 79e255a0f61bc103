"""One table of expressions through the server's evaluator (surveys/expressions.py) and the browser's
(static/js/expressions.js, run by node): the same value of the same kind for every row; and the same
calculated values and shown questions from surveys/calculations.py and static/js/calculations.js."""

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from surveys.calculations import Metadata, answer_value, form_values
from surveys.expression_values import is_date, is_datetime, is_number, to_string
from surveys.expressions import evaluate, parse
from surveys.selectors import CompiledForm, CompiledQuestion, CompiledSection

JS = Path(__file__).resolve().parents[2] / "static" / "js"
NOW = "2024-05-01T10:20:30.400+07:00"
NOW_PY = dt.datetime(2024, 5, 1, 10, 20, 30, 400_000, tzinfo=dt.timezone(dt.timedelta(hours=7)))

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node (JavaScript) không có trên máy này: không chạy được bộ đánh giá của trình duyệt")

D = {"dob": "date", "d": "date"}  # fields answered as dates
CASES = [
    # (expression, answers, types of the answers, current value, type of the current value)
    (". >= ${dob}", {"dob": "1990-06-15"}, D, "2000-01-01", "date"),
    (". >= ${dob}", {"dob": "1990-06-15"}, D, "1980-01-01", "date"),
    (". >= ${dob}", {}, D, "2000-01-01", "date"),
    (". <= today()", {}, {}, "2024-05-02", "date"),
    (". >= '2020-01-01'", {}, {}, "2024-05-01", "date"),
    ("${dob} = '1990-06-15'", {"dob": "1990-06-15"}, D, None, None),
    ("today() - ${dob}", {"dob": "1990-06-15"}, D, None, None),
    ("int((today() - ${dob}) div 365.25)", {"dob": "1990-06-15"}, D, None, None),
    ("today()", {}, {}, None, None),
    ("now()", {}, {}, None, None),
    ("date(today() + 30)", {}, {}, None, None),
    ("date(${d})", {"d": "2024-02-29"}, D, None, None),
    ("date('2024-02-30')", {}, {}, None, None),
    ("date('2024-05-01T23:30:00+07:00')", {}, {}, None, None),
    ("date('2024-05-01T20:30:00Z')", {}, {}, None, None),
    ("date-time('2024-05-01T20:30:00Z')", {}, {}, None, None),
    ("date-time(19844.5)", {}, {}, None, None),
    ("date(-1)", {}, {}, None, None),
    ("date(99999999)", {}, {}, None, None),
    ("decimal-date-time('1970-01-02T06:00:00Z')", {}, {}, None, None),
    ("decimal-date-time(now())", {}, {}, None, None),
    ("decimal-date-time(${d})", {"d": "2024-05-01"}, D, None, None),
    ("decimal-time('2024-05-01T18:00:00+07:00')", {}, {}, None, None),
    ("format-date(${dob}, '%Y-%m-%d %e/%n/%y %b %a')", {"dob": "1990-06-15"}, D, None, None),
    ("format-date-time(now(), '%H:%M:%S.%3 %h %%')", {}, {}, None, None),
    ("format-date('x', '%Y')", {}, {}, None, None),
    ("coalesce(${x}, 'mặc định')", {}, {}, None, None),
    ("coalesce(${x} + 1, 5)", {}, {}, None, None),
    ("coalesce(${d}, today())", {"d": "2023-01-01"}, D, None, None),
    ("if(${n} > 2, 'lớn', ${n})", {"n": 1.5}, {}, None, None),
    ("concat('a', 1, true(), ${m}, 2.5, ${d})", {"m": ["x", "y"], "d": "2024-05-01"}, D, None, None),
    ("substr('Hài Lòng', 4)", {}, {}, None, None),
    ("substr('abcdef', -4, -1)", {}, {}, None, None),
    ("substr('abc', 'x')", {}, {}, None, None),
    ("string-length(.)", {}, {}, "Việt Nam", "text"),
    ("string-length()", {}, {}, "abc", "text"),
    ("selected-at(${m}, 1)", {"m": ["a", "b"]}, {}, None, None),
    ("selected-at(${m}, 9)", {"m": "a b"}, {}, None, None),
    ("count-selected(${m})", {"m": []}, {}, None, None),
    ("count-selected(${m}) >= 2 and selected(${m}, 'c')", {"m": ["a", "c"]}, {}, None, None),
    ("regex(., '0[0-9]{9}')", {}, {}, "0912345678", "text"),
    ("regex(., '[0-9]{3}')", {}, {}, "1234", "text"),
    ("regex(., '(')", {}, {}, "1", "text"),
    ("round(2.5)", {}, {}, None, None),
    ("round(-2.5)", {}, {}, None, None),
    ("round(-2.51)", {}, {}, None, None),
    ("round(0.5)", {}, {}, None, None),
    ("round(1.005, 2)", {}, {}, None, None),
    ("round(0.05, 1)", {}, {}, None, None),
    ("round(0.004, 2)", {}, {}, None, None),
    ("round(99.96, 1)", {}, {}, None, None),
    ("round(33.33, -1)", {}, {}, None, None),
    ("round(-35, -1)", {}, {}, None, None),
    ("round(${x}, 2)", {}, {}, None, None),
    ("int(-3.9)", {}, {}, None, None),
    ("int('7.9')", {}, {}, None, None),
    ("number('1,5')", {}, {}, None, None),
    ("number('2024-05-01')", {}, {}, None, None),
    ("number(' 12 ')", {}, {}, None, None),
    ("number('+5')", {}, {}, None, None),
    ("number(${d})", {"d": "1970-01-11"}, D, None, None),
    ("1 div 0", {}, {}, None, None),
    ("0 div 0", {}, {}, None, None),
    ("-7 mod 3", {}, {}, None, None),
    ("5.5 mod 2", {}, {}, None, None),
    ("2 div 3", {}, {}, None, None),
    ("0.1 + 0.2", {}, {}, None, None),
    ("1 div 3 * 0.00001", {}, {}, None, None),
    ("123456789.5 * 1000", {}, {}, None, None),
    ("pow(2, 0.5)", {}, {}, None, None),
    ("sqrt(16) + abs(-2) + floor(2.7) + ceiling(2.1)", {}, {}, None, None),
    ("max(3, '', 7, 'x')", {}, {}, None, None),
    ("min('a')", {}, {}, None, None),
    ("true() = 'false'", {}, {}, None, None),
    ("1 = '1.0'", {}, {}, None, None),
    ("0.1 + 0.2 = 0.3", {}, {}, None, None),
    ("'abc' < 'abd'", {}, {}, None, None),
    ("${a} = 'yes' or ${b} > 3", {"a": "no", "b": "4"}, {}, None, None),
    ("not(${a}) and boolean(${m})", {"m": ["x"]}, {}, None, None),
    ("${q} != ''", {}, {}, None, None),
    ("1 < 2 < 3", {}, {}, None, None),
    ("-${n} * 2", {"n": 2}, {}, None, None),
    ("join(', ', 'a', ${n}, ${d})", {"n": 3, "d": "2024-01-09"}, D, None, None),
    ("normalize-space('  a   b ')", {}, {}, None, None),
    ("translate('abc', 'ab', 'A')", {}, {}, None, None),
    ("substring-after('a-b-c', '-')", {}, {}, None, None),
    ("starts-with('Hài', 'H') and ends-with('Hài', 'ài') and contains('Hài', 'à')", {}, {}, None, None),
    ("boolean-from-string('1')", {}, {}, None, None),
    ("string(${d})", {"d": "2024-05-01"}, D, None, None),
    ("${d} + 1", {"d": "2024-05-01"}, D, None, None),
]


def _kind(value):
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if is_datetime(value):
        return "datetime"
    if is_date(value):
        return "date"
    if isinstance(value, list):
        return "list"
    return "string"


def _typed(answers, types):
    return {name: answer_value(types.get(name, ""), value) for name, value in answers.items()}


def _node(payload):
    script = (
        "const fs = require('fs');"
        f"require({json.dumps(str(JS / 'expressions.js'))}); require({json.dumps(str(JS / 'calculations.js'))});"
        "const input = JSON.parse(fs.readFileSync(0, 'utf8'));"
        "const X = globalThis.HLExpressions;"
        "const typed = (a, t) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, X.answerValue(t[k] || '', v)]));"
        "const kind = (v) => typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? 'number' : X.isMoment(v) ? 'datetime'"
        "  : X.isDate(v) ? 'date' : Array.isArray(v) ? 'list' : 'string';"
        "const cases = input.cases.map(([tree, answers, types, current, ctype]) => {"
        "  const v = X.evaluate(tree, typed(answers, types), current === null ? null : X.answerValue(ctype || '', current), {now: input.now});"
        "  return [kind(v), X.toString(v)]; });"
        "const forms = input.forms.map(([schema, answers, types, meta]) => {"
        "  const r = globalThis.HLCalculations.formValues(schema, typed(answers, types), meta, {now: input.now});"
        "  return [Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, [kind(v), X.toString(v)]])), Object.keys(r.shown).sort()]; });"
        "process.stdout.write(JSON.stringify({cases, forms}));"
    )
    done = subprocess.run(
        ["node", "-e", script], input=json.dumps(payload), capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "TZ": "Asia/Ho_Chi_Minh"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _question(code, type_, relevant="", calculation="", metadata=""):
    return CompiledQuestion(
        pk=0, code=code, text=code, hint="", type=type_, section="s", required=False, choices=(), missing_codes=frozenset(),
        relevant=parse(relevant), constraint=None, constraint_message="", min_value=None, max_value=None,
        calculation=parse(calculation) if calculation else None, metadata=metadata,
    )


# A form where a calculation sits after the question that reads it, reads a date, another calculation and metadata.
FORM = CompiledForm(
    questionnaire_id=0, title="t",
    sections=(
        CompiledSection("s1", "S1", None, (
            _question("dob", "date"),
            _question("adult_note", "text", relevant="${is_adult} = 'có'"),
            _question("n", "number"),
        )),
        CompiledSection("s2", "S2", parse("${n} > 0"), (
            _question("age", "calculate", calculation="int((today() - ${dob}) div 365.25)"),
            _question("is_adult", "calculate", calculation="if(${age} >= 18, 'có', 'không')"),
            _question("double", "calculate", calculation="${n} * 2"),
            _question("label", "calculate", calculation="concat(${user}, ': ', format-date(${day}, '%d/%m/%Y'), ' ', ${age})"),
            _question("empty", "calculate", calculation="number('x')"),
            _question("start", "meta", metadata="start"),
            _question("day", "meta", metadata="today"),
            _question("user", "meta", metadata="username"),
            _question("device", "meta", metadata="deviceid"),
        )),
    ),
)
FORM.questions.update({q.code: q for section in FORM.sections for q in section.questions})
FORMS = [
    ({"dob": "1990-06-15", "adult_note": "ghi chú", "n": 2}, D),
    ({"dob": "2010-06-15", "adult_note": "ghi chú", "n": 2}, D),
    ({"dob": "1990-06-15", "adult_note": "ghi chú", "n": 0}, D),
    ({"n": 1.5}, D),
]
META = {"start": "2024-04-30T08:00:00+07:00", "username": "dtv01", "deviceid": "may-1"}


def _schema(form):
    def question(q):
        return {"code": q.code, "type": q.type, "relevant": q.relevant, "calculation": q.calculation, "metadata": q.metadata}

    return {"sections": [{"code": s.code, "relevant": s.relevant, "questions": [question(q) for q in s.questions]} for s in form.sections]}


def test_python_and_javascript_evaluate_every_expression_alike():
    payload = {
        "now": NOW,
        "cases": [[parse(text), answers, types, current, ctype] for text, answers, types, current, ctype in CASES],
        "forms": [[_schema(FORM), answers, types, META] for answers, types in FORMS],
    }
    got = _node(payload)
    mismatches = []
    for (text, answers, types, current, ctype), js in zip(CASES, got["cases"], strict=True):
        value = evaluate(parse(text), _typed(answers, types), None if current is None else answer_value(ctype or "", current), now=NOW_PY)
        python = [_kind(value), to_string(value)]
        if python != js:
            mismatches.append(f"{text}: Python {python} ≠ JS {js}")
    assert not mismatches, "\n".join(mismatches)
    metadata = Metadata(start=dt.datetime.fromisoformat(META["start"]), username=META["username"], deviceid=META["deviceid"])
    for (answers, types), (js_values, js_shown) in zip(FORMS, got["forms"], strict=True):
        result = form_values(FORM, _typed(answers, types), metadata=metadata, now=NOW_PY)
        python = {code: [_kind(value), to_string(value)] for code, value in result.values.items()}
        assert python == js_values, answers
        assert sorted(result.shown) == js_shown, answers


def test_the_calculations_follow_odk():
    metadata = Metadata(start=dt.datetime.fromisoformat(META["start"]), username="dtv01", deviceid="may-1")
    adult = form_values(FORM, _typed(*FORMS[0]), metadata=metadata, now=NOW_PY)
    assert to_string(adult.values["age"]) == "33" and adult.values["is_adult"] == "có"
    assert "adult_note" in adult.shown  # shown by a calculation placed after it
    assert adult.values["label"] == "dtv01: 30/04/2024 33"
    assert adult.values["empty"] == ""  # NaN is stored empty, as ODK does
    assert to_string(adult.values["start"]) == "2024-04-30T08:00:00.000+07:00"
    child = form_values(FORM, _typed(*FORMS[1]), metadata=metadata, now=NOW_PY)
    assert child.values["is_adult"] == "không" and "adult_note" not in child.values
    skipped = form_values(FORM, _typed(*FORMS[2]), metadata=metadata, now=NOW_PY)
    assert "age" not in skipped.values and "age" not in skipped.shown  # its section is skipped
    assert adult.values["double"] == 4
