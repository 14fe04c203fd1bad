"""Run the whole app on the embedded default: chain, web, Celery worker and beat.

`make run` calls this. Each part is a child process; Ctrl-C (or SIGTERM) stops them all.

Instances beside each other never share a file: the one on the default port (8000) keeps its
database, broker, chain state, deployments and beat schedule in the var dir (``JCTGOV_VAR_DIR``,
default ``var/``); one on any other port keeps them in ``instance-<port>/`` inside it, and its
tasks go to a queue of its own. (Services named explicitly, e.g. ``DATABASE_URL``, are the
operator's choice and stay as given.)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEV_TIMELOCK_DELAY_S = 120
DEFAULT_PORT = 8000
# Set in the environment of an instance `up` re-executed with its own var dir (its port).
INSTANCE_ENV = "JCTGOV_UP_INSTANCE"


def instance_var_dir(base: Path, port: int) -> Path:
    """Where the instance on ``port`` keeps its files: ``base`` for the default port (what
    `make run` has always used), ``base/instance-<port>`` for any other."""
    return base if port == DEFAULT_PORT else base / f"instance-{port}"


class Command(BaseCommand):
    help = "Start Anvil + contracts, the web server, a Celery worker and beat, with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("JCTGOV_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("JCTGOV_PORT", "8000")))
        parser.add_argument(
            "--chain-port", type=int, default=int(os.environ.get("ANVIL_PORT", "8545"))
        )
        parser.add_argument("--no-demo", action="store_true", help="skip demo data")

    def handle(self, *args, host: str, port: int, chain_port: int, no_demo: bool, **options):
        if os.environ.get(INSTANCE_ENV) != str(port):
            own = instance_var_dir(settings.VAR_DIR, port)
            if own != settings.VAR_DIR:
                self._run_in_own_var_dir(own, port)  # does not return
        self.children: list[tuple[str, subprocess.Popen]] = []
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self._own_chain = not os.environ.get("CHAIN_RPC_URL")
        # Refuse before starting anything: a taken port means another instance (or program)
        # would answer in our place and "running at" would be a lie.
        self._refuse_taken_port(host, port, "web", "--port")
        if self._own_chain:
            self._refuse_taken_port("127.0.0.1", chain_port, "chain", "--chain-port")
            # Every child (web, worker, beat, seed) talks to the Anvil we start, never to
            # whatever else answers on the default 8545.
            settings.CHAIN_RPC_URL = f"http://127.0.0.1:{chain_port}"
        self._site_url = os.environ.get("JCTGOV_SITE_URL") or f"http://{host}:{port}"
        try:
            self._start_chain(chain_port)
            self.stdout.write("· migrating the database")
            call_command("migrate", interactive=False, verbosity=0)
            self._match_database_to_chain()
            if not no_demo:
                self.stdout.write("· seeding demo data")
                self._run_child_to_end([sys.executable, "manage.py", "seed_demo"])
                # The beat keeps the demo nodes heartbeating (jctgov/market/demo.py).
                os.environ.setdefault("JCTGOV_SIMULATE_DEMO_NODES", "1")
            self._spawn(
                "worker+beat",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "jctgov",
                    "worker",
                    "-B",
                    "--pool=threads",
                    "--concurrency=4",
                    "--loglevel=INFO",
                    "-Q",
                    settings.CELERY_TASK_DEFAULT_QUEUE,
                ],
            )
            self._spawn(
                "web", [sys.executable, "manage.py", "runserver", "--noreload", f"{host}:{port}"]
            )
            url = f"http://{host}:{port}/"
            self._wait_http(url + "healthz", "web server")
            self.stdout.write(
                self.style.SUCCESS(f"\njctgov is running at {url}  (Ctrl-C stops it)\n")
            )
            self._watch()
        except KeyboardInterrupt:
            self.stdout.write("\n· stopping")
        finally:
            self._stop_all()

    def _run_in_own_var_dir(self, var_dir: Path, port: int) -> None:
        """Start again (same process, same arguments) with settings read for ``var_dir``: the
        database, broker and deployments paths are fixed when settings load. A queue of its
        own too, for when the broker is a shared server."""
        env = dict(os.environ, JCTGOV_VAR_DIR=str(var_dir), **{INSTANCE_ENV: str(port)})
        env.setdefault("CELERY_QUEUE", f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{port}")
        self.stdout.write(f"· port {port}: this instance keeps its files in {var_dir}")
        self.stdout.flush()
        os.execve(sys.executable, [sys.executable, *sys.argv], env)

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        env["JCTGOV_SITE_URL"] = self._site_url  # sign-in messages name this origin
        if self._own_chain:
            env["CHAIN_RPC_URL"] = settings.CHAIN_RPC_URL
            # Our own Anvil: the relayer is Anvil's PUBLIC dev account #0, whose key every
            # Foundry install prints. Dev chains only; production passes JCTGOV_EXECUTOR_KEY.
            # A short timelock delay (on chain and as the parameter's default) for the demo.
            from jctgov.chain.devkeys import DEPLOYER_KEY

            env.setdefault("JCTGOV_EXECUTOR_KEY", DEPLOYER_KEY)
            env.setdefault("JCTGOV_TIMELOCK_DELAY_S", str(DEV_TIMELOCK_DELAY_S))
        return env

    def _refuse_taken_port(self, host: str, port: int, what: str, option: str) -> None:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise CommandError(
                    f"the {what} port {host}:{port} is already in use ({exc.strerror}); "
                    f"stop what runs there or choose another with {option}"
                ) from None

    def _match_database_to_chain(self) -> None:
        """Anvil's state is kept between runs; if it was lost, the chain was redeployed and
        the embedded database describes a chain that no longer exists: start it afresh."""
        import json

        from django.db import connection

        deployed = json.loads(settings.CHAIN_DEPLOYMENTS_FILE.read_text())
        identity = {k: deployed.get(k) for k in ("chain_id", "VotingEscrow", "deploy_block")}
        marker = settings.VAR_DIR / "database-chain.json"
        previous = json.loads(marker.read_text()) if marker.exists() else None
        if previous not in (None, identity):
            if connection.vendor != "sqlite":
                raise CommandError(
                    "the chain was redeployed but the database describes the old one; "
                    "point CHAIN_RPC_URL at the old chain or reset the database"
                )
            self.stdout.write("· the dev chain was reset: clearing the embedded database to match")
            call_command("flush", interactive=False, verbosity=0)
        marker.write_text(json.dumps(identity))

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        self.stdout.write(f"· starting {name}")
        proc = subprocess.Popen(argv, cwd=settings.BASE_DIR, env=self._child_env())
        self.children.append((name, proc))
        return proc

    def _run_child_to_end(self, argv: list[str]) -> None:
        result = subprocess.run(argv, cwd=settings.BASE_DIR, env=self._child_env())
        if result.returncode != 0:
            raise CommandError(f"{' '.join(argv[1:])} failed with exit code {result.returncode}")

    def _start_chain(self, chain_port: int) -> None:
        deployments: Path = settings.CHAIN_DEPLOYMENTS_FILE
        before = deployments.stat().st_mtime if deployments.exists() else 0
        argv = [sys.executable, "manage.py", "devchain", "--persist", "--port", str(chain_port)]
        if os.environ.get("CHAIN_RPC_URL"):
            argv.append("--attach")
        proc = self._spawn("chain (Anvil + contracts)", argv)
        deadline = time.monotonic() + 180
        while not (deployments.exists() and deployments.stat().st_mtime > before):
            if proc.poll() is not None:
                raise CommandError("the dev chain stopped before deploying; see its output above")
            if time.monotonic() > deadline:
                raise CommandError("the dev chain did not deploy within 3 minutes")
            time.sleep(0.25)
        self.stdout.write(f"· contracts deployed ({deployments})")

    def _wait_http(self, url: str, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self._answers(url):
            if time.monotonic() > deadline:
                raise CommandError(f"the {what} did not answer at {url}")
            self._check_children()
            time.sleep(0.25)

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            return False

    def _check_children(self) -> None:
        for name, proc in self.children:
            if proc.poll() is not None:
                raise CommandError(f"{name} exited with code {proc.returncode}")

    def _watch(self) -> None:
        while True:
            self._check_children()
            time.sleep(0.5)

    def _stop_all(self) -> None:
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        for _, proc in reversed(self.children):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
