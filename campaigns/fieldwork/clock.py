"""The time fieldwork runs on: appointments fall due, attempts are stamped and the call list is ordered by it.

One function, so that a test can set the hour of a whole working day, server and pages together (the
browser test of "hẹn gọi lại 14:00" replaces it, as the live server runs in the test's process).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())
