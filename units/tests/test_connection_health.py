"""Connections that heal: a kept PostgreSQL connection that the database dropped is reopened, not a 500.

Started as production runs it (gunicorn, CONN_MAX_AGE, the settings read from DATABASE_URL); the test
client never reuses connections between requests, so only a real server shows this.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from django.db import connection

pytestmark = pytest.mark.services


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (our own test server)
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_requests_after_the_database_dropped_every_idle_connection_are_served(gunicorn_server):
    page = gunicorn_server(workers=2, CONN_MAX_AGE="600") + "/ket-qua/"
    assert [_status(page) for _ in range(6)] == [200] * 6  # both workers now keep a connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        assert cursor.fetchone()[0] >= 1
    assert [_status(page) for _ in range(10)] == [200] * 10
