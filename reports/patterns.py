"""Responses' index patterns as levels, and the leaf tallies of index questions read from them.

Each counted response stores `index_pattern` (surveys.rules.index_pattern): its level at each index
question of its questionnaire, one character each, written with its answers by their one writer
(`surveys.services.responses.answers_create`, or `fill_index_counts` for older rows). The engine groups
the patterns per cell in one pass over the responses (reports.tallies); the estimates' per-cell sums
(reports.estimation.sums) and the leaf tallies of the index questions are both read from them, so the
answers table (twenty or forty rows per response) is scanned only for the questions a pattern does not
hold, and for the units some of whose counted responses lack a usable pattern.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np

from surveys.rules import PATTERN_DIGITS, PATTERN_UNENCODABLE

PATTERN_SEPARATOR = ","

LEVEL_OF = np.full(256, -1, dtype=np.int16)  # pattern character → level (−1: no answer)
for _level, _char in enumerate(PATTERN_DIGITS):
    LEVEL_OF[ord(_char)] = _level
LEVELS = len(PATTERN_DIGITS)  # levels a pattern can hold: 0 … 35


def clean_levels(patterns: bytes, count: int, width: int) -> np.ndarray | None:
    """The levels of `count` concatenated patterns of one form, or None when any of them is not a usable
    pattern of `width` characters (written for another version of the questions, or holding a level one
    character cannot: those responses are read another way)."""
    if len(patterns) != count * (width + 1) - 1:
        return None
    raw = np.frombuffer(patterns + PATTERN_SEPARATOR.encode(), dtype=np.uint8).reshape(count, width + 1)
    if (raw[:, width] != ord(PATTERN_SEPARATOR)).any() or (raw[:, :width] == ord(PATTERN_UNENCODABLE)).any() or (raw[:, :width] == ord(PATTERN_SEPARATOR)).any():
        return None
    return LEVEL_OF[raw[:, :width]]


def level_counts(levels: np.ndarray) -> np.ndarray:
    """Answers per position and level (width × LEVELS) of a levels matrix (−1, no answer, not counted)."""
    width = levels.shape[1]
    shifted = levels.astype(np.int64) + 1 + (LEVELS + 1) * np.arange(width)[None, :]
    counts = np.bincount(shifted.ravel(), minlength=width * (LEVELS + 1)).reshape(width, LEVELS + 1)
    return counts[:, 1:]


def pattern_tallies(
    groups: Iterable[tuple], positions: Mapping[int, tuple[int | None, ...]], expected: Mapping[tuple[int, int, str], int]
) -> tuple[list[tuple[int, str, int, int, int]], set[int]]:
    """Leaf tallies (unit, channel, question, level, n) of the pattern questions, from the grouped patterns.

    `groups`: (form, unit, channel, sex, age group, responses with a pattern, patterns joined by
    PATTERN_SEPARATOR); `positions`: per form, the question at each pattern position (None: a position
    not tallied from patterns, e.g. a multi-choice question); `expected`: counted responses per form ×
    unit × channel. Returns the tallies of the units whose every counted response has a usable pattern,
    and the other units (their pattern questions must be tallied from the answers)."""
    per_cell: dict[tuple[int, int, str], np.ndarray] = {}
    found: dict[tuple[int, int, str], int] = defaultdict(int)
    unfit: set[int] = set()
    for form, unit, channel, _sex, _age, count, patterns in groups:
        questions = positions.get(form)
        if questions is None:
            continue
        levels = clean_levels((patterns or "").encode("ascii", "replace"), count, len(questions))
        if levels is None:
            unfit.add(unit)
            continue
        key = (form, unit, channel)
        counts = level_counts(levels)
        per_cell[key] = per_cell[key] + counts if key in per_cell else counts
        found[key] += count
    unfit |= {cell[1] for cell, n in expected.items() if cell[0] in positions and found.get(cell, 0) != n}
    unfit |= {cell[1] for cell in found if found[cell] != expected.get(cell, 0)}
    rows = []
    for (form, unit, channel), counts in per_cell.items():
        if unit in unfit:
            continue
        for position, level in zip(*np.nonzero(counts), strict=True):
            question = positions[form][position]
            if question is not None:
                rows.append((unit, channel, question, int(level), int(counts[position, level])))
    return rows, unfit
