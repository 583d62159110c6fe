#!/usr/bin/env python3
"""Kill -9 test of the production server and the timer sweeper (issue 9, item 5).

    scripts/crash_test.py --rounds 140 --database postgres
    scripts/crash_test.py --rounds 20 --database sqlite

Builds a fresh database (SQLite: a temporary file; PostgreSQL: a database of its own, created on the server
of --url, MAKERSPACE_TEST_DATABASE_URL or MAKERSPACE_DATABASE_URL and dropped at the end — without any, the
script runs itself under scripts/with-postgres, on a throwaway server). It seeds accounts, recognition
cases waiting at the recommending unit, and maker spaces recognised 200 days ago, whose first timers are
due. Then, each round:

1. start the production server (`scripts/serve`: gunicorn with MAKERSPACE_WORKERS workers) and the sweeper
   (`flask --app webapp sweep --forever`), each in a process group of its own;
2. two clients log in through the log-in form and complete tasks over HTTP (recommendation, material review,
   panel, expert reviews, site inspection, credit check, shortlist) as fast as they can, while the sweeper
   fires the due timers;
3. kill -9 the server (master and workers at once) at a random moment of that traffic, and the sweeper at a
   random moment after it started sweeping;
4. check the database, with nothing running:
   - every open human_task row is a READY user task of its case's deserialised workflow, and vice versa
     (the cases changed in the round; all of them at the end);
   - one 'completed' audit event per completed task (per case, step and person): no lost, no doubled work;
   - every completion the server acknowledged ("已提交…" after the redirect) is in the database;
   - no timer fired twice: a case's timer events never repeat, and a maker space's are a prefix of what a
     space swept without interruption shows (all of it once a last, undisturbed sweep has run).

Prints one line per round and a summary; exit status 0 when every check held, 1 when one failed (with
what and where), 2 when the run itself could not be set up.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookiejar
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
if Path(sys.prefix).resolve() != VENV.resolve() and (VENV / "bin" / "python").exists():
    os.execv(str(VENV / "bin" / "python"), [str(VENV / "bin" / "python"), __file__, *sys.argv[1:]])
sys.path.insert(0, str(ROOT))

from crash_world import (  # noqa: E402  (after the interpreter and path set-up)
    ACCOUNTS,
    ANSWERS,
    PASSWORD,
    SECRET_KEY,
    Ledger,
    World,
    add_cases,
    add_due_spaces,
    check,
    make_app,
    open_completable,
    postgres_database,
    seed,
)

ROLE_USERS = {"recommender": ["recommender"], "torch_center": ["torch1", "torch2"], "approver": ["approver"]}
OPEN_TASKS_WANTED = 12  # completable tasks kept open for the clients at the start of each round
DUE_SPACES_PER_ROUND = 4  # maker spaces whose first timer is due, added each round for the sweeper
FLASH = re.compile(r'<div class="flash (\w+)" role="alert">(.*?)</div>', re.S)
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Failed(Exception):
    """A check failed: the run's verdict."""


class ServerDown(Exception):
    """The server was killed: the client waits for the round to end."""


# ---- HTTP clients -------------------------------------------------------------------------------------------------

CUT = (urllib.error.URLError, ConnectionError, http.client.HTTPException, socket.timeout, OSError)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the client reads the 302 and its Location itself


class Client:
    """One person's browser: a cookie jar, the log-in form, the task form."""

    def __init__(self, base: str, username: str, user_id: int):
        self.base, self.username, self.user_id = base, username, user_id
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.lock = threading.Lock()  # one request at a time per browser

    def request(self, path: str, form: dict | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location", ""), e.read().decode(errors="replace")

    def token(self, page: str) -> str | None:
        match = TOKEN.search(page)
        return (match.group(1) or match.group(2)) if match else None

    def log_in(self) -> None:
        status, _, page = self.request("/login")
        status, location, _ = self.request("/login", {"username": self.username, "password": PASSWORD,
                                                      "csrf_token": self.token(page) or ""})
        if status != 302:
            raise Failed(f"{self.username} could not log in (HTTP {status})")

    def complete(self, task_id: int, answers: dict, ledger: Ledger) -> None:
        with self.lock:
            try:
                status, location, page = self.request(f"/tasks/{task_id}")
                if status == 302 and "/login" in location:  # the session row's commit was cut off, or none yet
                    self.log_in()
                    status, location, page = self.request(f"/tasks/{task_id}")
                if status != 200:  # done meanwhile (a colleague, the other client)
                    with ledger.lock:
                        ledger.refused += 1
                    return
            except CUT:  # the server is down: nothing was sent
                raise ServerDown() from None
            posted = time.monotonic()
            with ledger.lock:
                ledger.attempted.add(task_id)
                if ledger.first_post is None:
                    ledger.first_post = posted
            try:
                status, location, _ = self.request(f"/tasks/{task_id}", {**answers, "csrf_token": self.token(page)})
                if status != 302:
                    raise Failed(f"task {task_id}: HTTP {status} for a valid form ({self.username})")
                _, _, page = self.request(urllib.parse.urlsplit(location).path)
                with ledger.lock:
                    ledger.durations.append(time.monotonic() - posted)
            except CUT as e:  # sent, and the answer (or the page after it) cut off by the kill: outcome unknown
                if not isinstance(getattr(e, "reason", None), ConnectionRefusedError):  # else: never sent
                    with ledger.lock:
                        ledger.cut += 1
                raise ServerDown() from None
            said = [message for _category, message in FLASH.findall(page)]
            with ledger.lock:
                if any("已提交" in m or "经核实已保存" in m for m in said):
                    ledger.acknowledged.append((task_id, self.user_id))
                else:
                    ledger.refused += 1


def open_tasks(engine, world: World) -> list[tuple[int, str, str]]:
    """(task id, step, username) of every open task the clients can do, read straight from the database."""
    from sqlalchemy import select

    from webapp.models import HumanTask

    table = HumanTask.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.id, table.c.task_spec, table.c.lane, table.c.assignee_id)
                                  .where(table.c.status == "open", table.c.task_spec.in_(list(ANSWERS)))).all()
    found = []
    for task_id, spec, lane, assignee_id in rows:
        if assignee_id:
            found.append((task_id, spec, world.names[assignee_id]))
        elif lane in ROLE_USERS:
            found.extend((task_id, spec, username) for username in ROLE_USERS[lane])
    return found


def traffic(engine, world: World, clients: dict[str, Client], ledger: Ledger, stop: threading.Event,
            rng: random.Random) -> None:
    while not stop.is_set():
        try:
            candidates = open_tasks(engine, world)
        except Exception:  # the database is busy with a kill's recovery: try again
            time.sleep(0.05)
            continue
        if not candidates:
            time.sleep(0.05)
            continue
        task_id, spec, username = rng.choice(candidates)
        try:
            clients[username].complete(task_id, ANSWERS[spec], ledger)
        except ServerDown:
            stop.wait()  # killed: nothing more to do this round
        except Failed as failure:
            with ledger.lock:
                ledger.failures.append(str(failure))


# ---- processes ---------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(url: str, workdir: Path, port: int, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERSPACE_")}
    env.update(MAKERSPACE_DATABASE_URL=url, MAKERSPACE_SECRET_KEY=SECRET_KEY, MAKERSPACE_UPLOAD_DIR=str(workdir / "uploads"),
               MAKERSPACE_BIND=f"127.0.0.1:{port}", MAKERSPACE_WORKERS=str(workers), MAKERSPACE_LOG_FORMAT="plain",
               MAKERSPACE_LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")
    return env


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as stderr:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                                start_new_session=True)  # its own process group: kill -9 takes all of it


def kill9(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_serving(base: str, server: subprocess.Popen, stop: threading.Event, up: threading.Event) -> None:
    """Set `up` once the server answers the log-in page (unless `stop` comes first, or its death)."""
    while not stop.is_set() and server.poll() is None:
        try:
            with urllib.request.urlopen(base + "/login", timeout=30) as response:
                if response.status == 200:
                    up.set()
                    return
        except CUT:
            pass
        stop.wait(0.05)


def sweep_window(sweep_times: list[float]) -> float:
    """How long after its start the sweeper may die: up to a whole sweep's time (the median seen so far)."""
    typical = sorted(sweep_times)[len(sweep_times) // 2] if sweep_times else 2.0
    return min(max(typical, 0.3), 10.0)


def completion_window(durations: list[float]) -> float:
    """How long after the round's first post the server may die: a few completions' time (the median of
    those seen so far), so kills land before, during and between them."""
    typical = sorted(durations)[len(durations) // 2] if durations else 0.5
    return min(max(3 * typical, 0.3), 5.0)


# ---- the run ------------------------------------------------------------------------------------------------------

def run(args: argparse.Namespace, url: str, workdir: Path) -> int:
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.pool import NullPool

    from webapp.extensions import db
    from webapp.models import AuditEvent, ProcessInstance

    rng = random.Random(args.seed)
    app = make_app(url, workdir)
    began = time.monotonic()
    world = seed(app)
    engine = create_engine(url, poolclass=NullPool)  # the clients' look-ups, outside the app
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = child_env(url, workdir, port, args.workers)
    serve = [str(ROOT / "scripts" / "serve")]
    sweep = [str(VENV / "bin" / "flask"), "--app", "webapp", "sweep", "--forever", "--interval", "0.2"]
    clients = {name: Client(base, name, world.users[name]) for name, _ in ACCOUNTS if name != "applicant"}
    since: dict = {}
    totals = Counter()
    server_log, sweeper_log = workdir / "server.log", workdir / "sweeper.log"
    durations: list[float] = []
    sweep_times: list[float] = []
    acknowledged: list[tuple[int, int]] = []  # every round's, checked again at the end
    print(f"crash test: {args.rounds} rounds on {args.database}, seed {args.seed}, {args.workers} workers "
          f"(set-up {time.monotonic() - began:.1f} s)", flush=True)
    for number in range(1, args.rounds + 1):
        round_began = time.monotonic()
        with app.app_context():
            add_cases(world, max(0, (OPEN_TASKS_WANTED - open_completable() + 2) // 3))
            due = add_due_spaces(world, DUE_SPACES_PER_ROUND)
            timers_before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "timer"))
            db.session.remove()
        ledger = Ledger()
        started = time.monotonic()
        server, sweeper = start(serve, env, server_log), start(sweep, env, sweeper_log)
        stop, up = threading.Event(), threading.Event()
        threads = [threading.Thread(target=wait_serving, args=(base, server, stop, up), daemon=True)]
        threads[0].start()
        when: dict[str, float] = {}
        deadlines: dict[str, float] = {}
        origins: dict[str, float] = {}
        boot = 0.0
        try:
            while len(when) < 2:
                now = time.monotonic()
                said = sweeper_log.read_text() if "sweeper" not in when else ""
                if "sweeper" not in origins and "timer sweeper started" in said:
                    origins["sweeper"] = now  # it sweeps from now on: killed at a random moment of a sweep
                    deadlines["sweeper"] = now + rng.uniform(0.0, sweep_window(sweep_times))
                if "sweeper" in origins and "swept" not in origins and "instances advanced" in said:
                    sweep_times.append(now - origins["sweeper"])  # it got through a whole sweep first
                    origins["swept"] = 0.0
                if up.is_set() and not boot:
                    boot = now - started
                    for _ in range(2):
                        threads.append(threading.Thread(target=traffic, daemon=True, args=(
                            engine, world, clients, ledger, stop, random.Random(rng.random()))))
                        threads[-1].start()
                if "server" not in origins and ledger.first_post is not None:
                    # the clients are completing tasks: killed at a random moment of a few completions
                    origins["server"] = ledger.first_post
                    deadlines["server"] = ledger.first_post + rng.uniform(0.0, completion_window(durations))
                for name, process in (("server", server), ("sweeper", sweeper)):
                    if name not in when and name in deadlines and now >= deadlines[name]:
                        kill9(process)
                        when[name] = now - origins[name]
                    elif name not in when and process.poll() is not None:
                        log = server_log if name == "server" else sweeper_log
                        raise Failed(f"the {name} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
                if now - started > 300:
                    raise Failed(f"round {number} did not get going within 300 s (server up: {up.is_set()}, "
                                 f"sweeper started: {'sweeper' in origins}, tasks posted: {ledger.first_post is not None})")
                time.sleep(0.01)
        finally:
            stop.set()
            for process in (server, sweeper):
                if process.poll() is None:
                    kill9(process)
            for thread in threads:
                thread.join(timeout=60)
        durations.extend(ledger.durations)
        with app.app_context():
            problems = list(ledger.failures) + check(world, ledger, since)
            timers = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "timer"))
            still_due = db.session.scalar(select(func.count(ProcessInstance.id)).where(
                ProcessInstance.id.in_(due), ProcessInstance.next_timer_at < datetime.now(UTC)))
            db.session.remove()
        acknowledged.extend(ledger.acknowledged)
        fired = timers - timers_before
        mid_sweep = fired > 0 and still_due > 0  # some of the round's due spaces fired, not all
        totals.update(acknowledged=len(ledger.acknowledged), cut=ledger.cut, refused=ledger.refused, fired=fired,
                      mid_sweep=int(mid_sweep), mid_completion=int(ledger.cut > 0))
        print(f"round {number}/{args.rounds}: server up in {boot:.1f} s, killed {when['server']:.2f} s after "
              f"the first completion was sent, sweeper "
              f"{when['sweeper']:.2f} s after it started; {len(ledger.acknowledged)} completions acknowledged, {ledger.cut} cut off, "
              f"{ledger.refused} refused; {fired} timers fired{' (killed mid-sweep)' if mid_sweep else ''}; "
              f"{since['checked']} cases checked ({time.monotonic() - round_began:.0f} s) — "
              f"{'FAILED' if problems else 'ok'}", flush=True)
        if problems:
            print("\n".join(f"  - {p}" for p in problems[:50]), file=sys.stderr)
            print(f"  (logs of the round: {server_log}, {sweeper_log})", file=sys.stderr)
            return 1
    # a last, undisturbed sweep; then every case, in full
    with app.app_context():
        from tasks.sweep import sweep_once

        sweep_once()
        db.session.remove()
        problems = check(world, Ledger(acknowledged=acknowledged), since, final=True)
        cases = db.session.scalar(select(func.count(ProcessInstance.id)))
        db.session.remove()
    engine.dispose()
    print(f"final check of all {cases} cases — {'FAILED' if problems else 'ok'}")
    if problems:
        print("\n".join(f"  - {p}" for p in problems[:50]), file=sys.stderr)
        return 1
    print(f"{args.rounds} rounds in {time.monotonic() - began:.0f} s: {totals['acknowledged']} completions "
          f"acknowledged, {totals['cut']} cut off by a kill ({totals['mid_completion']} rounds killed "
          f"mid-completion), {totals['refused']} refused as already done; {totals['fired']} timers fired, "
          f"{totals['mid_sweep']} rounds killed mid-sweep; no lost or doubled work, no timer fired twice.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=140)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default="", help="PostgreSQL server to create the test database on "
                        "(default: MAKERSPACE_TEST_DATABASE_URL, MAKERSPACE_DATABASE_URL, else a throwaway server)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed; give it to repeat a run)")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs afterwards")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = secrets.randbelow(10**6)
    drop, url = None, ""
    if args.database == "postgres":
        server = args.url or os.environ.get("MAKERSPACE_TEST_DATABASE_URL") or os.environ.get("MAKERSPACE_DATABASE_URL")
        if not server:  # no server given: run again under a throwaway one
            helper = ROOT / "scripts" / "with-postgres"
            os.execv(str(helper), [str(helper), sys.executable, __file__, *sys.argv[1:]])
    workdir = Path(tempfile.mkdtemp(prefix="makerspace-crash-"))
    try:
        if args.database == "postgres":
            url, drop = postgres_database(server)
        else:
            url = f"sqlite:///{workdir / 'crash.db'}"
        try:
            return run(args, url, workdir)
        except Failed as failure:
            print(f"crash test failed: {failure}", file=sys.stderr)
            return 1
    except Exception as exc:  # the run itself could not go on
        import traceback

        traceback.print_exc()
        print(f"crash test could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        if drop is not None and not args.keep:
            try:
                drop()
            except Exception as exc:
                print(f"could not drop the test database: {exc}", file=sys.stderr)
        if args.keep:
            print(f"kept: {workdir}" + (f", database {url}" if drop else ""), file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
