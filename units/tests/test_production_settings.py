"""With DEBUG off, the settings send the production headers (HSTS and the others) and secure cookies.

The settings are read once per process, so a subprocess imports them with DEBUG=0 and a request goes
through the whole middleware stack there, as gunicorn behind the proxy would send it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# /healthz renders no template, so the manifest static storage of DEBUG=0 needs no collectstatic here.
SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
https = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
plain = client.get("/healthz")
print(json.dumps({
    "https": dict(https.headers), "plain": dict(plain.headers), "status": plain.status_code,
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
}))
"""


def run_with(env_overrides: dict[str, str], tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY="kiem-tra-" + "x" * 40, SQLITE_NAME=str(tmp_path / "db.sqlite3"), **env_overrides)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_debug_off_every_response_carries_the_production_headers(tmp_path):
    seen = run_with({"DEBUG": "0"}, tmp_path)
    headers = seen["https"]
    assert seen["status"] in (200, 503)  # answered over plain HTTP, not redirected (the proxy redirects)
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert seen["cookies"] == [True, True, True, "Lax"]
    assert "Strict-Transport-Security" not in seen["plain"]  # HSTS only over HTTPS, as browsers require


def test_with_debug_on_no_hsts_is_sent(tmp_path):
    seen = run_with({"DEBUG": "1"}, tmp_path)
    assert "Strict-Transport-Security" not in seen["https"]
