"""The chain-operation kit against the real Safe v1.4.1 on Anvil: every refused signature with its
code, the threshold, duplicate deliveries, a nonce taken by another SafeTx, and a relayer that
never races itself."""

from __future__ import annotations

import pytest
from django.db import connection
from eth_account import Account

from jctgov.chain import client as chain_client
from jctgov.chain import operations as ops
from jctgov.chain import safe
from jctgov.chain.models import ChainOperation, OperationSignature
from jctgov.core.errors import ApplicationError
from proposals import services
from proposals.models import Proposal, ProposalKind, ProposalState
from tests.proposals.factories import WEI, make_succeeded
from tests.proposals.test_execution import DELAY, executed_txs, recognition

pytestmark = pytest.mark.django_db
S = ProposalState


def refused(code: str, fn) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        fn()
    assert info.value.code == code, info.value.message
    return info.value


def post_signature(client, op, *, signer, signature, safe_tx_hash=None):
    return client.post(
        f"/api/v1/chain/operations/{op.pk}/signatures",
        {"signer": signer, "signature": signature, "safe_tx_hash": safe_tx_hash or op.safe_tx_hash},
        content_type="application/json",
    )


def test_every_bad_signature_is_refused_with_its_code_and_nothing_is_stored(safe_2_of_3, client):
    chain = safe_2_of_3
    op = services.proposal_approval_open(proposal_id=make_succeeded().pk)
    typed = ops.typed_data(op)
    owner = chain.accounts[0]

    def answer(**kwargs):
        response = post_signature(client, op, **kwargs)
        return response.status_code, response.json()["error"]["code"]

    outsider = Account.create()
    by_outsider = chain.sign_typed_data(typed, outsider.key)
    assert answer(signer=outsider.address, signature=by_outsider) == (403, "not_safe_owner")
    other_chain = {**typed, "domain": {**typed["domain"], "chainId": 1}}
    assert answer(signer=owner, signature=chain.sign_typed_data(other_chain, 0)) == (
        400,
        "signature_mismatch",
    )
    other_safe = {**typed, "domain": {**typed["domain"], "verifyingContract": owner}}
    assert answer(signer=owner, signature=chain.sign_typed_data(other_safe, 0)) == (
        400,
        "signature_mismatch",
    )
    other_nonce = {**typed, "message": {**typed["message"], "nonce": "7"}}
    assert answer(signer=owner, signature=chain.sign_typed_data(other_nonce, 0)) == (
        400,
        "signature_mismatch",
    )
    good = chain.sign_typed_data(typed, 0)
    assert answer(signer=owner, signature=good, safe_tx_hash="0x" + "11" * 32) == (
        400,
        "safe_tx_hash_mismatch",
    )
    assert answer(signer=owner, signature="0x1234") == (400, "signature_malformed")
    assert answer(signer=owner, signature="not hex") == (400, "signature_malformed")
    missing = client.post(
        f"/api/v1/chain/operations/{op.pk}/signatures", {}, content_type="application/json"
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "field_required")
    unknown = client.get("/api/v1/chain/operations/999999")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "operation_not_found")
    assert OperationSignature.objects.count() == 0

    # A good one, delivered twice: stored once, 1 of 2, nothing sent below the threshold.
    head = chain.head()
    for _ in range(2):
        ok = post_signature(client, op, signer=owner.lower(), signature=good)
        assert ok.status_code == 200, ok.json()
        assert (ok.json()["signed"], ok.json()["threshold"], ok.json()["state"]) == (
            1,
            2,
            "collecting",
        )
    assert OperationSignature.objects.filter(operation=op).count() == 1
    assert chain.head() == head
    assert Proposal.objects.get(pk=op.subject_id).approved_at is None


def test_a_nonce_taken_by_another_safe_tx_rebuilds_the_pending_ones(
    safe_2_of_3, client, django_capture_on_commit_callbacks
):
    """Two approvals built at the same Safe nonce; the first reaches 2 of 2 and is relayed.
    The second, half signed, is rebuilt at the next nonce: its old signature no longer counts,
    its page says why, and a signature of the old SafeTx is refused with ``safe_tx_rebuilt``."""
    chain = safe_2_of_3
    first = services.proposal_approval_open(proposal_id=make_succeeded(title="First").pk)
    second = services.proposal_approval_open(proposal_id=make_succeeded(title="Second").pk)
    assert first.safe_nonce == second.safe_nonce == 0
    chain.sign_operation(second.pk, 1)
    stale_typed = ops.typed_data(second)
    with django_capture_on_commit_callbacks(execute=True):
        chain.sign_operation(first.pk, 0)
        chain.sign_operation(first.pk, 1)
    assert Proposal.objects.get(pk=first.subject_id).state == S.QUEUED
    assert safe.safe_nonce() == 1

    second.refresh_from_db()
    assert second.state == "superseded"
    rebuilt = ops.live_operation("proposals.proposal", second.subject_id, "schedule")
    assert rebuilt.safe_nonce == 1 and rebuilt.rebuilt_from_id == second.pk
    assert rebuilt.signatures.count() == 0 and "nonce 0 was used" in rebuilt.rebuilt_reason
    page = client.get(f"/proposals/{second.subject_id}/").content.decode()
    assert "0 of 2 signatures" in page and "nonce 0 was used" in page
    late = post_signature(
        client, second, signer=chain.accounts[2], signature=chain.sign_typed_data(stale_typed, 2)
    )
    assert (late.status_code, late.json()["error"]["code"]) == (409, "safe_tx_rebuilt")
    with django_capture_on_commit_callbacks(execute=True):
        chain.sign_operation(rebuilt.pk, 0)
        chain.sign_operation(rebuilt.pk, 2)
    assert Proposal.objects.get(pk=second.subject_id).state == S.QUEUED


def test_reverts_carry_the_decoded_name(chain):
    """ChainError.revert names the error; callers branch on it, never on the message text."""
    escrow = chain.contract("GrantEscrow")
    with pytest.raises(ops.ChainError) as info:
        chain.send(escrow.functions.payoutOnce(1, chain.accounts[1], 1, b"\0" * 32), 3)
    assert info.value.revert == "AccessControlUnauthorizedAccount"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_operations_falling_due_at_once_all_execute_once(postgres_only, chain, monkeypatch):
    """Five queued proposals become ready together; five threads execute them at once through
    the one relayer key: every one executes exactly once (no "nonce too low")."""
    from tests.grants.test_concurrency import at_once

    monkeypatch.setattr(ops, "_enqueue_relay", lambda *args: None)
    recipients, proposals = [], []
    for n in range(5):
        recipients.append(Account.create().address)
        proposal = make_succeeded(
            title=f"Recognition {n}",
            kind=ProposalKind.RECOGNITION,
            payload=recognition((recipients[-1], (n + 1) * WEI)),
        )
        op = services.proposal_approval_open(proposal_id=proposal.pk)
        chain.sign_operation(op.pk, 0)
        services.proposal_schedule(proposal_id=proposal.pk)
        proposals.append(proposal.pk)
    chain.increase_time(DELAY + 1)
    results = at_once([lambda pk=pk: services.proposal_execute(proposal_id=pk) for pk in proposals])
    connection.close()
    assert not [r for r in results if isinstance(r, Exception)], results
    for n, pk in enumerate(proposals):
        executed = Proposal.objects.get(pk=pk)
        assert executed.state == S.EXECUTED, (executed.failure_code, executed.failure_reason)
        assert executed_txs(executed.operation_id) == {executed.execute_tx}
        assert chain_client.token_balance("JCT", recipients[n]) == (n + 1) * WEI
    assert ChainOperation.objects.filter(kind="execute", state="done").count() == 5
