"""`python -m reports.tests.slow_worker -A config worker ...`: Celery's command line with jobs slowed down,
so that a test can kill the worker in the middle of one (HL_SLOW_EXPORT / HL_SLOW_CHUNK / HL_SLOW_IMPORT: seconds)."""

from __future__ import annotations

import os
import sys
import time


def slow_down() -> None:
    import django

    django.setup()
    from reports import chunks, raw_export
    from units import services as unit_services

    export_pause = float(os.environ.get("HL_SLOW_EXPORT", "0"))
    chunk_pause = float(os.environ.get("HL_SLOW_CHUNK", "0"))
    import_pause = float(os.environ.get("HL_SLOW_IMPORT", "0"))
    write, replace, add_units = raw_export.raw_export_write, chunks._replace_leaf_rows, unit_services._bulk_add_units

    def slow_write(*args, progress=None, **kwargs):
        if progress:
            progress(10)  # visibly running before the pause
        time.sleep(export_pause)
        return write(*args, progress=progress, **kwargs)

    def slow_replace(*args, **kwargs):
        time.sleep(chunk_pause)
        return replace(*args, **kwargs)

    def slow_add_units(*args, **kwargs):  # inside the import's transaction, after its progress reached 70
        time.sleep(import_pause)
        return add_units(*args, **kwargs)

    raw_export.raw_export_write = slow_write
    chunks._replace_leaf_rows = slow_replace  # what a chunk calls (reports/chunks.py)
    unit_services._bulk_add_units = slow_add_units


if __name__ == "__main__":
    slow_down()
    from celery.__main__ import main

    sys.argv[0] = "celery"
    sys.exit(main())
