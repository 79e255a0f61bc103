import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(env_overrides, *, debug="1"):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY")}
    if debug is not None:
        env["DEBUG"] = debug
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL='mysql://x@y/z' is not a valid URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' is not a valid URL"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT='five' is not an integer"),
        ({"DEBUG": "0"}, "Thiếu SECRET_KEY"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_a_clear_message(overrides, message):
    result = start(overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_is_off_unless_set_so_a_bare_start_is_production_and_wants_a_secret_key():
    bare = start({}, debug=None)
    assert bare.returncode != 0
    assert "Thiếu SECRET_KEY" in bare.stderr and "DEBUG=1" in bare.stderr
    production = start({"SECRET_KEY": "x" * 50}, debug=None)
    assert production.returncode == 0, production.stderr
    shown = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT, env={**{k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL", "REDIS_URL")}, "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True, text=True, timeout=60,
    )
    assert shown.stdout.strip() == "False", shown.stderr


def test_without_any_variable_the_embedded_default_starts():
    result = start({})
    assert result.returncode == 0, result.stderr


def test_the_embedded_default_is_sqlite_with_eager_celery(settings):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set: this run is the real-services run")
    from django.conf import settings as live

    assert live.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert live.CELERY_TASK_ALWAYS_EAGER is True
    assert live.LANGUAGE_CODE == "vi"
    assert live.TIME_ZONE == "Asia/Ho_Chi_Minh"
