"""A small, safe evaluator for XLSForm expressions (`relevant`, `constraint`); never `eval`.

Grammar (the subset of ODK XPath that survey forms use):
    expr    := or
    or      := and ("or" and)*
    and     := compare ("and" compare)*
    compare := sum (("=" | "!=" | "<" | "<=" | ">" | ">=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "div" | "mod") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | STRING | "${name}" | "." | NAME "(" args ")" | "(" expr ")"

`parse` returns a JSON-serialisable tree (nested lists) so that the browser evaluates exactly the
same tree (static/js/expressions.js) as the server does here with `evaluate`.
Values follow XPath: an unanswered question is "", a multi-choice answer is a list of choice names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

Node = list[Any]

FUNCTIONS: dict[str, tuple[int, int]] = {
    # name: (min args, max args)
    "not": (1, 1),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "number": (1, 1),
    "int": (1, 1),
    "if": (3, 3),
    "coalesce": (2, 2),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "regex": (2, 2),
    "contains": (2, 2),
}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?|\.\d+)
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.\-]*\})
      | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*)
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

    def or_(self) -> Node:
        node = self.and_()
        while self.accept("or"):
            node = ["op", "or", node, self.and_()]
        return node

    def and_(self) -> Node:
        node = self.compare()
        while self.accept("and"):
            node = ["op", "and", node, self.compare()]
        return node

    def compare(self) -> Node:
        node = self.sum()
        operator = self.accept("=", "!=", "<", "<=", ">", ">=")
        if operator:
            node = ["op", operator, node, self.sum()]
        return node

    def sum(self) -> Node:
        node = self.product()
        while operator := self.accept("+", "-"):
            node = ["op", operator, node, self.product()]
        return node

    def product(self) -> Node:
        node = self.unary()
        while operator := self.accept("*", "div", "mod"):
            node = ["op", operator, node, self.unary()]
        return node

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
            if not low <= len(args) <= high:
                raise ExpressionError(_("Hàm %(name)s() cần %(n)d đối số.") % {"name": value, "n": low})
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


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        value = " ".join(str(item) for item in value)
    try:
        return float(str(value).strip())
    except ValueError:
        return math.nan


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, list):
        return bool(value)
    return _string(value) != ""


def _compare(operator: str, left: Any, right: Any) -> bool:
    numeric = isinstance(left, int | float) and not isinstance(left, bool) or isinstance(right, int | float) and not isinstance(right, bool)
    if operator in ("=", "!=") and not numeric:
        equal = _string(left) == _string(right)
        return equal if operator == "=" else not equal
    a, b = _number(left), _number(right)
    if math.isnan(a) or math.isnan(b):
        return operator == "!="
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]


def evaluate(node: Node | None, answers: Mapping[str, Any], current: Any = None) -> Any:
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
            return _boolean(evaluate(node[2], answers, current)) and _boolean(evaluate(node[3], answers, current))
        if operator == "or":
            return _boolean(evaluate(node[2], answers, current)) or _boolean(evaluate(node[3], answers, current))
        left, right = evaluate(node[2], answers, current), evaluate(node[3], answers, current)
        if operator in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(operator, left, right)
        a, b = _number(left), _number(right)
        if operator == "+":
            return a + b
        if operator == "-":
            return a - b
        if operator == "*":
            return a * b
        if operator == "div":
            return a / b if b else math.nan
        return math.fmod(a, b) if b else math.nan  # mod
    return _call(node[1], [evaluate(arg, answers, current) for arg in node[2]])


def _call(name: str, args: list[Any]) -> Any:
    if name == "not":
        return not _boolean(args[0])
    if name == "selected":
        chosen = args[0] if isinstance(args[0], list) else _string(args[0]).split()
        return _string(args[1]) in [_string(item) for item in chosen]
    if name == "count-selected":
        return float(len(args[0] if isinstance(args[0], list) else _string(args[0]).split()))
    if name == "string-length":
        return float(len(_string(args[0])))
    if name == "number":
        return _number(args[0])
    if name == "int":
        value = _number(args[0])
        return value if math.isnan(value) else float(math.trunc(value))
    if name == "if":
        return args[1] if _boolean(args[0]) else args[2]
    if name == "coalesce":
        return args[0] if _string(args[0]) != "" else args[1]
    if name == "true":
        return True
    if name == "false":
        return False
    if name == "boolean":
        return _boolean(args[0])
    if name == "regex":
        try:
            return re.fullmatch(_string(args[1]), _string(args[0])) is not None
        except re.error:
            return False
    if name == "contains":
        return _string(args[1]) in _string(args[0])
    raise ExpressionError(name)


def is_true(node: Node | None, answers: Mapping[str, Any], current: Any = None) -> bool:
    """Whether a `relevant` or `constraint` holds; an empty expression always holds."""
    return _boolean(evaluate(node, answers, current))
