"""Cascading selects: an XLSForm `choice_filter` keeps, of a select's choices, those for which it holds.

The filter reads the earlier answers (`${state}`) and the choice's own columns by their bare names (`name`,
`cf`, `state` in `state = ${state}`). We rewrite each bare column name as a reference `${choice.<column>}`
(a dotted name, which no question may have) and hand the result to the one expression evaluator
(surveys.expressions; static/js/expressions.js in the browser, which receives the same tree): a choice's
columns are then ordinary values next to the answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from surveys.expressions import ExpressionError, Node, is_true, parse, referenced_names

COLUMN_PREFIX = "choice."
# Strings and ${…} references are kept as they are; bare names elsewhere are columns unless they call a function.
_QUOTED = re.compile(r"""('[^']*'|"[^"]*"|\$\{[^}]*\})""")
_BARE_NAME = re.compile(r"(?<![\w\-.$])([A-Za-z_][A-Za-z0-9_\-]*)(?![\w\-]|\s*\()")
_KEYWORDS = frozenset({"and", "or", "div", "mod"})


def filter_expression(text: str) -> str:
    """The filter with each bare choice column written as `${choice.<column>}`."""

    def columns(part: str) -> str:
        return _BARE_NAME.sub(lambda m: m.group(1) if m.group(1) in _KEYWORDS else "${" + COLUMN_PREFIX + m.group(1) + "}", part)

    pieces = _QUOTED.split(text or "")
    return "".join(piece if index % 2 else columns(piece) for index, piece in enumerate(pieces))


def filter_tree(text: str) -> Node | None:
    """The parsed filter (None when empty). Raises ExpressionError (Vietnamese) for one we cannot evaluate."""
    return parse(filter_expression(text))


def filter_answer_names(tree: Node | None) -> set[str]:
    """The questions a parsed filter reads (its `${…}` other than the choice's columns)."""
    return {name for name in referenced_names(tree) if not name.startswith(COLUMN_PREFIX)}


def filter_problems(text: str, *, known_names: set[str]) -> list[str]:
    """Vietnamese problems of one choice_filter: unreadable, or reading a question the form does not have."""
    try:
        tree = filter_tree(text)
    except ExpressionError as error:
        return [_("Bộ lọc lựa chọn «%(filter)s»: %(error)s") % {"filter": text, "error": error}]
    return [
        _("Bộ lọc lựa chọn tham chiếu đến «${%(name)s}» nhưng phiếu không có câu hỏi nào mã «%(name)s».") % {"name": name}
        for name in sorted(filter_answer_names(tree) - known_names)
    ]


def choice_context(answers: Mapping[str, Any], name: str, columns: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The answers with one choice's `name` and columns beside them, as the filter reads them."""
    context = dict(answers)
    context[COLUMN_PREFIX + "name"] = name
    for column, value in columns:
        context[COLUMN_PREFIX + column] = "" if value is None else value
    return context


def choice_allowed(tree: Node | None, answers: Mapping[str, Any], name: str, columns: Iterable[tuple[str, Any]]) -> bool:
    """Whether the filter keeps the choice `name` with its `columns`, given the answers so far."""
    if tree is None:
        return True
    try:
        return is_true(tree, choice_context(answers, name, columns))
    except (ExpressionError, ValueError, TypeError, ZeroDivisionError):
        return False


def cascade_error(question: Any, answers: Mapping[str, Any], levels: Iterable[int | None]) -> str | None:
    """Why one of the chosen `levels` is outside the question's filtered choices, or None. Levels, not names:
    a list may repeat a name under two parents (allow_choice_duplicates). `question` is a
    surveys.selectors.CompiledQuestion (choice_filter: the parsed filter); missing codes are always allowed."""
    tree = getattr(question, "choice_filter", None)
    if tree is None:
        return None
    allowed = {choice.value for choice in question.choices if choice_allowed(tree, answers, choice.name, choice.columns)}
    for level in levels:
        if level is None or level in allowed or (level in question.missing_codes and question.choice_by_value(level) is None):
            continue
        choice = question.choice_by_value(level)
        return _("Lựa chọn «%(value)s» không thuộc các lựa chọn được phép theo câu trả lời trước (bộ lọc lựa chọn của câu hỏi).") % {
            "value": choice.name if choice else level
        }
    return None
