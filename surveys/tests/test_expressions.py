import pytest

from surveys.expressions import ExpressionError, is_true, parse, referenced_names


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("${q1} = 'yes'", {"q1": "yes"}, True),
        ("${q1} = 'yes'", {"q1": "no"}, False),
        ("${q1} = 'yes'", {}, False),
        ("${q1} != ''", {}, False),
        ("${age} >= 18 and ${age} < 60", {"age": 30}, True),
        ("${age} >= 18 and ${age} < 60", {"age": "17"}, False),
        ("${age} >= 18", {}, False),
        ("${sat} <= 3 or ${other} = 'x'", {"sat": 2}, True),
        ("not(${sat} > 3)", {"sat": 5}, False),
        ("selected(${reasons}, 'wait')", {"reasons": ["cost", "wait"]}, True),
        ("selected(${reasons}, 'wait')", {"reasons": "cost staff"}, False),
        ("count-selected(${reasons}) >= 2", {"reasons": ["a", "b"]}, True),
        ("(${a} + ${b}) * 2 = 10", {"a": 2, "b": 3}, True),
        ("${a} div 0 = 1", {"a": 1}, False),
        ("string-length(${name}) > 2", {"name": "Lan"}, True),
        ("regex(${phone}, '0[0-9]{9}')", {"phone": "0912345678"}, True),
        ("if(${a} = 1, 'x', 'y') = 'y'", {"a": 2}, True),
        ("-${a} < 0", {"a": 3}, True),
    ],
)
def test_relevance_follows_xpath_rules(text, answers, expected):
    assert is_true(parse(text), answers) is expected


def test_a_constraint_reads_the_current_value():
    tree = parse(". >= 0 and . <= 100")
    assert is_true(tree, {}, current=87)
    assert not is_true(tree, {}, current=120)


def test_an_empty_expression_always_holds():
    assert parse("") is None
    assert is_true(None, {})


def test_referenced_names_lists_every_field():
    assert referenced_names(parse("${a} = 1 and selected(${b}, 'x') or not(${c})")) == {"a", "b", "c"}


@pytest.mark.parametrize("text", ["${a} = ", "${a} == 1", "__import__('os')", "exec(1)", "${a} = (1", "1 1", "selected(${a})"])
def test_malformed_or_unsafe_expressions_are_refused_with_a_message(text):
    with pytest.raises(ExpressionError) as error:
        parse(text)
    assert str(error.value)


def test_a_tree_is_plain_json_for_the_browser():
    import json

    tree = parse("${a} >= 4 and selected(${b}, 'x')")
    assert json.loads(json.dumps(tree)) == tree
