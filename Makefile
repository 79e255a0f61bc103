# Hài Lòng — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: run serve test test-fast browser lint check clean

# Front-end files from their npm packages, pinned and checked (ops/fetch_assets.py); not in git.
ASSETS := static_vendor/plotly-basic.min.js

$(ASSETS): ops/fetch_assets.py
	$(PYTHON) ops/fetch_assets.py
	touch $@

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

## run: install, migrate, load the demo and serve http://127.0.0.1:8000 (SQLite, Celery eager, DEBUG on:
## DEBUG is off unless set, and a server without SECRET_KEY then refuses to start)
run: export DEBUG ?= 1
run: $(VENV)/.installed $(ASSETS)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Mở http://127.0.0.1:8000 — đăng nhập bằng một tài khoản mẫu ở trên."
	$(PY) manage.py runserver 127.0.0.1:8000

## serve: the production stack from the Procfile (gunicorn, worker, beat) on PostgreSQL and Redis
## (docs/deployment.md); needs DATABASE_URL, REDIS_URL and SECRET_KEY; migrates and collects static first.
serve: $(VENV)/.installed $(ASSETS)
	@ops/require-env.sh DATABASE_URL REDIS_URL SECRET_KEY
	DEBUG=0 $(PY) manage.py migrate --noinput
	DEBUG=0 $(PY) manage.py collectstatic --noinput -v0
	DEBUG=0 PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

## test: the whole suite on the embedded default (browser tests included)
test: $(VENV)/.installed $(ASSETS) browser
	$(VENV)/bin/pytest

## test-fast: the suite without the browser tests
test-fast: $(VENV)/.installed $(ASSETS)
	$(VENV)/bin/pytest -m "not browser"

## browser: Debian's Chromium for the Playwright tests (Playwright cannot download its own here)
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

check: export DEBUG ?= 1
check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

clean:
	rm -rf $(VENV) hailong.sqlite3 staticfiles static_vendor media
