#!/usr/bin/env python
"""HTTP load test of the production-like stack (bench/stack.py) with Locust, on loopback only.

    python bench/load.py            # starts bench/stack.py, runs everything, stops it
    python bench/load.py --attach   # use a stack already started with `python bench/stack.py`

1. Saturation probes (no think time, one endpoint each, ``--probe-seconds`` each): the bare
   ``/livez`` view (the ceiling: full middleware, no database; measured first and last), the
   proposal list and detail pages, the list and detail API. Throughput is printed as a ratio
   to the ceiling.
2. Mixed load (``--duration``): 200 holders reading the list and detail pages and the API
   while 100 wallets cast EIP-712 signed votes (typed data from the API, signed with
   eth_account; later votes replace earlier ones). Requests/s and p50/p95/p99 per endpoint.
3. Checks: every accepted vote (201 or 200 receipt) is in the database exactly once; each
   wallet's counted vote is its latest accepted one; ``verify_tally``'s recount (signatures
   and chain powers alone) equals the stored tally.

Bounded: each Locust run stops after its time or ``--max-requests`` requests, whichever is
first. Every request goes to 127.0.0.1. Last line, exactly:
    load: list_ratio=X detail_ratio=Y p99_ms=Z errors=N lost_votes=M
p99_ms is the worst endpoint's p99 under the mixed load; lost_votes counts accepted votes not
in the database (the digest is unique there: never twice), wallets whose latest accepted vote is
not the counted one, and mismatches of the recount.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import LOGS, STACK_FILE, VAR, bench_env  # noqa: E402

PROBES = [
    ("ceiling", "Ceiling"),
    ("list page", "ListPage"),
    ("detail page", "DetailPage"),
    ("list api", "ApiList"),
    ("detail api", "ApiDetail"),
    ("ceiling (again)", "Ceiling"),
]
PERCENTILES = ("50%", "95%", "99%")


def start_stack() -> subprocess.Popen:
    STACK_FILE.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "stack.py")], cwd=ROOT)
    deadline = time.monotonic() + 600
    while not STACK_FILE.exists():
        if proc.poll() is not None:
            raise SystemExit(f"bench/stack.py exited with code {proc.returncode}")
        if time.monotonic() > deadline:
            proc.terminate()
            raise SystemExit("the bench stack was not ready within 10 minutes")
        time.sleep(0.5)
    return proc


RESULTS_FILE = VAR / "locust-results.json"


def run_locust(
    name: str,
    classes: list[str],
    *,
    users: int,
    seconds: int,
    max_requests: int,
    spawn_rate: int = 100,
    reset_stats: bool = False,
) -> list[dict]:
    """One bounded headless Locust run; returns its per-endpoint stats rows (and leaves the
    whole run's receipts and counts in RESULTS_FILE)."""
    RESULTS_FILE.unlink(missing_ok=True)
    prefix = VAR / f"locust-{name.replace(' ', '-').strip('()')}"
    env = {
        **os.environ,
        "BENCH_MAX_REQUESTS": str(max_requests),
        "BENCH_RESULTS_FILE": str(RESULTS_FILE),
    }
    argv = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")]
    argv += ["--headless", "--only-summary", "-u", str(users), "-r", str(spawn_rate)]
    argv += ["-t", f"{seconds}s", "--stop-timeout", "10", "--csv", str(prefix)]
    argv += ["--reset-stats", *classes] if reset_stats else classes
    with open(LOGS / f"{prefix.name}.log", "wb") as log:
        subprocess.run(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return [row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"]


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # fields from "state" on


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its live descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(_stat(int(entry))[1])
            except OSError:
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def machine_busy_s() -> float:
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK  # all but idle and iowait


class CpuMeter:
    """Who used the CPU during one phase: the stack's parts, Locust, and everyone else."""

    def __init__(self, pids: dict[str, int], *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.groups = {
            "web (gunicorn)": [pids["gunicorn"]],
            "workers + beat": [pids["worker1"], pids["worker2"], pids["beat"]],
            "chain (Anvil)": [pids["devchain"]],
        }

    def _sample(self) -> dict[str, float]:
        sample = {name: sum(map(tree_cpu_s, roots)) for name, roots in self.groups.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        sample["load generator (Locust)"] = children.ru_utime + children.ru_stime
        sample["machine"] = machine_busy_s()
        return sample

    def __enter__(self) -> CpuMeter:
        self.start, self.t0 = self._sample(), time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        end, wall = self._sample(), time.monotonic() - self.t0
        used = {name: (end[name] - self.start[name]) / wall for name in end}
        machine = used.pop("machine")
        used["everything else (PostgreSQL, Redis, other jobs)"] = machine - sum(used.values())
        self.used = used
        if self.quiet:
            return
        cores = os.cpu_count()
        print(f"CPU used, in cores (of {cores}; the machine was {machine / cores:.0%} busy):")
        print("  " + ", ".join(f"{name} {value:.2f}" for name, value in used.items()))


HEADER = f"{'endpoint':<24} {'reqs':>7} {'errors':>6} {'req/s':>8} {'p50':>6} {'p95':>6} {'p99':>6}"


def _row(row: dict) -> str:
    p50, p95, p99 = (row[p] for p in PERCENTILES)
    return (
        f"{row['Name']:<24} {int(row['Request Count']):>7} {int(row['Failure Count']):>6} "
        f"{float(row['Requests/s']):>8.1f} {p50:>6} {p95:>6} {p99:>6}"
    )


def saturation(args) -> tuple[dict[str, float], int]:
    print("\nsaturation (no think time, one endpoint at a time); times in ms")
    print(f"{'phase':<16} {HEADER}  cores used: web/Locust/rest")
    rates, errors, ceilings, per_core = {}, 0, [], {}
    for phase, user_class in PROBES:
        with CpuMeter(args.stack["pids"], quiet=True) as cpu:
            (row,) = run_locust(
                phase,
                [user_class],
                users=args.probe_users,
                seconds=args.probe_seconds,
                max_requests=args.max_requests,
            )
        rate = float(row["Requests/s"])
        errors += int(row["Failure Count"])
        cores = list(cpu.used.values())
        shares = f"  {cores[0]:.2f}/{cores[3]:.2f}/{cores[4]:.2f}"
        print(f"{phase:<16} {_row(row)}{shares}", flush=True)
        per_core.setdefault(user_class, []).append(rate / max(cores[0], 0.01))
        if user_class == "Ceiling":
            ceilings.append(rate)
        else:
            rates[phase] = rate
    ceiling = sum(ceilings) / len(ceilings)
    ratios = {phase: rate / ceiling for phase, rate in rates.items()}
    print(f"throughput / ceiling (mean of the two /livez runs, {ceiling:.0f} req/s):")
    print("  " + ", ".join(f"{phase} {ratio:.2f}" for phase, ratio in ratios.items()))
    # The same per core the web server actually got: other jobs on the machine take their
    # share at random, and the ratio per web core is the part that depends on the code.
    ceiling_per_core = sum(per_core["Ceiling"]) / len(per_core["Ceiling"])
    print(f"same, per core the web server used (ceiling {ceiling_per_core:.0f} req/s per core):")
    print(
        "  "
        + ", ".join(
            f"{phase} {per_core[cls][0] / ceiling_per_core:.2f}"
            for phase, cls in PROBES
            if cls != "Ceiling"
        )
    )
    return ratios, errors


def mixed(args) -> tuple[float, int, list[dict]]:
    print(f"\nmixed load: 200 holders reading + 100 wallets voting for {args.duration}s")
    print("latencies after all 300 users have started (6 s ramp-up); errors over the whole run")
    with CpuMeter(args.stack["pids"]):
        rows = run_locust(
            "mixed",
            ["Holder", "Wallet"],
            users=300,
            seconds=args.duration,
            max_requests=args.max_requests,
            spawn_rate=50,
            reset_stats=True,
        )
    print(HEADER)
    for row in rows:
        print(_row(row), flush=True)
    print(f"{'all':<24} {sum(float(r['Requests/s']) for r in rows):>23.1f} req/s")
    worst = max(float(row["99%"]) for row in rows)
    results = json.loads(RESULTS_FILE.read_text())
    print(f"whole run: {results['requests']} requests, {results['failures']} errors")
    return worst, results["failures"], results["receipts"]


def check_votes(stack: dict, receipts: list[dict]) -> int:
    """Accepted votes against the database and the recount; returns the number of problems."""
    chain_port = urlsplit(stack["chain_rpc_url"]).port
    os.environ.update(bench_env(chain_port=chain_port))
    import django

    django.setup()
    from proposals.models import Proposal, Vote
    from proposals.verify import verify_proposal

    proposal_id = stack["proposal_id"]
    votes = Vote.objects.filter(proposal_id=proposal_id)
    # digest -> (timestamp, arrival id) of every stored receipt; the digest is unique there.
    stored = {d: (pk, ts) for d, ts, pk in votes.values_list("digest", "timestamp", "id")}
    missing = sorted({r["digest"] for r in receipts} - stored.keys())
    counted = {v: stored[d] for v, d in votes.filter(counted=True).values_list("voter", "digest")}
    # A wallet's latest accepted vote (the last to arrive: proposals/tally.py) must be the
    # counted one, unless a newer receipt replaced it that the client never saw acknowledged
    # (in flight when the run ended).
    latest: dict[str, tuple[int, int]] = {}
    for r in receipts:
        if r["digest"] in stored:
            latest[r["voter"]] = max(latest.get(r["voter"], (0, 0)), stored[r["digest"]])
    replaced = sorted(v for v, newest in latest.items() if counted.get(v, (0, 0)) < newest)
    new = sum(1 for r in receipts if r["created"])
    print(
        f"\nvotes: {len(receipts)} accepted ({new} new receipts, {len(receipts) - new} repeats) "
        f"from {len(latest)} wallets; {len(stored)} receipts in the database"
    )
    print(f"  accepted but not in the database: {len(missing)} {missing[:3]}")
    print(f"  wallets whose latest accepted vote is not counted: {len(replaced)} {replaced[:3]}")
    if len(stored) != new:
        print(f"  note: {len(stored) - new} stored receipts were never acknowledged (run ended)")
    proposal = Proposal.objects.select_related("author").get(pk=proposal_id)
    result = verify_proposal(proposal)
    tally = result.tally
    print(
        f"recount (verify_tally: signatures + chain powers): for={tally.for_power} "
        f"against={tally.against_power} abstain={tally.abstain_power} "
        f"-> {'equals the stored tally' if result.ok else 'MISMATCH'}"
    )
    for problem in result.mismatches:
        print(f"  MISMATCH: {problem}")
    if not receipts:
        print("  no vote was accepted: nothing was checked (counted as one problem)")
    return len(missing) + len(replaced) + len(result.mismatches) + (0 if receipts else 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attach", action="store_true", help="use a running bench/stack.py")
    parser.add_argument("--duration", type=int, default=60, help="mixed-load seconds")
    parser.add_argument("--probe-seconds", type=int, default=10)
    parser.add_argument("--probe-users", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=200_000, help="per Locust run")
    args = parser.parse_args()
    stack_proc = None if args.attach else start_stack()
    try:
        stack = json.loads(STACK_FILE.read_text())
        host = urlsplit(stack["url"]).hostname
        if host != "127.0.0.1":
            raise SystemExit(f"loopback only: refusing to load {host}")
        args.stack = stack
        ratios, probe_errors = saturation(args)
        p99, mixed_errors, receipts = mixed(args)
        lost = check_votes(stack, receipts)
    finally:
        if stack_proc is not None:
            stack_proc.send_signal(signal.SIGTERM)
            stack_proc.wait(60)
    print(
        f"load: list_ratio={ratios['list page']:.2f} detail_ratio={ratios['detail page']:.2f} "
        f"p99_ms={p99:.0f} errors={probe_errors + mixed_errors} lost_votes={lost}"
    )


if __name__ == "__main__":
    main()
