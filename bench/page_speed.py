"""Speed on a slow phone network: each page people open, loaded by Chromium over a "Fast 3G"-like link (issue 17).

    .venv/bin/python bench/page_speed.py [--responses 400] [--budget-kb 1000] [--lcp-budget 3.0] [--only NAME]
                                         [--workdir DIR] [--cpu-slowdown 1]

Builds the demo (`migrate`, `load_demo`) in a SQLite file of a temporary folder (or --workdir, kept and reused
when the file is there), collects the static files into it with the production storage (whitenoise's
CompressedManifestStaticFilesStorage: hashed names, gzip copies), and starts the web server as the Procfile
does (gunicorn, ops/gunicorn.conf.py, DEBUG off) on a free port. Each page's user signs in through the login
form; then each page is loaded in a fresh browser context (390 × 844 phone, cache disabled: a cold load) with
Chromium's network emulation (CDP Network.emulateNetworkConditions: 150 ms latency, 1.6 Mbps down =
200,000 bytes/s, 750 kbps up), and once more in the same context with the cache on (a warm load).

Measured per load: bytes transferred (the sum of Network.loadingFinished encodedDataLength: bodies as sent,
compressed or not, with their headers), requests, largest contentful paint (PerformanceObserver, buffered),
DOMContentLoaded and load (Navigation Timing), and what the server sent in all (response bodies in gunicorn's
access log, service-worker fetches after the load included). Prints a Markdown table for docs/benchmarks.md;
exits 1 when a cold load passes the byte budget (1,000 KB = 1,000,000 bytes) or its LCP the time budget.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Chromium's network emulation; throughputs are bytes per second.
PROFILE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True, "locale": "vi-VN"}
BUDGET_BYTES = 1_000_000
LCP_BUDGET_S = 3.0

# Installed before any script of the page: the last largest-contentful-paint entry is the page's LCP.
LCP_OBSERVER = """
window.__lcp = null;
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (entry) {
      var el = entry.element;
      window.__lcp = {time: entry.startTime, size: entry.size,
                      element: el ? el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") : (entry.url || "")};
    });
  }).observe({type: "largest-contentful-paint", buffered: true});
} catch (error) { /* no LCP in this browser */ }
"""
TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {lcp: window.__lcp, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, status: nav.responseStatus || 0};
}"""


@dataclass
class Load:
    """One load of one page: bytes and requests the page saw, and its timings in milliseconds."""

    bytes: int = 0
    requests: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    lcp_ms: float | None = None
    lcp_element: str = ""
    dcl_ms: float = 0.0
    load_ms: float = 0.0
    background_bytes: int = 0  # what the page's service worker fetched on its own (not throttled by the emulation)
    background_requests: int = 0


def within_budget(load: Load, *, budget_bytes: int = BUDGET_BYTES, lcp_budget_s: float = LCP_BUDGET_S) -> bool:
    """A cold load meets the budget when it transfers at most `budget_bytes` and its LCP comes within the time."""
    return load.bytes <= budget_bytes and load.lcp_ms is not None and load.lcp_ms <= lcp_budget_s * 1000


def sign_in(browser, base: str, username: str, password: str) -> dict:
    """Sign in through the login form (no throttling) and return the context's storage state (its cookies)."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{base}/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{base}/")
        return context.storage_state()
    finally:
        context.close()


def _visit(page, cdp, url: str, *, cold: bool, settle_s: float) -> Load:
    load = Load()
    kinds: dict[str, str] = {}
    background: list = []  # the service worker's own requests (precaching, pages kept for offline use)
    pending = [0, time.monotonic()]

    def received(event: dict) -> None:
        kinds[event["requestId"]] = event.get("type", "Other")

    def finished(event: dict) -> None:
        size = int(event.get("encodedDataLength", 0))
        load.bytes += size
        load.requests += 1
        kind = kinds.get(event["requestId"], "Other")
        load.by_type[kind] = load.by_type.get(kind, 0) + size

    def started(request) -> None:
        pending[0] += 1
        pending[1] = time.monotonic()

    def ended(request) -> None:
        pending[0] -= 1
        pending[1] = time.monotonic()
        if request.service_worker is not None:
            background.append(request)

    context = page.context
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    context.on("request", started)
    context.on("requestfinished", ended)
    context.on("requestfailed", ended)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": cold})
    try:
        reply = page.goto(url, wait_until="load", timeout=120_000)
        if reply is None or reply.status != 200:
            raise RuntimeError(f"{url}: HTTP {reply.status if reply else '?'}")
        page.wait_for_load_state("networkidle", timeout=60_000)
        seen = page.evaluate(TIMINGS)
        # A service worker goes on fetching after the load: wait until nothing has moved for settle_s.
        deadline = time.monotonic() + 60
        while (pending[0] > 0 or time.monotonic() - pending[1] < settle_s) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        for request in background:
            sizes = request.sizes()
            # A body answered from the HTTP cache counts as minus its headers: nothing came over the network.
            load.background_bytes += max(0, sizes["responseBodySize"] + sizes["responseHeadersSize"])
            load.background_requests += 1
    finally:
        cdp.remove_listener("Network.responseReceived", received)
        cdp.remove_listener("Network.loadingFinished", finished)
        context.remove_listener("request", started)
        context.remove_listener("requestfinished", ended)
        context.remove_listener("requestfailed", ended)
    if seen["lcp"]:
        load.lcp_ms, load.lcp_element = seen["lcp"]["time"], seen["lcp"]["element"]
    load.dcl_ms, load.load_ms = seen["dcl"], seen["load"]
    return load


def measure(browser, url: str, *, storage_state: dict | None = None, cpu_slowdown: float = 1.0, settle_s: float = 1.0) -> tuple[Load, Load]:
    """(cold, warm): the page loaded in a fresh context with the cache disabled, then again with it on."""
    context = browser.new_context(**PHONE, storage_state=storage_state)
    try:
        context.add_init_script(LCP_OBSERVER)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", PROFILE)
        if cpu_slowdown > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
        cold = _visit(page, cdp, url, cold=True, settle_s=settle_s)
        warm = _visit(page, cdp, url, cold=False, settle_s=settle_s)
        return cold, warm
    finally:
        context.close()


# ------------------------------------------------------------------------------------------------
# The demo portal, served as production serves it
# ------------------------------------------------------------------------------------------------


def portal_env(workdir: Path, responses: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "SQLITE_NAME": str(workdir / "speed.sqlite3"),
            "MEDIA_ROOT": str(workdir / "media"),
            "STATIC_ROOT": str(workdir / "static"),
            "DEMO_RESPONSES": str(responses),
            # Plain HTTP on 127.0.0.1 (production has TLS at nginx): cookies without the Secure flag.
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def build(workdir: Path, env: dict[str, str]) -> None:
    """The demo and the collected static files, unless --workdir already holds them."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    if not (workdir / "speed.sqlite3").exists():
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "load_demo", "-v0"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


FIND_PAGES = """
from campaigns.models import Campaign, CampaignStatus, Channel
from django.contrib.auth.models import User
from surveys.enumerator_home import enumerator_quotas
from surveys.selectors import open_window, today_local
from units.demo import DEMO_PASSWORD

active = Campaign.objects.filter(status=CampaignStatus.ACTIVE).order_by("code").first()
published = Campaign.objects.filter(status=CampaignStatus.PUBLISHED).order_by("code").first()
quota = next(
    cell.quota for cell in enumerator_quotas(user=User.objects.get(username="dieutravien"))
    if cell.quota.channel != Channel.ONLINE and open_window(campaign=cell.quota.campaign, channel=cell.quota.channel, unit=cell.quota.unit, on=today_local())
)
print(active.code, active.public_key, published.code, quota.pk, DEMO_PASSWORD)
"""


def pages(env: dict[str, str]) -> tuple[list[tuple[str, str | None, str]], str]:
    """(name, username or None for a citizen, address) of the pages in the budget, and the demo users' password."""
    found = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", FIND_PAGES], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True)
    active, public_key, published, quota, password = found.stdout.split()[-5:]
    return [
        ("leadership dashboard", "lanhdao", f"/bao-cao/{active}/"),
        ("enumerator's home", "dieutravien", "/"),
        ("entry page (enumerator)", "dieutravien", f"/thu-thap/nhap/{quota}/"),
        ("online survey (citizen)", None, f"/khao-sat/{public_key}/tra-loi/"),
        ("public results", None, f"/ket-qua/{published}/"),
    ], password


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(workdir: Path, env: dict[str, str], port: int) -> tuple[subprocess.Popen, Path]:
    """gunicorn as the Procfile starts it (ops/gunicorn.conf.py), on 127.0.0.1:port; (process, its log)."""
    log = workdir / "server.log"
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", str(ROOT / "ops" / "gunicorn.conf.py")],
        cwd=ROOT, env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}, stdout=handle, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, log
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit(f"gunicorn did not start:\n{log.read_text(errors='replace')[-3000:]}") from None
            time.sleep(0.3)


def static_headers(base: str) -> str:
    """How the server sends a static file: compressed, cached for how long (the login page's style sheet)."""
    with urllib.request.urlopen(f"{base}/dang-nhap/") as reply:
        sheet = re.search(r'href="(/static/[^"]+\.css)"', reply.read().decode()).group(1)
    request = urllib.request.Request(base + sheet, headers={"Accept-Encoding": "gzip, deflate, br"})
    with urllib.request.urlopen(request) as reply:
        return (f"static file {sheet}: Content-Encoding {reply.headers.get('Content-Encoding')}, "
                f"Cache-Control {reply.headers.get('Cache-Control')}")


def row(name: str, username: str | None, cold: Load, warm: Load, fits: bool) -> str:
    def seconds(ms: float | None) -> str:
        return "–" if ms is None else f"{ms / 1000:.2f}"

    background = f"{cold.background_bytes / 1000:,.0f} ({cold.background_requests})" if cold.background_requests else "–"
    return (
        f"| {name} | {username or 'citizen'} | {cold.bytes / 1000:,.0f} | {cold.requests} | {background} | {seconds(cold.lcp_ms)} | "
        f"{cold.lcp_element} | {seconds(cold.dcl_ms)} | {seconds(cold.load_ms)} | {warm.bytes / 1000:,.0f} | {seconds(warm.lcp_ms)} | "
        f"{'met' if fits else 'OVER'} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=400)
    parser.add_argument("--budget-kb", type=int, default=BUDGET_BYTES // 1000, help="bytes a cold load may transfer (KB of 1,000 bytes)")
    parser.add_argument("--lcp-budget", type=float, default=LCP_BUDGET_S, help="largest contentful paint allowed (s)")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--workdir", help="keep the demo here and reuse it (default: a temporary folder)")
    parser.add_argument("--cpu-slowdown", type=float, default=1.0, help="Chromium's CPU throttling rate (1: none)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(args.workdir or scratch).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        env = portal_env(workdir, args.responses)
        build(workdir, env)
        every, password = pages(env)
        chosen = [p for p in every if args.only in p[0]]
        port = free_port()
        server, log = serve(workdir, env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            print(f"profile: {PROFILE['latency']} ms, {PROFILE['downloadThroughput'] * 8 / 1e6:.1f} Mbps down, "
                  f"{PROFILE['uploadThroughput'] * 8 / 1e3:.0f} kbps up; CPU slowdown {args.cpu_slowdown:g}; gunicorn at {base}\n")
            print(static_headers(base) + "\n")
            print(f"| page | user | cold: KB | requests | service worker after it: KB (requests) | LCP (s) | LCP element | DOMContentLoaded (s) | load (s) | "
                  f"warm: KB | warm LCP (s) | ≤ {args.budget_kb:,} KB, LCP ≤ {args.lcp_budget:g} s |")
            print("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|")
            over = 0
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                states = {user: sign_in(browser, base, user, password) for user in {u for _n, u, _a in chosen if u}}
                for name, username, address in chosen:
                    cold, warm = measure(browser, base + address, storage_state=states.get(username), cpu_slowdown=args.cpu_slowdown)
                    fits = within_budget(cold, budget_bytes=args.budget_kb * 1000, lcp_budget_s=args.lcp_budget)
                    over += not fits
                    print(row(name, username, cold, warm, fits), flush=True)
                    print(f"<!-- {name}: {address} cold by type (KB): "
                          + ", ".join(f"{k} {v / 1000:,.1f}" for k, v in sorted(cold.by_type.items())) + " -->", flush=True)
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
