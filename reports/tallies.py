"""Tallies straight from SQL, and their roll-up along the unit tree.

Two aggregate statements read the answers and write the leaf rows (INSERT … SELECT); nothing loops
over answers in Python:
- tallies: counted answers per form × unit × channel × question × level;
- cell counts: counted responses per form × unit × channel, with those that have a valid index answer
  and those whose every valid index answer is satisfied (full satisfaction needs the respondent).
The roll-up then reads these few rows summed per unit (units × questions × levels), never answers.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from reports.models import CellCount, Tally
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


def session_tuning_sql() -> list[str]:
    """Statements that give the aggregate room to hash in memory for the current transaction only
    (PostgreSQL; REPORTS_WORK_MEM, default 256MB). Nothing on SQLite."""
    if connection.vendor != "postgresql":
        return []
    work_mem = os.environ.get("REPORTS_WORK_MEM", "256MB")
    if not work_mem.isalnum():
        work_mem = "256MB"
    return [f"SET LOCAL work_mem = '{work_mem}'"]


def tune_session() -> None:
    with connection.cursor() as cursor:
        for statement in session_tuning_sql():
            cursor.execute(statement)


def _tables() -> tuple[str, str]:
    return connection.ops.quote_name(Answer._meta.db_table), connection.ops.quote_name(Response._meta.db_table)


def _status_sql(statuses: Sequence[str]) -> tuple[str, list[str]]:
    return ",".join(["%s"] * len(statuses)) or "NULL", list(statuses)


def _tally_select(campaign_id: int, statuses: Sequence[str], units: UnitFilter) -> tuple[str, list]:
    """Counted answers per form × unit × channel × question × level, as one GROUP BY.

    Unit and channel are read from the answer row (copied there from the response) so the join with
    responses only brings the status and the form. A number answer (e.g. G1, 0–100) counts at its
    rounded value.
    """
    answer, response = _tables()
    placeholders, status_params = _status_sql(statuses)
    level = "COALESCE(a.value, CAST(ROUND(a.number) AS INTEGER))"
    sql = (
        f"SELECT %s, r.form_id, a.unit_id, a.channel, a.question_id, {level}, COUNT(*) "
        f"FROM {answer} a JOIN {response} r ON r.id = a.response_id "
        f"WHERE a.campaign_id = %s AND r.status IN ({placeholders}) AND (a.value IS NOT NULL OR a.number IS NOT NULL)"
        f"{units.sql('a.unit_id')} "
        f"GROUP BY r.form_id, a.unit_id, a.channel, a.question_id, {level}"
    )
    return sql, [campaign_id, campaign_id, *status_params]


def index_level_table(rules: Iterable[QuestionRule]) -> list[tuple[int, int, int]]:
    """(question, level, 1 if satisfied else 0) for every valid level of every index question."""
    rows = []
    for rule in rules:
        if rule.role != ROLE_INDEX or not rule.levels:
            continue
        for level in sorted(rule.levels):
            rows.append((rule.question_id, level, 1 if level in rule.satisfied else 0))
    return rows


def _count_select(campaign_id: int, statuses: Sequence[str], index_levels: Sequence[tuple[int, int, int]], units: UnitFilter) -> tuple[str, list]:
    """Counted responses per form × unit × channel, with respondents and fully satisfied respondents.

    An answer is a valid index answer when its (question, level) is in `index_levels`
    (`index_level_table(rules)`), and satisfied when the flag is 1.
    """
    answer, response = _tables()
    placeholders, status_params = _status_sql(statuses)
    if not index_levels:
        sql = (
            f"SELECT %s, r.form_id, r.unit_id, r.channel, COUNT(*), 0, 0 FROM {response} r "
            f"WHERE r.campaign_id = %s AND r.status IN ({placeholders}){units.sql('r.unit_id')} "
            "GROUP BY r.form_id, r.unit_id, r.channel"
        )
        return sql, [campaign_id, campaign_id, *status_params]
    values = ",".join(f"({int(q)},{int(lv)},{int(s)})" for q, lv, s in index_levels)
    sql = (
        f"WITH levels(question_id, level, satisfied) AS (VALUES {values}) "
        "SELECT %s, r.form_id, r.unit_id, r.channel, COUNT(*), "
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
    return sql, [campaign_id, campaign_id, campaign_id, *status_params]


def write_leaf_rows(*, campaign_id: int, statuses: Sequence[str], index_levels: Sequence[tuple[int, int, int]], units: UnitFilter) -> None:
    """Tally the answers of `units` and store the leaf tallies and cell counts.

    The aggregates are read out and inserted rather than run as INSERT … SELECT, because PostgreSQL
    runs the aggregate of a plain SELECT with parallel workers and never that of an INSERT. The rows
    number units × channels × questions × levels, whatever the number of answers.
    The caller has deleted the old rows of these units in the same transaction.
    """
    if units.empty or not statuses:
        return
    tally_sql, tally_params = _tally_select(campaign_id, statuses, units)
    count_sql, count_params = _count_select(campaign_id, statuses, index_levels, units)
    with connection.cursor() as cursor:
        cursor.execute(tally_sql, tally_params)
        tallies = cursor.fetchall()
        cursor.execute(count_sql, count_params)
        counts = cursor.fetchall()
    insert_rows(Tally, ["campaign_id", "form_id", "unit_id", "channel", "question_id", "level", "n"], tallies)
    insert_rows(CellCount, ["campaign_id", "form_id", "unit_id", "channel", "responses", "respondents", "fully_satisfied"], counts)


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, int | Decimal):
        return str(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def insert_rows(model: type, columns: Sequence[str], rows: Iterable[Sequence], *, batch: int = 1000) -> None:
    """Insert plain tuples: COPY on PostgreSQL, multi-row INSERT statements elsewhere.

    The engine writes tens of thousands of derived rows per recompute; building model instances or
    binding parameters for them cost more than the aggregate over the answers.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy_expert"):
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_text(v) for v in row) + "\n")
            buffer.seek(0)
            raw.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
            return
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        pending: list = []
        for row in rows:
            pending.append(row)
            if len(pending) == batch:
                cursor.execute(f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(pending)), [v for r in pending for v in r])
                pending.clear()
        if pending:
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(pending)), [v for r in pending for v in r])


UnitLevels = dict[int, dict[int, dict[int, int]]]  # unit → question → level → n
UnitPeople = dict[int, tuple[int, int, int]]  # unit → (responses, respondents, fully satisfied)


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

