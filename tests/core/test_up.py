"""`manage.py up` as a person runs it (a real subprocess): every child follows --chain-port,
and a taken port is refused up front instead of "running at" someone else's server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from jctgov.chain.anvil import free_port
from tests.fixtures.worker import wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker  # starts Anvil, a web server, a worker and beat


def up_env(tmp_path: Path) -> dict[str, str]:
    """The embedded default in a fresh var dir: nothing points at the test services."""
    drop = (
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "CHAIN_RPC_URL",
        "CHAIN_DEPLOYMENTS_FILE",
        "JCTGOV_SITE_URL",
        "JCTGOV_EXECUTOR_KEY",
    )
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DJANGO_SETTINGS_MODULE="jctgov.settings",
        DJANGO_DEBUG="1",
        JCTGOV_VAR_DIR=str(tmp_path),
        CELERY_QUEUE=f"jctgov-up-{tmp_path.name}",
    )
    return env


def run_up(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "up", "--no-demo", *args],
        cwd=ROOT,
        env=up_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def taken_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_up_refuses_a_taken_web_port(tmp_path, taken_port):
    result = run_up(tmp_path, "--port", str(taken_port), "--chain-port", str(free_port()))
    assert result.returncode != 0
    assert f"127.0.0.1:{taken_port} is already in use" in result.stderr
    assert "--port" in result.stderr
    assert "running at" not in result.stdout
    assert "starting" not in result.stdout  # refused before any child started


def test_up_refuses_a_taken_chain_port(tmp_path, taken_port):
    result = run_up(tmp_path, "--port", str(free_port()), "--chain-port", str(taken_port))
    assert result.returncode != 0
    assert f"chain port 127.0.0.1:{taken_port} is already in use" in result.stderr
    assert "--chain-port" in result.stderr


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def environ_of(pid: int) -> dict[str, str]:
    raw = (Path("/proc") / str(pid) / "environ").read_bytes()
    return dict(
        item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item
    )


def start_up(tmp_path: Path, web_port: int, chain_port: int, log: Path, **env: str):
    """`up` in the background until it says it runs; ``env`` overrides ``up_env`` (an empty
    value leaves the variable out)."""
    environment = {**up_env(tmp_path), **env}
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "up", "--no-demo", "--port", str(web_port)]
        + ["--chain-port", str(chain_port)],
        cwd=ROOT,
        env={k: v for k, v in environment.items() if v != ""},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_until(lambda: b"running at" in log.read_bytes() or proc.poll() is not None, 240)
    assert proc.poll() is None, log.read_text()
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def test_every_child_of_up_uses_the_chain_port_it_was_given(tmp_path):
    web_port, chain_port = free_port(), free_port()
    log = tmp_path / "up.log"
    proc = start_up(tmp_path, web_port, chain_port, log)
    try:
        assert f"running at http://127.0.0.1:{web_port}/" in log.read_text()
        children = children_of(proc.pid)
        assert len(children) == 3, log.read_text()  # chain, worker+beat, web
        for child in children:
            env = environ_of(child)
            assert env["CHAIN_RPC_URL"] == f"http://127.0.0.1:{chain_port}"
            assert env["JCTGOV_SITE_URL"] == f"http://127.0.0.1:{web_port}"
        nonce = urllib.request.urlopen(f"http://127.0.0.1:{web_port}/api/v1/auth/nonce", timeout=10)
        assert b'"domain":"127.0.0.1:%d"' % web_port in nonce.read()
    finally:
        stop(proc)


def nonces_in(database: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM wallets_siwenonce").fetchone()[0]


def test_two_instances_side_by_side_share_no_file_and_no_queue(tmp_path):
    """A second `up --port … --chain-port …` beside the first, in the same checkout: each keeps
    its database, broker, chain state and deployments in its own folder of the var dir and its
    tasks in its own queue, so neither can flush, reset or serve the other's data."""
    env = {"CELERY_QUEUE": ""}  # as a person runs it: no queue named
    ports = [(free_port(), free_port()), (free_port(), free_port())]
    procs = []
    try:
        for i, (web, chain) in enumerate(ports):
            procs.append(start_up(tmp_path, web, chain, tmp_path / f"up-{i}.log", **env))
        dirs = [tmp_path / f"instance-{web}" for web, _ in ports]
        for (web, chain), folder, proc in zip(ports, dirs, procs, strict=True):
            assert (folder / "jctgov.sqlite3").exists() and (folder / "deployments.json").exists()
            # The broker's file appears once the worker connects, which may follow "running at".
            wait_until(lambda folder=folder: (folder / "celery-broker.sqlite3").exists(), 60)
            for child in children_of(proc.pid):
                child_env = environ_of(child)
                assert child_env["JCTGOV_VAR_DIR"] == str(folder)
                assert child_env["CELERY_QUEUE"] == f"jctgov-{web}"
                assert child_env["CHAIN_RPC_URL"] == f"http://127.0.0.1:{chain}"
        assert not (tmp_path / "jctgov.sqlite3").exists()  # the default instance's stays untouched

        # A sign-in nonce asked of the first instance is stored in its database only.
        first, second = (web for web, _ in ports)
        before = [nonces_in(folder / "jctgov.sqlite3") for folder in dirs]
        urllib.request.urlopen(f"http://127.0.0.1:{first}/api/v1/auth/nonce", timeout=10).read()
        after = [nonces_in(folder / "jctgov.sqlite3") for folder in dirs]
        assert after == [before[0] + 1, before[1]]

        # Stopping the second leaves the first serving from its own chain and database.
        stop(procs.pop())
        with urllib.request.urlopen(f"http://127.0.0.1:{first}/healthz", timeout=10) as answer:
            assert answer.status == 200
        assert nonces_in(dirs[0] / "jctgov.sqlite3") == after[0]
    finally:
        for proc in procs:
            stop(proc)
