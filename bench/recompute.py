"""Benchmark of the index engine: N responses × 20 Likert questions over a province-sized unit tree.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hl_speed_bench .venv/bin/python bench/recompute.py [--n 1000000]
    DATABASE_URL=... .venv/bin/python bench/recompute.py --sizes 20000,200000,1000000,5000000 [--repeat 3] [--repeat-large 1]
    DATABASE_URL=... .venv/bin/python bench/recompute.py --settings bench-N200000   # work_mem × parallel workers

Generates the responses straight into the configured database, each with its index counts and index
pattern as the real writer stores them: on PostgreSQL inside the database (generate_series; the answers
loaded into the campaign's own partition, then attached; `--copy` for the old COPY from Python), on
SQLite with bulk inserts; and population sizes for every stratum (unit × channel), so the recompute
weighs responses by N/n and gives every value its design-based standard error. Then times
  (a0) the full recompute (tallies, per-cell sums and cross-products, roll-up, weighted estimates with
      their SEs, index values, snapshot) with the campaign's derived tables emptied first, so that it
      writes every row (every cell changed),
  (a) the full recompute again on unchanged responses (it re-tallies everything and finds no cell changed),
  (b) the recompute after one new response (the incremental path of a dirty campaign),
  (c) the floor: the same leaf-level tally (unit × channel × question × level) as one bare SQL
      statement over the same rows,
  (a′) the chunked full recompute with 1, then 2 worker processes (standing in for Celery workers; the
      parts of the 1-worker run project 8 workers),
checks that every way leaves the same tables, and prints (a0)/(c) and (a)/(c) with the median of
`--repeat` runs (`--repeat-large` from 1,000,000 responses), the peak memory and the load average.
`--sizes` measures several sizes in one invocation (each size's campaign `bench-N<size>` generated once
and reused by later runs; `--generate-only` to generate ahead) and ends with a table. Results go to
docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)  # DEBUG off, as in production

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.recompute_data import (  # noqa: E402
    PER_SECTION,
    SECTIONS,
    build_campaign,
    build_tree,
    compiled_questions,
    generate,
    generate_in_sql,
    population_set,
)
from campaigns.models import Campaign, CampaignForm  # noqa: E402
from reports.chunks import index_recompute_chunk, index_recompute_plan  # noqa: E402
from reports.models import IndexValue, Snapshot  # noqa: E402
from reports.services import index_recompute  # noqa: E402
from reports.tallies import session_tuning_sql  # noqa: E402
from surveys.models import Answer, Question, Response  # noqa: E402
from surveys.selectors import compiled_form  # noqa: E402
from surveys.services.answers import ValidatedAnswers, answers_create  # noqa: E402
from units.models import Unit  # noqa: E402


def floor_tally(campaign: Campaign) -> float:
    """(c) The bare leaf-level tally over the same rows, fetched, in one statement. The responses are
    restricted to the campaign as the engine's own statements do: otherwise the floor hashes every
    response of the database (other benchmark campaigns included) and grows with them, not with N."""
    sql = (
        f"SELECT a.unit_id, a.channel, a.question_id, a.value, COUNT(*) FROM {Answer._meta.db_table} a "
        f"JOIN {Response._meta.db_table} r ON r.id = a.response_id "
        "WHERE a.campaign_id = %s AND r.campaign_id = a.campaign_id AND r.status IN ('approved', 'submitted') GROUP BY 1, 2, 3, 4"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in session_tuning_sql():
            cursor.execute(statement)
        start = time.perf_counter()
        cursor.execute(sql, [campaign.pk])
        cursor.fetchall()
        return time.perf_counter() - start


def derived_rows_delete(campaign: Campaign) -> None:
    """Empty the campaign's leaf and roll-up rows and index values, so that the next full recompute writes
    every row (a full recompute otherwise rewrites only the rows that changed)."""
    from reports.models import CellCount, CellMoments, SubtreeCount, SubtreeTally, Tally

    with transaction.atomic():
        for model in (Tally, CellCount, CellMoments, SubtreeTally, SubtreeCount):
            model.objects.filter(campaign=campaign).delete()
        IndexValue.objects.filter(snapshot__campaign=campaign, snapshot__status="working").delete()


def _chunk_in_process(chunk_id: int) -> tuple[bool, float, float]:
    """One chunk in a worker process: (whether it ended the run, its seconds, the seconds of the run's end in it)."""
    from django.db import connections

    from reports import chunks

    ending = [0.0]
    finish = chunks.index_recompute_finish

    def timed_finish(**kwargs):
        start = time.perf_counter()
        try:
            return finish(**kwargs)
        finally:
            ending[0] = time.perf_counter() - start

    chunks.index_recompute_finish = timed_finish
    start = time.perf_counter()
    try:
        return index_recompute_chunk(chunk_id=chunk_id), time.perf_counter() - start, ending[0]
    finally:
        chunks.index_recompute_finish = finish
        connections.close_all()


def _worker_warm(campaign_id: int) -> None:
    """What a worker that has served before holds: its connection, the campaign's compiled setup, numpy."""
    from reports.setup import campaign_setup

    campaign_setup(Campaign.objects.select_related("organiser").get(pk=campaign_id))


def chunked_in_processes(campaign: Campaign, workers: int) -> tuple[float, dict]:
    """The chunked full recompute with `workers` processes (each its own connection) standing in for
    Celery workers: processes, as Celery's are, so that the chunks' Python runs side by side too.
    Returns the wall time and its parts: the plan, each chunk, the run's end (inside the last chunk)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    connections.close_all()  # the children must not share this process's connection
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_warm, initargs=(campaign.pk,)) as pool:
        list(pool.map(time.sleep, [0.3] * workers))  # every worker started and warm, as Celery's long-lived workers are
        start = time.perf_counter()
        chunk_ids = index_recompute_plan(campaign_id=campaign.pk)
        plan = time.perf_counter() - start
        connections.close_all()
        results = list(pool.map(_chunk_in_process, chunk_ids))
    assert sum(ended for ended, _s, _f in results) == 1, "the run must end exactly once"
    wall = time.perf_counter() - start
    return wall, {"plan": plan, "chunks": [s for _e, s, _f in results], "finish": sum(f for _e, _s, f in results)}


def projected(parts: dict, workers: int) -> float:
    """The wall time the 1-worker parts predict for `workers` workers with as many chunks of equal share:
    the plan and the run's end once, the chunks' own work divided."""
    serial = parts["plan"] + parts["finish"]
    return serial + (sum(parts["chunks"]) - parts["finish"]) / workers


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def max_rss_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def load_average() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def campaign_for(args, size: int | None) -> tuple[Campaign, CampaignForm, list[int], list[Unit]]:
    """The campaign to measure: `--campaign`, the one `--sizes` generated earlier for this size
    (code bench-N<size>), or a new one generated now."""
    code = args.campaign if size is None else f"bench-N{size}"
    campaign = Campaign.objects.select_related("organiser").filter(code=code).first() if code else None
    if campaign is not None:
        form = campaign.forms.get()
        question_ids = list(Question.objects.filter(questionnaire_id=form.questionnaire_id).order_by("order").values_list("pk", flat=True))
        leaves = list(Unit.objects.filter(path__startswith=campaign.organiser.path, children__isnull=True).order_by("path"))
        print(f"Dùng lại đợt {campaign.code}: {Response.objects.filter(campaign=campaign).count():,} phiếu")
        return campaign, form, question_ids, leaves
    if args.campaign and size is None:
        raise SystemExit(f"Không có đợt {args.campaign}")
    n = args.n if size is None else size
    tag = uuid.uuid4().hex[:6].upper() if size is None else f"N{size}"
    print(f"Cơ sở dữ liệu: {connection.vendor}; N = {n:,} phiếu × {SECTIONS * PER_SECTION} câu; {args.communes} xã + 10 bệnh viện")
    province, leaves = build_tree(tag, args.communes)
    campaign, form, question_ids = build_campaign(tag, province)
    print(f"Đợt {campaign.code}")
    start = time.perf_counter()
    if connection.vendor == "postgresql" and not args.copy:
        generate_in_sql(campaign, form, leaves, question_ids, n)
    else:
        generate(campaign, form, leaves, question_ids, n)
    if connection.vendor == "postgresql":  # as autovacuum would: statistics, and the visibility map for index-only reads
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Response._meta.db_table}")
            cursor.execute(f"ANALYZE {Answer._meta.db_table}")
    print(f"Sinh dữ liệu: {time.perf_counter() - start:.1f} s")
    return campaign, form, question_ids, leaves


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def measure(campaign: Campaign, form: CampaignForm, question_ids: list[int], leaves: list[Unit], *, repeat: int, chunked: bool) -> dict:
    """(a0), (c), (a) alternated `repeat` times, then (a′) when asked, then (b); the figures and the load."""
    print(f"Cỡ tổng thể / population sizes: {population_set(campaign)} tầng / strata")
    floor_tally(campaign)  # warm the cache so (a) and (c) read the same pages
    loads = [load_average()]
    rss_before = max_rss_mb()
    fulls, colds, floors = [], [], []
    for _ in range(max(1, repeat)):  # alternate, so that all see the same load on the machine
        derived_rows_delete(campaign)
        start = time.perf_counter()
        index_recompute(campaign.pk, full=True)
        colds.append(time.perf_counter() - start)
        floors.append(floor_tally(campaign))
        start = time.perf_counter()
        summary = index_recompute(campaign.pk, full=True)
        fulls.append(time.perf_counter() - start)
    rss_after = max_rss_mb()
    figures = {
        "campaign": campaign.code, "responses": summary.responses, "fulls": fulls, "floors": floors, "full": median(fulls),
        "colds": colds, "cold": median(colds),
        "floor": median(floors), "summary": summary, "rss_before": rss_before, "rss_after": rss_after, "chunked": None, "chunked1": None, "same": None,
    }
    from reports.selectors import index_tables

    single = index_tables(campaign)
    figures["same"] = True
    if chunked:  # 1 worker, then 2, on the same rows as (a); each must leave exactly the tables of (a)
        figures["chunked1"], figures["parts"] = chunked_in_processes(campaign, workers=1)
        figures["same"] &= index_tables(campaign) == single
        figures["chunked"], _parts = chunked_in_processes(campaign, workers=2)
        figures["same"] &= index_tables(campaign) == single
    derived_rows_delete(campaign)  # and (a) from scratch gives them too
    index_recompute(campaign.pk, full=True)
    figures["same"] &= index_tables(campaign) == single

    unit = leaves[0]
    with transaction.atomic():
        response = Response(campaign=campaign, form=form, unit=unit, channel="desk", status="submitted")
        answers_create(
            response,
            ValidatedAnswers(rows=[(q, 5, None, "") for q in compiled_questions(form, question_ids)], index_questions=compiled_form(form.questionnaire).index_questions),
        )
        Campaign.objects.filter(pk=campaign.pk).update(dirty_at=timezone.now())  # what campaign_mark_dirty writes
    start = time.perf_counter()
    figures["incremental_summary"] = index_recompute(campaign.pk)
    figures["incremental"] = time.perf_counter() - start
    incremental = index_tables(campaign)
    derived_rows_delete(campaign)
    index_recompute(campaign.pk, full=True)
    figures["same"] &= index_tables(campaign) == incremental  # the incremental run left the tables of a full one
    figures["rss_children"] = max_rss_children_mb()
    loads.append(load_average())
    figures["loads"] = loads
    return figures


def report(figures: dict) -> None:
    summary, incremental = figures["summary"], figures["incremental_summary"]
    full, floor = figures["full"], figures["floor"]
    print(
        "    các lần đo (a0): " + ", ".join(f"{t:.2f}" for t in figures["colds"]) + " s; (a): " + ", ".join(f"{t:.2f}" for t in figures["fulls"])
        + " s; (c): " + ", ".join(f"{t:.2f}" for t in figures["floors"]) + " s"
    )
    cold_ratios = ", ".join(f"{a / c:.2f}" for a, c in zip(figures["colds"], figures["floors"], strict=True))
    print(
        f"(a0) tính lại toàn bộ, bảng rỗng trước / full recompute, tables emptied first (trung vị / median): {figures['cold']:8.2f} s; "
        f"(a0)/(c) = {figures['cold'] / floor:.2f} (từng lần / run by run: {cold_ratios})"
    )
    print(
        f"(a) tính lại toàn bộ, lần nữa / full recompute again (trung vị / median): {full:8.2f} s  ({summary.responses:,} phiếu, chỉ số chung {summary.overall}%, "
        f"hài lòng toàn diện từ số đếm lưu sẵn / full satisfaction from stored counts: {summary.stored_counts})"
    )
    print(
        f"(b) sau một phiếu mới / after one new response: {figures['incremental']:8.2f} s  (chế độ {incremental.mode}, "
        f"{incremental.responses:,} phiếu, số đếm lưu sẵn: {incremental.stored_counts})"
    )
    print(f"(c) sàn: một câu GROUP BY trần / bare tally (trung vị / median): {floor:8.2f} s")
    ratios = ", ".join(f"{a / c:.2f}" for a, c in zip(figures["fulls"], figures["floors"], strict=True))
    print(f"(a)/(c) = {full / floor:.2f} (từng lần / run by run: {ratios})")
    if figures["chunked"] is not None:
        print(
            f"(a') chia phần / chunked: 1 tiến trình / worker {figures['chunked1']:8.2f} s, 2 tiến trình / workers {figures['chunked']:8.2f} s "
            f"(2/1 = {figures['chunked'] / figures['chunked1']:.2f}; mục tiêu / goal ≤ 0.65)"
        )
        parts = figures["parts"]
        print(
            f"    1 tiến trình / worker: kế hoạch / plan {parts['plan']:.2f} s, các phần / chunks "
            + ", ".join(f"{t:.2f}" for t in parts["chunks"]) + f" s, kết thúc lượt / run's end {parts['finish']:.2f} s; "
            f"dự tính / projected 8 workers {projected(parts, 8):.2f} s = {projected(parts, 8) / figures['chunked1']:.2f} × 1 worker (goal ≤ 0.275)"
        )
    print(f"Bảng giống hệt giữa mọi cách / tables identical between all modes: {'có / yes' if figures['same'] else 'KHÔNG / NO'}")
    print(
        f"Bộ nhớ tối đa / peak RSS: {figures['rss_before']:.0f} MB trước (a), {figures['rss_after']:.0f} MB sau (a); "
        f"tiến trình con / chunk workers {figures['rss_children']:.0f} MB"
    )
    print(f"Tải máy / load average: {figures['loads'][0]} → {figures['loads'][1]}")
    campaign = Campaign.objects.get(code=figures["campaign"])
    design = Snapshot.objects.get(campaign=campaign, status="working").design
    overall = IndexValue.objects.get(snapshot__campaign=campaign, snapshot__status="working", unit=campaign.organiser, scope="overall", key="")
    print(
        f"Thiết kế / design: {design['rule']}, có trọng số / weighted {design['weighted']}, {design['strata']} tầng, Kish deff {design['kish_deff']:.3f}; "
        f"chỉ số chung / overall {overall.estimate:.4f} ± {overall.se:.4f} (SE), deff {overall.deff:.2f}, n_eff {overall.n_eff:,.0f}, "
        f"KTC 95% {overall.ci_low}–{overall.ci_high}"
    )


def settings_effect(args) -> None:
    """`--settings CODE`: the engine's full recompute (a0, every row written; a, again) and the floor under
    each combination of the engine session's work_mem and parallel workers, alternated `--repeat` times."""
    campaign = Campaign.objects.select_related("organiser").get(code=args.settings)
    combos = [(w, p) for w in ("4MB", "64MB", "256MB") for p in ("0", "2")]
    results: dict[tuple[str, str], dict[str, list[float]]] = {c: {"a0": [], "a": [], "c": []} for c in combos}
    index_recompute(campaign.pk, full=True)
    for _ in range(max(1, args.repeat)):
        for work_mem, workers in combos:
            os.environ.update(REPORTS_WORK_MEM=work_mem, REPORTS_PARALLEL_WORKERS=workers)
            derived_rows_delete(campaign)
            start = time.perf_counter()
            index_recompute(campaign.pk, full=True)
            results[(work_mem, workers)]["a0"].append(time.perf_counter() - start)
            start = time.perf_counter()
            index_recompute(campaign.pk, full=True)
            results[(work_mem, workers)]["a"].append(time.perf_counter() - start)
            results[(work_mem, workers)]["c"].append(floor_tally(campaign))
    print(f"Đợt {campaign.code}; tải máy / load {load_average()}")
    print("| work_mem | max_parallel_workers_per_gather | (a0) full, every row written | (a) full again | (c) floor |")
    print("|---|---|---|---|---|")
    for (work_mem, workers), runs in results.items():
        cells = " | ".join(f"{median(runs[k]):.2f} s ({', '.join(f'{t:.2f}' for t in runs[k])})" for k in ("a0", "a", "c"))
        print(f"| {work_mem} | {workers} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="số phiếu / responses (mặc định 1.000.000)")
    parser.add_argument(
        "--sizes", help="nhiều cỡ trong một lần chạy, vd. 20000,200000,1000000; mỗi cỡ một đợt bench-N<cỡ>, sinh một lần rồi dùng lại / "
        "several sizes in one run; one campaign bench-N<size> each, generated once and reused",
    )
    parser.add_argument("--settings", metavar="CODE", help="đo ảnh hưởng của work_mem và số tiến trình song song trên một đợt / the session settings' effect on one campaign")
    parser.add_argument("--generate-only", action="store_true", help="chỉ sinh dữ liệu các cỡ, không đo / only generate the sizes' data")
    parser.add_argument("--copy", action="store_true", help="sinh dữ liệu bằng COPY từ Python (cách cũ, chậm) / generate with COPY from Python (the old, slow way)")
    parser.add_argument("--communes", type=int, default=100, help="số xã / communes under the province (mặc định 100)")
    parser.add_argument("--repeat", type=int, default=3, help="lần đo (a) và (c), lấy trung vị / runs of (a) and (c), median kept")
    parser.add_argument("--repeat-large", type=int, default=1, help="lần đo ở cỡ từ 1.000.000 phiếu / runs at sizes from 1,000,000 (mặc định 1)")
    parser.add_argument("--campaign", help="dùng lại dữ liệu đã sinh của đợt này / reuse a generated campaign (code)")
    parser.add_argument("--chunked", action=argparse.BooleanOptionalAction, default=None, help="đo cả (a') với 1 và 2 tiến trình / also time (a′) with 1 and 2 workers (mặc định: có / default: yes)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if args.settings:
        settings_effect(args)
        return
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [None]
    chunked = args.chunked if args.chunked is not None else True
    table = []
    for size in sizes:
        campaign, form, question_ids, leaves = campaign_for(args, size)
        if args.generate_only:
            continue
        repeat = args.repeat if size is None or size < 1_000_000 else args.repeat_large
        figures = measure(campaign, form, question_ids, leaves, repeat=repeat, chunked=chunked)
        report(figures)
        table.append(figures)
    if len(table) > 1:
        print()
        print(
            "| responses | floor (c) | full, empty tables (a0) | (a0)/(c) | full again (a) | (a)/(c) | incremental (b) "
            "| chunked, 1 worker | chunked, 2 workers | 2 / 1 | 8 / 1 projected | tables identical | peak RSS (bench / worker) | load at start → end |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for f in table:
            chunked = (
                f"{f['chunked1']:.2f} s | {f['chunked']:.2f} s | {f['chunked'] / f['chunked1']:.2f} | {projected(f['parts'], 8) / f['chunked1']:.2f}"
                if f["chunked"] is not None else "— | — | — | —"
            )
            print(
                f"| {f['responses']:,} | {f['floor']:.2f} s | {f['cold']:.2f} s | {f['cold'] / f['floor']:.2f} | {f['full']:.2f} s "
                f"| {f['full'] / f['floor']:.2f} | {f['incremental']:.2f} s | {chunked} | {'yes' if f['same'] else 'NO'} "
                f"| {f['rss_after']:.0f} / {f['rss_children']:.0f} MB | {f['loads'][0]} → {f['loads'][1]} |"
            )


if __name__ == "__main__":
    main()
