"""Per-cell sums and cross-products of the responses' variables, from per-response aggregates.

Each counted response stores, with its answers, `index_pattern`: one character per index question of its
questionnaire (in question id order) holding the level it answered ('-' for no answer; see
`surveys.rules.index_pattern`). One SQL statement groups the counted responses of a
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

from reports.estimation.estimators import blas_single_thread
from reports.patterns import LEVEL_OF, PATTERN_SEPARATOR, clean_levels
from reports.tallies import UnitFilter, patterns_concat_sql, profile_sql
from surveys.models import Answer, Response
from surveys.rules import PATTERN_DIGITS, PATTERN_UNENCODABLE, ROLE_INDEX, QuestionRule

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
    r (has a valid index answer), f (r and every valid index answer satisfied); x (a valid answer) for
    each criterion code, then y (satisfied: 1/0, or the level under `mean_score`) for each; then, summed
    but not cross-multiplied, l (the level) for each criterion and p (a valid answer in it) for each element.
    Criteria are keyed by code, so forms sharing a code add up. Cross-products are kept for the first
    `gram_dims` variables only: every estimate with a standard error is a function of those."""

    criteria: tuple[str, ...]
    elements: tuple[str, ...]
    mean_score: bool = False  # y is the level (mean_score) rather than satisfied (share schemes)

    R = 0
    F = 1
    # Bumped whenever the order or meaning of the variables changes: it is part of the settings'
    # fingerprint, so stored per-cell sums of another layout are recomputed instead of misread.
    LAYOUT = 2

    @property
    def gram_dims(self) -> int:
        return 2 + 2 * len(self.criteria)

    @property
    def dims(self) -> int:
        return self.gram_dims + len(self.criteria) + len(self.elements)

    def x(self, code: str) -> int:
        return 2 + self.criteria.index(code)

    def y(self, code: str) -> int:
        return 2 + len(self.criteria) + self.criteria.index(code)

    def l(self, code: str) -> int:  # noqa: E743 (the level, as methodology.md writes it)
        return self.gram_dims + self.criteria.index(code)

    def p(self, element: str) -> int:
        return self.gram_dims + len(self.criteria) + self.elements.index(element)

    def names(self) -> list[str]:
        return (
            ["r", "f"] + [f"{v}_{c}" for v in ("x", "y", "l") for c in self.criteria] + [f"p_{e}" for e in self.elements]
        )


def variables_matrix(levels: np.ndarray, layout: FormLayout, variables: Variables) -> np.ndarray:
    """Per-response variables (rows) from the levels of one form's index questions (−1 = no answer).

    Vectorised over every question at once: each question's valid and satisfied levels are rows of a
    lookup table indexed by level (levels no question holds, and −1, fall in the last, never-valid column)."""
    count, width = levels.shape[0], layout.width
    out = np.zeros((count, variables.dims), dtype=np.float32)  # small integers: exact, and half the memory
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


def cell_sums(levels: np.ndarray, layout: FormLayout, variables: Variables) -> tuple[int, np.ndarray, np.ndarray]:
    """(n, Σv, Σvvᵀ over the cross-multiplied variables) of one cell's responses: `moments` of
    `variables_matrix` without building the columns that are only summed (levels, element flags)."""
    count, width = levels.shape[0], layout.width
    sums = np.zeros(variables.dims)
    core = np.zeros((count, variables.gram_dims), dtype=np.float32)
    if count and width:
        states = _state_table(layout)  # per position and level: 0 not valid, 1 valid, 2 valid and satisfied
        index = np.minimum(levels.astype(np.uint16), states.shape[1] - 1)  # −1 (no answer) wraps to the top: never valid
        state = states[np.arange(width)[None, :], index]
        valid, satisfied = state > 0, state == 2
        x_columns, y_columns, l_columns = _columns(layout, variables)
        scores = np.where(valid, levels, 0) if variables.mean_score else satisfied
        if isinstance(x_columns, slice):  # one form, questions in criterion order: two block copies
            core[:, x_columns] = valid
            core[:, y_columns] = scores
        else:
            core[:, list(x_columns)] = valid
            core[:, list(y_columns)] = scores
        any_valid = valid.any(axis=1)
        core[:, Variables.R] = any_valid
        core[:, Variables.F] = any_valid & ~(state == 1).any(axis=1)
        sums[list(l_columns)] = np.sum(levels, axis=0, where=valid, dtype=np.int64)
        for column, members in _element_members(layout, variables):
            sums[column] = valid[:, members].any(axis=1).sum()
    n, core_sums, gram = moments(core)
    sums[: variables.gram_dims] = core_sums
    return n, sums, gram


@functools.lru_cache(maxsize=64)
def _state_table(layout: FormLayout) -> np.ndarray:
    valid, satisfied = _lookup_tables(layout)
    return valid.astype(np.uint8) + satisfied.astype(np.uint8)


@functools.lru_cache(maxsize=64)
def _columns(layout: FormLayout, variables: Variables) -> tuple[slice | tuple[int, ...], slice | tuple[int, ...], tuple[int, ...]]:
    """The x, y and l columns of a form's positions: slices when they are the criteria in order (one form)."""
    xs = tuple(variables.x(rule.code) for rule in layout.rules)
    ys = tuple(variables.y(rule.code) for rule in layout.rules)
    ls = tuple(variables.l(rule.code) for rule in layout.rules)
    if xs == tuple(range(2, 2 + len(variables.criteria))):
        return slice(xs[0], xs[-1] + 1), slice(ys[0], ys[-1] + 1), ls
    return xs, ys, ls


@functools.lru_cache(maxsize=64)
def _element_members(layout: FormLayout, variables: Variables) -> tuple[tuple[int, list[int]], ...]:
    sections = dict.fromkeys(rule.section_code for rule in layout.rules)
    return tuple((variables.p(s), [i for i, rule in enumerate(layout.rules) if rule.section_code == s]) for s in sections)


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


# Single precision holds every integer below 2**24 exactly: cross-products of levels (at most 35²) over a
# cell of fewer responses than this are exact with the faster single-precision product.
SINGLE_PRECISION_RESPONSES = 2**24 // (35 * 35)


def moments(matrix: np.ndarray, gram_dims: int | None = None) -> tuple[int, np.ndarray, np.ndarray]:
    """(n, Σv, Σvvᵀ over the first `gram_dims` variables) of per-response variables, exact."""
    core = matrix[:, : matrix.shape[1] if gram_dims is None else gram_dims]
    if matrix.shape[0] < SINGLE_PRECISION_RESPONSES:
        core = core.astype(np.float32, copy=False)
        gram = (core.T @ core).astype(np.float64)
    else:
        core = core.astype(np.float64)
        gram = core.T @ core
    return matrix.shape[0], matrix.sum(axis=0, dtype=np.float64), gram


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


SEPARATOR = PATTERN_SEPARATOR


@blas_single_thread
def cell_moments(
    *, campaign_id: int, statuses: Sequence[str], layouts: Mapping[int, FormLayout], variables: Variables, units: UnitFilter,
    expected: Mapping[tuple[int, int, str], int], groups: list | None = None,
) -> dict[CellKey, CellMomentsRow]:
    """Moments of every cell of the counted responses of `units`.

    One grouped statement over the responses concatenates each cell's patterns (a hash aggregate: one
    row per cell, no sort). A unit whose cells do not account for its counted responses (`expected`, per
    form × unit × channel, from the same run's cell counts) — responses without a pattern, or with one
    that does not fit — is read again response by response, and those lacking a usable pattern are
    recounted from their answers (none once every response was saved through `answers_create` or filled).
    `groups`: those concatenated patterns when the tally statement already read them (no query then).
    """
    cells: dict[CellKey, CellMomentsRow] = {}
    if units.empty or not statuses or not layouts:
        return cells
    response = connection.ops.quote_name(Response._meta.db_table)
    placeholders = ",".join(["%s"] * len(statuses))
    sex, age = profile_sql("sex"), profile_sql("age_group")
    found: dict[tuple[int, int, str], int] = defaultdict(int)
    unfit: set[int] = set()
    with connection.cursor() as cursor:
        if groups is None:
            cursor.execute(
                f"SELECT r.form_id, r.unit_id, r.channel, {sex}, {age}, COUNT(*), {patterns_concat_sql()} FROM {response} r "
                f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} AND r.index_pattern IS NOT NULL "
                f"GROUP BY r.form_id, r.unit_id, r.channel, {sex}, {age}",
                [campaign_id, *statuses],
            )
            groups = cursor.fetchall()
        for form, unit, channel, sex_value, age_value, count, patterns in groups:
            layout = layouts.get(form)
            if layout is None:
                continue
            levels = clean_levels((patterns or "").encode("ascii", "replace"), count, layout.width)
            if levels is None:
                unfit.add(unit)
                continue
            n, sums, gram = cell_sums(levels, layout, variables)
            _add(cells, (form, unit, channel, str(sex_value), str(age_value)), n, sums, gram, variables)
            found[(form, unit, channel)] += n
        again = unfit | {cell[1] for cell, n in expected.items() if cell[0] in layouts and found.get(cell, 0) != n}
        if not again:
            return cells
        for key in [key for key in cells if key[1] in again]:
            del cells[key]
        cursor.execute(
            f"SELECT r.id, r.form_id, r.unit_id, r.channel, {sex}, {age}, r.index_pattern FROM {response} r "
            f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){UnitFilter(include=frozenset(again)).sql('r.unit_id')}",
            [campaign_id, *statuses],
        )
        one_by_one = cursor.fetchall()
    for key, levels, layout in _levels_one_by_one(one_by_one, layouts):
        n, sums, gram = cell_sums(levels, layout, variables)
        _add(cells, key, n, sums, gram, variables)
    return cells


def _add(cells: dict[CellKey, CellMomentsRow], key: CellKey, n: int, sums: np.ndarray, gram: np.ndarray, variables: Variables) -> None:
    row = cells.get(key)
    if row is None:
        cells[key] = CellMomentsRow(key, n, sums, gram)
    else:
        row.add(n, sums, gram)


def _levels_one_by_one(rows: list[tuple], layouts: Mapping[int, FormLayout]) -> Iterable[tuple[CellKey, np.ndarray, FormLayout]]:
    """Each response's levels per cell: from its pattern when usable, else from its answers to the
    index questions (read in batches)."""
    positions = {rule.question_id for layout in layouts.values() for rule in layout.rules}
    per_cell: dict[CellKey, list[list[int]]] = defaultdict(list)
    missing: list[tuple] = []
    for response_id, form, unit, channel, sex, age, pattern in rows:
        layout = layouts.get(form)
        if layout is None:
            continue
        key = (form, unit, channel, str(sex), str(age))
        if pattern is not None and len(pattern) == layout.width and PATTERN_UNENCODABLE not in pattern and SEPARATOR not in pattern:
            per_cell[key].append([int(v) for v in LEVEL_OF[np.frombuffer(pattern.encode("ascii", "replace"), dtype=np.uint8)]])
        else:
            missing.append((response_id, key, layout))
    values: dict[int, dict[int, int | None]] = defaultdict(dict)
    ids = [response_id for response_id, _key, _layout in missing]
    for start in range(0, len(ids), 5000):
        answers = Answer.objects.filter(response_id__in=ids[start : start + 5000], question_id__in=sorted(positions))
        for response_id, question_id, value in answers.values_list("response_id", "question_id", "value"):
            values[response_id][question_id] = value
    for response_id, key, layout in missing:
        answered = values.get(response_id, {})
        per_cell[key].append([-1 if (v := answered.get(rule.question_id)) is None else v for rule in layout.rules])
    for key, levels in per_cell.items():
        width = layouts[key[0]].width
        yield key, np.array(levels, dtype=np.int64).reshape(len(levels), width), layouts[key[0]]
