"""Vote benchmark (not a timed test). Run: .venv/bin/python bench/votes.py [--votes N] [--tally M]

Ingest: N (10,000) distinct voters each POST one EIP-712 signed vote to
``/api/v1/proposals/{id}/votes`` through the WSGI application, as a WSGI server would call it:
middleware, URL routing, the per-client vote throttle, JSON parsing, the input serializer, the
``vote_cast`` service (input checks, EIP-712 digest, signature recovery with coincurve, the
proposal row lock, snapshot power, duplicate and replacement lookups, insert) and the JSON
receipt. Signing happens before the clock starts. Each voter comes from its own client address
(the throttle counts per address). One database connection serves every request, as
``CONN_MAX_AGE`` gives production on PostgreSQL. For comparison with earlier figures the same
is then timed calling the service directly (no HTTP layer), and again with ``--delegating``
(30 %) of the voters having delegated to 50 of the others (delegates' votes sum their
delegators; delegators' votes take their power back from their delegate's vote).

Tally: M (100,000) counted votes are bulk-inserted, then the live tally (one SQL aggregate,
``proposals.selectors.vote_totals``) is timed.

Wall-clock rates are the figures; the CPU time of this process is printed beside them, since on
a shared machine other processes stretch wall time (the database server's own CPU time, on
PostgreSQL, is not in it).

Uses a throwaway database (SQLite file var/bench-votes.sqlite3, or <name>_bench_votes on the
server in DATABASE_URL). Last line exactly: ``votes: ingest_per_s=X tally_100k_s=Y``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jctgov.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import signals  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry  # noqa: E402
from proposals import eip712, selectors, services  # noqa: E402
from proposals.models import Proposal, Vote  # noqa: E402
from tests.proposals.factories import WEI, Voter, make_active  # noqa: E402


def use_throwaway_database() -> str:
    """Create the throwaway database and point the connection at it; returns the real name."""
    db = settings.DATABASES["default"]
    real_name = db["NAME"]
    sqlite = db["ENGINE"].endswith("sqlite3")
    db.setdefault("TEST", {})["NAME"] = (
        str(settings.VAR_DIR / "bench-votes.sqlite3") if sqlite else f"{db['NAME']}_bench_votes"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    # Production runs with DEBUG off: no per-query logging in the measured path.
    settings.DEBUG = False
    # Keep one connection for every request (CONN_MAX_AGE does this in production on
    # PostgreSQL; the SQLite settings close it after each request, which would measure
    # reconnecting rather than voting).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    return real_name


def signed_votes(count: int, block: int, delegating: float = 0.0) -> tuple[Proposal, list[dict]]:
    """An active proposal, a stored power snapshot of ``count`` voters, and their signed votes.

    ``delegating``: that share of the voters had delegated to one of the first 50 voters (who
    vote first, carrying them; then each delegator's own vote takes its power back)."""
    voters = [Voter() for _ in range(count)]
    proposal = make_active(snapshot_block=block, total_supply=count * WEI)
    snapshot = PowerSnapshot.objects.create(
        block_number=block, block_hash="0x" + "00" * 32, total_supply=count * WEI, holders=count
    )
    tenths = round(delegating * 10)  # voter i delegates when i % 10 < tenths
    PowerSnapshotEntry.objects.bulk_create(
        [
            PowerSnapshotEntry(
                snapshot=snapshot,
                address=v.address,
                power=WEI,
                delegate=voters[i % 50].address if i >= 50 and i % 10 < tenths else "",
            )
            for i, v in enumerate(voters)
        ],
        batch_size=2_000,
    )
    domain = eip712.Domain(proposal.chain_id, proposal.verifying_contract)
    now = int(timezone.now().timestamp())
    bodies = []
    for index, voter in enumerate(voters):
        message = eip712.VoteMessage(proposal.uid, voter.address, index % 3 + 1, "", now)
        bodies.append(
            {
                "voter": voter.address,
                "choice": message.choice,
                "reason": "",
                "timestamp": now,
                "signature": voter.sign(eip712.vote_digest(domain, message)),
            }
        )
    return proposal, bodies


def wsgi_environ(path: str, body: bytes, client: int, method: str = "POST") -> dict:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": f"10.{client >> 16 & 255}.{client >> 8 & 255}.{client & 255}",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
    }


def bench_ingest_api(count: int) -> float:
    proposal, bodies = signed_votes(count, block=10)
    app = WSGIHandler()
    path = f"/api/v1/proposals/{proposal.pk}/votes"
    payloads = [json.dumps(body).encode() for body in bodies]
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    b"".join(app(wsgi_environ(path, b"", count, "GET"), start_response))  # warm up: imports
    assert statuses.pop() == "200 OK"
    started = time.perf_counter()
    cpu = time.process_time()
    for index, payload in enumerate(payloads):
        b"".join(app(wsgi_environ(path, payload, index), start_response))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert statuses == ["201 Created"] * count, set(statuses)
    assert Vote.objects.filter(proposal=proposal, counted=True).count() == count
    rate = count / elapsed
    print(
        f"ingest through the API: {count} votes in {elapsed:.2f}s = {rate:.0f} votes/s "
        f"(this process's CPU: {cpu:.2f}s = {count / cpu:.0f} votes per CPU-second)"
    )
    return rate


def bench_ingest_service(count: int, delegating: float = 0.0) -> float:
    proposal, bodies = signed_votes(count, block=12 if delegating else 11, delegating=delegating)
    started = time.perf_counter()
    cpu = time.process_time()
    for body in bodies:
        services.vote_cast(proposal_id=proposal.pk, **body)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert Vote.objects.filter(proposal=proposal, counted=True).count() == count
    rate = count / elapsed
    tally = selectors.proposal_tally(proposal)
    assert tally.for_power + tally.against_power + tally.abstain_power == count * WEI
    what = f", {delegating:.0%} of voters delegating" if delegating else ""
    print(
        f"ingest calling vote_cast{what}: {count} votes in {elapsed:.2f}s = {rate:.0f} votes/s "
        f"(this process's CPU: {cpu:.2f}s = {count / cpu:.0f} votes per CPU-second)"
    )
    return rate


def bench_tally(count: int) -> float:
    proposal = make_active(snapshot_block=20, total_supply=count * WEI)
    Vote.objects.bulk_create(
        [
            Vote(
                digest=f"0x{i:064x}",
                proposal=proposal,
                voter=f"0x{i + 1:040x}",
                choice=i % 3 + 1,
                reason="",
                timestamp=1,
                signature="0x" + "00" * 65,
                power=WEI + i,
                counted=True,
            )
            for i in range(count)
        ],
        batch_size=5_000,
    )
    selectors.vote_totals(proposal)  # warm the cache once; the timed run is the next one
    started = time.perf_counter()
    totals = selectors.vote_totals(proposal)
    elapsed = time.perf_counter() - started
    assert sum(totals.values()) == count * WEI + count * (count - 1) // 2
    print(f"tally: {count} votes aggregated in {elapsed:.3f}s -> {totals}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=10_000)
    parser.add_argument("--tally", type=int, default=100_000)
    parser.add_argument(
        "--delegating",
        type=float,
        default=0.3,
        help="also time vote_cast with this share of voters delegating (0: skip)",
    )
    args = parser.parse_args()
    real_name = use_throwaway_database()
    print(f"database: {connection.vendor}")
    try:
        rate = bench_ingest_api(args.votes)
        bench_ingest_service(args.votes)
        if args.delegating:
            bench_ingest_service(args.votes, args.delegating)
        seconds = bench_tally(args.tally)
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0)
    print(f"votes: ingest_per_s={rate:.0f} tally_100k_s={seconds:.3f}")


if __name__ == "__main__":
    main()
