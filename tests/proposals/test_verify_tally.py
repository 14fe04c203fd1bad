"""verify_tally against the real Anvil chain: it recomputes the result from balanceOfAtBlock /
totalSupplyAtBlock at the snapshot block and the stored signatures alone, and any tampering
with what the database stored makes it fail (exit status 1)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jctgov.chain import client
from proposals import eip712
from proposals.models import ProposalState, Vote
from tests.fixtures.worker import _database_url
from tests.proposals.factories import WEI, vote_body

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def closed(governance_chain):
    """Accounts 2–5 hold veJCT; 2 changes its mind (Against → For), 3 Against, 4 Abstain."""
    governance_chain.lock({1: 1_000, 2: 600, 3: 300, 4: 100, 5: 50})
    proposal = governance_chain.activate(governance_chain.publish())
    governance_chain.cast(proposal, 2, 2, at=10)
    governance_chain.cast(proposal, 2, 1, at=20, reason="convinced")
    governance_chain.cast(proposal, 3, 2, at=30)
    governance_chain.cast(proposal, 4, 3, at=40)
    return governance_chain.close(proposal)


def verify(ref) -> None:
    call_command("verify_tally", str(ref))


def test_honest_result_is_verified_from_the_chain(closed, governance_chain, capsys):
    accounts = governance_chain.chain.accounts
    power = {i: client.vejct_balance_at(accounts[i], closed.snapshot_block) for i in (2, 3, 4)}
    verify(closed.uid)
    out = capsys.readouterr().out
    assert f"for      {power[2]}" in out
    assert f"against  {power[3]}" in out
    assert f"abstain  {power[4]}" in out
    assert f"total veJCT {client.vejct_total_supply_at(closed.snapshot_block)}" in out
    assert "outcome  succeeded" in out and "verified" in out
    assert closed.state == ProposalState.SUCCEEDED
    verify(closed.pk)  # by id as well as by uid


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda p: Vote.objects.filter(choice=2).update(power=10**30), "but chain says"),
        (lambda p: Vote.objects.filter(choice=3).update(choice=2), "signature_mismatch"),
        (
            lambda p: Vote.objects.filter(choice=3).update(
                signature="0x" + "11" * 32 + "22" * 32 + "1b"
            ),
            "receipt",
        ),
        (
            lambda p: Vote.objects.filter(reason="convinced").update(counted=False),
            "counted votes differ",
        ),
        (
            lambda p: type(p).objects.filter(pk=p.pk).update(state=ProposalState.DEFEATED),
            "outcome",
        ),
        (
            lambda p: type(p).objects.filter(pk=p.pk).update(for_power=p.for_power + 1),
            "for_power",
        ),
        (
            lambda p: type(p).objects.filter(pk=p.pk).update(snapshot_total_supply=WEI),
            "total supply",
        ),
        (lambda p: type(p).objects.filter(pk=p.pk).update(title="Edited"), "uid"),
    ],
    ids=[
        "power",
        "choice",
        "signature",
        "counted",
        "outcome",
        "stored-total",
        "supply",
        "content",
    ],
)
def test_any_tampering_fails_verification(closed, capsys, tamper, problem):
    tamper(closed)
    with pytest.raises(CommandError):
        verify(closed.pk)
    assert problem in capsys.readouterr().err


def test_a_signed_vote_stored_outside_the_voting_window_is_reported(
    closed, governance_chain, capsys
):
    """A genuine signature is not enough: the vote must have been signed inside the window."""
    late = vote_body(
        closed, governance_chain.voter(5), timestamp=int(closed.ends_at.timestamp()) + 60
    )
    digest = eip712.vote_digest(
        eip712.Domain(closed.chain_id, closed.verifying_contract),
        eip712.VoteMessage(closed.uid, late["voter"], late["choice"], "", late["timestamp"]),
    )
    Vote.objects.create(
        digest="0x" + digest.hex(),
        proposal=closed,
        counted=False,
        power=client.vejct_balance_at(late["voter"], closed.snapshot_block),
        **late,
    )
    with pytest.raises(CommandError):
        verify(closed.pk)
    assert "outside the voting window" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_verify_tally_command_exits_non_zero_on_a_mismatch(closed):
    """The real command in its own process, reading the same database and chain."""
    env = dict(
        os.environ,
        DATABASE_URL=_database_url(),
        CHAIN_RPC_URL=client.get_web3().provider.endpoint_uri,
    )
    deployments = ROOT / "var" / f"verify-deployments-{os.getpid()}.json"
    client.write_deployments(client.deployments(), deployments)
    env["CHAIN_DEPLOYMENTS_FILE"] = str(deployments)

    def run():
        return subprocess.run(
            [sys.executable, "manage.py", "verify_tally", closed.uid],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    try:
        honest = run()
        assert honest.returncode == 0, honest.stderr
        assert "verified" in honest.stdout
        Vote.objects.filter(choice=2).update(power=10**30)
        tampered = run()
        assert tampered.returncode == 1
        assert "MISMATCH" in tampered.stderr and "NOT verified" in tampered.stderr
    finally:
        deployments.unlink(missing_ok=True)
