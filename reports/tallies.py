"""Tallies straight from SQL, and their roll-up along the unit tree.

Two aggregates give the leaf rows; nothing loops over answers in Python:
- tallies: counted answers per form × unit × channel × question × level;
- cell counts: counted responses per form × unit × channel, with those that have a valid index answer
  and those whose every valid index answer is satisfied (full satisfaction needs the respondent). They
  come from the index counts stored on each response (a GROUP BY over responses), or, when a counted
  response lacks them, from a per-response recount over the answers.
On PostgreSQL, with the stored counts, the same pass over the responses concatenates their index patterns
per cell, and the index questions' tallies are counted from those (reports.patterns): the answers are read
only for the other questions and for units with a response lacking a usable pattern.
The roll-up then reads these few rows summed per unit (units × questions × levels), never answers.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection

from reports.models import CellCount, Tally
from reports.patterns import PATTERN_SEPARATOR, pattern_tallies
from reports.rows import LeafChanges, UnitLevels, UnitPeople, replace_rows
from reports.schemes import ROLE_INDEX, QuestionRule
from surveys.models import Answer, Response


@dataclass(frozen=True)
class UnitFilter:
    """Which units' answers to read: all (both None), only `include`, or all but `exclude`."""

    include: frozenset[int] | None = None
    exclude: frozenset[int] | None = None

    def sql(self, column: str) -> str:
        # Unit ids are integers from the database, written inline so that thousands of them need no parameters.
        if self.include is not None:
            ids = ",".join(str(int(i)) for i in sorted(self.include)) or "NULL"
            return f" AND {column} IN ({ids})"
        if self.exclude:
            ids = ",".join(str(int(i)) for i in sorted(self.exclude))
            return f" AND {column} NOT IN ({ids})"
        return ""

    @property
    def empty(self) -> bool:
        return self.include is not None and not self.include


ALL_UNITS = UnitFilter()


def session_tuning_sql(*, chunk: bool = False) -> list[str]:
    """Statements that tune the engine's transaction only (PostgreSQL; nothing on SQLite): room to hash
    its grouped reads in memory (REPORTS_WORK_MEM, default 256MB) and, when REPORTS_PARALLEL_WORKERS is
    set, how many parallel workers one statement may take (else the server's
    max_parallel_workers_per_gather). A `chunk` of a chunked recompute takes REPORTS_CHUNK_PARALLEL_WORKERS
    (default 0): the chunks running side by side on several workers are the parallelism, one core each, so
    that k workers use k of the server's cores instead of each asking for all of them. Measured effect:
    docs/deployment.md."""
    if connection.vendor != "postgresql":
        return []
    work_mem = os.environ.get("REPORTS_WORK_MEM", "256MB")
    if not work_mem.isalnum():
        work_mem = "256MB"
    statements = [f"SET LOCAL work_mem = '{work_mem}'"]
    workers = os.environ.get("REPORTS_CHUNK_PARALLEL_WORKERS", "0") if chunk else os.environ.get("REPORTS_PARALLEL_WORKERS", "")
    if workers.isdigit():
        statements.append(f"SET LOCAL max_parallel_workers_per_gather = {int(workers)}")
    return statements


def tune_session(*, chunk: bool = False) -> None:
    with connection.cursor() as cursor:
        for statement in session_tuning_sql(chunk=chunk):
            cursor.execute(statement)


def _tables() -> tuple[str, str]:
    return connection.ops.quote_name(Answer._meta.db_table), connection.ops.quote_name(Response._meta.db_table)


def _status_sql(statuses: Sequence[str]) -> tuple[str, list[str]]:
    return ",".join(["%s"] * len(statuses)) or "NULL", list(statuses)


# The Tally level whose row counts, for a multi-choice question, the responses that ticked at least one
# valid option (the base of its shares: one response has an answer row per ticked option). It lies below
# any level a question can hold (the smallest 32-bit integer), so no rule ever counts it as an answer.
RESPONDENTS_LEVEL = -(2**31)


@dataclass(frozen=True)
class TallyPlan:
    """What the tally statements need to know about a campaign's questions.

    `form_of` maps each question to the campaign form of its questionnaire (a question belongs to one
    questionnaire, and a campaign uses a questionnaire once), so tallies need no form column from the
    response. `index_levels` lists (question, level, 1 if satisfied else 0) for every valid level of
    every index question. `number_questions` are questions whose answers may sit in `Answer.number`.
    """

    statuses: tuple[str, ...]
    form_of: Mapping[int, int]
    index_levels: tuple[tuple[int, int, int], ...]
    number_questions: tuple[int, ...]
    multi_levels: tuple[tuple[int, tuple[int, ...]], ...] = ()  # (question, its valid levels) of multi-choice questions
    # Per form, the question at each position of its responses' index patterns (None: not tallied from
    # the patterns, e.g. a multi-choice question); those questions' leaf tallies come from the patterns.
    pattern_positions: tuple[tuple[int, tuple[int | None, ...]], ...] = ()

    @property
    def pattern_questions(self) -> frozenset[int]:
        return frozenset(q for _form, questions in self.pattern_positions for q in questions if q is not None)


def index_level_table(rules: Iterable[QuestionRule]) -> list[tuple[int, int, int]]:
    """(question, level, 1 if satisfied else 0) for every valid level of every index question."""
    rows = []
    for rule in rules:
        if rule.role != ROLE_INDEX or not rule.levels:
            continue
        for level in sorted(rule.levels):
            rows.append((rule.question_id, level, 1 if level in rule.satisfied else 0))
    return rows


def multi_level_table(rules: Iterable[QuestionRule]) -> list[tuple[int, tuple[int, ...]]]:
    """(question, valid levels) of every multi-choice question that has valid levels."""
    return [(rule.question_id, tuple(sorted(rule.levels))) for rule in rules if rule.multi and rule.levels]


def _levels_condition(levels: Iterable[int]) -> str:
    levels = sorted(set(levels))
    if not levels:
        return "FALSE"
    if levels == list(range(levels[0], levels[-1] + 1)):
        return f"a.value BETWEEN {int(levels[0])} AND {int(levels[-1])}"
    return f"a.value IN ({','.join(str(int(v)) for v in levels)})"


def _flag_expressions(plan: TallyPlan) -> tuple[str, str]:
    """SQL expressions (1/0) for "a valid index answer" and "a valid index answer not satisfied".

    Questions sharing the same valid and satisfied levels (usually all of them) share one condition,
    which costs far less per answer than joining a table of levels.
    """
    valid: dict[int, set[int]] = defaultdict(set)
    satisfied: dict[int, set[int]] = defaultdict(set)
    for question, level, is_satisfied in plan.index_levels:
        valid[question].add(level)
        if is_satisfied:
            satisfied[question].add(level)
    profiles: dict[tuple[frozenset[int], frozenset[int]], list[int]] = defaultdict(list)
    for question, levels in valid.items():
        profiles[(frozenset(levels), frozenset(satisfied[question]))].append(question)
    valid_parts, unsatisfied_parts = [], []
    for (levels, happy), questions in sorted(profiles.items(), key=lambda item: sorted(item[1])):
        in_questions = f"a.question_id IN ({','.join(str(int(q)) for q in sorted(questions))})"
        valid_parts.append(f"({in_questions} AND {_levels_condition(levels)})")
        if levels - happy:
            unsatisfied_parts.append(f"({in_questions} AND {_levels_condition(levels - happy)})")
    return (
        f"CASE WHEN {' OR '.join(valid_parts) or 'FALSE'} THEN 1 ELSE 0 END",
        f"CASE WHEN {' OR '.join(unsatisfied_parts) or 'FALSE'} THEN 1 ELSE 0 END",
    )


def _answers_from(plan: TallyPlan, units: UnitFilter, join: str = "") -> tuple[str, list]:
    """Counted answers of the campaign: the join with responses only brings the status."""
    answer, response = _tables()
    placeholders, status_params = _status_sql(plan.statuses)
    sql = (
        f"FROM {answer} a JOIN {response} r ON r.id = a.response_id {join}"
        f"WHERE a.campaign_id = %s AND r.campaign_id = a.campaign_id AND r.status IN ({placeholders}) AND a.value IS NOT NULL"
        # the same units on the response side lets the planner hash only those responses
        f"{units.sql('a.unit_id')}{units.sql('r.unit_id')}"
    )
    return sql, status_params


def _responses_cells(plan: TallyPlan, units: UnitFilter, per_response: str | None = None) -> tuple[str, list]:
    """Counted responses per form × unit × channel, with their (valid, unsatisfied) index answer counts
    taken from `per_response` (a recount from the answers) or, when None, stored on the response."""
    _, response = _tables()
    placeholders, status_params = _status_sql(plan.statuses)
    if per_response is None:
        source, valid, unsatisfied = f"{response} r", "r.index_valid", "r.index_unsatisfied"
    else:
        source, valid, unsatisfied = f"{response} r LEFT JOIN {per_response} x ON x.response_id = r.id", "x.valid", "x.unsatisfied"
    sql = (
        "SELECT r.form_id, r.unit_id, r.channel, COUNT(*), "
        f"SUM(CASE WHEN {valid} > 0 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {valid} > 0 AND {unsatisfied} = 0 THEN 1 ELSE 0 END) "
        f"FROM {source} "
        f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} "
        "GROUP BY r.form_id, r.unit_id, r.channel"
    )
    return sql, status_params


def profile_sql(field: str) -> str:
    """A field of the response's profile (sex, age group) as text, '' when absent."""
    if connection.vendor == "postgresql":
        return f"COALESCE(r.profile ->> '{field}', '')"
    return f"COALESCE(json_extract(r.profile, '$.{field}'), '')"


def patterns_concat_sql() -> str:
    """The index patterns of a group of responses, joined by PATTERN_SEPARATOR (NULLs left out)."""
    aggregate = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return f"{aggregate}(r.index_pattern, '{PATTERN_SEPARATOR}')"


def _responses_cells_with_patterns(plan: TallyPlan, units: UnitFilter) -> tuple[str, list]:
    """The stored-count cell counts per form × unit × channel × sex × age group, with each group's index
    patterns concatenated (for the estimates' per-cell sums, reports.estimation.sums): the one pass over
    the responses serves both."""
    _, response = _tables()
    placeholders, status_params = _status_sql(plan.statuses)
    sex, age = profile_sql("sex"), profile_sql("age_group")
    sql = (
        "SELECT r.form_id, r.unit_id, r.channel, COUNT(*), "
        "SUM(CASE WHEN r.index_valid > 0 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN r.index_valid > 0 AND r.index_unsatisfied = 0 THEN 1 ELSE 0 END), "
        f"{sex}, {age}, COUNT(r.index_pattern), {patterns_concat_sql()} "
        f"FROM {response} r "
        f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} "
        f"GROUP BY r.form_id, r.unit_id, r.channel, {sex}, {age}"
    )
    return sql, status_params


def _counts_missing(plan: TallyPlan, units: UnitFilter) -> tuple[str, list]:
    """EXISTS: a counted response of these units without stored index counts (e.g. saved before they
    existed), so full satisfaction must be recounted from the answers to stay exact."""
    _, response = _tables()
    placeholders, status_params = _status_sql(plan.statuses)
    sql = (
        f"EXISTS (SELECT 1 FROM {response} r WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} "
        "AND (r.index_valid IS NULL OR r.index_unsatisfied IS NULL))"
    )
    return sql, status_params


def _counts_missing_now(cursor, campaign_id: int, plan: TallyPlan, units: UnitFilter) -> bool:
    missing, params = _counts_missing(plan, units)
    cursor.execute(f"SELECT {missing}", [campaign_id, *params])
    return bool(cursor.fetchone()[0])


def _recount_statement(cursor, campaign_id: int, plan: TallyPlan, units: UnitFilter) -> tuple[list, list]:
    """PostgreSQL, when a counted response lacks its stored index counts: one pass over the answers with
    GROUPING SETS gives the tally and a per-response recount of the cell counts. Returns (tallies, cell counts)."""
    source, source_params = _answers_from(plan, units)
    recount, recount_params = _responses_cells(plan, units, "(SELECT response_id, valid, unsatisfied FROM g WHERE tally_row = 0)")
    valid, unsatisfied = _flag_expressions(plan)
    cursor.execute(
        "WITH g AS MATERIALIZED ("
        "SELECT a.unit_id, a.channel, a.question_id, a.value, a.response_id, COUNT(*) AS n, "
        f"SUM({valid}) AS valid, SUM({unsatisfied}) AS unsatisfied, GROUPING(a.response_id) AS tally_row "
        f"{source} "
        "GROUP BY GROUPING SETS ((a.unit_id, a.channel, a.question_id, a.value), (a.response_id))) "
        "SELECT 0, NULL::integer, unit_id, channel, question_id, value, n FROM g WHERE tally_row = 1 "
        f"UNION ALL SELECT 1, c.* FROM ({recount}) c",
        [campaign_id, *source_params, campaign_id, *recount_params],
    )
    tallies, counts = [], []
    for kind, *row in cursor.fetchall():
        if kind == 0:
            tallies.append(row[1:6])
        else:
            counts.append(tuple(row))
    return tallies, counts


def _stored_cells(cursor, campaign_id: int, plan: TallyPlan, units: UnitFilter) -> tuple[list, list]:
    """PostgreSQL, every counted response with its stored index counts: the cell counts from one GROUP BY
    over the responses (by sex and age group too), with each group's index patterns concatenated.
    Returns (cell counts, pattern groups)."""
    sql, params = _responses_cells_with_patterns(plan, units)
    cursor.execute(sql, [campaign_id, *params])
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    patterns: list = []
    for form, unit, channel, responses, respondents, full, sex, age, with_pattern, joined in cursor.fetchall():
        cell = counts[(form, unit, channel)]
        cell[0] += int(responses)
        cell[1] += int(respondents or 0)
        cell[2] += int(full or 0)
        if with_pattern:
            patterns.append((form, unit, channel, sex, age, int(with_pattern), joined))
    return [(*key, *cell) for key, cell in counts.items()], patterns


def _answer_tallies(cursor, campaign_id: int, plan: TallyPlan, units: UnitFilter, *, skip: frozenset[int], but_units: set[int]) -> list:
    """The plain 4-key GROUP BY over the counted answers, leaving out the questions in `skip` (tallied
    from the patterns) except for the units in `but_units`; no statement when nothing is left to read."""
    condition = ""
    if skip:
        if skip >= set(plan.form_of) and not but_units:
            return []
        condition = f" AND (a.question_id NOT IN ({','.join(str(int(q)) for q in sorted(skip))})"
        if but_units:
            condition += f" OR a.unit_id IN ({','.join(str(int(u)) for u in sorted(but_units))})"
        condition += ")"
    source, params = _answers_from(plan, units)
    cursor.execute(
        f"SELECT a.unit_id, a.channel, a.question_id, a.value, COUNT(*) {source}{condition} GROUP BY a.unit_id, a.channel, a.question_id, a.value",
        [campaign_id, *params],
    )
    return cursor.fetchall()


def _postgres_leaf_rows(cursor, campaign_id: int, plan: TallyPlan, units: UnitFilter) -> tuple[list, list, bool, list | None]:
    """PostgreSQL: tallies and cell counts.
    - A counted response of these units lacks its stored index counts: one pass over the answers
      (`_recount_statement`).
    - Otherwise one pass over the responses gives the cell counts and the grouped index patterns; the
      index questions' tallies come from those patterns (reports.patterns), and the answers are read
      only for the other questions, and for the units some of whose counted responses have no usable
      pattern (a statement of its own, which PostgreSQL may run in parallel).
    Returns (tallies, cell counts, whether the stored counts were used, the pattern groups or None)."""
    if _counts_missing_now(cursor, campaign_id, plan, units):
        tallies, counts = _recount_statement(cursor, campaign_id, plan, units)
        return tallies, counts, False, None
    counts, patterns = _stored_cells(cursor, campaign_id, plan, units)
    expected = {(f, u, c): int(r) for f, u, c, r, _v, _s in counts}
    from_patterns, unfit = pattern_tallies(patterns, dict(plan.pattern_positions), expected)
    tallies = _answer_tallies(cursor, campaign_id, plan, units, skip=plan.pattern_questions, but_units=unfit)
    return [*from_patterns, *tallies], counts, True, patterns


def _two_scans(cursor, campaign_id: int, plan: TallyPlan, units: UnitFilter) -> tuple[list, list, bool]:
    """Other databases: the tally, then the cell counts, each one GROUP BY; the cell counts recount
    from the answers only when a counted response lacks its stored index counts."""
    source, source_params = _answers_from(plan, units)
    cursor.execute(
        f"SELECT a.unit_id, a.channel, a.question_id, a.value, COUNT(*) {source} GROUP BY a.unit_id, a.channel, a.question_id, a.value",
        [campaign_id, *source_params],
    )
    tallies = cursor.fetchall()
    answer, response = _tables()
    missing, missing_params = _counts_missing(plan, units)
    valid, unsatisfied = _flag_expressions(plan)
    per_response = (
        "(SELECT r2.id AS response_id, m.yes AS missing, "
        "CASE WHEN m.yes THEN x.valid ELSE r2.index_valid END AS valid, "
        "CASE WHEN m.yes THEN x.unsatisfied ELSE r2.index_unsatisfied END AS unsatisfied "
        f"FROM {response} r2 CROSS JOIN (SELECT {missing} AS yes) m LEFT JOIN "
        f"(SELECT a.response_id, SUM({valid}) AS valid, SUM({unsatisfied}) AS unsatisfied FROM {answer} a "
        f"WHERE a.campaign_id = {int(campaign_id)} AND a.value IS NOT NULL{units.sql('a.unit_id')} GROUP BY a.response_id) x "
        f"ON m.yes AND x.response_id = r2.id WHERE r2.campaign_id = {int(campaign_id)}{units.sql('r2.unit_id')})"
    )
    cells, cell_params = _responses_cells(plan, units, per_response)
    cursor.execute(cells.replace("SELECT ", "SELECT MAX(x.missing), ", 1), [campaign_id, *missing_params, campaign_id, *cell_params])
    rows = cursor.fetchall()
    return tallies, [row[1:] for row in rows], not any(row[0] for row in rows)


def _number_tallies(cursor, campaign_id: int, plan: TallyPlan, units: UnitFilter) -> list:
    """Answers kept as numbers (e.g. G1, 0–100) count at their rounded value; the (campaign, question,
    value) index finds them without another pass over every answer."""
    if not plan.number_questions:
        return []
    answer, response = _tables()
    placeholders, status_params = _status_sql(plan.statuses)
    questions = ",".join(str(int(q)) for q in plan.number_questions)
    level = "CAST(ROUND(a.number) AS INTEGER)"
    cursor.execute(
        f"SELECT a.unit_id, a.channel, a.question_id, {level}, COUNT(*) FROM {answer} a JOIN {response} r ON r.id = a.response_id "
        f"WHERE a.campaign_id = %s AND a.question_id IN ({questions}) AND a.value IS NULL AND a.number IS NOT NULL "
        f"AND r.status IN ({placeholders}){units.sql('a.unit_id')} GROUP BY a.unit_id, a.channel, a.question_id, {level}",
        [campaign_id, *status_params],
    )
    return cursor.fetchall()


def _multi_respondents(cursor, campaign_id: int, plan: TallyPlan, units: UnitFilter) -> list:
    """Per unit × channel × multi-choice question, the counted responses that ticked at least one valid
    option, as rows at RESPONDENTS_LEVEL (the (campaign, question, value) index finds the answers)."""
    if not plan.multi_levels:
        return []
    source, source_params = _answers_from(plan, units)
    ticked = " OR ".join(f"(a.question_id = {int(question)} AND {_levels_condition(levels)})" for question, levels in plan.multi_levels)
    cursor.execute(
        f"SELECT a.unit_id, a.channel, a.question_id, {RESPONDENTS_LEVEL}, COUNT(DISTINCT a.response_id) {source} AND ({ticked}) "
        "GROUP BY a.unit_id, a.channel, a.question_id",
        [campaign_id, *source_params],
    )
    return cursor.fetchall()


TALLY_COLUMNS = ["campaign_id", "form_id", "unit_id", "channel", "question_id", "level", "n"]
CELL_COUNT_COLUMNS = ["campaign_id", "form_id", "unit_id", "channel", "responses", "respondents", "fully_satisfied"]


@dataclass
class PatternGroups:
    """Filled by `write_leaf_rows` when its statement read the responses' index patterns (else `rows` stays None)."""

    rows: list | None = None


def write_leaf_rows(
    *, campaign_id: int, plan: TallyPlan, units: UnitFilter, cell_responses: dict | None = None, pattern_groups: PatternGroups | None = None,
    changes: LeafChanges | None = None,
) -> bool | None:
    """Tally the answers of `units` and store the leaf tallies and cell counts.

    On PostgreSQL one statement reads the answers once; the rows it returns number units × channels ×
    questions × levels whatever the number of answers, and are written with COPY. The caller has
    writes in one transaction; tallies and cell counts replace the old ones where they differ
    (`replace_rows`), and `changes`, when given, receives what differed. Returns whether the cell counts came
    from the index counts stored per response (True) or a recount from the answers (False); None when
    nothing was tallied. `cell_responses`, when given, receives the counted responses per (form, unit,
    channel) that the cell counts hold; `pattern_groups`, when given, receives the responses' index
    patterns per form × unit × channel × sex × age group when the statement read them (PostgreSQL with
    stored counts), so the estimates' sums need no other pass over the responses.
    """
    if units.empty:
        return None
    where = f"campaign_id = %s{units.sql('unit_id')}"
    if not plan.statuses:  # nothing is counted: no leaf rows
        replace_rows(Tally, TALLY_COLUMNS, 6, [], where=where, params=[campaign_id], changes=changes.tallies if changes else None)
        replace_rows(CellCount, CELL_COUNT_COLUMNS, 4, [], where=where, params=[campaign_id], changes=changes.cells if changes else None)
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tallies, counts, used_stored, patterns = _postgres_leaf_rows(cursor, campaign_id, plan, units)
            if pattern_groups is not None:
                pattern_groups.rows = patterns
        else:
            tallies, counts, used_stored = _two_scans(cursor, campaign_id, plan, units)
        tallies = [*tallies, *_number_tallies(cursor, campaign_id, plan, units), *_multi_respondents(cursor, campaign_id, plan, units)]
    merged: dict[tuple, int] = defaultdict(int)
    for unit, channel, question, level, n in tallies:
        form = plan.form_of.get(question)
        if form is not None:  # a question of a questionnaire the campaign does not use: not counted
            merged[(form, unit, channel, question, int(level))] += int(n)
    replace_rows(
        Tally, TALLY_COLUMNS, 6, ((campaign_id, *key, n) for key, n in merged.items()), where=where, params=[campaign_id],
        changes=changes.tallies if changes else None,
    )
    replace_rows(
        CellCount, CELL_COUNT_COLUMNS, 4, ((campaign_id, f, u, c, int(r), int(v or 0), int(s or 0)) for f, u, c, r, v, s in counts),
        where=where, params=[campaign_id], changes=changes.cells if changes else None,
    )
    if cell_responses is not None:
        cell_responses.update({(f, u, c): int(r) for f, u, c, r, _v, _s in counts})
    return used_stored


def leaf_sums(*, campaign_id: int, units: UnitFilter) -> tuple[UnitLevels, UnitPeople]:
    """The stored leaf rows of `units` summed over forms and channels, per unit (two grouped reads)."""
    tally_table = connection.ops.quote_name(Tally._meta.db_table)
    count_table = connection.ops.quote_name(CellCount._meta.db_table)
    levels: UnitLevels = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    people: UnitPeople = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unit_id, question_id, level, SUM(n) FROM {tally_table} WHERE campaign_id = %s{units.sql('unit_id')} "
            "GROUP BY unit_id, question_id, level",
            [campaign_id],
        )
        for unit, question, level, n in cursor.fetchall():
            levels[unit][question][level] += int(n)
        cursor.execute(
            f"SELECT unit_id, SUM(responses), SUM(respondents), SUM(fully_satisfied) FROM {count_table} "
            f"WHERE campaign_id = %s{units.sql('unit_id')} GROUP BY unit_id",
            [campaign_id],
        )
        for unit, responses, respondents, full in cursor.fetchall():
            people[unit] = (int(responses), int(respondents), int(full))
    return levels, people


# ------------------------------------------------------------------------------------------------
# Roll-up along the tree
# ------------------------------------------------------------------------------------------------


def ancestor_chain(path: str, *, root_path: str) -> list[str]:
    """The paths of a unit and of each ancestor up to `root_path` (the organiser), nearest first.

    A unit outside the organiser's subtree counts only at itself.
    """
    if not path.startswith(root_path):
        return [path]
    chain = [path]
    parts = path.rstrip("/").split("/")
    root_depth = root_path.rstrip("/").count("/") + 1
    for depth in range(len(parts) - 1, root_depth - 1, -1):
        chain.append("/".join(parts[:depth]) + "/")
    return chain


def roll_up(
    levels: Mapping[int, Mapping[int, Mapping[int, int]]],
    people: Mapping[int, tuple[int, int, int]],
    *,
    unit_paths: Mapping[int, str],
    path_units: Mapping[str, int],
    root_path: str,
    sign: int = 1,
) -> tuple[UnitLevels, UnitPeople]:
    """Add every unit's counts (times `sign`, for deltas) to itself and each ancestor up to the organiser."""
    up_levels: UnitLevels = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    up_people: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    chains: dict[int, list[int]] = {}

    def chain(unit: int) -> list[int]:
        if unit not in chains:
            chains[unit] = [path_units[p] for p in ancestor_chain(unit_paths[unit], root_path=root_path) if p in path_units]
        return chains[unit]

    for unit, questions in levels.items():
        targets = chain(unit)
        for question, by_level in questions.items():
            for level, n in by_level.items():
                for target in targets:
                    up_levels[target][question][level] += sign * n
    for unit, triple in people.items():
        for target in chain(unit):
            cell = up_people[target]
            for i in range(3):
                cell[i] += sign * triple[i]
    return up_levels, {unit: (r, v, f) for unit, (r, v, f) in up_people.items()}

