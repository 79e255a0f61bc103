"""Settings for Hài Lòng, read from the environment.

Without any variable set the portal runs on the embedded default: a SQLite file in the
project folder and Celery in eager mode (no broker). `DATABASE_URL` and `REDIS_URL`
switch to PostgreSQL and a real Celery worker; nothing else changes.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

# Off unless set: a server started without settings is a production server (`make run` sets DEBUG=1 for the demo).
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Thiếu SECRET_KEY: khi chạy thật (DEBUG tắt) phải đặt biến môi trường SECRET_KEY (một chuỗi ngẫu nhiên dài, "
            "giữ bí mật; xem docs/deployment.md). Để chạy bản demo trên máy cá nhân, đặt DEBUG=1 hoặc dùng `make run`. "
            "/ SECRET_KEY must be set when DEBUG is off; set DEBUG=1 for the local demo."
        )
    SECRET_KEY = "dev-only-insecure-key-hai-long"  # noqa: S105 (embedded default only)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
    "axes",
    "django_otp",  # i11-ops: two-factor sign-in
    "django_otp.plugins.otp_totp",
    "units",
    "campaigns",
    "surveys",
    "reports",
    "plans",
    "communication",  # above reports: the communication plan (issue 16)
]

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",  # i11-ops: first, so that every log line of the request has its id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise (which compresses the static files itself), above every middleware that reads the body.
    "config.compression.PageGZipMiddleware",
    "config.input_bounds.RefuseNulMiddleware",  # before sessions: a NUL cookie is dropped before it is looked up
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",  # i11-ops: request.user.is_verified()
    "units.middleware.IdleSessionMiddleware",  # i11-ops: SESSION_IDLE_MINUTES
    "units.middleware.AccountGateMiddleware",  # i11-ops: a forced password change, then two-factor sign-in
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "units.context_processors.navigation",
            ],
        },
    }
]

# Database: PostgreSQL when DATABASE_URL is set, else a SQLite file beside manage.py.
_database_url = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if _database_url:
    DATABASES = {"default": environ.Env.db_url_config(_database_url)}
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    # A kept connection is checked before a request uses it: one the database dropped is reopened, not a 500.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / env_str("SQLITE_NAME", "hailong.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# ---- i11-ops: a bound on each SQL statement of this process (milliseconds; PostgreSQL). The Procfile and
# the systemd unit set it for the web process below gunicorn's timeout, so that a request stuck on a lock
# ends as an error page instead of gunicorn killing the whole web worker; background jobs bound their own.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 0)
if DB_STATEMENT_TIMEOUT_MS and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
# ---- end i11-ops: statement bound

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# ---- i11-ops: accounts.
# Client addresses (units/clients.py): REMOTE_ADDR, or X-Forwarded-For read from the right when the request
# came from one of TRUSTED_PROXIES (addresses or networks, comma-separated; e.g. the nginx host "127.0.0.1").
# Login lockout (django-axes, units/login_limits.py) for 30 minutes after, within that time, 5 failures of
# one user at one address, LOGIN_USER_FAILURE_LIMIT of one user from any address, or
# LOGIN_ADDRESS_FAILURE_LIMIT from one address across users (password spraying).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from None
AXES_CLIENT_IP_CALLABLE = "units.clients.client_address"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
LOGIN_FAILURE_LIMITS = [AXES_FAILURE_LIMIT, env_int("LOGIN_USER_FAILURE_LIMIT", 10), env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)]
AXES_HANDLER = "units.login_limits.LoginLimitsHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Sessions end after SESSION_IDLE_MINUTES without a request (units/middleware.py) and, whatever happens,
# SESSION_MAX_HOURS after sign-in.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 12) * 3600
# Password reset: by e-mail when EMAIL_HOST is set (Django's reset links), otherwise an official of the
# user's unit sets a temporary password that must be changed at the next sign-in (units/accounts.py).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hai-long@localhost")
PASSWORD_RESET_BY_EMAIL = bool(EMAIL_HOST)
PASSWORD_RESET_TIMEOUT = 3600
# Two-factor sign-in (TOTP, django-otp) required of officials and superusers when REQUIRE_2FA=1.
REQUIRE_2FA = env_bool("REQUIRE_2FA", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Hài Lòng")
# Nobody reads another person's TOTP secret or its QR code in the admin (a lost device is deleted, not copied).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# ---- end i11-ops: accounts

# Language and time: Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic's output (whitenoise serves it when DEBUG is off; nginx serves it in production, ops/nginx.conf).
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Front-end files from their npm packages (ops/fetch_assets.py, run by the Makefile; pinned and checked against
# the registry's integrity): plotly.js's basic bundle (bar, pie, scatter; 1.2 MB instead of the full 4.8 MB)
# served as /static/vendor/plotly-basic.min.js (no CDN).
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", BASE_DIR / "static_vendor")]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads are parsed in memory up to this size and refused above it (bytes).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# One evidence file (photo, scan, document) of an improvement plan or a communication activity (units/uploads.py).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# Uploaded spreadsheets (units/spreadsheets.py) are refused beyond these before a cell is parsed; an import
# of more rows than IMPORT_BACKGROUND_ROWS runs as a job on a worker (units/import_jobs.py).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 300 * 1024 * 1024)
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 2_000)
IMPORT_ERRORS_SHOWN = env_int("IMPORT_ERRORS_SHOWN", 100)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: eager without REDIS_URL (no broker needed), a real worker with it.
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss"))
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A submission must never wait long on a broker that is down: fail fast, the sweep catches up.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "socket_timeout": 2, "socket_connect_timeout": 2}

# ---- i11-ops: jobs that always end (units/jobs.py). Queue names are read in config/celery.py
# (CELERY_QUEUE, CELERY_HEAVY_QUEUE). A running job renews its lease every JOB_HEARTBEAT_SECONDS; one not
# renewed for JOB_LEASE_SECONDS lost its worker and the sweep sends it again (an export at most
# EXPORT_MAX_ATTEMPTS times in all, then it fails with the reason); a queued job nobody took for
# JOB_RESEND_AFTER_SECONDS is sent again (the broker may have lost it). EXPORT_SOFT_TIME_LIMIT bounds an
# export and each of its SQL statements.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 60)
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10)
JOB_RESEND_AFTER_SECONDS = env_int("JOB_RESEND_AFTER_SECONDS", 300)
EXPORT_MAX_ATTEMPTS = env_int("EXPORT_MAX_ATTEMPTS", 2)
EXPORT_SOFT_TIME_LIMIT = env_int("EXPORT_SOFT_TIME_LIMIT", 3000)
# The same for large imports (units.import_jobs): IMPORT_MAX_ATTEMPTS workers lost, then failed with the reason.
IMPORT_MAX_ATTEMPTS = env_int("IMPORT_MAX_ATTEMPTS", 2)
IMPORT_SOFT_TIME_LIMIT = env_int("IMPORT_SOFT_TIME_LIMIT", 3000)
# A worker logs through LOGGING below (JSON with LOG_FORMAT=json, the task id as request id), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# ---- end i11-ops: jobs

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    # Redis down or hung costs a request one short timeout, then this process's memory: config/cache.py.
    CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}

# ---- i11-ops: production headers whenever DEBUG is off (checked by units/tests/test_production_settings.py).
# HSTS is sent on HTTPS responses: behind the reverse proxy (ops/nginx.conf), Django learns a request was
# HTTPS from X-Forwarded-Proto, which it trusts only because gunicorn listens on 127.0.0.1 (or a socket)
# that the proxy alone can reach. SECURE_SSL_REDIRECT stays with the proxy (it also redirects /healthz
# probes otherwise); set it to 1 when no proxy does it.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# ---- end i11-ops: production headers

# ---- i11-ops: logs and health. LOG_FORMAT=json writes one JSON object per line (python-json-logger);
# every line carries the request id (config/request_id.py) or, in a worker, the task id.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
# /healthz is red when beat or a worker of a queue was last heard from longer ago than this (seconds).
HEALTH_HEARTBEAT_MAX_AGE = env_int("HEALTH_HEARTBEAT_MAX_AGE", 120)
# ---- end i11-ops: logs and health

# Number of responses a demo campaign gets from load_demo.
DEMO_RESPONSES = env_int("DEMO_RESPONSES", 3000)

# Personal data (the frame: names, phones, addresses of people who completed a procedure) is erased this
# many days after a campaign's first publication (campaigns.privacy, a daily job in config/celery.py).
PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 90)
