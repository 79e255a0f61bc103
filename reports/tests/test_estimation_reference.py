"""The estimators against an independent implementation: R's survey package on the same records.

`reports/estimation/reference/survey_reference.R` computes the reference; these tests generate data of a
known design, run it in a subprocess and compare: points to 1e-9, linearised SEs to 1e-6 (relative).
They need Rscript with the survey package (Debian: r-base-core, r-cran-survey; `.ci/run` installs them)
and skip, saying so, where R is absent.
"""

from __future__ import annotations

import csv
import json
import subprocess

import numpy as np
import pytest

from reports.estimation.design import CellData, WeightPlan, build_sample
from reports.estimation.estimators import MeanOf, Ratio, estimate_many, logit_interval, t_quantile
from reports.tests.r_reference import POINT, SCRIPT, SE_RELATIVE, SKIP, close, r_terms, run_r

R_NEEDED = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")



# ------------------------------------------------------------------------------------------------
# R's own example: apistrat
# ------------------------------------------------------------------------------------------------


@R_NEEDED
def test_the_estimators_reproduce_r_on_its_own_api_example(tmp_path):
    subprocess.run(["Rscript", str(SCRIPT), "--api", str(tmp_path)], check=True, capture_output=True)
    reference = json.loads((tmp_path / "api.json").read_text())
    with open(tmp_path / "apistrat.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = ["one", "api00", "api99", "enroll", "api.stu", "sch.wide"]

    def vector(row):
        return [1.0, float(row["api00"]), float(row["api99"]), float(row["enroll"]), float(row["api.stu"]), 1.0 if row["sch.wide"] == "Yes" else 0.0]

    cells = []
    for stratum in sorted({r["stype"] for r in rows}):
        members = np.array([vector(r) for r in rows if r["stype"] == stratum])
        cells.append(CellData(stratum, members.shape[0], members.sum(axis=0), members.T @ members))
    population = {r["stype"]: float(r["fpc"]) for r in rows}
    weighting = build_sample(cells, WeightPlan(population=population), len(names))
    sample = weighting.sample
    given = np.array([float(next(r["pw"] for r in rows if r["stype"] == s)) for s in weighting.strata])
    assert np.allclose(sample.weight, given, rtol=1e-7)  # N/n, which R's data holds in single precision
    sample.weight = given
    v = {name: i for i, name in enumerate(names)}
    everything = np.ones(len(cells), dtype=bool)
    mean, ratio, share, contrast = estimate_many(
        sample,
        everything,
        [
            Ratio(((v["api00"], 1.0),), (v["one"],)),
            Ratio(((v["api.stu"], 1.0),), (v["enroll"],)),
            Ratio(((v["sch.wide"], 1.0),), (v["one"],)),
            MeanOf((Ratio(((v["api00"], 1.0),), (v["enroll"],)), Ratio(((v["api99"], 1.0),), (v["enroll"],)))),
        ],
    )
    assert close(mean.value, reference["mean_api00"]["value"], POINT) and close(mean.se, reference["mean_api00"]["se"], SE_RELATIVE)
    assert close(mean.deff, reference["mean_api00"]["deff"], SE_RELATIVE)
    assert close(ratio.value, reference["ratio_stu_enroll"]["value"], POINT) and close(ratio.se, reference["ratio_stu_enroll"]["se"], SE_RELATIVE)
    assert close(ratio.deff, reference["ratio_stu_enroll"]["deff"], SE_RELATIVE)
    assert close(contrast.value, reference["mean_of_ratios"]["value"], POINT) and close(contrast.se, reference["mean_of_ratios"]["se"], SE_RELATIVE)
    low, high = logit_interval(share.value, share.se, share.df)
    assert share.df == reference["share_sch_wide"]["df"]
    assert close(share.value, reference["share_sch_wide"]["value"], POINT) and close(share.se, reference["share_sch_wide"]["se"], SE_RELATIVE)
    assert close(low, reference["share_sch_wide"]["ci_low"], SE_RELATIVE) and close(high, reference["share_sch_wide"]["ci_high"], SE_RELATIVE)
    elementary = np.array([s == "E" for s in weighting.strata])
    (domain,) = estimate_many(sample, elementary, [Ratio(((v["api.stu"], 1.0),), (v["enroll"],))])
    assert close(domain.value, reference["ratio_elementary"]["value"], POINT) and close(domain.se, reference["ratio_elementary"]["se"], SE_RELATIVE)
    assert close(domain.deff, reference["ratio_elementary"]["deff"], SE_RELATIVE)


@R_NEEDED
def test_the_t_quantile_is_rs_qt():
    dfs = (1, 2, 3, 7, 29, 120, 199, 200, 201, 350, 1000, 123456)
    script = "cat(sprintf('%.17g', qt(c(0.975, 0.995), rep(c(" + ",".join(map(str, dfs)) + "), each = 2))))"
    theirs = [float(v) for v in subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True).stdout.split()]
    for i, df in enumerate(dfs):
        assert abs(t_quantile(0.975, df) - theirs[2 * i]) < 1e-10, df
        assert abs(t_quantile(0.995, df) - theirs[2 * i + 1]) < 1e-10, df


# ------------------------------------------------------------------------------------------------
# Generated respondents of a known design
# ------------------------------------------------------------------------------------------------

CRITERIA = {"A": ["A1", "A2"], "B": ["B1", "B2", "B3"]}


def _rules():
    from surveys.rules import QuestionRule

    rules, number = [], 0
    for section, codes in CRITERIA.items():
        for code in codes:
            number += 1
            rules.append(
                QuestionRule(
                    question_id=number, code=code, section_code=section, role="index", levels=frozenset(range(1, 6)),
                    missing=frozenset({9}), satisfied=frozenset({4, 5}),
                )
            )
    return rules


def generated_respondents(seed: int, *, lonely: bool = True):
    """Respondents in strata unit × channel with correlated answers (a latent satisfaction per person),
    some "don't know" answers, a sex and an age group; one stratum with a single respondent."""
    from reports.estimation.sums import FormLayout, Variables, variables_matrix

    rng = np.random.default_rng(seed)
    rules = _rules()
    layout = FormLayout(1, tuple(rules))
    variables = Variables(tuple(r.code for r in rules), tuple(CRITERIA))
    rows, levels = [], []
    strata = [(f"U{u}", channel) for u in range(1, 7) for channel in ("desk", "online")]
    for index, (unit, channel) in enumerate(strata):
        n = 1 if lonely and index == 5 else int(rng.integers(4, 40))
        population = int(n * rng.integers(8, 120))
        for _ in range(n):
            mood = rng.normal(0.9 if unit in ("U1", "U2") else 0.4, 1.0)
            answer = []
            for _rule in rules:
                if rng.random() < 0.08:
                    answer.append(9 if rng.random() < 0.5 else -1)
                    continue
                latent = mood + rng.normal(0, 0.6)
                answer.append(int(np.clip(np.round(3.2 + latent), 1, 5)))
            levels.append(answer)
            rows.append({"stratum": f"{unit}/{channel}", "N": population, "unit": unit, "channel": channel,
                         "sex": rng.choice(["male", "female"]), "age": rng.choice(["18_34", "35_59", "60+"])})
    matrix = variables_matrix(np.array(levels, dtype=np.int64), layout, variables)
    return rows, matrix, variables


def _estimands(variables):
    criteria = {code: Ratio(((variables.y(code), 1.0),), (variables.x(code),)) for code in variables.criteria}
    elements_pooled = {
        s: Ratio(tuple((variables.y(c), 1.0) for c in codes), tuple(variables.x(c) for c in codes)) for s, codes in CRITERIA.items()
    }
    overall = Ratio(tuple((variables.y(c), 1.0) for c in variables.criteria), tuple(variables.x(c) for c in variables.criteria))
    sipas = MeanOf(tuple(MeanOf(tuple(criteria[c] for c in codes)) for codes in CRITERIA.values()))
    full = Ratio(((variables.F, 1.0),), (variables.R,))
    return criteria, elements_pooled, overall, sipas, full


def _cells(rows, matrix, *, by_profile: bool):
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        key = (row["stratum"], row["sex"], row["age"]) if by_profile else (row["stratum"],)
        groups.setdefault(key, []).append(i)
    cells, owners = [], []
    for members in groups.values():
        block = matrix[members]
        first = rows[members[0]]
        profile = {"channel": first["channel"], "sex": first["sex"], "age": first["age"]} if by_profile else {}
        cells.append(CellData(first["stratum"], len(members), block.sum(axis=0), block.T @ block, profile))
        owners.append(first["unit"])
    return cells, owners


@R_NEEDED
@pytest.mark.parametrize("design", ["weighted", "unweighted", "raked"])
def test_generated_designs_give_rs_points_ses_and_intervals(tmp_path, design):
    rows, matrix, variables = generated_respondents(20261 + len(design))
    names = variables.names()
    criteria, elements, overall, sipas, full = _estimands(variables)
    planned = {f"criterion_{c}": e for c, e in criteria.items()} | {f"element_{s}": e for s, e in elements.items()}
    planned |= {"overall": overall, "sipas": sipas, "full": full}
    cells, owners = _cells(rows, matrix, by_profile=design == "raked")
    population = {row["stratum"]: row["N"] for row in rows}
    margins_rows, plan = None, WeightPlan(population=population if design != "unweighted" else None)
    if design == "raked":
        total = float(sum(population.values()))
        margins = {"sex": {"male": 0.45 * total, "female": 0.55 * total}, "age": {"18_34": 0.3 * total, "35_59": 0.45 * total, "60+": 0.25 * total}}
        weights = build_sample(cells, WeightPlan(population=population, margins=margins), len(names)).sample.weight
        bounds = (float(np.quantile(weights, 0.05)), float(np.quantile(weights, 0.9)))
        plan = WeightPlan(population=population, margins=margins, trim=bounds)
        margins_rows = [(v, level, t) for v, levels in margins.items() for level, t in levels.items()]
    weighting = build_sample(cells, plan, len(names))
    if design == "raked":
        assert weighting.raked and weighting.converged and weighting.trimmed > 0
    options = {"weighted": design != "unweighted", "lonely": "adjust", "rake": design == "raked"}
    if design == "raked":
        options |= {"trim_lower": repr(plan.trim[0]), "trim_upper": repr(plan.trim[1])}
    estimates = []
    for name, estimand in planned.items():
        for domain in ("", "unit=U2"):
            kind, terms = r_terms(estimand, names)
            estimates.append((f"{name}@{domain}", kind, domain, terms))
    for code in variables.criteria:
        estimates.append((f"share_{code}", "share", "", f"y_{code}/x_{code}"))
    reference = run_r(tmp_path, rows, matrix, names, estimates, options, margins_rows)

    everything = np.ones(len(cells), dtype=bool)
    unit = np.array([owner == "U2" for owner in owners])
    counters = [variables.x(code) for code in variables.criteria]
    compared, worst = 0, 0.0
    for domain_name, mask in (("", everything), ("unit=U2", unit)):
        results = estimate_many(weighting.sample, mask, list(planned.values()))
        for name, result in zip(planned, results, strict=True):
            theirs = reference[f"{name}@{domain_name}"]
            assert close(result.value, theirs["value"], POINT), (name, domain_name, result.value, theirs["value"])
            assert close(result.se, theirs["se"], SE_RELATIVE), (name, domain_name, result.se, theirs["se"])
            worst = max(worst, abs(result.se - theirs["se"]) / theirs["se"])
            if "deff" in theirs and theirs["deff"] is not None:
                assert close(result.deff, theirs["deff"], SE_RELATIVE), (name, domain_name, result.deff, theirs["deff"])
            compared += 1
    shares = estimate_many(weighting.sample, everything, list(criteria.values()), counters)
    for code, result in zip(variables.criteria, shares, strict=True):
        theirs = reference[f"share_{code}"]
        assert result.df == theirs["df"]
        low, high = logit_interval(result.value, result.se, result.df)
        assert close(low, theirs["ci_low"], SE_RELATIVE) and close(high, theirs["ci_high"], SE_RELATIVE), (code, low, high, theirs)
    assert compared == 2 * len(planned)
    print(f"{design}: {compared} estimates, largest relative SE difference {worst:.1e}")


def test_the_engines_cell_sums_equal_the_moments_of_the_full_variables():
    from reports.estimation.sums import FormLayout, cell_sums, moments, variables_matrix

    rows, matrix, variables = generated_respondents(7)
    rng = np.random.default_rng(3)
    levels = rng.integers(-1, 10, size=(400, len(variables.criteria)))  # −1 no answer, 9 "không biết", 6–8 off the scale
    layout = FormLayout(1, tuple(_rules()))
    n, sums, gram = cell_sums(levels, layout, variables)
    full_n, full_sums, full_gram = moments(variables_matrix(levels, layout, variables))
    g = variables.gram_dims
    assert n == full_n and np.array_equal(sums, full_sums) and np.array_equal(gram, full_gram[:g, :g])
