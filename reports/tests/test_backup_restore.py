"""A backup (ops/backup.sh: pg_dump plus media) restored into a new database (ops/restore.sh) shows the
same published figures, files and checksums, and the same public pages (PostgreSQL only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from conftest import worker_env
from reports.publication import campaign_results_publish
from reports.services import index_recompute
from reports.tests.factories_dashboard import dashboard_data_build, responses_add

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PAGES = """
import json, re, sys, django
django.setup()
from django.test import Client
client = Client()
out = {}
for url in sys.argv[1:]:
    response = client.get(url)
    body = response.getvalue() if response.streaming else response.content
    page = body.decode("utf-8", "replace")
    out[url] = [response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", page)]  # new on every request
print(json.dumps(out))
"""


def run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=ROOT, env=worker_env(**env), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def pages(urls: list[str], **env: str) -> dict:
    return json.loads(run([sys.executable, "-c", PAGES, *urls], **env).stdout.strip().splitlines()[-1])


@pytest.fixture
def new_database(real_services):
    """An empty database beside the test's own, dropped afterwards."""
    db = django_settings.DATABASES["default"]
    name = f"{db['NAME']}_restored"
    base = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    admin = ["psql", f"{base}/postgres", "-q", "-c"]
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}"'], check=True, capture_output=True)
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
    yield f"{base}/{name}"
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True, capture_output=True)


def test_a_backup_restored_into_a_new_database_shows_the_same_published_figures_and_checksums(
    alice, tree, tmp_path, settings, new_database
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    data = dashboard_data_build(tree)
    campaign_results_publish(campaign_id=data.campaign.pk, actor=alice)
    responses_add(data.campaign, tree["A2"], [(3, 5)])
    index_recompute(data.campaign.pk, full=True)
    campaign_results_publish(campaign_id=data.campaign.pk, actor=alice, change_note="Bổ sung 3 phiếu giấy.")
    code = data.campaign.code
    urls = [
        reverse("reports:public_results", args=[code]),
        reverse("reports:public_version", args=[code, 1]),
        reverse("reports:public_figures", args=[code, 2]),
        reverse("reports:public_list"),
    ]
    before = pages(urls, MEDIA_ROOT=str(media))
    assert all(status == 200 for status, _ in before.values())

    folder = Path(run(["bash", "ops/backup.sh", str(tmp_path / "backups")], MEDIA_ROOT=str(media)).stdout.strip().splitlines()[-1])
    published = json.loads((folder / "published.json").read_text())
    assert [(row["version"], row["figures_ok"], row["workbook_ok"], row["figures_file_ok"]) for row in published] == [(1, True, True, True), (2, True, True, True)]

    restored_media = tmp_path / "restored-media"
    result = run(["bash", "ops/restore.sh", str(folder)], DATABASE_URL=new_database, MEDIA_ROOT=str(restored_media))
    assert "2 phiên bản đã công bố, mã kiểm tra và tệp khớp" in result.stdout
    after = pages(urls, DATABASE_URL=new_database, MEDIA_ROOT=str(restored_media))
    assert after == before
    assert published[1]["figures_sha256"] in after[urls[0]][1]  # the public page prints the checksums it serves


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, settings, new_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = Path(run(["bash", "ops/backup.sh", str(tmp_path / "backups")], MEDIA_ROOT=str(tmp_path / "media")).stdout.strip().splitlines()[-1])
    live = worker_env()["DATABASE_URL"]  # the test's own database, which has tables
    result = subprocess.run(["bash", "ops/restore.sh", str(folder)], cwd=ROOT, env={**os.environ, "DATABASE_URL": live, "MEDIA_ROOT": str(tmp_path / "m")}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "khôi phục vào một cơ sở dữ liệu mới" in result.stderr
    (folder / "media.tar.gz").write_bytes(b"hong")
    result = subprocess.run(["bash", "ops/restore.sh", str(folder)], cwd=ROOT, env={**os.environ, "DATABASE_URL": new_database}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "bị hỏng" in result.stderr
