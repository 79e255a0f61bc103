"""How the answers to one question count in the indices: its role, valid levels and satisfied levels.

This belongs to the questionnaire (surveys), below the engine: surveys uses it to store each response's
index counts when its answers are written, and reports' schemes build on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Roles a question plays in the indices (surveys.models.QuestionRole); set by the author, never guessed.
ROLE_INDEX = "index"
ROLE_EXPECTATION = "expectation"
ROLE_RETURN = "return"
ROLE_PROFILE = "profile"
ROLE_OTHER = "other"
ROLES = frozenset({ROLE_INDEX, ROLE_EXPECTATION, ROLE_RETURN, ROLE_PROFILE, ROLE_OTHER})

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
    part: str = ""  # the index part of its section (Questionnaire.parts), "" without parts

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
        ) + (("multi",) if self.multi else ()) + ((("part", self.part),) if self.part else ())  # keys grow only where used


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


def question_rule(
    *, question_id: int, code: str, section_code: str, type: str, role: str, choices: Any,
    satisfied_levels: Any, missing_codes: Any, min_value: Any = None, max_value: Any = None, part: str = "",
) -> QuestionRule:
    """The rule for one question, from its fields. The role is the author's (`Question.role`): nothing is
    inferred from a question's codes, bounds or wording. A satisfaction item counts the levels its author
    marked as satisfied (none marked: nothing satisfied; the questionnaire cannot be frozen so); missing
    codes (không biết, không sử dụng) are left out of numerator and denominator."""
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
    role = role if role in ROLES else ROLE_OTHER
    if role == ROLE_INDEX and not levels:  # an index needs a known, finite scale; without one the question shows no data
        levels = frozenset()
    return QuestionRule(
        question_id=question_id, code=code, section_code=section_code, role=role, levels=levels,
        missing=missing, satisfied=satisfied & levels if levels is not None else satisfied, low=low, high=high,
        multi=type == "multi", part=part or "",
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

