"""Benchmark of the dashboards at 1M counted responses: p50 / p95 per page, on PostgreSQL.

    .venv/bin/python bench/dashboard.py [--responses 1000000] [--requests 200]

Creates (or reuses) the PostgreSQL database `hl_bench_dashboard` and builds a province with 100
communes and a health department with 10 hospitals, a 40-question questionnaire (5 elements) and a
series of three campaigns. The 2026 campaign holds the precomputed tables of 1M responses — leaf
tallies, cell counts, subtree roll-ups and index values computed with the engine's own scheme
functions (reports.schemes.unit_indices) — written directly: the dashboards read only these tables,
so 1M responses of answers are not needed to time them. The campaign is then published.

Each page is requested `--requests` times in-process (Django test client, DEBUG off, a logged-in
leadership user), after a warm-up; the figures are server time without the network.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pg import database_ensure  # noqa: E402
from units.access import SYSTEM  # noqa: E402

DATABASE = "hl_bench_dashboard"
CODE = "bench-dash-2026"
LEVELS = (1, 2, 3, 4, 5)
CHANNELS = ("desk", "phone")


def configure() -> None:
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "CONN_MAX_AGE": "600",
            "MEDIA_ROOT": "/tmp/hl_bench_dashboard_media",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_tree():
    from units.models import Unit, UnitType
    from units.services import unit_save, unit_types_ensure

    unit_types_ensure()
    types = {t.code: t for t in UnitType.objects.all()}

    def unit(code, name, type_code, parent=None):
        return Unit.objects.filter(code=code).first() or unit_save(unit=Unit(code=code, name=name, type=types[type_code], parent=parent), actor=SYSTEM)

    province = unit("BD", "Tỉnh thử nghiệm", "province")
    communes = [unit(f"BD-X{i:03d}", f"Xã {i:03d}", "commune", province) for i in range(100)]
    department = unit("BD-SYT", "Sở Y tế thử nghiệm", "department", province)
    hospitals = [unit(f"BD-BV{i:02d}", f"Bệnh viện {i:02d}", "hospital", department) for i in range(10)]
    return province, department, communes + hospitals


def build(responses: int) -> None:
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from campaigns.models import Campaign, CampaignForm, CampaignStatus, SampleQuota
    from reports.models import CellCount, IndexValue, Snapshot, SubtreeCount, SubtreeTally, Tally
    from reports.publication import campaign_results_publish
    from reports.schemes import People, scheme_settings, unit_indices
    from reports.services import campaign_setup
    from surveys.models import Question, Questionnaire, Section
    from units.models import Role
    from units.services import membership_grant

    if Snapshot.objects.filter(campaign__code=CODE, status="published").exists():
        print("Dữ liệu đã có.")
        return
    started = time.monotonic()
    province, department, leaves = build_tree()
    questionnaire = Questionnaire.objects.create(code=f"bench-dash-{time.time_ns()}", title="Phiếu thử nghiệm 40 câu")
    for s in range(5):
        section = Section.objects.create(questionnaire=questionnaire, code=f"E{s + 1}", title=f"Yếu tố {s + 1}", order=s)
        for q in range(8):
            Question.objects.create(
                questionnaire=questionnaire, section=section, code=f"C{s * 8 + q + 1:02d}", text=f"Tiêu chí {s * 8 + q + 1}",
                type="likert5", satisfied_levels=[4, 5], counts_in_index=True, order=s * 8 + q,
            )
    rng = random.Random(2026)
    previous = None
    with transaction.atomic():
        for year in (2024, 2025, 2026):
            campaign = Campaign.objects.create(
                code=f"bench-dash-{year}", name=f"Khảo sát thử nghiệm {year}", organiser=province, year=year, series="bench-dash",
                previous=previous, fieldwork_start=f"{year}-03-01", fieldwork_end=f"{year}-10-31", target_index=Decimal("85.00"),
                status=CampaignStatus.CLOSED,
            )
            form = CampaignForm.objects.create(campaign=campaign, questionnaire=questionnaire)
            setup = campaign_setup(campaign, actor=SYSTEM)
            scheme = scheme_settings(campaign.index_scheme, campaign.scheme_options)
            per_cell = responses // (len(leaves) * len(CHANNELS)) if year == 2026 else 200
            tallies, cells = [], []
            leaf_counts: dict[int, dict[int, dict[int, int]]] = {}
            leaf_people: dict[int, list[int]] = {}
            questions = [rule.question_id for rule in setup.rules]
            for leaf in leaves:
                bias = rng.uniform(-0.15, 0.1)
                leaf_counts[leaf.pk] = defaultdict(lambda: defaultdict(int))
                leaf_people[leaf.pk] = [0, 0, 0]
                for channel in CHANNELS:
                    weights = [0.03, 0.05, 0.12, 0.45 + bias, 0.35 + bias / 2]
                    for question_id in questions:
                        split = rng.choices(LEVELS, weights=weights, k=200)
                        counts = [round(per_cell * split.count(level) / 200) for level in LEVELS]
                        counts[3] += per_cell - sum(counts)
                        for level, n in zip(LEVELS, counts, strict=True):
                            tallies.append(Tally(campaign=campaign, form=form, unit=leaf, channel=channel, question_id=question_id, level=level, n=n))
                            leaf_counts[leaf.pk][question_id][level] += n
                    fully = int(per_cell * 0.3)
                    cells.append(CellCount(campaign=campaign, form=form, unit=leaf, channel=channel, responses=per_cell, respondents=per_cell, fully_satisfied=fully))
                    leaf_people[leaf.pk] = [x + y for x, y in zip(leaf_people[leaf.pk], (per_cell, per_cell, fully), strict=True)]
                    if year == 2026:
                        SampleQuota.objects.create(campaign=campaign, unit=leaf, channel=channel, form=form, target=per_cell + 100)
            Tally.objects.bulk_create(tallies, batch_size=5000)
            CellCount.objects.bulk_create(cells, batch_size=5000)
            snapshot = Snapshot.objects.create(campaign=campaign, computed_at=timezone.now(), responses=per_cell * len(leaves) * len(CHANNELS))
            values, subtree, subtree_people = [], [], []
            for unit in [province, department, *leaves]:
                members = [leaf for leaf in leaves if leaf.path.startswith(unit.path)]
                counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
                people = [0, 0, 0]
                for leaf in members:
                    for question_id, by_level in leaf_counts[leaf.pk].items():
                        for level, n in by_level.items():
                            counts[question_id][level] += n
                    people = [x + y for x, y in zip(people, leaf_people[leaf.pk], strict=True)]
                for question_id, by_level in counts.items():
                    subtree.extend(SubtreeTally(campaign=campaign, unit=unit, question_id=question_id, level=lv, n=n) for lv, n in by_level.items())
                subtree_people.append(SubtreeCount(campaign=campaign, unit=unit, responses=people[0], respondents=people[1], fully_satisfied=people[2]))
                for index in unit_indices(rules=setup.rules, counts=counts, people=People(*people), scheme=scheme):
                    values.append(IndexValue(snapshot=snapshot, unit=unit, scope=index.scope, key=index.key, value=index.value, n=index.n, ci_low=index.ci_low, ci_high=index.ci_high))
            SubtreeTally.objects.bulk_create(subtree, batch_size=5000)
            SubtreeCount.objects.bulk_create(subtree_people, batch_size=5000)
            IndexValue.objects.bulk_create(values, batch_size=5000)
            previous = campaign
    user = User.objects.filter(username="bench-lanhdao").first() or User.objects.create_user("bench-lanhdao", password="bench-pass-123")
    membership_grant(user=user, unit=province, role=Role.LEADERSHIP, actor=SYSTEM)
    official = User.objects.filter(username="bench-canbo").first() or User.objects.create_user("bench-canbo", password="bench-pass-123")
    membership_grant(user=official, unit=province, role=Role.OFFICIAL, actor=SYSTEM)
    campaign_results_publish(campaign_id=Campaign.objects.get(code=CODE).pk, actor=official)
    print(f"Đã tạo dữ liệu ({Tally.objects.filter(campaign__code=CODE).count():,} dòng bảng đếm) trong {time.monotonic() - started:.0f} s.")


def measure(requests: int) -> list[tuple[str, float, float, float, int]]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="bench-lanhdao"))
    public = Client()
    pages = [
        ("Bảng điều khiển (tỉnh)", client, f"/bao-cao/{CODE}/"),
        ("Bảng điều khiển (Sở Y tế)", client, f"/bao-cao/{CODE}/?unit=BD-SYT"),
        ("Bảng điều khiển lọc theo kênh", client, f"/bao-cao/{CODE}/?channel=phone"),
        ("Trang đơn vị (xã)", client, f"/bao-cao/{CODE}/don-vi/BD-X007/"),
        ("Trang kết quả công khai", public, f"/ket-qua/{CODE}/"),
    ]
    results = []
    for label, who, url in pages:
        for _ in range(5):
            assert who.get(url).status_code == 200, url
        timings = []
        for _ in range(requests):
            start = time.perf_counter()
            response = who.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[int(0.95 * len(timings)) - 1]
        results.append((label, statistics.median(timings), p95, timings[-1], len(response.content)))
    connection.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    database_ensure(DATABASE)
    configure()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build(args.responses)
    results = measure(args.requests)
    print(f"\n{args.requests} lượt mỗi trang, {args.responses:,} phiếu được tính (PostgreSQL, trong tiến trình, DEBUG tắt)\n")
    print("| trang | p50 (ms) | p95 (ms) | max (ms) | HTML (kB) |")
    print("|---|---|---|---|---|")
    for label, p50, p95, worst, size in results:
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {worst:.1f} | {size / 1000:.0f} |")


if __name__ == "__main__":
    main()
