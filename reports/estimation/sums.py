"""Per-cell sums and cross-products of the responses' variables, from per-response aggregates.

Each counted response stores, with its answers, `index_pattern`: one character per index question of its
questionnaire (in question id order) holding the level it answered ('-' for no answer; see
`surveys.services.responses.index_pattern`). One SQL statement groups the counted responses of a
campaign by cell (form × unit × channel × sex × age group) and concatenates their patterns
(`string_agg` / `group_concat`), so the database returns one row per cell whatever the number of
responses, and no answer is read. Here each cell's patterns become a matrix of per-response variables
(respondent, fully satisfied, then valid and satisfied per criterion) whose column sums and
cross-products (Σv, Σvvᵀ, integers) are what the estimators need (`reports.estimation.estimators`).
Responses without a pattern (saved before it existed, or by hand) are rebuilt from their answers.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection

from reports.tallies import UnitFilter
from surveys.models import Answer, Response
from surveys.rules import PATTERN_DIGITS, PATTERN_UNENCODABLE, ROLE_INDEX, QuestionRule

_LEVEL_OF = np.full(256, -1, dtype=np.int16)  # pattern character → level (−1: no answer)
for _level, _char in enumerate(PATTERN_DIGITS):
    _LEVEL_OF[ord(_char)] = _level


# ------------------------------------------------------------------------------------------------
# From patterns to variables
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormLayout:
    """The index questions of one form in pattern order (question id): those with a role in the index
    and a scale, as `surveys.selectors.CompiledForm.index_questions` lists them when a response is saved."""

    form_id: int
    rules: tuple[QuestionRule, ...]  # index questions, pattern order (question id)

    @property
    def width(self) -> int:
        return len(self.rules)


def form_layouts(rules: Iterable[QuestionRule], questionnaire_of: Mapping[int, int], form_of_questionnaire: Mapping[int, int]) -> dict[int, FormLayout]:
    """The pattern layout of every campaign form: its index questions (role index, with levels) by id."""
    by_form: dict[int, list[QuestionRule]] = defaultdict(list)
    for rule in rules:
        if rule.role != ROLE_INDEX or not rule.levels:
            continue
        questionnaire = questionnaire_of.get(rule.question_id)
        form = form_of_questionnaire.get(questionnaire) if questionnaire is not None else None
        if form is not None:
            by_form[form].append(rule)
    return {form: FormLayout(form, tuple(sorted(found, key=lambda r: r.question_id))) for form, found in by_form.items()}


@dataclass(frozen=True)
class Variables:
    """The variables of a response, the same for every cell of a campaign, in this order:
    r (has a valid index answer), f (r and every valid index answer satisfied); per criterion code
    x (a valid answer), y (satisfied: 1/0, or the level under `mean_score`), l (the level); per element
    code p (a valid answer in the element). Criteria are keyed by code, so forms sharing a code add up."""

    criteria: tuple[str, ...]
    elements: tuple[str, ...]
    mean_score: bool = False  # y is the level (mean_score) rather than satisfied (share schemes)

    R = 0
    F = 1

    @property
    def dims(self) -> int:
        return 2 + 3 * len(self.criteria) + len(self.elements)

    def x(self, code: str) -> int:
        return 2 + 3 * self.criteria.index(code)

    def y(self, code: str) -> int:
        return 3 + 3 * self.criteria.index(code)

    def l(self, code: str) -> int:  # noqa: E743 (the level, as methodology.md writes it)
        return 4 + 3 * self.criteria.index(code)

    def p(self, element: str) -> int:
        return 2 + 3 * len(self.criteria) + self.elements.index(element)

    def names(self) -> list[str]:
        return ["r", "f"] + [f"{v}_{c}" for c in self.criteria for v in ("x", "y", "l")] + [f"p_{e}" for e in self.elements]


def pattern_levels(patterns: bytes, width: int) -> np.ndarray:
    """The levels (rows: responses, columns: pattern positions; −1 = no answer) of concatenated patterns."""
    if not width:
        return np.zeros((0, 0), dtype=np.int64)
    return _LEVEL_OF[np.frombuffer(patterns, dtype=np.uint8)].astype(np.int64).reshape(len(patterns) // width, width)


def variables_matrix(levels: np.ndarray, layout: FormLayout, variables: Variables) -> np.ndarray:
    """Per-response variables (rows) from the levels of one form's index questions (−1 = no answer).

    Vectorised over every question at once: each question's valid and satisfied levels are rows of a
    lookup table indexed by level (levels no question holds, and −1, fall in the last, never-valid column)."""
    count, width = levels.shape[0], layout.width
    out = np.zeros((count, variables.dims), dtype=np.float64)
    if count == 0 or width == 0:
        return out
    valid_table, satisfied_table = _lookup_tables(layout)
    never = valid_table.shape[1] - 1  # the column of levels no question holds (and of −1, no answer)
    index = np.where((levels >= 0) & (levels < never), levels, never)
    positions = np.arange(width)[None, :]
    valid = valid_table[positions, index]
    satisfied = satisfied_table[positions, index] & valid
    answered = np.where(valid, levels, 0)
    codes = [rule.code for rule in layout.rules]
    out[:, [variables.x(c) for c in codes]] = valid
    out[:, [variables.y(c) for c in codes]] = answered if variables.mean_score else satisfied
    out[:, [variables.l(c) for c in codes]] = answered
    for section in dict.fromkeys(rule.section_code for rule in layout.rules):
        members = [i for i, rule in enumerate(layout.rules) if rule.section_code == section]
        out[:, variables.p(section)] = valid[:, members].any(axis=1)
    any_valid = valid.any(axis=1)
    out[:, Variables.R] = any_valid
    out[:, Variables.F] = any_valid & ~(valid & ~satisfied).any(axis=1)
    return out


@functools.lru_cache(maxsize=64)
def _lookup_tables(layout: FormLayout) -> tuple[np.ndarray, np.ndarray]:
    top = max((level for rule in layout.rules for level in rule.levels or ()), default=0)
    size = max(top + 1, len(PATTERN_DIGITS)) + 1
    valid = np.zeros((layout.width, size), dtype=bool)
    satisfied = np.zeros((layout.width, size), dtype=bool)
    for position, rule in enumerate(layout.rules):
        for level in rule.levels or ():
            if 0 <= level < size - 1:
                valid[position, level] = True
                satisfied[position, level] = level in rule.satisfied
    return valid, satisfied


def moments(matrix: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """(n, Σv, Σvvᵀ) of per-response variables (exact: small integers in float64)."""
    return matrix.shape[0], matrix.sum(axis=0), matrix.T @ matrix


# ------------------------------------------------------------------------------------------------
# Cells from the database
# ------------------------------------------------------------------------------------------------

CellKey = tuple[int, int, str, str, str]  # form, unit, channel, sex, age group


@dataclass
class CellMomentsRow:
    key: CellKey
    n: int
    sums: np.ndarray
    gram: np.ndarray

    def add(self, n: int, sums: np.ndarray, gram: np.ndarray) -> None:
        self.n += n
        self.sums = self.sums + sums
        self.gram = self.gram + gram


def _profile_sql(field: str) -> str:
    if connection.vendor == "postgresql":
        return f"COALESCE(r.profile ->> '{field}', '')"
    return f"COALESCE(json_extract(r.profile, '$.{field}'), '')"


def _concat_sql() -> str:
    return "string_agg(r.index_pattern, '')" if connection.vendor == "postgresql" else "group_concat(r.index_pattern, '')"


def cell_moments(
    *, campaign_id: int, statuses: Sequence[str], layouts: Mapping[int, FormLayout], variables: Variables, units: UnitFilter,
    expected: Mapping[tuple[int, int, str], int] | None = None,
) -> dict[CellKey, CellMomentsRow]:
    """Moments of every cell of the counted responses of `units`: one grouped statement over responses
    (patterns concatenated per cell), plus a recount from the answers of responses without a usable
    pattern (none once every response was saved through `answers_create` or filled). `expected` (counted
    responses per form × unit × channel, when known) spares the search for such responses where the
    patterns account for all of them."""
    cells: dict[CellKey, CellMomentsRow] = {}
    if units.empty or not statuses or not layouts:
        return cells
    response = connection.ops.quote_name(Response._meta.db_table)
    placeholders = ",".join(["%s"] * len(statuses))
    width_case = "CASE r.form_id " + " ".join(f"WHEN {int(f)} THEN {int(layout.width)}" for f, layout in layouts.items()) + " END"
    usable = f"r.index_pattern IS NOT NULL AND LENGTH(r.index_pattern) = {width_case} AND r.index_pattern NOT LIKE '%%{PATTERN_UNENCODABLE}%%'"
    sex, age = _profile_sql("sex"), _profile_sql("age_group")
    found: dict[tuple[int, int, str], int] = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.form_id, r.unit_id, r.channel, {sex}, {age}, COUNT(*), {_concat_sql()} FROM {response} r "
            f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} AND {usable} "
            f"GROUP BY r.form_id, r.unit_id, r.channel, {sex}, {age}",
            [campaign_id, *statuses],
        )
        for form, unit, channel, sex_value, age_value, count, patterns in cursor.fetchall():
            layout = layouts.get(form)
            if layout is None:
                continue
            levels = pattern_levels((patterns or "").encode("ascii"), layout.width)
            n, sums, gram = moments(variables_matrix(levels, layout, variables))
            assert n == count, (n, count)
            key = (form, unit, channel, str(sex_value), str(age_value))
            _add(cells, key, n, sums, gram, variables)
            found[(form, unit, channel)] += n
        if expected is not None:
            short = {unit for cell, n in expected.items() if found.get(cell, 0) != n for unit in [cell[1]]}
            if not short:
                return cells
            units = UnitFilter(include=frozenset(short))
        cursor.execute(
            f"SELECT r.id, r.form_id, r.unit_id, r.channel, {sex}, {age} FROM {response} r "
            f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} AND NOT ({usable})",
            [campaign_id, *statuses],
        )
        legacy = cursor.fetchall()
    if legacy:
        for key, levels, layout in _recount(legacy, layouts):
            n, sums, gram = moments(variables_matrix(levels, layout, variables))
            _add(cells, key, n, sums, gram, variables)
    return cells


def _add(cells: dict[CellKey, CellMomentsRow], key: CellKey, n: int, sums: np.ndarray, gram: np.ndarray, variables: Variables) -> None:
    row = cells.get(key)
    if row is None:
        cells[key] = CellMomentsRow(key, n, sums, gram)
    else:
        row.add(n, sums, gram)


def _recount(legacy: list[tuple], layouts: Mapping[int, FormLayout]) -> Iterable[tuple[CellKey, np.ndarray, FormLayout]]:
    """Patterns of responses that lack one, from their answers to index questions (per cell)."""
    positions = {rule.question_id: (form, i) for form, layout in layouts.items() for i, rule in enumerate(layout.rules)}
    ids = [row[0] for row in legacy]
    values: dict[int, dict[int, int | None]] = defaultdict(dict)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        answers = Answer.objects.filter(response_id__in=chunk, question_id__in=list(positions)).values_list("response_id", "question_id", "value")
        for response_id, question_id, value in answers:
            values[response_id][question_id] = value
    per_cell: dict[CellKey, list[list[int]]] = defaultdict(list)
    for response_id, form, unit, channel, sex, age in legacy:
        layout = layouts.get(form)
        if layout is None:
            continue
        answered = values.get(response_id, {})
        row = [answered.get(rule.question_id) for rule in layout.rules]
        per_cell[(form, unit, channel, str(sex), str(age))].append([-1 if v is None else v for v in row])
    for key, rows in per_cell.items():
        yield key, np.array(rows, dtype=np.int64).reshape(len(rows), layouts[key[0]].width), layouts[key[0]]
