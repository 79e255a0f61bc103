"""Index schemes (DESIGN.md §5): from counts of answers per level to the indices of one unit.

Pure functions, no database: the engine feeds them rolled-up tallies, the tests feed them hand-made
counts. Every share is computed exactly (fractions) and rounded half-up to two decimals only at the end.
docs/methodology.md states the same rules in prose.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

# A question's role and levels belong to the questionnaire (surveys.rules); the engine imports `question_rule` from here.
from surveys.rules import ROLE_EXPECTATION, ROLE_INDEX, ROLE_RETURN, QuestionRule, question_rule  # noqa: F401
from units.formatting import number

logger = logging.getLogger(__name__)

SIPAS = "sipas"
MOH_POOLED = "moh_pooled"
MEAN_SCORE = "mean_score"
SHARE_SCHEMES = frozenset({SIPAS, MOH_POOLED})

POOLED = "pooled"  # answers at the satisfied levels / all valid answers of the level below
MEAN = "mean"  # mean of the values of the level below (criteria for an element, elements for the overall)

# Which aggregation each scheme uses at the element and overall level unless scheme_options say otherwise.
SCHEME_DEFAULTS: dict[str, dict[str, str]] = {
    SIPAS: {"element": MEAN, "overall": MEAN},
    MOH_POOLED: {"element": POOLED, "overall": POOLED},
    MEAN_SCORE: {"element": POOLED, "overall": POOLED},
}

HUNDRED = Fraction(100)
HUNDREDTH = Decimal("0.01")


# ------------------------------------------------------------------------------------------------
# Settings: the scheme and the role and valid levels of every question
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexPart:
    """One part of a combined index (SIPAS 2023–2026: policy, service delivery), from Questionnaire.parts:
    its elements' value by its own rule, weighted in the overall index by `weight` (a fraction of 1)."""

    code: str
    title: str = ""
    title_en: str = ""
    weight: Fraction = Fraction(0)
    rule: str = MEAN
    source: str = ""
    confirmed: bool = False

    def as_key(self) -> tuple:
        return (self.code, str(self.weight), self.rule)

    @property
    def weight_label(self) -> str:
        """The weight in percent as people write it in the active language: "60", "62,5" (en "62.5")."""
        return self.weight_text()

    def weight_text(self, *, lang: str | None = None) -> str:
        percent = (to_hundredths(self.weight * HUNDRED) or Decimal(0)).normalize()
        return number(percent, max(0, -percent.as_tuple().exponent), lang=lang)


def index_parts(definitions: Iterable[Any]) -> tuple[IndexPart, ...]:
    """The parts of one or more questionnaires' `parts` lists (the first definition of a code wins);
    a list that does not hold (surveys.services.roles refuses it before use) gives no parts."""
    parts: dict[str, IndexPart] = {}
    for definition in definitions:
        if not isinstance(definition, Mapping) or not definition.get("code"):
            continue
        code = str(definition["code"])
        if code in parts:
            continue
        try:
            weight = Fraction(str(definition.get("weight"))) / 100
        except (TypeError, ValueError, ZeroDivisionError):
            return ()
        rule = definition.get("rule") or MEAN
        parts[code] = IndexPart(
            code=code, title=str(definition.get("title") or code), title_en=str(definition.get("title_en") or ""), weight=weight,
            rule=rule if rule in (MEAN, POOLED) else MEAN, source=str(definition.get("source") or ""), confirmed=bool(definition.get("confirmed")),
        )
    if parts and sum(part.weight for part in parts.values()) != 1:
        logger.warning("Trọng số các phần của chỉ số không cộng lại bằng 100%%: %s — bỏ qua các phần.", list(parts))
        return ()
    return tuple(parts.values())


@dataclass(frozen=True)
class SchemeSettings:
    """The scheme of a campaign; `known` is False when the official chose a scheme the engine lacks.
    With `parts`, the overall index is their weighted sum (each part by its own rule)."""

    code: str
    element: str
    overall: str
    known: bool = True
    parts: tuple[IndexPart, ...] = ()


def scheme_settings(code: str, options: Any, parts: tuple[IndexPart, ...] = ()) -> SchemeSettings:
    """The scheme `code` with its per-level options; bad options fall back to the scheme's defaults."""
    defaults = SCHEME_DEFAULTS.get(code)
    if defaults is None:
        logger.warning("Phương pháp tính không hợp lệ: %r — các chỉ số để trống.", code)
        return SchemeSettings(code=code, element=POOLED, overall=POOLED, known=False)
    options = options if isinstance(options, Mapping) else {}
    chosen = {}
    for level in ("element", "overall"):
        value = options.get(level, defaults[level])
        if value not in (POOLED, MEAN):
            logger.warning("Tuỳ chọn %s=%r không hợp lệ, dùng mặc định %s.", level, value, defaults[level])
            value = defaults[level]
        chosen[level] = value
    return SchemeSettings(code=code, element=chosen["element"], overall=chosen["overall"], parts=parts)


# ------------------------------------------------------------------------------------------------
# Arithmetic: rounding, largest remainder
# ------------------------------------------------------------------------------------------------


def to_hundredths(value: Fraction | float | int | None) -> Decimal | None:
    """Round half-up to two decimals (87.685 → 87.69), exactly for fractions."""
    if value is None:
        return None
    fraction = Fraction(value)
    with localcontext() as context:
        context.prec = 40
        decimal = Decimal(fraction.numerator) / Decimal(fraction.denominator)
        return decimal.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def largest_remainder_percentages(counts: Sequence[int], decimals: int = 2) -> list[Decimal | None]:
    """Percentages of `counts` rounded so that they add up to exactly 100 (largest-remainder method).

    Each share is first cut down to `decimals`; the units still missing go, one each, to the shares
    with the largest remainders (ties: the larger count first, then the earlier position).
    Without any count every percentage is None (no data).
    """
    total = sum(counts)
    if total <= 0:
        return [None] * len(counts)
    scale = 10**decimals
    units = 100 * scale
    exact = [Fraction(count * units, total) for count in counts]
    floors = [math.floor(value) for value in exact]
    missing = units - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), -counts[i], i))
    for i in order[:missing]:
        floors[i] += 1
    quantum = Decimal(1).scaleb(-decimals)
    return [(Decimal(value) / scale).quantize(quantum, rounding=ROUND_FLOOR) for value in floors]


# ------------------------------------------------------------------------------------------------
# The indices of one unit
# ------------------------------------------------------------------------------------------------


@dataclass
class AnswerStats:
    """Valid answers of one or more questions: how many, how many satisfied, sums for means."""

    n: int = 0
    satisfied: int = 0
    level_sum: int = 0
    top_share: Fraction = field(default_factory=Fraction)  # Σ level / top of scale, for mean_score

    def add(self, other: AnswerStats) -> None:
        self.n += other.n
        self.satisfied += other.satisfied
        self.level_sum += other.level_sum
        self.top_share += other.top_share


@dataclass(frozen=True)
class People:
    """Counted responses of a unit's subtree; respondents have at least one valid index answer."""

    responses: int = 0
    respondents: int = 0
    fully_satisfied: int = 0


@dataclass(frozen=True)
class IndexResult:
    """One value with its count of valid answers; its interval and standard error come from the design
    (reports.estimation), not from these counts."""

    scope: str
    key: str
    value: Decimal | None
    n: int


def question_stats(rule: QuestionRule, levels: Mapping[int, int]) -> AnswerStats:
    """Valid answers of one question from its counts per level."""
    stats = AnswerStats()
    top = rule.scale_max
    for level, count in levels.items():
        if count <= 0 or not rule.is_valid(level):
            continue
        stats.n += count
        stats.level_sum += level * count
        if level in rule.satisfied:
            stats.satisfied += count
        if top:
            stats.top_share += Fraction(level * count, top)
    return stats


def _score(stats: AnswerStats, scheme: SchemeSettings) -> Fraction | None:
    """The criterion-style value (a fraction of 1) of pooled answers, None without valid answers."""
    if stats.n == 0:
        return None
    if scheme.code == MEAN_SCORE:
        return stats.top_share / stats.n
    return Fraction(stats.satisfied, stats.n)


def _share_result(scope: str, key: str, stats: AnswerStats, scheme: SchemeSettings) -> IndexResult:
    score = _score(stats, scheme) if scheme.known else None
    if score is None:
        return IndexResult(scope, key, None, stats.n)
    return IndexResult(scope, key, to_hundredths(score * HUNDRED), stats.n)


def _mean_result(scope: str, key: str, parts: Sequence[tuple[Fraction | None, AnswerStats]], scheme: SchemeSettings) -> IndexResult:
    """The mean of the values below that have data."""
    pooled = AnswerStats()
    for _, stats in parts:
        pooled.add(stats)
    present = [score for score, _ in parts if score is not None]
    if not scheme.known or not present:
        return IndexResult(scope, key, None, pooled.n)
    mean = sum(present, Fraction(0)) / len(present)
    return IndexResult(scope, key, to_hundredths(mean * HUNDRED), pooled.n)


def _plain_mean(scope: str, key: str, stats: AnswerStats) -> IndexResult:
    value = to_hundredths(Fraction(stats.level_sum, stats.n)) if stats.n else None
    return IndexResult(scope, key, value, stats.n)


def _rate(scope: str, key: str, stats: AnswerStats) -> IndexResult:
    if stats.n == 0:
        return IndexResult(scope, key, None, 0)
    return IndexResult(scope, key, to_hundredths(Fraction(stats.satisfied * 100, stats.n)), stats.n)


def _parts_and_overall(scheme: SchemeSettings, by_part: Mapping[str, list[tuple[Fraction | None, AnswerStats]]], overall: AnswerStats) -> list[IndexResult]:
    """Each part by its rule (the mean of its elements, or its answers pooled), then the overall index as the
    parts' weighted sum: None while a part has no data (a combined index is not made of one part). Their
    intervals come from the design-based estimates (reports.estimation.plan), like every other value's."""
    results: list[IndexResult] = []
    combined = Fraction(0)
    complete = scheme.known
    for part in scheme.parts:
        members = by_part.get(part.code, [])
        if part.rule == POOLED:
            pooled = AnswerStats()
            for _score_value, stats in members:
                pooled.add(stats)
            result = _share_result("part", part.code, pooled, scheme)
            score = _score(pooled, scheme) if scheme.known else None
        else:
            result = _mean_result("part", part.code, members, scheme)
            present = [value for value, _stats in members if value is not None]
            score = sum(present, Fraction(0)) / len(present) if present else None
        results.append(result)
        if score is None:
            complete = False
        else:
            combined += part.weight * score
    value = to_hundredths(combined * HUNDRED) if complete and scheme.parts else None
    results.append(IndexResult("overall", "", value, overall.n))
    return results


def unit_indices(
    *, rules: Iterable[QuestionRule], counts: Mapping[int, Mapping[int, int]], people: People, scheme: SchemeSettings
) -> list[IndexResult]:
    """Every index of one unit from its (subtree) counts: question id → level → number of answers.

    Questions sharing a code (the same item in two questionnaires of a campaign) are one criterion;
    sections sharing a code are one element. The unit gets a row for every index question and section
    of `rules` (value None where nobody answered), so callers pass only the rules of forms it used.
    """
    by_code: dict[str, AnswerStats] = {}
    elements: dict[str, AnswerStats] = {}
    element_codes: dict[str, list[str]] = {}
    part_of_element: dict[str, str] = {}
    expectation: dict[str, AnswerStats] = {}
    returns: dict[str, AnswerStats] = {}
    for rule in rules:
        stats = question_stats(rule, counts.get(rule.question_id, {}))
        if rule.role == ROLE_INDEX:
            by_code.setdefault(rule.code, AnswerStats()).add(stats)
            elements.setdefault(rule.section_code, AnswerStats()).add(stats)
            members = element_codes.setdefault(rule.section_code, [])
            if rule.code not in members:
                members.append(rule.code)
            part_of_element.setdefault(rule.section_code, rule.part)
        elif rule.role == ROLE_EXPECTATION:
            expectation.setdefault(rule.code, AnswerStats()).add(stats)
        elif rule.role == ROLE_RETURN:
            returns.setdefault(rule.code, AnswerStats()).add(stats)

    results: list[IndexResult] = [IndexResult("responses", "", Decimal(people.responses), people.responses)]
    for code, stats in by_code.items():
        results.append(_share_result("criterion", code, stats, scheme))
        results.append(_plain_mean("mean", code, stats))

    overall = AnswerStats()
    element_parts: list[tuple[Fraction | None, AnswerStats]] = []
    by_part: dict[str, list[tuple[Fraction | None, AnswerStats]]] = {}
    for section_code, stats in elements.items():
        overall.add(stats)
        if scheme.element == MEAN:
            parts = [(_score(by_code[code], scheme), by_code[code]) for code in element_codes[section_code]]
            result = _mean_result("element", section_code, parts, scheme)
            present = [score for score, _ in parts if score is not None]
            element_score = sum(present, Fraction(0)) / len(present) if present else None
        else:
            result = _share_result("element", section_code, stats, scheme)
            element_score = _score(stats, scheme)
        results.append(result)
        results.append(_plain_mean("mean", section_code, stats))
        element_parts.append((element_score, stats))
        by_part.setdefault(part_of_element.get(section_code, ""), []).append((element_score, stats))

    if scheme.parts:
        results += _parts_and_overall(scheme, by_part, overall)
    elif scheme.overall == MEAN:
        results.append(_mean_result("overall", "", element_parts, scheme))
    else:
        results.append(_share_result("overall", "", overall, scheme))
    results.append(_plain_mean("mean", "", overall))

    full = to_hundredths(Fraction(people.fully_satisfied * 100, people.respondents)) if people.respondents else None
    results.append(IndexResult("full", "", full, people.respondents))
    for code, stats in expectation.items():
        results.append(_plain_mean("expectation", code, stats))
    for code, stats in returns.items():
        results.append(_rate("return", code, stats))
    return results
