"""Test settings: the same as production wiring, with fast hashing and plain static storage."""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
AXES_ENABLED = True
DEMO_RESPONSES = 200
# Tasks run in-process in tests, also when REDIS_URL is set: the tests that need a real worker say so
# with the `celery_worker_process` fixture (conftest.py), which switches eager mode off around them.
CELERY_TASK_ALWAYS_EAGER = True
