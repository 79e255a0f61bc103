"""Tallies straight from SQL, and their roll-up along the unit tree.

Two aggregate statements read the answers; nothing loops over answers in Python:
- `leaf_tallies`: counted answers per form × unit × channel × question × level;
- `leaf_counts`: counted responses per form × unit × channel, with those that have a valid index answer
  and those whose every valid index answer is satisfied (full satisfaction needs the respondent).
The roll-up then works on these few rows (units × questions × levels), never on answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection

from reports.schemes import ROLE_INDEX, QuestionRule
from surveys.models import Answer, Response

TallyRow = tuple[int, int, str, int, int, int]  # form, unit, channel, question, level, n
CountRow = tuple[int, int, str, int, int, int]  # form, unit, channel, responses, respondents, fully satisfied


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


def _tables() -> tuple[str, str]:
    return connection.ops.quote_name(Answer._meta.db_table), connection.ops.quote_name(Response._meta.db_table)


def _status_sql(statuses: Sequence[str]) -> tuple[str, list[str]]:
    return ",".join(["%s"] * len(statuses)) or "NULL", list(statuses)


def leaf_tallies(*, campaign_id: int, statuses: Sequence[str], units: UnitFilter = ALL_UNITS) -> list[TallyRow]:
    """Counted answers per form × unit × channel × question × level, in one GROUP BY.

    Unit and channel are read from the answer row (copied there from the response) so the join with
    responses only brings the status and the form. A number answer (e.g. G1, 0–100) counts at its
    rounded value.
    """
    if units.empty or not statuses:
        return []
    answer, response = _tables()
    placeholders, status_params = _status_sql(statuses)
    level = "COALESCE(a.value, CAST(ROUND(a.number) AS INTEGER))"
    sql = (
        f"SELECT r.form_id, a.unit_id, a.channel, a.question_id, {level} AS level, COUNT(*) "
        f"FROM {answer} a JOIN {response} r ON r.id = a.response_id "
        f"WHERE a.campaign_id = %s AND r.status IN ({placeholders}) AND (a.value IS NOT NULL OR a.number IS NOT NULL)"
        f"{units.sql('a.unit_id')} "
        f"GROUP BY r.form_id, a.unit_id, a.channel, a.question_id, {level}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign_id, *status_params])
        return [(f, u, c, q, int(lv), n) for f, u, c, q, lv, n in cursor.fetchall()]


def index_level_table(rules: Iterable[QuestionRule]) -> list[tuple[int, int, int]]:
    """(question, level, 1 if satisfied else 0) for every valid level of every index question."""
    rows = []
    for rule in rules:
        if rule.role != ROLE_INDEX or not rule.levels:
            continue
        for level in sorted(rule.levels):
            rows.append((rule.question_id, level, 1 if level in rule.satisfied else 0))
    return rows


def leaf_counts(
    *, campaign_id: int, statuses: Sequence[str], index_levels: Sequence[tuple[int, int, int]], units: UnitFilter = ALL_UNITS
) -> list[CountRow]:
    """Counted responses per form × unit × channel, with respondents and fully satisfied respondents.

    `index_levels` is `index_level_table(rules)`: an answer is a valid index answer when its
    (question, level) is listed, and satisfied when the flag is 1.
    """
    if units.empty or not statuses:
        return []
    answer, response = _tables()
    placeholders, status_params = _status_sql(statuses)
    if index_levels:
        values = ",".join(f"({int(q)},{int(lv)},{int(s)})" for q, lv, s in index_levels)
        sql = (
            f"WITH levels(question_id, level, satisfied) AS (VALUES {values}) "
            "SELECT r.form_id, r.unit_id, r.channel, COUNT(*), "
            "SUM(CASE WHEN x.valid > 0 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN x.valid > 0 AND x.unsatisfied = 0 THEN 1 ELSE 0 END) "
            f"FROM {response} r LEFT JOIN ("
            "  SELECT a.response_id, COUNT(*) AS valid, SUM(1 - l.satisfied) AS unsatisfied"
            f"  FROM {answer} a JOIN levels l ON l.question_id = a.question_id AND l.level = a.value"
            f"  WHERE a.campaign_id = %s{units.sql('a.unit_id')} GROUP BY a.response_id"
            ") x ON x.response_id = r.id "
            f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} "
            "GROUP BY r.form_id, r.unit_id, r.channel"
        )
        params = [campaign_id, campaign_id, *status_params]
    else:
        sql = (
            f"SELECT r.form_id, r.unit_id, r.channel, COUNT(*), 0, 0 FROM {response} r "
            f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} "
            "GROUP BY r.form_id, r.unit_id, r.channel"
        )
        params = [campaign_id, *status_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(f, u, c, int(n), int(v or 0), int(s or 0)) for f, u, c, n, v, s in cursor.fetchall()]


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


UnitLevels = dict[int, dict[int, dict[int, int]]]  # unit → question → level → n
UnitPeople = dict[int, tuple[int, int, int]]  # unit → (responses, respondents, fully satisfied)


def per_unit(tallies: Iterable[TallyRow], counts: Iterable[CountRow]) -> tuple[UnitLevels, UnitPeople]:
    """Leaf rows summed over forms and channels, per unit."""
    levels: UnitLevels = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for _form, unit, _channel, question, level, n in tallies:
        levels[unit][question][level] += n
    people: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for _form, unit, _channel, responses, respondents, full in counts:
        cell = people[unit]
        cell[0] += responses
        cell[1] += respondents
        cell[2] += full
    return levels, {unit: (r, v, f) for unit, (r, v, f) in people.items()}


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

