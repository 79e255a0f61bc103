"""Test settings: the same as production wiring, with fast hashing and plain static storage."""

import os

# The suite runs as the embedded default (its servers, workers and commands inherit this); pytest-django
# still runs each in-process test with DEBUG off. The production default (off) is tested in units/tests/test_settings.py.
os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: E402, F403
from config.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
AXES_ENABLED = True
DEMO_RESPONSES = 200
# Tasks run in-process in tests, also when REDIS_URL is set: the tests that need a real worker say so
# with the `celery_worker_process` fixture (conftest.py), which switches eager mode off around them.
CELERY_TASK_ALWAYS_EAGER = True
