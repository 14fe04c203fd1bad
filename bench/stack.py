#!/usr/bin/env python
"""A production-like jctgov stack on loopback, seeded for load tests (bench/load.py).

    gunicorn (2 workers, DJANGO_DEBUG=0) · PostgreSQL · Redis · 2 Celery workers · beat · Anvil

Everything runs on 127.0.0.1 and needs no network: Anvil comes from node_modules and is
started and deployed by the project's own ``manage.py devchain``. PostgreSQL and Redis are
the machine's running servers; the stack owns one database and two Redis DBs, and RESETS
them on every start (so a run is reproducible):

| variable | default |
|---|---|
| ``BENCH_DATABASE_URL`` | ``postgres://postgres@127.0.0.1:5432/jctgov_bench`` (dropped and recreated; the name must contain "bench") |
| ``BENCH_BROKER_URL`` | ``redis://127.0.0.1:6379/6`` (flushed) |
| ``BENCH_CACHE_URL`` | ``redis://127.0.0.1:6379/7`` (flushed) |

(Separate names on purpose: a ``DATABASE_URL`` exported for development is never dropped.)

Seed: N voter wallets (default 100, keys from ``voter_key(i)``: public, bench only) with real
veJCT locks on the chain; proposals of all three kinds published by them through the
services (the workers take the real power snapshot, the beat activates them), some drafts
and cancelled ones; the newest is the vote target. When ready it prints the URL and writes
``var/bench/stack.json``; Ctrl-C or SIGTERM stops every process it started.

Usage: python bench/stack.py [--port 8100] [--voters 100] [--proposals 250]
Process logs: var/bench/logs/.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from eth_utils import keccak

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jctgov.chain.devkeys import DEPLOYER_KEY  # noqa: E402

VAR = ROOT / "var" / "bench"
STACK_FILE = VAR / "stack.json"
LOGS = VAR / "logs"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/jctgov_bench"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/6"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/7"


def voter_key(index: int) -> str:
    """The private key of bench voter ``index``: derived from a public string, bench only."""
    return "0x" + keccak(text=f"jctgov-bench-voter-{index}").hex()


def bench_env(*, chain_port: int) -> dict[str, str]:
    """The environment every process of the stack runs with (and bench/load.py's checks)."""
    return {
        "DJANGO_SETTINGS_MODULE": "jctgov.settings",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER_URL),
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL),
        "JCTGOV_VAR_DIR": str(VAR),
        "CHAIN_RPC_URL": f"http://127.0.0.1:{chain_port}",
        "CHAIN_DEPLOYMENTS_FILE": str(VAR / "deployments.json"),
        # Production settings, minus TLS (plain HTTP on loopback).
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        # Production requires the canonical sign-in origin; the bench signs no one in.
        "JCTGOV_SITE_URL": os.environ.get("BENCH_SITE_URL", "http://127.0.0.1:8100"),
        # Every simulated wallet shares 127.0.0.1, so the per-client vote limit (600/min) would
        # measure the throttle instead of the server. The throttle still runs (Redis counters).
        "JCTGOV_RATE_VOTE": "1000000/min",
        # The executor that schedules passed proposals: Anvil's PUBLIC dev account #0 (as
        # `manage.py up` does); the bench chain is a throwaway dev chain.
        "JCTGOV_EXECUTOR_KEY": DEPLOYER_KEY,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def _free_port() -> int:
    from jctgov.chain.anvil import free_port

    return free_port()


def reset_database(url: str) -> None:
    """Drop and recreate the bench database (on the server of ``url``)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        # It is dropped: never a database that was not made for this.
        raise SystemExit(f"refusing to reset {name!r}: the bench database's name must say bench")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def reset_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


class Stack:
    """Child processes started here; stopped in reverse order (SIGTERM, then SIGKILL)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env}
        self.children: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.children.append((name, proc))
        return proc

    def check(self) -> None:
        for name, proc in self.children:
            if proc.poll() is not None:
                raise SystemExit(
                    f"{name} exited with code {proc.returncode}: see {LOGS / name}.log"
                )

    def stop(self) -> None:
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        for _, proc in reversed(self.children):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def wait_for(what: str, ready, stack: Stack, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        stack.check()
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not ready within {timeout:.0f}s")
        time.sleep(0.25)


def http_ok(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def start_chain(stack: Stack, chain_port: int) -> None:
    deployments = VAR / "deployments.json"
    deployments.unlink(missing_ok=True)
    python = sys.executable
    stack.spawn("devchain", [python, "manage.py", "devchain", "--port", str(chain_port)])
    wait_for("the dev chain", deployments.exists, stack)


def start_services(stack: Stack, port: int, worker_class: str) -> None:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "jctgov"]
    for n in (1, 2):
        stack.spawn(
            f"worker{n}",
            celery
            + ["worker", "--pool=prefork", "--concurrency=1", "-n", f"bench{n}@%h"]
            + ["-Q", "jctgov", "--loglevel=WARNING"],
        )
    stack.spawn("beat", celery + ["beat", "--loglevel=WARNING"])
    gunicorn = [python, "-m", "gunicorn", "jctgov.wsgi:application", "--workers", "2"]
    gunicorn += ["--bind", f"127.0.0.1:{port}", "--worker-class", worker_class]
    if worker_class == "gthread":
        gunicorn += ["--threads", "4"]
    stack.spawn("gunicorn", gunicorn)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8100")))
    parser.add_argument("--voters", type=int, default=100)
    parser.add_argument("--proposals", type=int, default=250)
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    args = parser.parse_args()

    LOGS.mkdir(parents=True, exist_ok=True)
    STACK_FILE.unlink(missing_ok=True)
    env = bench_env(chain_port=_free_port())
    os.environ.update(env)
    stack = Stack(env)
    # SIGTERM (bench/load.py, an operator's kill) stops the stack like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        print("· resetting the bench database and Redis DBs", flush=True)
        reset_database(env["DATABASE_URL"])
        reset_redis(env["CELERY_BROKER_URL"])
        reset_redis(env["CACHE_URL"])
        print("· starting Anvil and deploying the contracts (manage.py devchain)", flush=True)
        start_chain(stack, int(urlsplit(env["CHAIN_RPC_URL"]).port))
        import django
        from django.core.management import call_command

        django.setup()
        print("· migrating, collecting static files", flush=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        print("· starting gunicorn, 2 Celery workers and beat", flush=True)
        start_services(stack, args.port, args.worker_class)
        url = f"http://127.0.0.1:{args.port}/"
        wait_for("gunicorn", lambda: http_ok(url + "healthz"), stack, timeout=60)

        from bench.seed import seed

        print(f"· seeding {args.voters} voters and {args.proposals} proposals", flush=True)
        started = time.monotonic()
        info = seed(
            voters=args.voters,
            proposals=args.proposals,
            voter_key=voter_key,
            wait=lambda what, ready: wait_for(what, ready, stack),
        )
        print(f"  seeded in {time.monotonic() - started:.0f}s: {info}", flush=True)
        STACK_FILE.write_text(
            json.dumps(
                {
                    "url": url,
                    "pid": os.getpid(),
                    "pids": {name: proc.pid for name, proc in stack.children},
                    "voters": args.voters,
                    **info,
                },
                indent=2,
            )
        )
        print(f"\nbench stack ready at {url}  (Ctrl-C stops it)", flush=True)
        while True:
            stack.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\n· stopping the bench stack", flush=True)
    finally:
        stack.stop()
        STACK_FILE.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
