"""Vote benchmark (not a timed test). Run: .venv/bin/python bench/votes.py [--votes N] [--tally N]

Ingest: N (10,000) distinct voters each send one EIP-712 signed vote through
``proposals.services.vote_cast`` — the API's code path without HTTP: input checks, digest,
signature recovery (coincurve), duplicate lookup, snapshot power lookup, row lock, insert.
Signing happens before the clock starts. Voting power comes from a stored snapshot (the chain
app's PowerSnapshot when it exists, otherwise an in-memory stand-in — printed below).

Tally: M (100,000) counted votes are bulk-inserted, then the live tally (one SQL aggregate,
``proposals.selectors.vote_totals``) is timed.

Uses a throwaway database (SQLite file var/bench-votes.sqlite3, or test_bench_votes on the
server in DATABASE_URL). Last line exactly: ``votes: ingest_per_s=X tally_100k_s=Y``.
"""

from __future__ import annotations

import argparse
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
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from proposals import eip712, power, selectors, services  # noqa: E402
from proposals.models import Vote  # noqa: E402
from tests.proposals.factories import WEI, Voter, make_active  # noqa: E402


def use_throwaway_database() -> None:
    db = settings.DATABASES["default"]
    sqlite = db["ENGINE"].endswith("sqlite3")
    db.setdefault("TEST", {})["NAME"] = (
        str(settings.VAR_DIR / "bench-votes.sqlite3") if sqlite else "test_bench_votes"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def store_snapshot(block: int, powers: dict[str, int]) -> str:
    """Store voting power the way production does, if the chain app's models exist."""
    try:
        from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
    except ImportError:
        snap = type("Snapshot", (), {"total_supply": sum(powers.values()), "powers": powers})()
        power.snapshot_at = lambda b: snap if b == block else None
        power.snapshot_power = lambda s, addr: s.powers.get(addr, 0)
        return "in-memory stand-in (jctgov.chain.models not available)"
    snapshot = PowerSnapshot.objects.create(
        block_number=block,
        block_hash="0x" + "00" * 32,
        total_supply=sum(powers.values()),
        holders=len(powers),
        taken_at=timezone.now(),
    )
    PowerSnapshotEntry.objects.bulk_create(
        [PowerSnapshotEntry(snapshot=snapshot, address=a, power=p) for a, p in powers.items()],
        batch_size=2_000,
    )
    return "PowerSnapshot rows in the database"


def bench_ingest(count: int) -> float:
    voters = [Voter() for _ in range(count)]
    proposal = make_active(snapshot_block=10, total_supply=count * WEI)
    source = store_snapshot(10, {v.address: WEI for v in voters})
    print(f"voting power source: {source}")
    domain = eip712.Domain(proposal.chain_id, proposal.verifying_contract)
    separator = eip712.domain_separator(domain)
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
                "signature": voter.sign(eip712.vote_digest(domain, message, separator=separator)),
            }
        )
    started = time.perf_counter()
    for body in bodies:
        services.vote_cast(proposal_id=proposal.pk, **body)
    elapsed = time.perf_counter() - started
    assert Vote.objects.filter(proposal=proposal, counted=True).count() == count
    rate = count / elapsed
    print(f"ingest: {count} votes in {elapsed:.2f}s = {rate:.0f} votes/s")
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
    args = parser.parse_args()
    use_throwaway_database()
    print(f"database: {connection.vendor}")
    rate = bench_ingest(args.votes)
    seconds = bench_tally(args.tally)
    print(f"votes: ingest_per_s={rate:.0f} tally_100k_s={seconds:.3f}")


if __name__ == "__main__":
    main()
