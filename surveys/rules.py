"""How the answers to one question count in the indices: its role, valid levels and satisfied levels.

This belongs to the questionnaire (surveys), below the engine: surveys uses it to store each response's
index counts when its answers are written, and reports' schemes build on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Roles a question plays in the indices.
ROLE_INDEX = "index"
ROLE_EXPECTATION = "expectation"
ROLE_RETURN = "return"
ROLE_OTHER = "other"

# Satisfied levels assumed for an index question on a Likert scale whose official left them empty.
DEFAULT_SATISFIED = {"likert5": frozenset({4, 5}), "likert4": frozenset({3, 4})}
# G2 of the Ministry of Health forms: "có thể sẽ quay lại" (4) and "chắc chắn quay lại hoặc giới thiệu" (5).
DEFAULT_RETURN_SATISFIED = frozenset({4, 5})
RETURN_WORDS = "quay lại"
SCALE_LEVELS = {"likert5": frozenset(range(1, 6)), "likert4": frozenset(range(1, 5))}
CHOICE_TYPES = frozenset({"single", "multi", "yes_no"})


@dataclass(frozen=True)
class QuestionRule:
    """How the answers to one question count.

    `levels` are the valid levels (None: any integer within `low`..`high`); missing codes are never valid.
    """

    question_id: int
    code: str
    section_code: str
    role: str
    levels: frozenset[int] | None
    missing: frozenset[int]
    satisfied: frozenset[int]
    low: int | None = None
    high: int | None = None
    multi: bool = False  # a multi-choice question: one answer per ticked option, so its base is respondents, not answers

    def is_valid(self, level: int) -> bool:
        if level in self.missing:
            return False
        if self.levels is not None:
            return level in self.levels
        return (self.low is None or level >= self.low) and (self.high is None or level <= self.high)

    @property
    def scale_max(self) -> int | None:
        """The top of the scale, for `mean_score`'s mean / top × 100."""
        return max(self.levels) if self.levels else None

    def as_key(self) -> tuple:
        return (
            self.question_id, self.code, self.section_code, self.role, sorted(self.levels) if self.levels is not None else None,
            sorted(self.missing), sorted(self.satisfied), self.low, self.high,
        ) + (("multi",) if self.multi else ())  # only multi-choice questions' keys grew when the flag came


def _int_set(values: Any) -> frozenset[int]:
    """Integers from a JSON list; anything else (a typo by an official) is dropped."""
    if not isinstance(values, list | tuple):
        return frozenset()
    result = set()
    for value in values:
        try:
            result.add(int(value))
        except (TypeError, ValueError):
            continue
    return frozenset(result)


def _code_list(options: Any, name: str) -> frozenset[str] | None:
    value = options.get(name) if isinstance(options, Mapping) else None
    return frozenset(str(code) for code in value) if isinstance(value, list | tuple) else None


def question_rule(
    *, question_id: int, code: str, section_code: str, type: str, counts_in_index: bool, choices: Any,
    satisfied_levels: Any, missing_codes: Any, min_value: Any = None, max_value: Any = None, options: Any = None, text: str = "",
) -> QuestionRule:
    """The rule for one question, from its fields and the campaign's scheme options.

    Roles: an index question is one marked `counts_in_index`. Outside the index, the codes listed in
    scheme_options["expectation"] / ["return"] take those roles; without such lists a `number` question
    bounded 0..100 is an expectation rate (G1) and a choice question asking whether one would come back
    ("quay lại", G2) is a return/recommend rate, satisfied at its satisfied levels or else at 4 and 5.
    """
    missing = _int_set(missing_codes)
    if type in SCALE_LEVELS:
        levels: frozenset[int] | None = SCALE_LEVELS[type]
    elif type in CHOICE_TYPES:
        levels = _int_set([c.get("value") for c in choices if isinstance(c, Mapping)] if isinstance(choices, list) else [])
    else:
        levels = None
    if levels is not None:
        levels = levels - missing
    low = int(min_value) if min_value is not None else None
    high = int(max_value) if max_value is not None else None
    satisfied = _int_set(satisfied_levels)
    expectation_codes = _code_list(options, "expectation")
    return_codes = _code_list(options, "return")
    if counts_in_index:
        role = ROLE_INDEX
        satisfied = satisfied or DEFAULT_SATISFIED.get(type, frozenset())
        if not levels:  # an index needs a known, finite scale; without one the question shows no data
            levels = frozenset()
    elif expectation_codes is not None and code in expectation_codes:
        role = ROLE_EXPECTATION
    elif return_codes is not None and code in return_codes:
        role = ROLE_RETURN
    elif expectation_codes is None and type == "number" and low == 0 and high == 100:
        role = ROLE_EXPECTATION
    elif return_codes is None and levels and RETURN_WORDS in text.lower():
        role = ROLE_RETURN
    else:
        role = ROLE_OTHER
    if role == ROLE_RETURN and not satisfied:
        satisfied = DEFAULT_RETURN_SATISFIED
    return QuestionRule(
        question_id=question_id, code=code, section_code=section_code, role=role, levels=levels,
        missing=missing, satisfied=satisfied & levels if levels is not None else satisfied, low=low, high=high,
        multi=type == "multi",
    )


# ------------------------------------------------------------------------------------------------
# A response's index pattern: its answer to each index question of its questionnaire, one character each
# ------------------------------------------------------------------------------------------------

PATTERN_NO_ANSWER = "-"
PATTERN_UNENCODABLE = "?"  # a level outside 0–35: the engine recounts such a response from its answers
PATTERN_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def pattern_char(value: int | None) -> str:
    """One answer as a pattern character: the level in base 36, '-' for no answer."""
    if value is None:
        return PATTERN_NO_ANSWER
    if 0 <= value < len(PATTERN_DIGITS):
        return PATTERN_DIGITS[value]
    return PATTERN_UNENCODABLE


def index_pattern(index_questions: tuple[int, ...], answers: Mapping[int, int | None]) -> str:
    """The pattern of one response: for each index question (ids in increasing order: those with an
    index scale), the level it answered. Stored with the response so that the engine's per-stratum
    sums and cross-products (reports.estimation.sums) read responses, never answers."""
    return "".join(pattern_char(answers.get(question)) for question in index_questions)

