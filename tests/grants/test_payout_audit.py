"""verify_executions on grant payouts: a payout matches an accepted milestone's reference, to its
payout address, for its amount, within the program's budget; any other payout is flagged."""

from __future__ import annotations

from eth_account import Account

from grants import services
from proposals.executions import NO_MATCH, executions_audit
from tests.grants.factories import fund_escrow
from tests.grants.test_payouts import accept, approved  # noqa: F401 (fixture)

WEI = 10**18


def pay(chain, escrow_program_id: int, to: str, amount: int, ref: str) -> str:
    """GrantEscrow.payoutOnce sent with the payer's authority (the stewards' Safe once deployed,
    else the executor), as the payout flow would send it."""
    payer = chain.deployments.get("Safe") or chain.deployments["executor"]
    fn = chain.contract("GrantEscrow").functions.payoutOnce(
        escrow_program_id, to, amount, bytes.fromhex(ref[2:])
    )
    return chain.as_contract(payer, fn)["tx_hash"]


def payout_rows():
    return [r for r in executions_audit().rows if r.kind == "payout"]


def test_a_payout_of_an_accepted_milestone_matches_it(
    approved,  # noqa: F811
    chain,
    steward,
    django_capture_on_commit_callbacks,
):
    milestone = accept(approved.milestones.first(), steward, django_capture_on_commit_callbacks)
    program_id = approved.program.escrow_program_id
    tx = pay(
        chain, program_id, approved.payout_address, int(milestone.amount), milestone.payout_ref
    )
    [row] = payout_rows()
    assert (row.tx_hash, row.operation, row.matched, row.ok) == (
        tx,
        milestone.payout_ref,
        f"milestone #{milestone.pk}",
        True,
    )
    assert "within budget" in row.reason


def test_payouts_no_milestone_allows_are_flagged(
    approved,  # noqa: F811
    chain,
    steward,
    django_capture_on_commit_callbacks,
):
    first, second = approved.milestones.order_by("position")
    first = accept(first, steward, django_capture_on_commit_callbacks)
    program_id = approved.program.escrow_program_id
    outsider = Account.create().address
    pay(chain, program_id, outsider, 500 * WEI, "0x" + "ab" * 32)  # a reference nobody accepted
    pay(chain, program_id, outsider, int(first.amount), first.payout_ref)  # the wrong address
    services.milestone_report(
        milestone_id=second.pk,
        actor=approved.applicant,
        evidence_url="https://example.org/v2",
        text="v2",
    )
    second.refresh_from_db()
    assert second.payout_ref is None  # reported, never accepted: no reference to pay
    unknown, wrong_address = payout_rows()
    assert (unknown.matched, unknown.ok) == (NO_MATCH, False)
    assert unknown.reason == "no milestone carries this payout reference"
    assert (wrong_address.matched, wrong_address.ok) == (f"milestone #{first.pk}", False)
    assert "not the application's payout address" in wrong_address.reason
    assert not executions_audit().ok


def test_a_payout_beyond_the_program_budget_is_flagged(
    approved,  # noqa: F811
    chain,
    steward,
    django_capture_on_commit_callbacks,
):
    """The escrow holds more than the program's voted 1,000 JCT (an unvoted top-up); an unvoted
    990 JCT payout leaves the accepted milestone's 50 JCT over the budget: both are flagged."""
    milestone = accept(approved.milestones.first(), steward, django_capture_on_commit_callbacks)
    program_id = approved.program.escrow_program_id
    fund_escrow(chain, program_id, 1_000 * WEI)
    pay(chain, program_id, Account.create().address, 990 * WEI, "0x" + "cd" * 32)
    pay(chain, program_id, approved.payout_address, int(milestone.amount), milestone.payout_ref)
    rogue, legit = payout_rows()
    assert (rogue.matched, rogue.ok) == (NO_MATCH, False)
    assert (legit.matched, legit.ok) == (f"milestone #{milestone.pk}", False)
    assert f"the program's payouts reach {1_040 * WEI} wei, over its budget" in legit.reason
