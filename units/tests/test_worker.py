import time

import pytest

from units.models import AuditEntry
from units.tasks import record_heartbeat


@pytest.mark.services
def test_a_real_worker_runs_a_task_that_writes_to_the_database(celery_worker_process):
    record_heartbeat.delay("kiểm tra worker")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if AuditEntry.objects.filter(action="system.heartbeat", object_repr="kiểm tra worker").exists():
            break
        assert celery_worker_process.poll() is None, "the worker process died"
        time.sleep(0.3)
    else:
        pytest.fail("the worker did not write the row within 60 s")


def test_in_the_embedded_mode_a_task_runs_eagerly(db, settings):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("real-services run: tasks go to the worker")
    pk = record_heartbeat.delay("eager").get()
    assert AuditEntry.objects.get(pk=pk).object_repr == "eager"
