"""The data of bench/recompute.py: a province-sized unit tree, a campaign of 20 Likert questions, N responses
generated straight into the database (inside PostgreSQL with generate_series, or bulk inserts on SQLite), and
population sizes for every stratum. Imported by bench/recompute.py once Django is set up."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import uuid

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from campaigns.models import Campaign, CampaignForm, StratumPopulation
from surveys.models import Answer, Question, Questionnaire, Response, Section
from surveys.rules import index_pattern
from surveys.selectors import CompiledQuestion, compiled_form
from surveys.services.answers import index_counts
from units.access import SYSTEM
from units.models import Unit, UnitType
from units.services import unit_save

SECTIONS = 4
PER_SECTION = 5
CHANNELS = ["phone", "home_visit", "desk"]
# A plausible spread of answers: mostly satisfied, a few "không biết" (9).
LEVELS = [5, 4, 3, 2, 1, 9]
WEIGHTS = [0.35, 0.45, 0.12, 0.04, 0.02, 0.02]
STATUSES = ["submitted"] * 14 + ["approved"] * 5 + ["rejected"]
CHUNK = 20_000

def build_tree(tag: str, communes: int) -> tuple[Unit, list[Unit]]:
    """A province with `communes` communes and a health department with 10 hospitals (leaves get answers)."""
    types = {t.code: t for t in UnitType.objects.all()}
    province = unit_save(unit=Unit(code=f"P{tag}", name=f"Tỉnh thử {tag}", type=types["province"]), actor=SYSTEM)
    leaves = [unit_save(unit=Unit(code=f"P{tag}-X{i:03d}", name=f"Xã {i}", type=types["commune"], parent=province), actor=SYSTEM) for i in range(communes)]
    department = unit_save(unit=Unit(code=f"P{tag}-SYT", name="Sở Y tế", type=types["department"], parent=province), actor=SYSTEM)
    leaves += [unit_save(unit=Unit(code=f"P{tag}-BV{i}", name=f"Bệnh viện {i}", type=types["hospital"], parent=department), actor=SYSTEM) for i in range(10)]
    return province, leaves


def build_campaign(tag: str, province: Unit) -> tuple[Campaign, CampaignForm, list[int]]:
    questionnaire = Questionnaire.objects.create(code=f"bench-{tag}", title="Phiếu đo hiệu năng")
    question_ids = []
    for s in range(SECTIONS):
        section = Section.objects.create(questionnaire=questionnaire, code=chr(65 + s), title=f"Phần {chr(65 + s)}", order=s)
        for q in range(PER_SECTION):
            question = Question.objects.create(
                questionnaire=questionnaire, section=section, code=f"{chr(65 + s)}{q + 1}", text="Câu hỏi", type="likert5",
                satisfied_levels=[4, 5], missing_codes=[9], counts_in_index=True, order=s * 10 + q,
            )
            question_ids.append(question.pk)
    campaign = Campaign.objects.create(
        code=f"bench-{tag}", name="Đợt đo hiệu năng", organiser=province, year=2026, fieldwork_start=dt.date(2026, 9, 1),
        fieldwork_end=dt.date(2026, 10, 31), index_scheme="moh_pooled",
    )
    form = CampaignForm.objects.create(campaign=campaign, questionnaire=questionnaire)
    return campaign, form, question_ids


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _reserve_ids(model, count: int) -> int:
    """Take `count` ids from the table's sequence at once; returns the first."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
    return first


def compiled_questions(form: CampaignForm, question_ids: list[int]) -> list[CompiledQuestion]:
    by_pk = {q.pk: q for q in compiled_form(form.questionnaire).questions.values()}
    return [by_pk[pk] for pk in question_ids]


def generate(campaign: Campaign, form: CampaignForm, leaves: list[Unit], question_ids: list[int], n: int, seed: int = 2026) -> None:
    """N responses with 20 answers each, in chunks (memory flat in N); each response carries its index
    counts, computed by the same function as every other path that writes answers."""
    from surveys.partitions import answer_partition_ensure

    answer_partition_ensure(campaign_id=campaign.pk)  # PostgreSQL: the campaign's own partition (nothing on SQLite)
    rng = random.Random(seed)
    scales = [q.index_scale for q in compiled_questions(form, question_ids)]
    index_questions = compiled_form(form.questionnaire).index_questions
    saved = timezone.now() - dt.timedelta(days=1)  # collected yesterday: not "recently changed"
    response_fields = [f for f in Response._meta.concrete_fields if f.name != "id"]
    answer_columns = ["response_id", "question_id", "campaign_id", "unit_id", "channel", "value", "number", "text"]
    postgres = connection.vendor == "postgresql"
    first_id = _reserve_ids(Response, n) if postgres else None
    if postgres:  # generated rows are consistent by construction: skip FK triggers while loading (superuser)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    done = 0
    while done < n:
        size = min(CHUNK, n - done)
        responses, answers = [], []
        for i in range(size):
            unit = rng.choice(leaves)
            channel = rng.choice(CHANNELS)
            values = rng.choices(LEVELS, WEIGHTS, k=len(question_ids))
            valid, unsatisfied = index_counts(zip(scales, values, strict=True))
            explicit = {
                "uuid": uuid.uuid4(), "campaign": campaign.pk, "form": form.pk, "unit": unit.pk,
                "channel": channel, "status": rng.choice(STATUSES), "source": "import", "submitted_at": saved,
                "created_at": saved, "updated_at": saved, "index_valid": valid, "index_unsatisfied": unsatisfied,
                "index_pattern": index_pattern(index_questions, dict(zip(question_ids, values, strict=True))),
            }
            response_id = first_id + done + i if postgres else None
            responses.append((response_id, explicit))
            answers.append((response_id, unit.pk, channel, values))
        if postgres:
            _copy_chunk(response_fields, answer_columns, responses, answers, campaign, question_ids)
        else:
            _insert_chunk(responses, answers, campaign, question_ids)
        done += size
        print(f"  … {done:,} phiếu", end="\r", flush=True)
    print()
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def generate_in_sql(campaign: Campaign, form: CampaignForm, leaves: list[Unit], question_ids: list[int], n: int, seed: float = 0.2026) -> None:
    """PostgreSQL: the same N responses × 20 answers as `generate`, drawn inside the database with
    generate_series (≈ 10× faster than COPY from Python: 5 M responses in minutes, not half an hour).

    Each response draws its levels (LEVELS with WEIGHTS) as its index pattern, the one-character-a-level
    string the real writer stores (surveys.rules.index_pattern: these levels are the digits 1–9); its
    index counts are counted from the pattern (valid: not 9; unsatisfied: 1–3, this questionnaire's
    scale) and its 20 answers are the pattern's characters, so all three agree as `answers_create` keeps
    them. The answers go into the campaign's own partition, loaded apart and then attached (its indexes
    built once, not row by row)."""
    from surveys.partitions import PARENT, answers_partitioned, partition_name

    assert all(q.index_scale and q.index_scale.satisfied == frozenset({4, 5}) for q in compiled_questions(form, question_ids))
    saved = timezone.now() - dt.timedelta(days=1)  # collected yesterday: not "recently changed"
    explicit = {"id", "uuid", "campaign", "form", "unit", "channel", "status", "source", "submitted_at", "created_at", "updated_at",
                "index_valid", "index_unsatisfied", "index_pattern"}
    constants = [f for f in Response._meta.concrete_fields if f.name not in explicit]
    thresholds, total = [], 0.0
    for level, weight in zip(LEVELS, WEIGHTS, strict=True):
        total += weight
        thresholds.append((round(total, 6), level))
    draw = "CASE " + " ".join(f"WHEN x < {t} THEN '{level}'" for t, level in thresholds[:-1]) + f" ELSE '{thresholds[-1][1]}' END"
    statuses = "ARRAY[" + ",".join(f"'{s}'" for s in STATUSES) + "]"
    channels = "ARRAY[" + ",".join(f"'{c}'" for c in CHANNELS) + "]"
    units = "ARRAY[" + ",".join(str(int(u.pk)) for u in leaves) + "]::bigint[]"
    questions = "ARRAY[" + ",".join(str(int(q)) for q in question_ids) + "]::bigint[]"
    k = len(question_ids)
    first_response = _reserve_ids(Response, n)
    first_answer = _reserve_ids(Answer, n * k)
    columns = ["id", "uuid", "campaign_id", "form_id", "unit_id", "channel", "status", "source", "submitted_at", "created_at", "updated_at",
               "index_valid", "index_unsatisfied", "index_pattern", *(f.column for f in constants)]
    constant_values = [f.get_prep_value(f.get_default()) for f in constants]
    constant_values = [json.dumps(v) if isinstance(v, dict | list) else v for v in constant_values]
    table = partition_name(campaign.pk) if answers_partitioned() else None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # consistent by construction: no FK triggers (superuser)
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")  # the partition's indexes are built at ATTACH
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            f"INSERT INTO {Response._meta.db_table} ({','.join(columns)}) "
            f"SELECT {first_response} + g, gen_random_uuid(), %s, %s, ({units})[1 + floor(random() * {len(leaves)})::int], "
            f"({channels})[1 + floor(random() * {len(CHANNELS)})::int], ({statuses})[1 + floor(random() * {len(STATUSES)})::int], "
            "'import', %s, %s, %s, "
            f"{k} - (length(p) - length(replace(p, '9', ''))), length(p) - length(translate(p, '123', '')), p, "
            + ", ".join(["%s"] * len(constants))
            + f" FROM (SELECT g, (SELECT string_agg({draw}, '') FROM (SELECT random() AS x FROM generate_series(1, {k} + 0 * g)) d) AS p "
            f"FROM generate_series(0, {n - 1}) g) s",
            [campaign.pk, form.pk, saved, saved, saved, *constant_values],
        )
        target = table or Answer._meta.db_table
        if table:
            cursor.execute(f"CREATE TABLE {table} (LIKE {PARENT} INCLUDING DEFAULTS)")
        cursor.execute(
            f"INSERT INTO {target} (id, response_id, question_id, campaign_id, unit_id, channel, value, number, text) "
            f"SELECT {first_answer} + (r.id - {first_response}) * {k} + q - 1, r.id, ({questions})[q], r.campaign_id, r.unit_id, r.channel, "
            f"substr(r.index_pattern, q, 1)::int, NULL, '' FROM {Response._meta.db_table} r CROSS JOIN generate_series(1, {k}) q "
            "WHERE r.campaign_id = %s",
            [campaign.pk],
        )
        if table:  # the check lets ATTACH skip its scan; the parent's indexes are built on the loaded rows
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_campaign CHECK (campaign_id = {int(campaign.pk)})")
            cursor.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {table} FOR VALUES IN ({int(campaign.pk)})")
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_campaign")


def _copy_chunk(response_fields, answer_columns, responses, answers, campaign, question_ids) -> None:
    buffer = io.StringIO()
    for response_id, explicit in responses:
        row = [str(response_id)]
        for field in response_fields:
            key = field.name if field.name in explicit else None
            value = explicit[key] if key else field.get_default()
            row.append(_copy_value(value))
        buffer.write("\t".join(row) + "\n")
    buffer.seek(0)
    columns = ",".join(["id", *(f.column for f in response_fields)])
    answer_buffer = io.StringIO()
    for response_id, unit_id, channel, values in answers:
        for question_id, value in zip(question_ids, values, strict=True):
            answer_buffer.write(f"{response_id}\t{question_id}\t{campaign.pk}\t{unit_id}\t{channel}\t{value}\t\\N\t\n")
    answer_buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {Response._meta.db_table} ({columns}) FROM STDIN", buffer)
        cursor.cursor.copy_expert(f"COPY {Answer._meta.db_table} ({','.join(answer_columns)}) FROM STDIN", answer_buffer)


def _insert_chunk(responses, answers, campaign, question_ids) -> None:
    created = Response.objects.bulk_create(
        [Response(**{(f"{k}_id" if k in ("campaign", "form", "unit") else k): v for k, v in explicit.items()}) for _, explicit in responses]
    )
    Answer.objects.bulk_create(
        [
            Answer(response_id=response.pk, question_id=q, campaign_id=campaign.pk, unit_id=unit_id, channel=channel, value=v)
            for response, (_, unit_id, channel, values) in zip(created, answers, strict=True)
            for q, v in zip(question_ids, values, strict=True)
        ],
        batch_size=5000,
    )


def population_set(campaign: Campaign, seed: int = 12) -> int:
    """Population sizes for every stratum with counted responses: 5 to 60 times its respondents, so the
    weights N/n vary from stratum to stratum as they do between communes and wards."""
    rng = random.Random(seed)
    counted = (
        Response.objects.filter(campaign=campaign, status__in=["submitted", "approved"]).values_list("unit_id", "channel")
        .order_by().annotate(n=Count("pk"))
    )
    StratumPopulation.objects.filter(campaign=campaign).delete()
    rows = [StratumPopulation(campaign=campaign, unit_id=u, channel=c, population=n * rng.randint(5, 60), source="import") for u, c, n in counted]
    StratumPopulation.objects.bulk_create(rows)
    return len(rows)
