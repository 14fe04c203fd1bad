"""Stewards' Safe, end to end (not a timed test). Run: .venv/bin/python bench/safe_ops.py [--n 20]

On a fresh Anvil with a 2-of-3 stewards' Safe (dev accounts 0, 1, 2) and the relayer on dev
account 9 (no role anywhere):

1. N passed recognition proposals are approved: for each, two stewards sign the Safe's
   ``scheduleBatch`` SafeTx (EIP-712, as a wallet's eth_signTypedData_v4), the service checks
   each signature (owner, hash, Safe, chain, nonce), and at 2 of 2 the relay (Celery, eager
   here) sends ``execTransaction``; after the timelock delay each batch is executed (anyone may);
2. a grant-budget proposal funds a program the same way, then N milestones are accepted and
   each payout (the Safe's ``GrantEscrow.payoutOnce``) is signed by two stewards and relayed.

Everything runs through the services a worker runs, on the configured database (a throwaway
one: var/bench-safe.sqlite3, or <name>_bench_safe on the server in DATABASE_URL). Prints the
wall time and the gas per step; last line exactly:
``safe-ops: approvals=N payouts=N wall_s=X per_approval_ms=Y per_payout_ms=Z``.
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
os.environ.setdefault("DJANGO_DEBUG", "1")  # development settings: a bench, not a deployment
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ["JCTGOV_TIMELOCK_DELAY_S"] = "3600"  # governance.timelock_delay_s = minDelay
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from eth_account import Account  # noqa: E402

from jctgov.chain import client  # noqa: E402
from jctgov.chain.anvil import start_anvil, stop_anvil  # noqa: E402
from jctgov.chain.deploy import deploy_all  # noqa: E402
from jctgov.chain.devkeys import DEV_KEYS, dev_address  # noqa: E402
from jctgov.chain.models import ChainOperation  # noqa: E402

WEI = 10**18
DELAY = 3600


def use_throwaway_database() -> None:
    db = settings.DATABASES["default"]
    sqlite = db["ENGINE"].endswith("sqlite3")
    db.setdefault("TEST", {})["NAME"] = (
        str(settings.VAR_DIR / "bench-safe.sqlite3") if sqlite else f"{db['NAME']}_bench_safe"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def sign(op_id: int, who: int) -> None:
    from jctgov.chain import operations as ops

    op = ops.get_operation(op_id)
    account = Account.from_key(DEV_KEYS[who])
    signed = account.sign_typed_data(full_message=ops.typed_data(op))
    ops.operation_sign(
        operation_id=op.pk,
        signer=account.address,
        signature="0x" + bytes(signed.signature).hex(),
        safe_tx_hash=op.safe_tx_hash,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    n = parser.parse_args().n
    use_throwaway_database()
    anvil = start_anvil()
    try:
        settings.CHAIN_RPC_URL = anvil.rpc_url
        settings.JCTGOV_EXECUTOR_KEY = DEV_KEYS[9]  # the relayer: no role anywhere
        client.reset_web3()
        deployed = deploy_all(
            client.get_web3(),
            DEV_KEYS[0],
            safe_owners=[dev_address(i) for i in range(3)],
            safe_threshold=2,
            timelock_delay_s=DELAY,
            seed=True,
            demo_locks=False,
        )
        client.set_deployments(deployed)
        run(n)
    finally:
        stop_anvil(anvil)
        connection.creation.destroy_test_db(
            settings.DATABASES["default"]["NAME"], verbosity=0, keepdb=False
        )


def run(n: int) -> None:
    from grants import services as grants
    from grants.models import Milestone, MilestoneState, Program
    from grants.services.milestones import payout_operation
    from jctgov.wallets.services import steward_grant
    from proposals import services
    from proposals.models import Proposal, ProposalKind, ProposalState
    from tests.factories import UserFactory
    from tests.grants.factories import approved_application
    from tests.proposals.factories import make_succeeded

    steward = steward_grant(address=dev_address(2))
    started = time.perf_counter()
    ids = []
    for i in range(n):
        to = Account.create().address
        payload = {
            "recipients": [{"recipient": to, "amount": str(WEI), "reason": "Kept GPUs up"}],
            "total": str(WEI),
        }
        ids.append(
            make_succeeded(title=f"Thanks {i}", kind=ProposalKind.RECOGNITION, payload=payload).pk
        )
    budget = make_succeeded(
        title="GPU tools",
        kind=ProposalKind.GRANT_BUDGET,
        payload={"program_name": "GPU tools", "description": "", "amount": str(n * 10 * WEI)},
    )
    t0 = time.perf_counter()
    for pk in [*ids, budget.pk]:
        op = services.proposal_approval_open(proposal_id=pk)
        sign(op.pk, 0)
        sign(op.pk, 1)  # 2 of 2: relayed (eager Celery, after commit)
    approvals_s = time.perf_counter() - t0
    client.evm_increase_time(DELAY + 1)
    client.evm_mine()
    t1 = time.perf_counter()
    for pk in [*ids, budget.pk]:
        services.proposal_execute(proposal_id=pk)
    execute_s = time.perf_counter() - t1
    states = set(Proposal.objects.filter(pk__in=[*ids, budget.pk]).values_list("state", flat=True))
    assert states == {ProposalState.EXECUTED}, states

    program = Program.objects.get(source_proposal=budget)
    reviewers = [UserFactory(), UserFactory()]
    grants.program_update(
        program_id=program.pk, actor=steward, reviewers=[r.address for r in reviewers]
    )
    milestones = []
    for _ in range(max(n // 5, 1)):
        application = approved_application(program, steward, reviewers, amount=50 * WEI, parts=5)
        milestones += list(application.milestones.all())
    milestones = milestones[:n]
    for m in milestones:
        grants.milestone_report(
            milestone_id=m.pk, actor=m.application.applicant, evidence_url="", text="Done"
        )
        grants.milestone_accept(milestone_id=m.pk, actor=steward)  # opens the payout SafeTx
    t2 = time.perf_counter()
    for m in milestones:
        op = payout_operation(m.pk)
        sign(op.pk, 0)
        sign(op.pk, 1)
    payouts_s = time.perf_counter() - t2
    wall = time.perf_counter() - started
    paid = Milestone.objects.filter(pk__in=[m.pk for m in milestones], state=MilestoneState.PAID)
    assert paid.count() == len(milestones)

    w3 = client.get_web3()

    def gas(kind: str) -> int:
        txs = ChainOperation.objects.filter(kind=kind, state="done").values_list(
            "tx_hash", flat=True
        )
        used = [int(w3.eth.get_transaction_receipt(t)["gasUsed"]) for t in txs]
        return sum(used) // max(len(used), 1)

    print(f"approvals: {n + 1} proposals, 2-of-3 signatures each, relayed: {approvals_s:.2f}s")
    print(f"executions: {n + 1} timelock batches (open executor): {execute_s:.2f}s")
    print(
        f"payouts: {len(milestones)} milestones, 2-of-3 signatures each, relayed: {payouts_s:.2f}s"
    )
    print(
        f"gas per step: schedule (execTransaction) {gas('schedule')}, "
        f"execute {gas('execute')}, payout (execTransaction) {gas('payout')}"
    )
    print(
        f"safe-ops: approvals={n} payouts={len(milestones)} wall_s={wall:.1f} "
        f"per_approval_ms={1000 * approvals_s / (n + 1):.0f} "
        f"per_payout_ms={1000 * payouts_s / len(milestones):.0f}"
    )


if __name__ == "__main__":
    main()
