"""The engine's design-based estimates end to end: responses in the database, population sizes imported
with `import_population`, `recompute CODE --json`, compared with R's survey package on the same records
(read back from the answers, not from the engine's tables)."""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook

from campaigns.models import Campaign, StratumPopulation
from reports.chunks import index_recompute_chunk, index_recompute_plan
from reports.models import IndexValue
from reports.selectors import index_tables, working_snapshot
from reports.services import index_recompute
from reports.tests.factories import make_campaign, make_questionnaire, make_response
from reports.tests.r_reference import POINT, SE_RELATIVE, SKIP, close, run_r
from surveys.models import Answer, Question, Response
from surveys.selectors import compiled_form
from surveys.services.answers import ValidatedAnswers, answers_create

pytestmark = pytest.mark.django_db

SECTIONS = {"TC": ["TC1", "TC2", "TC3"], "TT": ["TT1", "TT2"]}
CODES = [c for codes in SECTIONS.values() for c in codes]
# (unit, channel, respondents, population): A-BV's phone stratum has one respondent (a lonely stratum).
STRATA = [("A1", "desk", 25, 800), ("A1", "phone", 12, 300), ("A2", "desk", 40, 6000), ("A-BV", "desk", 18, 2500), ("A-BV", "phone", 1, 40)]


def _answers(rng: random.Random, mood: float) -> dict[str, int]:
    answers = {}
    for code in CODES:
        if rng.random() < 0.07:
            answers[code] = 9  # không biết
        else:
            answers[code] = max(1, min(5, round(3.3 + mood + rng.gauss(0, 0.6))))
    return answers


def respondents_build(campaign, tree, seed: int = 12) -> None:
    """Responses of the strata above: correlated answers; every other one written by the real writer
    (with its index pattern), the rest as bare rows (recounted from their answers by the engine)."""
    rng = random.Random(seed)
    form = campaign.forms.get()
    compiled = compiled_form(form.questionnaire)
    for unit_code, channel, count, _n in STRATA:
        for i in range(count):
            answers = _answers(rng, rng.gauss(0.9 if unit_code == "A1" else 0.3, 1.0))
            profile = {"sex": rng.choice(["male", "female"]), "age_group": rng.choice(["25_34", "35_49", "50_64"])}
            if i % 2:
                response = make_response(campaign, tree[unit_code], answers, channel=channel)
                Response.objects.filter(pk=response.pk).update(profile=profile)
                continue
            response = Response(campaign=campaign, form=form, unit=tree[unit_code], channel=channel, status="submitted", profile=profile)
            rows = [(compiled.questions[code], value, None, "") for code, value in answers.items()]
            answers_create(response, ValidatedAnswers(rows=rows, index_questions=compiled.index_questions))


def population_file(path: Path, rows) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["unit_code", "channel", "population"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


@pytest.fixture
def weighted_campaign(tree, tmp_path):
    def build(scheme: str = "moh_pooled", options: dict | None = None):
        campaign = make_campaign(tree["A"], make_questionnaire(SECTIONS), scheme=scheme, options=options)
        respondents_build(campaign, tree)
        out = io.StringIO()
        call_command("import_population", campaign.code, str(population_file(tmp_path / "n.xlsx", [(u, c, n) for u, c, _k, n in STRATA])), stdout=out)
        assert "5 tầng" in out.getvalue()
        return campaign

    return build


def recompute_json(campaign) -> dict:
    out = io.StringIO()
    call_command("recompute", campaign.code, "--json", stdout=out)
    return json.loads(out.getvalue())


def records_for_r(campaign) -> tuple[list[dict], list]:
    """Every counted respondent with its stratum, the stratum's N and x/y per criterion, from the answers."""
    questions = dict(Question.objects.filter(questionnaire__campaign_forms__campaign=campaign).values_list("pk", "code"))
    population = {(p.unit.code, p.channel): p.population for p in StratumPopulation.objects.filter(campaign=campaign).select_related("unit")}
    answers: dict[int, dict[str, int]] = {}
    for response_id, question_id, value in Answer.objects.filter(campaign=campaign).values_list("response_id", "question_id", "value"):
        answers.setdefault(response_id, {})[questions[question_id]] = value
    rows, matrix = [], []
    for response in Response.objects.filter(campaign=campaign, status="submitted").select_related("unit").order_by("pk"):
        given = answers.get(response.pk, {})
        values = []
        for code in CODES:
            level = given.get(code)
            valid = level is not None and 1 <= level <= 5
            values += [int(valid), int(valid and level >= 4)]
        rows.append({
            "stratum": f"{response.unit.code}/{response.channel}", "N": population[(response.unit.code, response.channel)],
            "unit": response.unit.code, "channel": response.channel, "sex": response.profile.get("sex", ""), "age": response.profile.get("age_group", ""),
        })
        matrix.append(values)
    return rows, matrix


NAMES = [f"{v}_{code}" for code in CODES for v in ("x", "y")]


def ratio_terms(codes) -> str:
    return "+".join(f"y_{c}*1" for c in codes) + "/" + "+".join(f"x_{c}" for c in codes)


@pytest.mark.skipif(SKIP is not None, reason=SKIP or "")
@pytest.mark.parametrize("scheme", ["moh_pooled", "sipas"])
def test_recompute_json_gives_rs_estimates_and_standard_errors_on_the_same_records(tmp_path, tree, weighted_campaign, scheme):
    campaign = weighted_campaign(scheme)
    data = recompute_json(campaign)
    assert data["design"] == {"weighted": True, "rule": "population", "strata": 5}
    rows, matrix = records_for_r(campaign)
    estimates = []
    for code in CODES:
        estimates.append((f"criterion_{code}", "ratio", "", f"y_{code}*1/x_{code}"))
    for section, codes in SECTIONS.items():
        if scheme == "sipas":
            estimates.append((f"element_{section}", "contrast", "", "+".join(f"y_{c}/x_{c}*{1 / len(codes)!r}" for c in codes)))
        else:
            estimates.append((f"element_{section}", "ratio", "", ratio_terms(codes)))
    if scheme == "sipas":
        terms = "+".join(f"y_{c}/x_{c}*{1 / (len(SECTIONS) * len(codes))!r}" for codes in SECTIONS.values() for c in codes)
        estimates += [("overall", "contrast", "", terms), ("overall_hospital", "contrast", "unit=A-BV", terms)]
    else:
        estimates += [("overall", "ratio", "", ratio_terms(CODES)), ("overall_hospital", "ratio", "unit=A-BV", ratio_terms(CODES))]
    reference = run_r(tmp_path, rows, matrix, NAMES, estimates, {"weighted": True, "lonely": "adjust"})

    def check(ours: dict, theirs: dict) -> None:
        assert close(ours["value"] / 100, theirs["value"], POINT), (ours, theirs)
        assert close(ours["se"] / 100, theirs["se"], SE_RELATIVE), (ours, theirs)
        if theirs.get("deff") is not None and "deff" in ours:
            assert close(ours["deff"], theirs["deff"], SE_RELATIVE), (ours, theirs)

    check(data["estimates"]["overall"], reference["overall"])
    for section in SECTIONS:
        check(data["estimates"]["elements"][section], reference[f"element_{section}"])
    for code in CODES:
        check(data["estimates"]["criteria"][code], reference[f"criterion_{code}"])
    hospital = IndexValue.objects.get(snapshot=working_snapshot(campaign), unit=tree["A-SYT"], scope="overall", key="")
    check({"value": hospital.estimate, "se": hospital.se}, reference["overall_hospital"])  # a unit: its subtree's strata
    assert data["overall"] == round(data["estimates"]["overall"]["value"], 2)  # the published figure is the estimate
    assert data["estimates"]["overall"]["respondents"] == sum(k for _u, _c, k, _n in STRATA)


def test_weights_move_the_figure_towards_the_large_strata(tree, weighted_campaign):
    campaign = weighted_campaign()
    weighted = recompute_json(campaign)
    StratumPopulation.objects.filter(campaign=campaign).delete()
    pooled = recompute_json(campaign)  # no sizes: unweighted, as the first wave computed it
    assert pooled["design"] == {"weighted": False, "rule": "pooled", "strata": 5}
    assert pooled["overall"] == round(pooled["estimates"]["overall"]["value"], 2)
    # A2 (6,000 users, the least satisfied) weighs more once the sizes are known
    assert weighted["overall"] < pooled["overall"]


def test_full_incremental_and_chunked_recomputes_give_identical_weighted_tables(tree, weighted_campaign):
    campaign = weighted_campaign()
    index_recompute(campaign.pk, full=True)
    single = index_tables(campaign)
    make_response(campaign, tree["A2"], dict.fromkeys(CODES, 5), channel="desk")
    Campaign.objects.filter(pk=campaign.pk).update(dirty_at=timezone.now())
    assert index_recompute(campaign.pk).mode == "incremental"  # only A2's cells are read again
    incremental = index_tables(campaign)
    assert incremental != single
    index_recompute(campaign.pk, full=True)
    assert index_tables(campaign) == incremental
    for chunk in index_recompute_plan(campaign_id=campaign.pk, chunks=2):
        index_recompute_chunk(chunk_id=chunk)
    assert index_tables(campaign) == incremental


def test_the_unit_mean_rule_averages_the_sub_units_and_adds_their_variances(tree, weighted_campaign):
    campaign = weighted_campaign(options={"rule": "unit_mean"})
    data = recompute_json(campaign)
    assert data["design"]["rule"] == "unit_mean" and data["design"]["weighted"]
    snapshot = working_snapshot(campaign)
    values = {v.unit.code: v for v in IndexValue.objects.filter(snapshot=snapshot, scope="overall", key="").select_related("unit")}
    parts = [values["A1"], values["A2"], values["A-SYT"]]  # the organiser has no responses of its own
    assert values["A-SYT"].estimate == pytest.approx(values["A-BV"].estimate)
    assert values["A"].estimate == pytest.approx(sum(p.estimate for p in parts) / 3)
    assert values["A"].se == pytest.approx(math.sqrt(sum(p.se**2 for p in parts)) / 3)


def test_a_stratum_with_one_respondent_gets_the_adjust_rule_never_a_crash_or_a_zero_se(tree, weighted_campaign):
    campaign = weighted_campaign()
    recompute_json(campaign)
    hospital = IndexValue.objects.get(snapshot=working_snapshot(campaign), unit=tree["A-SYT"], scope="overall", key="")
    assert hospital.se > 0 and hospital.respondents == 19


# ------------------------------------------------------------------------------------------------
# import_population: bad input refused whole
# ------------------------------------------------------------------------------------------------


def test_a_bad_population_file_is_refused_whole_with_sheet_row_and_column(tmp_path, tree, weighted_campaign):
    campaign = weighted_campaign()
    before = list(StratumPopulation.objects.filter(campaign=campaign).values_list("unit__code", "channel", "population"))
    bad = population_file(
        tmp_path / "bad.xlsx",
        [("A1", "desk", 900), ("ZZ9", "desk", 100), ("A2", "fax", 100), ("A2", "desk", 10), ("A-BV", "desk", 0), ("A-BV", "phone", -3), ("B1", "desk", 50)],
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="6 lỗi"):
        call_command("import_population", campaign.code, str(bad), stderr=err)
    lines = err.getvalue().splitlines()
    assert any("dòng 3" in line and "«unit_code»" in line and "ZZ9" in line for line in lines)
    assert any("dòng 4" in line and "«channel»" in line and "fax" in line for line in lines)
    assert any("dòng 5" in line and "«population»" in line and "nhỏ hơn số phiếu" in line for line in lines)  # A2 has 40 respondents
    assert any("dòng 6" in line and "lớn hơn 0" in line for line in lines)
    assert any("dòng 7" in line and "lớn hơn 0" in line for line in lines)
    assert any("dòng 8" in line and "B1" in line for line in lines)  # province B's commune: not in the campaign
    assert all(line.startswith("Trang tính «Sheet»") for line in lines)
    after = list(StratumPopulation.objects.filter(campaign=campaign).values_list("unit__code", "channel", "population"))
    assert after == before  # nothing saved, not even the good first row


def test_population_sizes_can_be_counted_from_the_frame(tree, make_unit):
    from campaigns.models import FrameEntry, SampleQuota

    campaign = make_campaign(tree["A"], make_questionnaire(SECTIONS))
    form = campaign.forms.get()
    SampleQuota.objects.create(campaign=campaign, unit=tree["A1"], channel="phone", form=form, target=30)
    SampleQuota.objects.create(campaign=campaign, unit=tree["A1"], channel="home_visit", form=form, target=10)
    FrameEntry.objects.bulk_create([FrameEntry(campaign=campaign, unit=tree["A1"], full_name=f"Người {i}") for i in range(401)])
    out = io.StringIO()
    call_command("import_population", campaign.code, "--from-frame", stdout=out)
    sizes = dict(StratumPopulation.objects.filter(campaign=campaign).values_list("channel", "population"))
    assert sizes == {"phone": 301, "home_visit": 100}  # 401 shared 3 : 1, adding up to the frame's count


def test_a_raked_and_trimmed_design_is_stated_and_incremental_equals_full(tree, weighted_campaign):
    rake = {"sex": {"male": 48, "female": 52}, "age_group": {"25_34": 30, "35_49": 40, "50_64": 30}, "channel": True}
    campaign = weighted_campaign(options={"rake": rake, "trim": [0.5, 2.0]})
    data = recompute_json(campaign)
    assert data["design"] == {"weighted": True, "rule": "population", "strata": 5}
    design = working_snapshot(campaign).design
    assert design["raked"] == ["channel", "sex", "age_group"] and design["kish_deff"] > 1
    make_response(campaign, tree["A1"], dict.fromkeys(CODES, 5), channel="desk")
    Response.objects.filter(profile={}).update(profile={"sex": "female", "age_group": "35_49"})
    before = IndexValue.objects.get(snapshot=working_snapshot(campaign), unit=tree["A2"], scope="overall").estimate
    summary = index_recompute(campaign.pk, [tree["A1"].path])  # re-tally A1 only and merge
    assert summary.mode == "incremental"
    incremental = index_tables(campaign)
    after = IndexValue.objects.get(snapshot=working_snapshot(campaign), unit=tree["A2"], scope="overall").estimate
    assert after != before  # A2 has no new response, but the raked weights all moved: estimated again
    index_recompute(campaign.pk, full=True)
    assert index_tables(campaign) == incremental


def test_responses_without_a_usable_pattern_are_recounted_from_their_answers(tree, weighted_campaign):
    campaign = weighted_campaign()
    stored = recompute_json(campaign)["estimates"]
    with_pattern = list(Response.objects.filter(campaign=campaign, index_pattern__isnull=False).order_by("pk").values_list("pk", flat=True))
    Response.objects.filter(pk__in=with_pattern[:3]).update(index_pattern="55")  # written for other questions
    Response.objects.filter(pk__in=with_pattern[3:6]).update(index_pattern="5,5,5")
    Response.objects.filter(pk__in=with_pattern[6:]).update(index_pattern=None)  # saved before patterns
    assert recompute_json(campaign)["estimates"] == stored
