"""What is estimated for a campaign, and with which design: one estimand per index value (criterion,
element, overall, full satisfaction, mean levels, expectation and return rates) over the variables of
`reports.estimation.sums`, the design settings, and the population size of each stratum."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reports.estimation.design import DesignSettings, design_settings
from reports.estimation.estimators import Estimand, MeanOf, Ratio
from reports.estimation.sums import FormLayout, Variables, form_layouts
from reports.schemes import MEAN, MEAN_SCORE, ROLE_EXPECTATION, ROLE_INDEX, ROLE_RETURN, QuestionRule, SchemeSettings

StratumKey = tuple[int, str, int | None]  # unit, channel, form (None: the cell's forms share the stratum)


@dataclass(frozen=True)
class Planned:
    """One index value to estimate: its scope and key, the estimand, the variable counting its
    respondents, and whether it is a share (a fraction of 1, shown × 100 with a logit interval)."""

    scope: str
    key: str
    estimand: Estimand
    counter: int | None
    share: bool


@dataclass(frozen=True)
class EstimationPlan:
    variables: Variables
    layouts: Mapping[int, FormLayout]
    index: tuple[Planned, ...]
    single_columns: Mapping[int, tuple[int, int, str]]  # question → (x column, y column, role) in the single block
    single_rules: Mapping[int, QuestionRule]
    single: tuple[Planned, ...]
    single_dims: int
    settings: DesignSettings
    population: Mapping[StratumKey, int]
    per_form: frozenset[tuple[int, str]]  # unit × channel cells whose population is given per form

    def fingerprint(self) -> list:
        population = sorted(([u, c, f if f is not None else 0], n) for (u, c, f), n in self.population.items())
        return [Variables.LAYOUT, self.variables.mean_score, self.settings.as_key(), population]

    @property
    def weights_shared(self) -> bool:
        """Whether one stratum's responses move other strata's weights (raking to margins): an incremental
        recompute must then estimate every unit again."""
        return bool(self.settings.rake) and bool(self.population)

    def stratum(self, form: int, unit: int, channel: str) -> StratumKey:
        return (unit, channel, form) if (unit, channel) in self.per_form else (unit, channel, None)


def estimation_plan(
    *, rules: Sequence[QuestionRule], questionnaire_of: Mapping[int, int], form_of_questionnaire: Mapping[int, int], scheme: SchemeSettings,
    options: object, population: Iterable[tuple[int, str, int | None, int]],
) -> EstimationPlan:
    """What is estimated for a campaign and with which design (population rows: unit, channel, form, N)."""
    index_rules = [r for r in rules if r.role == ROLE_INDEX and r.levels and r.question_id in questionnaire_of]
    criteria = tuple(dict.fromkeys(r.code for r in index_rules))
    elements = tuple(dict.fromkeys(r.section_code for r in index_rules))
    mean_score = scheme.code == MEAN_SCORE
    variables = Variables(criteria, elements, mean_score=mean_score)
    top = {}
    for rule in index_rules:
        top.setdefault(rule.code, rule.scale_max or 1)
    members: dict[str, list[str]] = defaultdict(list)
    for rule in index_rules:
        if rule.code not in members[rule.section_code]:
            members[rule.section_code].append(rule.code)

    def coefficient(code: str) -> float:
        return 1.0 / top[code] if mean_score else 1.0

    def pooled(codes: Sequence[str], column) -> Ratio:
        return Ratio(tuple((column(c), coefficient(c) if column == variables.y else 1.0) for c in codes), tuple(variables.x(c) for c in codes))

    criterion = {c: Ratio(((variables.y(c), coefficient(c)),), (variables.x(c),)) for c in criteria}
    planned: list[Planned] = []
    element_estimands: dict[str, Estimand] = {}
    for code in criteria:
        if scheme.known:
            planned.append(Planned("criterion", code, criterion[code], variables.x(code), True))
        planned.append(Planned("mean", code, Ratio(((variables.l(code), 1.0),), (variables.x(code),)), variables.x(code), False))
    for section in elements:
        codes = members[section]
        element_estimands[section] = MeanOf(tuple(criterion[c] for c in codes)) if scheme.element == MEAN else pooled(codes, variables.y)
        if scheme.known:
            planned.append(Planned("element", section, element_estimands[section], variables.p(section), True))
        planned.append(Planned("mean", section, pooled(codes, variables.l), variables.p(section), False))
    if criteria:
        overall = MeanOf(tuple(element_estimands[s] for s in elements)) if scheme.overall == MEAN else pooled(criteria, variables.y)
        if scheme.known:
            planned.append(Planned("overall", "", overall, Variables.R, True))
        planned.append(Planned("mean", "", pooled(criteria, variables.l), Variables.R, False))
    planned.append(Planned("full", "", Ratio(((Variables.F, 1.0),), (Variables.R,)), Variables.R, True))

    single_columns: dict[int, tuple[int, int, str]] = {}
    single_rules: dict[int, QuestionRule] = {}
    single: list[Planned] = []
    codes_seen: dict[tuple[str, str], tuple[int, int]] = {}
    for rule in rules:
        if rule.role not in (ROLE_EXPECTATION, ROLE_RETURN) or rule.question_id not in questionnaire_of:
            continue
        scope = "expectation" if rule.role == ROLE_EXPECTATION else "return"
        if (scope, rule.code) not in codes_seen:  # questions sharing a code add up
            columns = (2 * len(codes_seen), 2 * len(codes_seen) + 1)
            codes_seen[(scope, rule.code)] = columns
            single.append(Planned(scope, rule.code, Ratio(((columns[1], 1.0),), (columns[0],)), columns[0], scope == "return"))
        x, y = codes_seen[(scope, rule.code)]
        single_columns[rule.question_id] = (x, y, rule.role)
        single_rules[rule.question_id] = rule
    rows = list(population)
    per_form = frozenset((unit, channel) for unit, channel, form, _n in rows if form is not None)
    sizes = {(unit, channel, form if (unit, channel) in per_form else None): n for unit, channel, form, n in rows}
    return EstimationPlan(
        variables=variables, layouts=form_layouts(rules, questionnaire_of, form_of_questionnaire), index=tuple(planned),
        single_columns=single_columns, single_rules=single_rules, single=tuple(single), single_dims=2 * len(codes_seen), settings=design_settings(options),
        population=sizes, per_form=per_form,
    )


