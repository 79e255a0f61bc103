"""Benchmark of the submission API: gunicorn on PostgreSQL, concurrent clients, 10% of responses sent twice.

    .venv/bin/python bench/submit.py [--responses 6000] [--clients 16] [--workers 3] [--threads 4] [--auth key|session]
    .venv/bin/python bench/submit.py --floor bare|auth     (the same server and client, a view that does nothing)

Creates (or reuses) the PostgreSQL database `hl_bench_submit`, migrates it, builds a 40-question
questionnaire and an active campaign, starts gunicorn, posts the responses over `--clients` keep-alive
connections (one enumerator each, driven by one asyncio loop so the load generator takes little of the
CPU it shares with the server), stops gunicorn, then prints submissions per second, p50/p95 latency,
responses stored vs acknowledged, lost and duplicates, and the CPU used by the client, the gunicorn
processes and PostgreSQL during the timed run.

`--auth key` (the default): each client sends its enumerator's personal API key, as an external tool
does; `--auth session`: a logged-in browser session with the CSRF header, as the entry page's queue does.

`--floor bare` serves a view that parses the JSON body and answers 201; `--floor auth` also looks up the
caller (the key, or the session and the user), as the API does before any work of its own. The gap
between a floor and the real run is what the submission itself costs.

The recompute request goes to Redis (REDIS_URL, database 12 by default) as in production; the bench
removes the messages it queued.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pg import database_ensure  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE", "hl_bench_submit")  # another name lets two sessions bench at once
CAMPAIGN = "bench-submit"


def configure(args: argparse.Namespace) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "REDIS_URL": args.redis,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "600",
    }
    os.environ.update(env)
    return env


def build_fixture(n_questions: int, n_clients: int, auth: str) -> tuple[dict, list[str]]:
    """A province with one commune, a 40-question frozen questionnaire, an active campaign, enumerators,
    and for each client its credential as request header lines: an API key or a logged-in session."""
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from campaigns.models import Campaign, CampaignForm, ChannelWindow, SampleQuota
    from surveys.models import Answer, Question, Questionnaire, QuestionType, Response, Section
    from units.access import SYSTEM  # after django.setup(): importing it loads the auth models
    from units.models import ApiToken, Membership, Role, Unit, UnitType
    from units.services import api_token_create, unit_save, unit_types_ensure

    unit_types_ensure()
    types = {t.code: t for t in UnitType.objects.all()}
    province = Unit.objects.filter(code="BENCH").first() or unit_save(unit=Unit(code="BENCH", name="Tỉnh thử tải", type=types["province"]), actor=SYSTEM)
    commune = Unit.objects.filter(code="BENCH-1").first() or unit_save(
        unit=Unit(code="BENCH-1", name="Xã thử tải", type=types["commune"], parent=province)
    , actor=SYSTEM)
    campaign = Campaign.objects.filter(code=CAMPAIGN).first()
    if campaign is not None:
        Answer.objects.filter(campaign=campaign).delete()
        Response.objects.filter(campaign=campaign).delete()
        # Fieldwork only appends; without this each rerun would insert into the dead rows of the last one.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Answer._meta.db_table}, {Response._meta.db_table}")
    else:
        today = timezone.localdate()
        questionnaire = Questionnaire.objects.create(code="bench-40", title="Phiếu thử tải 40 câu", status="frozen")
        levels = [{"value": v, "name": str(v), "label": str(v)} for v in range(1, 6)]
        for s in range(4):
            section = Section.objects.create(questionnaire=questionnaire, code=f"S{s + 1}", title=f"Phần {s + 1}", order=s)
            for q in range(n_questions // 4):
                Question.objects.create(
                    questionnaire=questionnaire, section=section, code=f"S{s + 1}_Q{q + 1}", text=f"Tiêu chí {s + 1}.{q + 1}",
                    type=QuestionType.LIKERT5, required=True, choices=levels, satisfied_levels=[4, 5], counts_in_index=True,
                    order=s * 100 + q, relevant="" if q != 9 else f"${{S{s + 1}_Q1}} >= 1",
                )
        campaign = Campaign.objects.create(
            code=CAMPAIGN, name="Thử tải gửi phiếu", organiser=province, year=today.year, status="active",
            fieldwork_start=today - dt.timedelta(days=1), fieldwork_end=today + dt.timedelta(days=365),
        )
        form = CampaignForm.objects.create(campaign=campaign, questionnaire=questionnaire)
        ChannelWindow.objects.create(campaign=campaign, channel="desk", start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=365))
        SampleQuota.objects.create(campaign=campaign, unit=commune, channel="desk", form=form, target=100000)
    questions = list(Question.objects.filter(questionnaire__campaign_forms__campaign=campaign).values_list("code", flat=True))
    credentials = []
    for i in range(n_clients):
        user, _ = User.objects.get_or_create(username=f"bench-dtv-{i}")
        Membership.objects.get_or_create(user=user, unit=commune, role=Role.ENUMERATOR)
        if auth == "key":
            ApiToken.objects.filter(user=user, name="bench").delete()  # the last run's keys
            credentials.append(f"Authorization: Bearer {api_token_create(user=user, name='bench', actor=SYSTEM)[1]}\r\n")
            continue
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        credentials.append(f"Cookie: sessionid={store.session_key}; csrftoken={CSRF}\r\nX-CSRFToken: {CSRF}\r\n")
    return {"campaign": campaign.code, "unit": commune.code, "questions": questions}, credentials


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, floor: str | None) -> subprocess.Popen:
    app = "config.wsgi" if floor is None else "bench.submit:floor_application()"
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"), app, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
            "--backlog", "512", "-k", "gthread", "--threads", str(threads), "--keep-alive", "30",
        ],
        cwd=ROOT,
        env={**env, "BENCH_FLOOR": floor or ""},
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process  # the warm-up run waits for the workers
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def make_payload(fixture: dict, rng: random.Random, phones: float = 0.0) -> dict:
    """A response as the entry page sends it: random levels, a duration, the profile (with a respondent's
    phone for a share `phones` of them: the duplicate lookup), seconds per section and the time zone."""
    profile = {"sex": rng.choice(["male", "female"]), "age_group": rng.choice(["25_34", "35_49", "50_64"])}
    if rng.random() < phones:
        profile["phone"] = f"09{rng.randrange(10**8):08d}"
    sections = sorted({code.split("_")[0] for code in fixture["questions"]})
    return {
        "uuid": str(uuid.uuid4()),
        "campaign": fixture["campaign"],
        "unit": fixture["unit"],
        "channel": "desk",
        "status": "submitted",
        "duration_seconds": rng.randint(180, 900),
        "profile": profile,
        "answers": {code: rng.choices([2, 3, 4, 5], weights=[1, 2, 5, 3])[0] for code in fixture["questions"]},
        "paradata": {"sections": {code: round(rng.uniform(40, 200), 1) for code in sections}, "tz_offset_minutes": 420},
    }


# --- floor: the same middleware and session, a view that does nothing --------------------------

urlpatterns: list = []


def floor_application():  # noqa: ANN201 (a WSGI callable; gunicorn calls this factory once per worker)
    """config.wsgi with its URLs replaced by one view at the API's address (see --floor)."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpRequest, JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt
    from django.views.decorators.http import require_POST

    application = get_wsgi_application()
    from units.selectors import user_for_api_key

    touch_user = os.environ.get("BENCH_FLOOR") == "auth"

    @csrf_exempt
    @require_POST
    def floor_view(request: HttpRequest) -> JsonResponse:
        body = json.loads(request.body)
        if touch_user:
            header = request.headers.get("Authorization", "")
            user = user_for_api_key(header.removeprefix("Bearer ")) if header else request.user
            if user is None or not user.is_authenticated:
                return JsonResponse({"detail": "login"}, status=401)
        return JsonResponse({"id": 0, "uuid": body.get("uuid"), "status": "submitted", "created": True}, status=201)

    urlpatterns[:] = [path("api/v1/responses/", floor_view)]
    settings.ROOT_URLCONF = __name__
    return application


# --- client ----------------------------------------------------------------------------------

CSRF = "benchcsrftoken0123456789abcdefgh"  # 32 characters: an unmasked CSRF secret


async def _read_reply(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server keeps the connection, of one HTTP/1.1 reply."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, keep = 0, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
    return status, await reader.readexactly(length), keep


def run_clients(port: int, credentials: list[str], plan: list[dict], results: list) -> float:
    """Post every body of `plan` over one keep-alive connection per credential; return the wall time.

    One asyncio loop drives every connection: the bodies are encoded beforehand and each request is
    a single write, so the client costs a fraction of a millisecond of CPU per request.
    """
    bodies = [json.dumps(body).encode() for body in plan]
    cursor = iter(range(len(plan)))

    async def client(credential: str) -> None:
        head = (
            f"POST /api/v1/responses/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"{credential}Content-Length: "
        ).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for index in cursor:
            body = bodies[index]
            started = time.perf_counter()
            try:
                writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
                status, data, keep = await _read_reply(reader)
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                status, data, keep = 0, b"{}", False
            elapsed = time.perf_counter() - started
            try:
                answer = json.loads(data)
            except ValueError:
                answer = {}
            results.append((plan[index]["uuid"], status, elapsed, answer.get("id")))
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    async def run_all() -> None:
        await asyncio.gather(*(client(credential) for credential in credentials))

    started = time.perf_counter()
    asyncio.run(run_all())
    return time.perf_counter() - started


# --- CPU accounting --------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _postgres_pids() -> list[int]:
    """The server processes of this bench's database (gunicorn keeps its connections open)."""
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=DATABASE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DATABASE])
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


def _machine_busy() -> float:
    """CPU seconds spent by everything on the machine (all cores) since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICK  # minus idle and iowait


def _postgres_server_pids() -> list[int]:
    """Every PostgreSQL process on the machine: backends, WAL writer, checkpointer, autovacuum."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_sample(server: subprocess.Popen) -> dict[str, dict[int, float] | float]:
    """CPU seconds so far of the client, each gunicorn and PostgreSQL process, and the whole machine.

    Processes are listed again at every sample (a gunicorn thread can open its connection after the
    warm-up); `cpu_used` counts a process first seen in the second sample from zero.
    """
    backends = set(_postgres_pids())
    postgres = {pid: _process_cpu(pid) for pid in _postgres_server_pids()}
    return {
        "client": time.process_time(),
        "gunicorn": {pid: _process_cpu(pid) for pid in [server.pid, *_children(server.pid)]},
        "postgres": {pid: cpu for pid, cpu in postgres.items() if pid in backends},
        "postgres_other": {pid: cpu for pid, cpu in postgres.items() if pid not in backends},
        "machine": _machine_busy(),
    }


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    used = {}
    for key, value in after.items():
        if isinstance(value, dict):
            used[key] = sum(cpu - before[key].get(pid, 0.0) for pid, cpu in value.items())
        else:
            used[key] = value - before[key]
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--resend", type=float, default=0.10)
    parser.add_argument("--phones", type=float, default=0.5, help="share of responses naming the respondent's phone")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"))
    parser.add_argument("--auth", choices=["key", "session"], default="key",
                        help="how the clients log in: a personal API key (tools) or a browser session with the CSRF header")
    parser.add_argument("--floor", choices=["bare", "auth"], help="serve a view that does nothing (see the module docstring)")
    args = parser.parse_args()

    env = configure(args)
    database_ensure(DATABASE)
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    fixture, credentials = build_fixture(args.questions, args.clients, args.auth)
    rng = random.Random(2026)
    bodies = [make_payload(fixture, rng, args.phones) for _ in range(args.responses)]
    plan = bodies + rng.sample(bodies, int(len(bodies) * args.resend))
    rng.shuffle(plan)

    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    server = start_gunicorn(env, args.port, args.workers, args.threads, args.floor)
    results: list[tuple[str, int, float, int | None]] = []
    try:
        warm = [make_payload(fixture, rng, args.phones) for _ in range(len(credentials) * 10)]
        run_clients(args.port, credentials, warm, [])
        before = cpu_sample(server)
        wall = run_clients(args.port, credentials, plan, results)
        after = cpu_sample(server)
    finally:
        server.terminate()
        server.wait(timeout=30)

    latencies = sorted(elapsed for _, _, elapsed, _ in results)
    statuses: dict[int, int] = {}
    for _, status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    what = f"floor ({args.floor})" if args.floor else f"{len(bodies)} responses of {len(fixture['questions'])} questions"
    print(f"requests: {len(results)} ({what}, {len(plan) - len(bodies)} resent) from {args.clients} connections, "
          f"logged in by {'API key' if args.auth == 'key' else 'session + CSRF'}, "
          f"gunicorn -w {args.workers} --threads {args.threads}, {os.cpu_count()} cores")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"submissions/s: {len(results) / wall:.0f}  (wall {wall:.1f} s)")
    print(f"latency p50: {p50:.1f} ms  p95: {p95:.1f} ms  max: {latencies[-1] * 1000:.1f} ms")
    used = cpu_used(before, after)
    per_request = {key: value / len(results) * 1000 for key, value in used.items()}
    print(
        "CPU per request: client {client:.2f} ms, gunicorn {gunicorn:.2f} ms, postgres backends {postgres:.2f} ms, "
        "postgres other (WAL writer, checkpointer…) {postgres_other:.2f} ms, whole machine {machine:.2f} ms".format(**per_request)
    )
    print(f"CPU busy during the run: {used['machine'] / wall:.2f} of {os.cpu_count()} cores "
          f"(client {used['client'] / wall:.2f}, gunicorn {used['gunicorn'] / wall:.2f}, postgres {used['postgres'] / wall:.2f})")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if not args.floor:
        report_storage(bodies, results)
    _purge_queue(args.redis)


def report_storage(bodies: list[dict], results: list[tuple[str, int, float, int | None]]) -> None:
    """Responses stored vs acknowledged, lost, duplicates, resends answered with another id."""
    from django.db.models import Count

    from surveys.models import Response

    stored = Response.objects.filter(campaign__code=CAMPAIGN, uuid__in=[b["uuid"] for b in bodies])
    stored_count = stored.count()
    duplicates = stored.values("uuid").annotate(n=Count("pk")).filter(n__gt=1).count()
    acknowledged = {uuid_ for uuid_, status, _, _ in results if status in (200, 201)}
    ids: dict[str, set[int]] = {}
    for uuid_, status, _, id_ in results:
        if status in (200, 201):
            ids.setdefault(uuid_, set()).add(id_)
    stored_uuids = {str(u) for u in stored.values_list("uuid", flat=True)}
    lost = len(acknowledged - stored_uuids)
    print(f"stored: {stored_count}  acknowledged: {len(acknowledged)}  lost: {lost}  duplicates: {duplicates}  "
          f"resends with a different id: {sum(1 for s in ids.values() if len(s) > 1)}")


def _purge_queue(redis_url: str) -> None:
    """Drop the recompute requests this run queued (no worker consumes them in the bench)."""
    try:
        import redis

        redis.Redis.from_url(redis_url).delete("celery")
    except Exception as error:  # noqa: BLE001 (the figures are printed already)
        print(f"(could not purge the bench queue: {error})")


if __name__ == "__main__":
    main()
