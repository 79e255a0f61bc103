"""An export requested on the page is built by a real Celery worker (Redis + PostgreSQL only)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from reports.models import ExportJob, ExportStatus
from reports.tests.factories_dashboard import dashboard_data_build

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_claims_builds_and_finishes_the_export(celery_worker_process, client, alice, tree):
    dashboard_data_build(tree)
    client.force_login(alice)
    response = client.post(reverse("reports:export_create", args=["ks-2026"]), {"kind": "raw_csv"})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("reports:export_detail", args=[job.pk])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ExportStatus.DONE, ExportStatus.FAILED):
            break
        time.sleep(0.5)
    assert (job.status, job.error, job.progress) == (ExportStatus.DONE, "", 100)
    assert client.get(reverse("reports:export_status", args=[job.pk])).json()["ready"]
    download = client.get(reverse("reports:export_download", args=[job.pk]))
    assert b"".join(download.streaming_content).decode("utf-8-sig").count("\n") == 61
    job.file.delete()
