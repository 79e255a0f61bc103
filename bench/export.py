"""Benchmark of the raw data export: 1M responses × 40 questions on PostgreSQL, time and peak memory.

    .venv/bin/python bench/export.py [--responses 1000000] [--questions 40] [--sample 100000]

Creates (or reuses) the PostgreSQL database `hl_bench_export`, migrates it and fills one campaign with
`--responses` responses and one answer per question each, generated inside PostgreSQL with
generate_series (no Python in the loop). Then each writer runs in its own process, so that its peak
memory (ru_maxrss) is its own:

- the project's streaming writer (reports/xlsx_stream.py, the one the app uses) and CSV on all the responses;
- XlsxWriter `constant_memory` and openpyxl `write_only` on the first `--sample` responses (they are
  the slower ones; their full-size time is extrapolated linearly and said so).

Each .xlsx is checked: it opens, has the expected sheets, header and row count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pg import database_ensure  # noqa: E402
from units.access import SYSTEM  # noqa: E402

DATABASE = "hl_bench_export"
CAMPAIGN = "bench-export"
UNITS = 100


def configure() -> None:
    os.environ.update(
        {"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}", "DJANGO_SETTINGS_MODULE": "config.settings", "CONN_MAX_AGE": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)}
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _filler(cursor, table: str, given: set[str]) -> tuple[list[str], list[str]]:
    """Columns NOT NULL without a default that the insert does not give, and a neutral value for each."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    neutral = {"jsonb": "'{}'::jsonb", "boolean": "false", "uuid": "gen_random_uuid()", "integer": "0", "bigint": "0"}
    columns, values = [], []
    for name, data_type in cursor.fetchall():
        if name in given:
            continue
        columns.append(name)
        values.append("now()" if data_type.startswith("timestamp") else neutral.get(data_type, "''"))
    return columns, values


def populate(responses: int, questions: int) -> None:
    """One campaign, `UNITS` communes, a questionnaire of `questions` Likert-5 items, and the data."""
    from django.db import connection

    from campaigns.models import Campaign, CampaignForm, CampaignStatus
    from surveys.models import Question, Questionnaire, Response, Section
    from units.models import Unit, UnitType
    from units.services import unit_save, unit_types_ensure

    campaign = Campaign.objects.filter(code=CAMPAIGN).first()
    if campaign and Response.objects.filter(campaign=campaign).count() == responses:
        print(f"Dữ liệu đã có: {responses:,} phiếu.")
        return
    started = time.monotonic()
    unit_types_ensure()
    province_type, commune_type = UnitType.objects.get(code="province"), UnitType.objects.get(code="commune")
    province = Unit.objects.filter(code="BX").first() or unit_save(unit=Unit(code="BX", name="Tỉnh thử nghiệm", type=province_type), actor=SYSTEM)
    for i in range(UNITS):
        if not Unit.objects.filter(code=f"BX{i:03d}").exists():
            unit_save(unit=Unit(code=f"BX{i:03d}", name=f"Xã thử nghiệm {i}", type=commune_type, parent=province), actor=SYSTEM)
    if campaign:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM surveys_answer WHERE campaign_id = %s", [campaign.pk])
            cursor.execute("DELETE FROM surveys_response WHERE campaign_id = %s", [campaign.pk])
    else:
        questionnaire = Questionnaire.objects.create(code="bench-export", title="Phiếu thử nghiệm 40 câu")
        for s in range(questions // 8 or 1):
            section = Section.objects.create(questionnaire=questionnaire, code=f"S{s + 1}", title=f"Phần {s + 1}", order=s)
            for q in range(8):
                number = s * 8 + q + 1
                if number > questions:
                    break
                Question.objects.create(
                    questionnaire=questionnaire, section=section, code=f"Q{number:02d}", text=f"Câu hỏi {number}", type="likert5",
                    satisfied_levels=[4, 5], counts_in_index=True, order=number,
                )
        campaign = Campaign.objects.create(
            code=CAMPAIGN, name="Đợt thử xuất dữ liệu", organiser=province, year=2026, fieldwork_start="2026-01-01",
            fieldwork_end="2026-12-31", status=CampaignStatus.CLOSED,
        )
        CampaignForm.objects.create(campaign=campaign, questionnaire=questionnaire)
    form = campaign.forms.get()
    unit_ids = list(Unit.objects.filter(parent=province).order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        given = {"id", "uuid", "campaign_id", "form_id", "unit_id", "channel", "status", "source", "submitted_at", "created_at", "updated_at", "profile"}
        extra_columns, extra_values = _filler(cursor, "surveys_response", given)
        cursor.execute(
            f"""
            INSERT INTO surveys_response (uuid, campaign_id, form_id, unit_id, channel, status, source, submitted_at, created_at, updated_at, profile
                {"".join(", " + c for c in extra_columns)})
            SELECT gen_random_uuid(), %s, %s, (%s::bigint[])[1 + (g %% %s)], CASE WHEN g %% 3 = 0 THEN 'phone' ELSE 'desk' END,
                   'submitted', 'import', timestamptz '2026-03-01' + (g || ' seconds')::interval, now(), now(), '{{}}'::jsonb
                   {"".join(", " + v for v in extra_values)}
            FROM generate_series(1, %s) AS g
            """,
            [campaign.pk, form.pk, unit_ids, len(unit_ids), responses],
        )
        print(f"  {responses:,} phiếu: {time.monotonic() - started:.0f} s")
        # Secondary indexes of surveys_answer slow a 40M-row load down; the export needs only response_id's.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'surveys_answer' AND indexdef NOT LIKE '%%(response_id)%%' AND indexname NOT LIKE '%%pkey'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        question_ids = list(Question.objects.filter(questionnaire_id=form.questionnaire_id).order_by("order").values_list("pk", flat=True))
        cursor.execute("SET session_replication_role = replica")  # no per-row foreign-key triggers for generated rows
        cursor.execute(
            """
            INSERT INTO surveys_answer (response_id, question_id, campaign_id, unit_id, channel, value, text)
            SELECT r.id, q.id, r.campaign_id, r.unit_id, r.channel, 1 + ((r.id * 7 + q.id * 13) %% 5), ''
            FROM surveys_response r CROSS JOIN unnest(%s::bigint[]) AS q(id)
            WHERE r.campaign_id = %s
            """,
            [question_ids, campaign.pk],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE surveys_response; ANALYZE surveys_answer")
    print(f"Đã tạo {responses:,} phiếu × {len(question_ids)} câu trong {time.monotonic() - started:.0f} s.")


def run_writer(writer: str, limit: int | None, out: Path) -> None:
    """Child process: export with one writer, print a JSON line with rows, seconds and peak memory."""
    from campaigns.models import Campaign
    from reports import raw_export

    campaign = Campaign.objects.get(code=CAMPAIGN)
    rows = raw_export.raw_rows(campaign=campaign)
    if limit:
        rows = _first(rows, limit + 1)
    write = {
        "stream": raw_export.write_xlsx_stream,
        "xlsxwriter": raw_export.write_xlsx_xlsxwriter,
        "openpyxl": raw_export.write_xlsx_openpyxl,
        "csv": raw_export.write_csv,
    }[writer]
    started = time.monotonic()
    count = write(rows, out)
    seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"writer": writer, "rows": count, "seconds": round(seconds, 1), "peak_mb": round(peak_mb), "bytes": out.stat().st_size}))


def _first(rows, n):
    for i, row in enumerate(rows):
        if i >= n:
            return
        yield row


def check_xlsx(path: Path, expected_rows: int, questions: int) -> str:
    """Check the file without loading 47 million cells: it is a zip with a workbook part, its first row
    has the header's columns, and the rows of every sheet's XML (scanned as a stream) add up to the
    responses written plus one header per sheet. The tests open small files of the same writers fully."""
    import re
    import zipfile

    rows, sheets, columns = 0, 0, 0
    with zipfile.ZipFile(path) as archive:
        assert "xl/workbook.xml" in archive.namelist()
        for name in sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")):
            sheets += 1
            tail = b""
            with archive.open(name) as handle:
                while block := handle.read(1 << 22):
                    if not columns:
                        first = re.search(rb"<row [^>]*>(.*?)</row>", block, re.S)
                        columns = len(re.findall(rb"<c ", first.group(1))) if first else 0
                    data = tail + block
                    rows += data.count(b"<row ")
                    tail = data[-4:]
    ok = rows - sheets == expected_rows and columns == 7 + questions
    return f"{'đúng' if ok else 'SAI'}: {sheets} trang, {rows - sheets:,} dòng dữ liệu, {columns} cột tiêu đề"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--sample", type=int, default=100_000, help="responses written by openpyxl and XlsxWriter (the slower writers)")
    parser.add_argument("--writers", default="stream,csv,xlsxwriter,openpyxl")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help="open each .xlsx again and count its rows")
    args = parser.parse_args()
    if args.run:
        configure()
        run_writer(args.run, args.limit, Path(args.out))
        return
    database_ensure(DATABASE)
    configure()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    populate(args.responses, args.questions)
    folder = Path("/tmp/hl_bench_export")
    folder.mkdir(exist_ok=True)
    results = []
    for writer in args.writers.split(","):
        limit = args.sample if writer in ("openpyxl", "xlsxwriter") and args.sample < args.responses else None
        out = folder / f"tho-{writer}.{'csv' if writer == 'csv' else 'xlsx'}"
        command = [sys.executable, __file__, "--run", writer, "--out", str(out)] + (["--limit", str(limit)] if limit else [])
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        result = json.loads(line)
        if limit:
            result["extrapolated_seconds"] = round(result["seconds"] * args.responses / limit)
        if args.check and out.suffix == ".xlsx":
            result["check"] = check_xlsx(out, result["rows"], args.questions)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False))
    print("\n| writer | responses | seconds | peak memory (MB) | file (MB) |")
    print("|---|---|---|---|---|")
    for r in results:
        seconds = f"{r['seconds']}" + (f" (≈{r['extrapolated_seconds']} s for {args.responses:,})" if "extrapolated_seconds" in r else "")
        print(f"| {r['writer']} | {r['rows']:,} | {seconds} | {r['peak_mb']} | {r['bytes'] / 1e6:.0f} |")


if __name__ == "__main__":
    main()
