"""A small, safe evaluator for XLSForm expressions (`relevant`, `constraint`); never `eval`.

Grammar (the subset of ODK XPath that survey forms use; operators associate to the left as in XPath):
    expr     := or
    or       := and ("or" and)*
    and      := equality ("and" equality)*
    equality := relation (("=" | "!=") relation)*
    relation := sum (("<" | "<=" | ">" | ">=") sum)*
    sum      := product (("+" | "-") product)*
    product := unary (("*" | "div" | "mod") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | STRING | "${name}" | "." | NAME "(" args ")" | "(" expr ")"

`parse` returns a JSON-serialisable tree (nested lists) so that the browser evaluates exactly the
same tree (static/js/expressions.js) as the server does here with `evaluate`.
Values follow XPath as ODK Collect (JavaRosa) evaluates it: an unanswered question is "", a multi-choice answer is
a list of choice names, a date answer a `datetime.date`; conversions and dates are in surveys.expression_values.
`today()` and `now()` read the clock, or the `now` given (tests, and the parity check with the browser).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Context, Decimal
from typing import Any

from django.utils.translation import gettext as _

from surveys.expression_values import (
    decimal_date_time,
    format_date,
    is_date,
    is_number,
    local,
    now_value,
    to_boolean,
    to_date,
    to_number,
    to_string,
    words,
)

Node = list[Any]

# name: (fewest arguments, most arguments or None for any number). ODK's functions that we evaluate the
# same way on the server and in the browser; anything else is refused when the questionnaire is saved.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "not": (1, 1), "true": (0, 0), "false": (0, 0), "boolean": (1, 1), "boolean-from-string": (1, 1),
    "number": (1, 1), "int": (1, 1), "round": (1, 2), "string": (1, 1),
    "floor": (1, 1), "ceiling": (1, 1), "abs": (1, 1), "pow": (2, 2), "sqrt": (1, 1), "exp": (1, 1), "exp10": (1, 1),
    "log": (1, 1), "log10": (1, 1), "pi": (0, 0), "min": (1, None), "max": (1, None),
    "if": (3, 3), "coalesce": (2, 2),
    "concat": (0, None), "join": (1, None), "substr": (2, 3), "substring-before": (2, 2), "substring-after": (2, 2),
    "translate": (3, 3), "contains": (2, 2), "starts-with": (2, 2), "ends-with": (2, 2),
    "string-length": (0, 1), "normalize-space": (0, 1), "regex": (2, 2),
    "selected": (2, 2), "is-selected": (2, 2), "count-selected": (1, 1), "selected-at": (2, 2),
    "today": (0, 0), "now": (0, 0), "date": (1, 1), "date-time": (1, 1), "decimal-date-time": (1, 1),
    "decimal-time": (1, 1), "format-date": (2, 2), "format-date-time": (2, 2),
}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d*)?|\.\d+)
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.\-]*\})
      | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z_][A-Za-z0-9_\-]*)?)
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)


class ExpressionError(ValueError):
    """A malformed expression; the message is in Vietnamese."""


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(_("Biểu thức không hợp lệ ở vị trí %(pos)d: «%(text)s».") % {"pos": position + 1, "text": text})
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(_("Biểu thức «%(text)s» kết thúc đột ngột.") % {"text": self.text})
        self.index += 1
        return token

    def accept(self, *values: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] in ("op", "name") and token[1] in values:
            self.index += 1
            return token[1]
        return None

    def parse(self) -> Node:
        node = self.or_()
        if self.peek() is not None:
            raise ExpressionError(_("Thừa nội dung «%(rest)s» trong biểu thức.") % {"rest": self.peek()[1]})  # type: ignore[index]
        return node

    def binary(self, operators: tuple[str, ...], operand: Any) -> Node:
        node = operand()
        while operator := self.accept(*operators):
            node = ["op", operator, node, operand()]
        return node

    def or_(self) -> Node:
        return self.binary(("or",), self.and_)

    def and_(self) -> Node:
        return self.binary(("and",), self.equality)

    def equality(self) -> Node:
        return self.binary(("=", "!="), self.relation)

    def relation(self) -> Node:
        return self.binary(("<", "<=", ">", ">="), self.sum)

    def sum(self) -> Node:
        return self.binary(("+", "-"), self.product)

    def product(self) -> Node:
        return self.binary(("*", "div", "mod"), self.unary)

    def unary(self) -> Node:
        if self.accept("-"):
            return ["op", "-", ["lit", 0], self.unary()]
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return ["lit", float(value) if "." in value else int(value)]
        if kind == "string":
            return ["lit", value[1:-1]]
        if kind == "ref":
            return ["ref", value[2:-1]]
        if kind == "dot":
            return ["cur"]
        if kind == "op" and value == "(":
            node = self.or_()
            if not self.accept(")"):
                raise ExpressionError(_("Thiếu dấu «)» trong biểu thức «%(text)s».") % {"text": self.text})
            return node
        if kind == "name" and self.accept("("):
            if value not in FUNCTIONS:
                raise ExpressionError(_("Hàm «%(name)s» không được hỗ trợ.") % {"name": value})
            args: list[Node] = []
            if not self.accept(")"):
                args.append(self.or_())
                while self.accept(","):
                    args.append(self.or_())
                if not self.accept(")"):
                    raise ExpressionError(_("Thiếu dấu «)» sau các đối số của %(name)s().") % {"name": value})
            low, high = FUNCTIONS[value]
            if len(args) < low or (high is not None and len(args) > high):
                if high is None:
                    message = _("Hàm %(name)s() cần ít nhất %(n)d đối số.") % {"name": value, "n": low}
                elif low == high:
                    message = _("Hàm %(name)s() cần %(n)d đối số.") % {"name": value, "n": low}
                else:
                    message = _("Hàm %(name)s() cần từ %(low)d đến %(high)d đối số.") % {"name": value, "low": low, "high": high}
                raise ExpressionError(message)
            return ["call", value, args]
        raise ExpressionError(_("Không hiểu «%(token)s» trong biểu thức «%(text)s».") % {"token": value, "text": self.text})


def parse(text: str) -> Node | None:
    """The tree of an expression, or None for an empty one. Raises ExpressionError."""
    if not text or not text.strip():
        return None
    return _Parser(text).parse()


def referenced_names(node: Node | None) -> set[str]:
    """Every `${name}` the expression reads."""
    if node is None:
        return set()
    if node[0] == "ref":
        return {node[1]}
    if node[0] == "op":
        return referenced_names(node[2]) | referenced_names(node[3])
    if node[0] == "call":
        return set().union(*(referenced_names(arg) for arg in node[2])) if node[2] else set()
    return set()


def called_functions(node: Node | None) -> set[str]:
    """Every function the expression calls."""
    if node is None or node[0] in ("lit", "ref", "cur"):
        return set()
    if node[0] == "op":
        return called_functions(node[2]) | called_functions(node[3])
    return {node[1]}.union(*(called_functions(arg) for arg in node[2]))


# --- evaluation ----------------------------------------------------------------------------------


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if is_number(left) or is_number(right):
        return abs(to_number(left) - to_number(right)) < 1e-12
    return to_string(left) == to_string(right)


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator in ("=", "!="):
        return _equal(left, right) == (operator == "=")
    a, b = to_number(left), to_number(right)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]


def _arithmetic(operator: str, a: float, b: float) -> float:
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if operator == "div":
        if b == 0:
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
        return a / b
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):  # mod, as Java's and JavaScript's %
        return math.nan
    return math.fmod(a, b)


def evaluate(node: Node | None, answers: Mapping[str, Any], current: Any = None, *, now: dt.datetime | None = None) -> Any:
    """Evaluate a tree against `answers` (name → value); `current` is the value of "." (for constraints)."""
    if node is None:
        return True
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ref":
        value = answers.get(node[1])
        return "" if value is None else value
    if kind == "cur":
        return "" if current is None else current
    if kind == "op":
        operator = node[1]
        if operator == "and":
            return to_boolean(evaluate(node[2], answers, current, now=now)) and to_boolean(evaluate(node[3], answers, current, now=now))
        if operator == "or":
            return to_boolean(evaluate(node[2], answers, current, now=now)) or to_boolean(evaluate(node[3], answers, current, now=now))
        left, right = evaluate(node[2], answers, current, now=now), evaluate(node[3], answers, current, now=now)
        if operator in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(operator, left, right)
        return _arithmetic(operator, to_number(left), to_number(right))
    args = [evaluate(arg, answers, current, now=now) for arg in node[2]]
    if node[1] in ("string-length", "normalize-space") and not args:
        args = ["" if current is None else current]
    return _call(node[1], args, now)


def _round(number: float, places: float) -> float:
    """ODK's round(x, places): half away from zero above 0 and towards zero below (XPath's "round half up"),
    on the number as written in decimal."""
    if math.isnan(number) or math.isinf(number) or math.isnan(places):
        return number if not math.isnan(places) else math.nan
    places = int(places)
    if abs(places) > 30:
        return math.nan
    if places >= 0:
        rounding = ROUND_HALF_DOWN if number < 0 else ROUND_HALF_UP
        return float(Decimal(repr(float(number))).quantize(Decimal(1).scaleb(-places), context=Context(prec=400, rounding=rounding)))
    scale = 10.0 ** -places
    return math.trunc(number / scale + 0.5) * scale


def _math(name: str, args: list[Any]) -> float:
    value = to_number(args[0]) if args else math.nan
    try:
        if name == "floor":
            return float(math.floor(value)) if math.isfinite(value) else value
        if name == "ceiling":
            return float(math.ceil(value)) if math.isfinite(value) else value
        if name == "abs":
            return abs(value)
        if name == "pow":
            power = to_number(args[1])
            if value == 0 and power < 0:
                return math.inf
            return math.pow(value, power)
        if name == "sqrt":
            return math.sqrt(value) if value >= 0 or math.isnan(value) else math.nan
        if name == "exp":
            return math.exp(value)
        if name == "exp10":
            return math.pow(10.0, value)
        if name in ("log", "log10"):
            if math.isnan(value) or value < 0:
                return math.nan
            if value == 0:
                return -math.inf
            return math.log(value) if name == "log" else math.log10(value)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan
    return math.nan


def _extreme(name: str, args: list[Any]) -> float:
    numbers = [n for n in (to_number(arg) for arg in args) if not math.isnan(n)]
    if not numbers:
        return math.nan
    return max(numbers) if name == "max" else min(numbers)


def _substr(text: str, start: Any, end: Any) -> str:
    length = len(text)
    first = to_number(start)
    last = to_number(end) if end is not None else float(length)
    if math.isnan(first) or math.isnan(last):
        return ""
    first, last = int(max(min(first, 2**31), -(2**31))), int(max(min(last, 2**31), -(2**31)))
    if first < 0:
        first += length
    if last < 0:
        last += length
    first, last = min(max(0, first), length), min(max(0, last), length)
    return text[first:last] if first <= last else ""


def _translate(text: str, source: str, target: str) -> str:
    out = []
    for char in text:
        position = source.find(char)
        if position == -1:
            out.append(char)
        elif position < len(target):
            out.append(target[position])
    return "".join(out)


def _regex(value: Any, pattern: Any) -> bool:
    try:
        return re.fullmatch(to_string(pattern), to_string(value)) is not None
    except (re.error, RecursionError):
        return False


def _selected_at(value: Any, position: Any) -> str:
    names = words(value)
    index = to_number(position)
    if math.isnan(index) or math.isinf(index):
        return ""
    index = int(index)
    return names[index] if 0 <= index < len(names) else ""


def _call(name: str, args: list[Any], now: dt.datetime | None) -> Any:  # noqa: C901, PLR0911, PLR0912 (one branch per function)
    if name == "not":
        return not to_boolean(args[0])
    if name in ("true", "false"):
        return name == "true"
    if name == "boolean":
        return to_boolean(args[0])
    if name == "boolean-from-string":
        text = to_string(args[0])
        return text.lower() == "true" or text == "1"
    if name == "number":
        return to_number(args[0])
    if name == "int":
        value = to_number(args[0])
        return value if not math.isfinite(value) else float(math.trunc(value))
    if name == "round":
        return _round(to_number(args[0]), to_number(args[1]) if len(args) > 1 else 0.0)
    if name == "string":
        return to_string(args[0])
    if name == "pi":
        return math.pi
    if name in ("floor", "ceiling", "abs", "pow", "sqrt", "exp", "exp10", "log", "log10"):
        return _math(name, args)
    if name in ("min", "max"):
        return _extreme(name, args)
    if name == "if":
        return args[1] if to_boolean(args[0]) else args[2]
    if name == "coalesce":
        first = args[0]
        empty = (is_number(first) and math.isnan(first)) or (isinstance(first, str | list) and to_string(first) == "")
        return args[1] if empty else first
    if name == "concat":
        return "".join(to_string(arg) for arg in args)
    if name == "join":
        return to_string(args[0]).join(to_string(arg) for arg in args[1:])
    if name == "substr":
        return _substr(to_string(args[0]), args[1], args[2] if len(args) > 2 else None)
    if name in ("substring-before", "substring-after"):
        text, part = to_string(args[0]), to_string(args[1])
        position = text.find(part)
        if position < 0:
            return ""
        return text[:position] if name == "substring-before" else text[position + len(part) :]
    if name == "translate":
        return _translate(to_string(args[0]), to_string(args[1]), to_string(args[2]))
    if name == "contains":
        return to_string(args[1]) in to_string(args[0])
    if name == "starts-with":
        return to_string(args[0]).startswith(to_string(args[1]))
    if name == "ends-with":
        return to_string(args[0]).endswith(to_string(args[1]))
    if name == "string-length":
        return float(len(to_string(args[0])))
    if name == "normalize-space":
        return " ".join(to_string(args[0]).split())
    if name == "regex":
        return _regex(args[0], args[1])
    if name in ("selected", "is-selected"):
        return to_string(args[1]).strip() in words(args[0])
    if name == "count-selected":
        return float(len(words(args[0])))
    if name == "selected-at":
        return _selected_at(args[0], args[1])
    if name == "today":
        return local(now_value(now)).date()
    if name == "now":
        return now_value(now)
    if name in ("date", "date-time"):
        return to_date(args[0], keep_time=name == "date-time")
    if name in ("decimal-date-time", "decimal-time"):
        return decimal_date_time(args[0], keep_date=name == "decimal-date-time")
    if name in ("format-date", "format-date-time"):
        return format_date(args[0], to_string(args[1]))
    raise ExpressionError(name)


def is_true(node: Node | None, answers: Mapping[str, Any], current: Any = None, *, now: dt.datetime | None = None) -> bool:
    """Whether a `relevant` or `constraint` holds; an empty expression always holds."""
    return to_boolean(evaluate(node, answers, current, now=now))


__all__ = ["FUNCTIONS", "ExpressionError", "Node", "called_functions", "evaluate", "is_date", "is_true", "parse", "referenced_names"]
