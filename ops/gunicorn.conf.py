"""gunicorn settings for the web process (Procfile, ops/systemd/hailong-web.service).

It listens on 127.0.0.1 only: the reverse proxy (ops/nginx.conf) is the one way in, which is what lets
Django trust the proxy's X-Forwarded-Proto and X-Forwarded-For (config/settings.py, TRUSTED_PROXIES).
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))  # 2 × cores + 1 on a 2-core machine
threads = 1
# A request longer than this is killed with its worker; the web process's statement bound
# (WEB_STATEMENT_TIMEOUT_MS, 100 s) ends a query stuck on a lock before that happens.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle a worker now and then (memory); jitter so they do not all restart at once
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# The access log names the request id the app gave (config/request_id.py), as nginx's log does.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "127.0.0.1")
