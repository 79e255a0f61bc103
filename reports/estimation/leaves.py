"""The leaf tables the estimates are read from: `CellMoments` (index variables per cell) and, for the
expectation and return questions (one answer per response), the leaf tallies with the cells' responses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from django.db import connection

from reports.estimation.design import CellData
from reports.estimation.plan import EstimationPlan
from reports.models import CellCount, CellMoments, Tally
from reports.schemes import ROLE_EXPECTATION


def _integers(values: np.ndarray) -> bytes:
    return np.rint(values).astype("<i8").tobytes()


def cell_moments_rows(campaign_id: int, cells: Mapping[tuple, object]) -> Iterable[tuple]:
    """Rows of `CellMoments` for computed cells (sums, and the upper triangle of the cross-products)."""
    for (form, unit, channel, sex, age), row in sorted(cells.items()):
        upper = row.gram[np.triu_indices(row.gram.shape[0])]
        yield (campaign_id, form, unit, channel, sex, age, row.n, _integers(row.sums), _integers(upper))


@dataclass(frozen=True)
class LeafCell:
    unit: int
    form: int
    channel: str
    data: CellData


def _numbers(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<i8").astype(np.float64)


def index_cells(campaign_id: int, plan: EstimationPlan) -> list[LeafCell]:
    """Every leaf cell's index moments, in a fixed order (so that every path sums the same way)."""
    dims, core = plan.variables.dims, plan.variables.gram_dims
    rows_upper = np.triu_indices(core)
    table = connection.ops.quote_name(CellMoments._meta.db_table)
    cells = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT form_id, unit_id, channel, sex, age_group, n, sums, gram FROM {table} WHERE campaign_id = %s "
            "ORDER BY unit_id, channel, form_id, sex, age_group",
            [campaign_id],
        )
        for form, unit, channel, sex, age, n, sums, gram in cursor.fetchall():
            values = _numbers(sums)
            upper = _numbers(gram)
            if values.shape[0] != dims or upper.shape[0] != rows_upper[0].shape[0]:
                continue  # written with another variable layout: the next full recompute rewrites it
            full = np.zeros((core, core))
            full[rows_upper] = upper
            full = full + full.T - np.diag(np.diag(full))
            profile = {"channel": channel, "sex": sex, "age_group": age}
            cells.append(LeafCell(unit, form, channel, CellData(plan.stratum(form, unit, channel), int(n), values, full, profile)))
    return cells


def single_cells(campaign_id: int, plan: EstimationPlan) -> list[LeafCell]:
    """Cells of the expectation and return questions (one answer per response), from the leaf tallies."""
    if not plan.single_columns:
        return []
    dims = plan.single_dims
    responses = {
        (form, unit, channel): n
        for form, unit, channel, n in CellCount.objects.filter(campaign_id=campaign_id).values_list("form_id", "unit_id", "channel", "responses")
    }
    sums: dict[tuple, np.ndarray] = {}
    grams: dict[tuple, np.ndarray] = {}
    tallies = Tally.objects.filter(campaign_id=campaign_id, question_id__in=list(plan.single_columns)).values_list(
        "form_id", "unit_id", "channel", "question_id", "level", "n"
    )
    rules = plan.single_rules
    for form, unit, channel, question, level, n in tallies:
        rule = rules.get(question)
        if rule is None or not rule.is_valid(level):
            continue
        x, y, role = plan.single_columns[question]
        key = (form, unit, channel)
        vector = sums.setdefault(key, np.zeros(dims))
        gram = grams.setdefault(key, np.zeros((dims, dims)))
        value = float(level) if role == ROLE_EXPECTATION else (1.0 if level in rule.satisfied else 0.0)
        vector[x] += n
        vector[y] += n * value
        gram[x, x] += n
        gram[x, y] += n * value
        gram[y, x] += n * value
        gram[y, y] += n * value * value
    cells = []
    for key in sorted(responses, key=lambda k: (k[1], k[2], k[0])):
        form, unit, channel = key
        data = CellData(plan.stratum(form, unit, channel), responses[key], sums.get(key, np.zeros(dims)), grams.get(key, np.zeros((dims, dims))))
        cells.append(LeafCell(unit, form, channel, data))
    return cells


