"""Writing the engine's derived rows: plain tuples with COPY (`insert_rows`), a table made equal to new
rows by writing only the difference (`replace_rows`), and what a re-tally changed in the leaf rows
(`LeafChanges`), summed per unit for the roll-ups and kept as JSON by a chunk until its run ends."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

UnitLevels = dict[int, dict[int, dict[int, int]]]  # unit → question → level → n
UnitPeople = dict[int, tuple[int, int, int]]  # unit → (responses, respondents, fully satisfied)



def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, bytes):  # bytea in COPY's text format: \\x and hex digits
        return "\\\\x" + value.hex()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# COPY text for the types the engine writes most (tens of thousands of integer rows): one dictionary
# lookup per value instead of a chain of isinstance checks; anything else goes through _copy_text.
def _copy_str(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return _copy_text(value)
    return value


_COPY_FORMATS = {int: str, float: repr, Decimal: str, str: _copy_str, type(None): lambda _value: "\\N"}


def _copy_line(row: Sequence) -> str:
    return "\t".join([_COPY_FORMATS.get(type(v), _copy_text)(v) for v in row]) + "\n"


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
            buffer.writelines(map(_copy_line, rows))
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


def replace_rows(
    model: type, columns: Sequence[str], keys: int, rows: Iterable[Sequence], *, where: str, params: Sequence, changes: list | None = None
) -> int:
    """Make the rows of `model` that match `where` equal `rows` (values of `columns`, the first `keys` of
    them a unique key), writing only the difference: a row whose values are unchanged stays in place,
    changed and vanished rows are deleted by id, new and changed ones inserted (`insert_rows`).
    Returns the number of rows inserted. `changes`, when given, receives (key, old values or None, new
    values or None) for every key whose row changed, appeared or vanished.

    A full recompute rebuilds tens of thousands of leaf and roll-up rows of which, most of the time, few
    changed since the last run: reading them back costs far less than deleting and rewriting them all."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {names} FROM {table} WHERE {where}", list(params))
        found = cursor.fetchall()
        binary = [i for i, v in enumerate(found[0][1 + keys :]) if isinstance(v, memoryview)] if found else []
        if binary:  # bytea comes back as memoryview, which never equals the bytes written
            found = [(*row[: 1 + keys], *(bytes(v) if isinstance(v, memoryview) else v for v in row[1 + keys :])) for row in found]
        stored = {tuple(row[1 : 1 + keys]): (row[0], tuple(row[1 + keys :])) for row in found}
        fresh, stale = [], []
        for row in rows:
            key = tuple(row[:keys])
            old = stored.pop(key, None)
            if old is not None:
                if old[1] == tuple(row[keys:]):
                    continue
                stale.append(old[0])
            fresh.append(row)
            if changes is not None:
                changes.append((key, None if old is None else old[1], tuple(row[keys:])))
        stale.extend(pk for pk, _values in stored.values())
        if changes is not None:
            changes.extend((key, values, None) for key, (_pk, values) in stored.items())
        for start in range(0, len(stale), 10_000):
            ids = ",".join(str(int(pk)) for pk in stale[start : start + 10_000])
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({ids})")
    insert_rows(model, columns, fresh)
    return len(fresh)



@dataclass
class LeafChanges:
    """What a re-tally changed in the leaf rows, from `replace_rows`: (key, old values, new values) of the
    tallies (key: campaign, form, unit, channel, question, level; values: n), of the cell counts (key:
    campaign, form, unit, channel; values: responses, respondents, fully satisfied) and of the cells'
    moments (key: campaign, form, unit, channel, sex, age group). The unit is the key's third column."""

    tallies: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    moments: list = field(default_factory=list)

    @property
    def units(self) -> set[int]:
        return {key[2] for rows in (self.tallies, self.cells, self.moments) for key, _old, _new in rows}

    def deltas(self) -> tuple[UnitLevels, UnitPeople]:
        """The changes summed per unit (over forms and channels), as roll_up takes them: new minus old."""
        levels: UnitLevels = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        people: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for key, old, new in self.tallies:
            levels[key[2]][key[4]][key[5]] += (new[0] if new else 0) - (old[0] if old else 0)
        for key, old, new in self.cells:
            for i in range(3):
                people[key[2]][i] += (int(new[i]) if new else 0) - (int(old[i]) if old else 0)
        return levels, {unit: (r, v, f) for unit, (r, v, f) in people.items()}


def deltas_as_json(units: Iterable[int], levels: UnitLevels, people: UnitPeople) -> dict:
    """Per-unit leaf changes as JSON (RecomputeChunk.changes): lists, since JSON keys are strings."""
    return {
        "units": sorted(units),
        "levels": [[u, q, lv, d] for u, questions in levels.items() for q, by_level in questions.items() for lv, d in by_level.items() if d],
        "people": [[u, *triple] for u, triple in people.items() if any(triple)],
    }


def deltas_from_json(data: Mapping) -> tuple[set[int], UnitLevels, UnitPeople]:
    levels: UnitLevels = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for u, q, lv, d in data.get("levels", []):
        levels[u][q][lv] += d
    return set(data.get("units", [])), levels, {u: (r, v, f) for u, r, v, f in data.get("people", [])}


