"""Start a local Anvil (from the npm package @foundry-rs/anvil) and wait until it answers."""

from __future__ import annotations

import glob
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CHAIN_ID = 31337


def anvil_binary() -> str:
    """The native binary shipped inside node_modules (no network, no foundryup)."""
    found = sorted(glob.glob(str(ROOT / "node_modules/@foundry-rs/anvil-*/bin/anvil")))
    if found:
        return found[0]
    shim = ROOT / "node_modules/.bin/anvil"
    if shim.exists():
        return str(shim)
    raise FileNotFoundError("Anvil not found: run `npm ci` (package @foundry-rs/anvil).")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rpc_ready(url: str, timeout: float = 1.0) -> bool:
    try:
        answer = requests.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            timeout=timeout,
        )
        return answer.ok and "result" in answer.json()
    except (requests.RequestException, ValueError):
        return False


def start_anvil(
    port: int | None = None,
    *,
    state_path: Path | None = None,
    chain_id: int = CHAIN_ID,
    wait_s: float = 30.0,
    log_path: Path | None = None,
) -> subprocess.Popen:
    """Start Anvil on 127.0.0.1:``port`` and return once its RPC answers (bounded by ``wait_s``).

    The caller owns the process (``proc.terminate()``). ``proc.rpc_url`` holds the URL.
    With ``state_path`` the chain is loaded from / saved to that file (``--state``).
    """
    port = port or free_port()
    args = [
        anvil_binary(),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--chain-id",
        str(chain_id),
        "--silent",
    ]
    if state_path:
        args += ["--state", str(state_path)]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while not rpc_ready(url):
        if proc.poll() is not None:
            raise RuntimeError(f"anvil exited with code {proc.returncode} (port {port} in use?)")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"anvil did not answer on {url} within {wait_s}s")
        time.sleep(0.05)
    proc.rpc_url = url  # type: ignore[attr-defined]
    return proc


def stop_anvil(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate an Anvil we started (kill if it does not stop in time)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
